"""Reading GIS files and CSVs with coordinates into rows the importer checks and inserts.

Every location leaves here in WGS84 longitude/latitude, whatever the file's
CRS, because that is what the registry, the maps and RFC 7946 GeoJSON speak.
Problems are collected for every feature before any is reported, so one run
shows all the fixes needed; `importing.import_or_preview` then keeps the import
all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.formats.columns import ColumnPlan, parse_columns, plan_columns
from registry.model.declaration import Kind
from registry.model.errors import RegistryError, ValidationError, suggest
from registry.model.kinds import get_kind

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from registry.formats.importing import ImportResult
    from registry.store.database import Registry

GIS_SUFFIXES = (".geojson", ".gpkg", ".zip", ".shp", ".fgb", ".gml", ".kml")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
COORDINATE_DECIMALS = 7
WGS84 = "EPSG:4326"
FIX_HINT = "fix it in a GIS (in QGIS: Vector ▸ Geometry Tools ▸ Fix Geometries)"

Row = tuple[str, dict[str, Any]]


@dataclass
class SpatialRows:
    """Rows ready for the importer, and what the user should read before they are written."""

    rows: list[Row]
    notes: list[str] = field(default_factory=list)


def is_spatial_import(
    path: Path, kind_name: str, *, layer: str | None = None, columns: tuple[str, ...] = (), crs: str | None = None
) -> bool:
    """Whether a file needs the spatial reader, or is a plain CSV/JSON the tabular importer reads.

    A CSV goes the spatial way only when its header is not already made of
    field names (it needs mapping or guessing), so plain exports keep their
    exact, fast path.
    """
    if layer or columns or crs:
        return True
    suffix = path.suffix.lower()
    if suffix in GIS_SUFFIXES:
        return True
    if suffix == ".json":
        return _looks_like_geojson(path)
    if suffix in CSV_SUFFIXES and path.is_file():
        header = _csv_header(path)
        kind = get_kind(kind_name)
        # Kinds without a location (agreements) have nothing spatial to map: their CSVs stay tabular,
        # so an unknown column is named as such rather than blamed on a missing location.
        return "lat" in kind.field_names and bool(header) and not set(header) <= set(kind.field_names)
    return False


def _looks_like_geojson(path: Path) -> bool:
    try:
        head = path.read_bytes()[:4096].decode("utf-8", "ignore")
    except OSError:
        return False
    return '"FeatureCollection"' in head or ('"Feature"' in head and '"geometry"' in head)


def _csv_header(path: Path) -> list[str]:
    """The column names of a CSV, split the same way the tabular reader splits its rows."""
    from registry.formats.rows import read_text, sniff_delimiter

    text = read_text(path)
    first = text.splitlines()[0] if text else ""
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    return [c.strip() for c in next(csv.reader([first], delimiter=delimiter), [])]


def import_spatial(
    registry: Registry,
    kind_name: str,
    path: str | Path,
    *,
    dry_run: bool = False,
    layer: str | None = None,
    columns: tuple[str, ...] = (),
    crs: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import a GIS file or a CSV with coordinates: read, report guesses, then all rows or none."""
    from registry.formats.importing import import_or_preview

    spatial = read_spatial_rows(Path(path), kind_name, layer=layer, columns=parse_columns(columns), crs=crs)
    for note in spatial.notes:
        if notify is not None:
            notify(note)
    return import_or_preview(registry, kind_name, path, dry_run=dry_run, rows=spatial.rows)


def read_spatial_rows(
    path: Path, kind_name: str, *, layer: str | None = None, columns: dict[str, str] | None = None, crs: str | None = None
) -> SpatialRows:
    """Rows from GeoJSON, GeoPackage, (zipped) Shapefile or CSV, with locations in WGS84."""
    kind = get_kind(kind_name)
    if not path.is_file():
        raise RegistryError(f"no file at {path}")
    if "lat" not in kind.field_names:
        raise ValidationError([f"{kind.name} have no location, so they cannot come from a spatial file; import them from CSV or JSON"])
    if path.suffix.lower() in CSV_SUFFIXES:
        return _read_csv(path, kind, columns or {}, crs)
    return _read_gis(path, kind, layer, columns or {}, crs)


