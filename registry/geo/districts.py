"""District boundaries and the spatial join that gives each asset its district.

Boundaries are stored in the `districts` table as GeoJSON in WGS84, so they are
published and mapped like everything else. Every change, to a boundary or to
an asset's `district`, goes through the store in one transaction and is
logged, so `commons log` shows why an asset's district changed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.formats.columns import normalise, suggest_column
from registry.model.errors import RegistryError, ValidationError, suggest

if TYPE_CHECKING:
    from registry.store.database import Registry, Txn

ID_GUESSES = ("id", "code", "codice", "codigo", "cod", "district_id", "fid", "objectid", "cod_quart", "cod_mun", "num", "numero")
NAME_GUESSES = (
    "name",
    "nome",
    "nom",
    "nombre",
    "denominazione",
    "denominacion",
    "quartiere",
    "barrio",
    "quartier",
    "district",
    "municipalita",
    "municipi",
    "barri",
    "label",
    "nome_quart",
    "nom_barri",
)


@dataclass
class DistrictsLoaded:
    """What loading boundaries did, and the join that followed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    assignment: Assignment | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Assignment:
    """What the spatial join changed: assets given a district, and those outside every boundary."""

    changed: list[tuple[str, str | None, str]] = field(default_factory=list)
    unchanged: int = 0
    outside: list[str] = field(default_factory=list)
    unlocated: int = 0


def _pick(columns: list[str], given: str | None, guesses: tuple[str, ...], what: str, option: str) -> str | None:
    if given is not None:
        if given not in columns:
            raise ValidationError(
                [f"{option} {given}: no column {given!r}{suggest_column(given, columns)}; the columns are: {', '.join(columns)}"]
            )
        return given
    by_norm = {normalise(c): c for c in columns}
    for guess in guesses:
        if guess in by_norm:
            return by_norm[guess]
    return None


def load_districts(
    registry: Registry,
    path: str | Path,
    *,
    id_column: str | None = None,
    name_column: str | None = None,
    layer: str | None = None,
    city: str | None = None,
    crs: str | None = None,
) -> DistrictsLoaded:
    """Store the boundaries of a GIS file and give every asset its district.

    Districts of the same city (or with no city, when none is given) that the
    file no longer holds are removed, so loading a corrected file replaces the
    old boundaries rather than piling up next to them.
    """
    path = Path(path)
    frame, crs_note = _read_boundaries(path, layer, crs)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    name_col = _pick(columns, name_column, NAME_GUESSES, "name", "--name-column")
    if name_col is None:
        raise ValidationError(
            [f"{path.name}: which column holds the district names? give it with --name-column; the columns are: {', '.join(columns)}"]
        )
    id_col = _pick(columns, id_column, ID_GUESSES, "id", "--id-column")
    result = DistrictsLoaded(notes=[crs_note] if crs_note else [])
    result.notes.append(f"district names from column {name_col!r}, ids from " + (f"column {id_col!r}" if id_col else "the names"))
    incoming = _districts(frame, path.name, name_col, id_col, city)
    from registry.store.database import transaction

    with transaction(registry) as txn:
        _store_districts(txn, incoming, city, result)
        result.assignment = _assign(txn)
    return result


def _read_boundaries(path: Path, layer: str | None, crs: str | None) -> tuple[Any, str | None]:
    """The file's one layer (or the one asked for) as a GeoDataFrame in WGS84, and a note on the CRS it came in."""
    import geopandas
    import pyogrio

    from registry.formats.locations import first_line, to_wgs84

    if not path.is_file():
        raise RegistryError(f"no file at {path}")
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        if layer is not None and layer not in layers:
            raise ValidationError([f"{path.name}: no layer {layer!r}{suggest(layer, layers)}; its layers are: {', '.join(layers)}"])
        if layer is None and len(layers) > 1:
            raise ValidationError([f"{path.name} holds {len(layers)} layers: {', '.join(layers)}; choose one with --layer NAME"])
        frame = geopandas.read_file(path, layer=layer, engine="pyogrio")
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds; all mean "cannot read"
        raise ValidationError([f"{path.name}: cannot read it as a GIS file ({first_line(exc)})"]) from None
    return to_wgs84(frame, path, crs)


