"""Reading GIS files and CSVs with coordinates into rows the importer checks and inserts.

Every location leaves here in WGS84 longitude/latitude, whatever the file's
CRS, because that is what the registry, the maps and RFC 7946 GeoJSON speak.
Problems are collected for every feature before any is reported, so one run
shows all the fixes needed; `importing.import_or_preview` then keeps the import
all or nothing.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from registry.formats.columns import plan_columns
from registry.formats.limits import DEFAULT_LIMITS, ImportLimits, check_record_count
from registry.model.declaration import Kind
from registry.model.errors import RegistryError, ValidationError, suggest
from registry.model.kinds import get_kind

if TYPE_CHECKING:
    pass

from registry.formats.locations import SpatialRows, first_line, locate, placed_rows, plan_values, to_wgs84
from registry.formats.rows import table_header
from registry.formats.sheets import SHEET_SUFFIXES
from registry.formats.spatial_csv import read_csv_places

GIS_SUFFIXES = (".geojson", ".gpkg", ".zip", ".shp", ".fgb", ".gml", ".kml")


CSV_SUFFIXES = (".csv", ".tsv", ".txt")

# Files of rows under a header: CSVs and spreadsheets, whose coordinates (if any) are in columns.
TABLE_SUFFIXES = (*CSV_SUFFIXES, *SHEET_SUFFIXES)


def is_spatial_import(
    path: Path,
    kind_name: str,
    *,
    layer: str | None = None,
    columns: tuple[str, ...] = (),
    crs: str | None = None,
    sheet: str | None = None,
) -> bool:
    """Whether a file needs the spatial reader, or is a plain CSV/JSON/sheet the tabular importer reads.

    A CSV or sheet goes the spatial way only when its header is not already
    made of field names (it needs mapping or guessing), so plain exports keep
    their exact, fast path.
    """
    if layer or columns or crs:
        return True
    suffix = path.suffix.lower()
    if suffix in GIS_SUFFIXES:
        return True
    if suffix == ".json":
        return _looks_like_geojson(path)
    if suffix in TABLE_SUFFIXES and path.is_file():
        header = table_header(path, sheet)
        kind = get_kind(kind_name)
        # Kinds without a location (agreements) have nothing spatial to map: their CSVs stay tabular,
        # so an unknown column is named as such rather than blamed on a missing location.
        return "lat" in kind.field_names and bool(header) and not set(header) <= set(kind.field_names)
    return False


def _looks_like_geojson(path: Path) -> bool:
    try:
        with path.open("rb") as file:  # the head alone: a large import's JSON is read once, by its reader
            head = file.read(4096).decode("utf-8", "ignore")
    except OSError:
        return False
    return '"FeatureCollection"' in head or ('"Feature"' in head and '"geometry"' in head)


def read_spatial_rows(
    path: Path,
    kind_name: str,
    *,
    layer: str | None = None,
    columns: dict[str, str] | None = None,
    crs: str | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
    sheet: str | None = None,
) -> SpatialRows:
    """Rows from GeoJSON, GeoPackage, (zipped) Shapefile, CSV or spreadsheet, with locations in WGS84."""
    kind = get_kind(kind_name)
    if not path.is_file():
        raise RegistryError(f"no file at {path}")
    if "lat" not in kind.field_names:
        raise ValidationError([f"{kind.name} have no location, so they cannot come from a spatial file; import them from CSV or JSON"])
    if path.suffix.lower() in TABLE_SUFFIXES:
        found = read_csv_places(path, kind, columns or {}, crs, sheet)
        check_record_count(path, len(found.rows), limits)
        return found
    return _read_gis(path, kind, layer, columns or {}, crs, limits)


def _read_gis(path: Path, kind: Kind, layer: str | None, mapping: dict[str, str], crs: str | None, limits: ImportLimits) -> SpatialRows:
    import geopandas
    import pyogrio

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds; all mean "cannot read"
        raise ValidationError([f"{path.name}: cannot read it as a GIS file ({first_line(exc)})"]) from None
    if layer is not None and layer not in layers:
        raise ValidationError([f"{path.name}: no layer {layer!r}{suggest(layer, layers)}; its layers are: {', '.join(layers)}"])
    if layer is None and len(layers) > 1:
        raise ValidationError([f"{path.name} holds {len(layers)} layers: {', '.join(layers)}; choose one with --layer NAME"])
    chosen = layer or (layers[0] if layers else None)
    try:
        features = int(pyogrio.read_info(path, layer=chosen).get("features") or 0)  # counted from the file's header
    except Exception as exc:  # noqa: BLE001
        raise ValidationError([f"{path.name}: cannot read layer {chosen!r} ({first_line(exc)})"]) from None
    check_record_count(path, features, limits, "features")
    try:
        frame = geopandas.read_file(path, layer=chosen, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001
        raise ValidationError([f"{path.name}: cannot read layer {chosen!r} ({first_line(exc)})"]) from None
    named = f" layer {chosen!r}" if layer or len(layers) > 1 else ""
    notes = [f"read {len(frame)} features from {path.name}{named}"]
    frame, crs_note = to_wgs84(frame, path, crs)
    if crs_note:
        notes.append(crs_note)
    attribute_columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    plan = plan_columns(kind, attribute_columns, mapping, location_columns=False)
    notes += plan.notes(kind)
    records = frame.drop(columns=[frame.geometry.name]).to_dict("records")
    placings = (
        (f"{path.name} feature {n}: ", values, functools.partial(locate, kind, geometry, values))
        for n, (attributes, geometry) in enumerate(zip(records, frame.geometry, strict=True), start=1)
        for values in (plan_values(kind, plan, attributes),)
    )
    return placed_rows(kind, placings, "features", notes)