# --- GIS files -----------------------------------------------------------------


def _read_gis(path: Path, kind: Kind, layer: str | None, mapping: dict[str, str], crs: str | None) -> SpatialRows:
    import geopandas
    import pyogrio

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds; all mean "cannot read"
        raise ValidationError([f"{path.name}: cannot read it as a GIS file ({_first_line(exc)})"]) from None
    if layer is not None and layer not in layers:
        raise ValidationError([f"{path.name}: no layer {layer!r}{suggest(layer, layers)}; its layers are: {', '.join(layers)}"])
    if layer is None and len(layers) > 1:
        raise ValidationError([f"{path.name} holds {len(layers)} layers: {', '.join(layers)}; choose one with --layer NAME"])
    chosen = layer or (layers[0] if layers else None)
    try:
        frame = geopandas.read_file(path, layer=chosen, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001
        raise ValidationError([f"{path.name}: cannot read layer {chosen!r} ({_first_line(exc)})"]) from None
    named = f" layer {chosen!r}" if layer or len(layers) > 1 else ""
    notes = [f"read {len(frame)} features from {path.name}{named}"]
    frame, crs_note = _to_wgs84(frame, path, crs)
    if crs_note:
        notes.append(crs_note)
    attribute_columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    plan = plan_columns(kind, attribute_columns, mapping, location_columns=False)
    notes += plan.notes(kind)
    rows: list[Row] = []
    problems: list[str] = []
    outlines = 0
    records = frame.drop(columns=[frame.geometry.name]).to_dict("records")
    for n, (attributes, geometry) in enumerate(zip(records, frame.geometry, strict=True), start=1):
        where = f"{path.name} feature {n}: "
        values = _values(kind, plan, attributes)
        who = f"{where}{kind.singular}" + (f" {values['id']!r}" if values.get("id") else "")
        try:
            located = _locate(kind, geometry, values)
        except ValueError as exc:
            problems.append(f"{who}: {exc}")
            continue
        outlines += located.pop("_outline", 0)
        values.update(located)
        rows.append((where, values))
    if problems:
        raise ValidationError(_capped(problems) + ["nothing was imported; fix these features and run the import again"])
    notes += _outline_notes(kind, outlines)
    return SpatialRows(rows, notes)


def _capped(problems: list[str], limit: int = 20) -> list[str]:
    """The first problems and how many more: a file with 10,000 bad rows needs one fix, not 10,000 lines."""
    if len(problems) <= limit:
        return problems
    return problems[:limit] + [f"... and {len(problems) - limit} more problems"]


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _to_wgs84(frame: Any, path: Path, crs: str | None) -> tuple[Any, str | None]:
    """Reproject to WGS84; a file without a CRS is WGS84 only when it is GeoJSON or --crs says so."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if crs is not None:
        try:
            given = CRS.from_user_input(crs)
        except CRSError:
            raise ValidationError([f"--crs {crs!r} is not a coordinate reference system; use e.g. EPSG:4326 or EPSG:32633"]) from None
        if frame.crs is not None and CRS.from_user_input(frame.crs) != given:
            return frame.to_crs(4326), f"{path.name} says its CRS is {frame.crs.to_string()}; --crs is used only for files without one"
        frame = frame.set_crs(given, allow_override=True)
    if frame.crs is None:
        if path.suffix.lower() in (".geojson", ".json") or _within_degrees(frame.total_bounds):
            return frame.set_crs(4326), None if path.suffix.lower() in (".geojson", ".json") else (
                f"{path.name} has no CRS; its coordinates look like longitude/latitude, so WGS84 is assumed (say otherwise with --crs)"
            )
        raise ValidationError(
            [f"{path.name} has no coordinate reference system (a Shapefile's .prj); give it with --crs, e.g. --crs EPSG:32633"]
        )
    if CRS.from_user_input(frame.crs).equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return frame, None
    return frame.to_crs(4326), f"reprojected from {frame.crs.to_string()} to WGS84 (EPSG:4326)"


def _within_degrees(bounds: Any) -> bool:
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if any(math.isnan(b) for b in (minx, miny, maxx, maxy)):
        return True
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def _locate(kind: Kind, geometry: BaseGeometry | None, values: dict[str, Any]) -> dict[str, Any]:
    """lat/lon (and, for polygons, the outline) from a feature's geometry, or ValueError saying what is wrong."""
    if geometry is None:
        return {}
    import shapely
    from shapely.validation import explain_validity

    if geometry.is_empty:
        raise ValueError("geometry is empty; give the feature a location, or a null geometry for a record without one")
    geometry = shapely.force_2d(geometry)
    kind_of = geometry.geom_type
    if kind_of == "MultiPoint" and len(geometry.geoms) == 1:
        geometry, kind_of = geometry.geoms[0], "Point"
    if kind_of == "Point":
        return _point(geometry.y, geometry.x)
    if kind_of not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"geometry is a {kind_of}; only points and polygons can be imported")
    if not geometry.is_valid:
        raise ValueError(f"geometry is invalid ({explain_validity(geometry)}); {FIX_HINT}")
    rounded = shapely.set_precision(geometry, 10**-COORDINATE_DECIMALS, mode="pointwise")
    if not rounded.is_valid or rounded.is_empty:
        raise ValueError(
            f"geometry becomes invalid when rounded to {COORDINATE_DECIMALS} decimals (parts thinner than a centimetre); {FIX_HINT}"
        )
    located: dict[str, Any] = {}
    given = _given_point(values)
    # A point given in the attributes (say, the entrance) is kept when it lies on the outline.
    if given is None or not rounded.buffer(1e-6).contains(shapely.Point(given[1], given[0])):
        inner = rounded.representative_point()
        located.update(_point(inner.y, inner.x))
    if "geometry" in kind.field_names:
        located["geometry"] = json.dumps(shapely.geometry.mapping(rounded))
    located["_outline"] = 1
    return located