def _districts(frame: Any, file_name: str, name_col: str, id_col: str | None, city: str | None) -> dict[str, dict[str, Any]]:
    """Every feature as a district row, by id; all problems found are raised together, before anything is stored."""
    import shapely

    problems: list[str] = []
    incoming: dict[str, dict[str, Any]] = {}
    attributes = frame.drop(columns=[frame.geometry.name]).to_dict("records")
    for n, (row, geometry) in enumerate(zip(attributes, frame.geometry, strict=True), start=1):
        where = f"{file_name} feature {n}"
        name = _text(row.get(name_col))
        district_id = _text(row.get(id_col)) if id_col else _slug(name or "")
        problem = _feature_problem(where, name, name_col, district_id, geometry, incoming)
        if problem:
            problems.append(problem)
            continue
        rounded = shapely.set_precision(shapely.force_2d(geometry), 1e-7, mode="pointwise")
        incoming[str(district_id)] = {
            "id": district_id,
            "name": name,
            "city": city,
            "geometry": json.dumps(shapely.geometry.mapping(rounded), separators=(",", ":")),
        }
    if problems:
        raise ValidationError(problems[:20] + ["no district was loaded; fix these features and load again"])
    return incoming


def _feature_problem(
    where: str, name: str | None, name_col: str, district_id: str | None, geometry: Any, seen: dict[str, Any]
) -> str | None:
    """What keeps one feature from being a district, in words; None when it can be one."""
    import shapely
    from shapely.validation import explain_validity

    if not name:
        return f"{where}: column {name_col!r} is empty; every district needs a name"
    if not district_id:
        return f"{where} ({name}): no id; give an id column with --id-column"
    if geometry is None or geometry.is_empty:
        return f"{where} ({name}): geometry is empty"
    geometry = shapely.force_2d(geometry)
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return f"{where} ({name}): geometry is a {geometry.geom_type}; district boundaries must be polygons"
    if not geometry.is_valid:
        return f"{where} ({name}): geometry is invalid ({explain_validity(geometry)}); fix it in a GIS (QGIS: Fix Geometries)"
    if district_id in seen:
        return f"{where} ({name}): id {district_id!r} appears twice; choose a unique --id-column"
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    return text or None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise(text)).strip("-")


def _rows(txn: Txn, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = txn.conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _store_districts(txn: Txn, incoming: dict[str, dict[str, Any]], city: str | None, result: DistrictsLoaded) -> None:
    existing = {row["id"]: row for row in _rows(txn, "SELECT * FROM districts", [])}
    for district_id, row in incoming.items():
        before = existing.get(district_id)
        if before is None:
            txn.insert("districts", row, district_id)
            result.added += 1
            continue
        changes = {k: v for k, v in row.items() if k != "id" and before.get(k) != v}
        if changes:
            txn.update("districts", {"id": district_id}, before, changes, district_id)
            result.updated += 1
        else:
            result.unchanged += 1
    for district_id, before in existing.items():
        if district_id not in incoming and before.get("city") == city:
            txn.delete("districts", {"id": district_id}, before, district_id)
            result.removed += 1


def assign_districts(registry: Registry) -> Assignment:
    """Give every located asset the name of the district its point falls in, logged; re-run after edits."""
    from registry.store.database import transaction

    with transaction(registry) as txn:
        return _assign(txn)


def _assign(txn: Txn) -> Assignment:
    import shapely
    from shapely.geometry import shape

    districts = _rows(txn, "SELECT id, name, geometry FROM districts ORDER BY id", [])
    assets = _rows(txn, "SELECT * FROM assets ORDER BY id", [])
    result = Assignment()
    if not districts:
        return result
    shapes = [shape(json.loads(d["geometry"])) for d in districts]
    areas = [s.area for s in shapes]
    tree = shapely.STRtree(shapes)
    for asset in assets:
        if asset.get("lat") is None or asset.get("lon") is None:
            result.unlocated += 1
            continue
        point = shapely.Point(asset["lon"], asset["lat"])
        hits = sorted(tree.query(point, predicate="intersects").tolist(), key=lambda i: (areas[i], districts[i]["id"]))
        if not hits:
            result.outside.append(asset["id"])
            continue
        # Where boundaries overlap, the smallest district is the most specific.
        name = districts[hits[0]]["name"]
        if asset.get("district") == name:
            result.unchanged += 1
            continue
        txn.update("assets", {"id": asset["id"]}, asset, {"district": name}, asset["id"])
        result.changed.append((asset["id"], asset.get("district"), name))
    return result
