"""Where a feature of a GIS file or a row of a CSV is: its geometry made WGS84, its point, its outline, its attributes as fields.

Shared by the GIS reader and the CSV-with-coordinates reader, so both place records the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.formats.columns import ColumnPlan
from registry.model.declaration import Kind
from registry.model.errors import ValidationError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


COORDINATE_DECIMALS = 7


Row = tuple[str, dict[str, Any]]

FIX_HINT = "fix it in a GIS (in QGIS: Vector ▸ Geometry Tools ▸ Fix Geometries)"


@dataclass
class SpatialRows:
    """Rows ready for the importer, and what the user should read before they are written."""

    rows: list[Row]
    notes: list[str] = field(default_factory=list)


def capped(problems: list[str], limit: int = 20) -> list[str]:
    """The first problems and how many more: a file with 10,000 bad rows needs one fix, not 10,000 lines."""
    if len(problems) <= limit:
        return problems
    return problems[:limit] + [f"... and {len(problems) - limit} more problems"]


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def to_wgs84(frame: Any, path: Path, crs: str | None) -> tuple[Any, str | None]:
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


def locate(kind: Kind, geometry: BaseGeometry | None, values: dict[str, Any]) -> dict[str, Any]:
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
        return point_values(geometry.y, geometry.x)
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
        located.update(point_values(inner.y, inner.x))
    if "geometry" in kind.field_names:
        located["geometry"] = json.dumps(shapely.geometry.mapping(rounded))
    located["_outline"] = 1
    return located


def outline_notes(kind: Kind, outlines: int) -> list[str]:
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


def point_values(lat: float, lon: float) -> dict[str, Any]:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"point ({lat:.6f}, {lon:.6f}) is outside WGS84 longitude/latitude; check the file's CRS")
    return {"lat": round(lat, COORDINATE_DECIMALS), "lon": round(lon, COORDINATE_DECIMALS)}


def plan_values(kind: Kind, plan: ColumnPlan, attributes: dict[str, Any]) -> dict[str, Any]:
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


# A row to place: where it is in the file, its field values, and how to find its location (may raise ValueError).
Placing = tuple[str, dict[str, Any], Callable[[], dict[str, Any]]]


def placed_rows(kind: Kind, placings: Iterable[Placing], what: str, notes: list[str]) -> SpatialRows:
    """Every row with its location, or all the problems at once (`what` names the rows: features, rows)."""
    rows: list[Row] = []
    problems: list[str] = []
    outlines = 0
    for where, values, place in placings:
        try:
            located = place()
        except ValueError as exc:
            problems.append(f"{where}{kind.singular}" + (f" {values['id']!r}" if values.get("id") else "") + f": {exc}")
            continue
        outlines += located.pop("_outline", 0)
        values.update(located)
        rows.append((where, values))
    if problems:
        raise ValidationError(capped(problems) + [f"nothing was imported; fix these {what} and run the import again"])
    return SpatialRows(rows, notes + outline_notes(kind, outlines))