def _outline_notes(kind: Kind, outlines: int) -> list[str]:
    if not outlines:
        return []
    if "geometry" in kind.field_names:
        return [f"{outlines} outlines kept as geometry; each gets a point inside it for lat/lon unless the file gives one on it"]
    return [f"{outlines} outlines reduced to a point inside them: {kind.name} have no outline field"]


def _given_point(values: dict[str, Any]) -> tuple[float, float] | None:
    try:
        lat, lon = float(values["lat"]), float(values["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def _point(lat: float, lon: float) -> dict[str, Any]:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"point ({lat:.6f}, {lon:.6f}) is outside WGS84 longitude/latitude; check the file's CRS")
    return {"lat": round(lat, COORDINATE_DECIMALS), "lon": round(lon, COORDINATE_DECIMALS)}


def _values(kind: Kind, plan: ColumnPlan, attributes: dict[str, Any]) -> dict[str, Any]:
    """A feature's attributes as field values: NaN as missing, numbers and dates as the field expects."""
    values: dict[str, Any] = {}
    for target, column in plan.sources.items():
        value = _plain(attributes.get(column))
        if value is None:
            continue
        f = kind.field(target) if target in kind.field_names else None
        if f is not None and isinstance(value, float) and value.is_integer() and f.type in ("year", "text", "slug", "ref", "partial_date"):
            value = int(value)
        if f is not None and f.type in ("text", "markdown", "slug", "ref") and not isinstance(value, str):
            value = str(value)
        values[target] = value
    return values


def _plain(value: Any) -> Any:
    """numpy, pandas and GDAL values as plain Python; missing values as None."""
    import pandas

    if value is None or value is pandas.NaT or value is pandas.NA:
        return None
    if isinstance(value, pandas.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


# --- CSV with coordinates or WKT -------------------------------------------------


def _read_csv(path: Path, kind: Kind, mapping: dict[str, str], crs: str | None) -> SpatialRows:
    from registry.formats.rows import read_rows

    raw_rows = read_rows(path, kind)
    header = _csv_header(path)
    plan = plan_columns(kind, header, mapping, location_columns=True)
    notes = [f"read {len(raw_rows)} rows from {path.name}", *plan.notes(kind)]
    transform = _transformer(crs)
    if transform is not None:
        notes.append(f"coordinates reprojected from {crs} to WGS84 (EPSG:4326)")
    if "wkt" not in plan.sources and "lat" not in plan.sources:
        notes.append(
            f"no coordinate or WKT column found: the {kind.name} get no location (map one with --columns lat=COLUMN,lon=COLUMN or wkt=COLUMN)"
        )
    rows: list[Row] = []
    problems: list[str] = []
    outlines = 0
    for where, raw in raw_rows:
        values = {target: raw[column] for target, column in plan.sources.items() if column in raw and target not in ("lat", "lon", "wkt")}
        who = f"{where}{kind.singular}" + (f" {values['id']!r}" if values.get("id") else "")
        try:
            located = _csv_location(kind, plan, raw, transform, values)
        except ValueError as exc:
            problems.append(f"{who}: {exc}")
            continue
        outlines += located.pop("_outline", 0)
        values.update(located)
        rows.append((where, values))
    if problems:
        raise ValidationError(_capped(problems) + ["nothing was imported; fix these rows and run the import again"])
    notes += _outline_notes(kind, outlines)
    return SpatialRows(rows, notes)


def _transformer(crs: str | None) -> Callable[[float, float], tuple[float, float]] | None:
    """x, y in the given CRS to lon, lat in WGS84; None when the coordinates are WGS84 already."""
    if crs is None:
        return None
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_user_input(crs)
    except CRSError:
        raise ValidationError([f"--crs {crs!r} is not a coordinate reference system; use e.g. EPSG:4326 or EPSG:32633"]) from None
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    transformer = Transformer.from_crs(source, 4326, always_xy=True)
    return lambda x, y: transformer.transform(x, y)


def _number(text: str, column: str) -> float:
    s = str(text).strip().replace(" ", "")
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")  # decimal comma, as Italian and Spanish spreadsheets write
    try:
        value = float(s)
    except ValueError:
        raise ValueError(f"column {column!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"column {column!r}: {text!r} is not a finite number")
    return value


def _csv_location(
    kind: Kind,
    plan: ColumnPlan,
    raw: dict[str, Any],
    transform: Callable[[float, float], tuple[float, float]] | None,
    values: dict[str, Any],
) -> dict[str, Any]:
    if "wkt" in plan.sources and raw.get(plan.sources["wkt"]):
        from shapely import wkt
        from shapely.errors import ShapelyError

        column = plan.sources["wkt"]
        try:
            geometry = wkt.loads(raw[column])
        except (ShapelyError, ValueError):
            raise ValueError(f"column {column!r}: {raw[column][:60]!r} is not WKT (e.g. POINT (14.25 40.85))") from None
        if transform is not None:
            import shapely

            geometry = shapely.transform(geometry, lambda xy: _transform_array(xy, transform))
        if "lat" in plan.sources and "lon" in plan.sources and raw.get(plan.sources["lat"]) and raw.get(plan.sources["lon"]):
            values["lat"], values["lon"] = raw[plan.sources["lat"]], raw[plan.sources["lon"]]
        located = _locate(kind, geometry, values)
        values.pop("lat", None)
        values.pop("lon", None)
        return located
    if "lat" not in plan.sources:
        return {}
    lat_text, lon_text = raw.get(plan.sources["lat"]), raw.get(plan.sources["lon"])
    if not lat_text and not lon_text:
        return {}
    if not lat_text or not lon_text:
        missing = plan.sources["lat"] if not lat_text else plan.sources["lon"]
        raise ValueError(f"column {missing!r} is empty; give both coordinates or neither")
    y, x = _number(lat_text, plan.sources["lat"]), _number(lon_text, plan.sources["lon"])
    if transform is not None:
        x, y = transform(x, y)
    elif not (-90 <= y <= 90 and -180 <= x <= 180):
        raise ValueError(
            f"({lat_text}, {lon_text}) is not longitude/latitude in degrees; if the file uses projected coordinates, say which with --crs (e.g. --crs EPSG:32633)"
        )
    return _point(y, x)


def _transform_array(xy: Any, transform: Callable[[float, float], tuple[float, float]]) -> Any:
    import numpy

    out = numpy.array([transform(float(x), float(y)) for x, y in xy])
    return out.reshape(xy.shape)
