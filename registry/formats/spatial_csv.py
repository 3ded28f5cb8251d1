"""CSVs with coordinates: lat/lon columns (decimal commas and projected CRSs included) or WKT, read into rows."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.formats.columns import ColumnPlan, plan_columns
from registry.formats.decimals import read_decimal_comma
from registry.model.declaration import Kind
from registry.model.errors import ValidationError

if TYPE_CHECKING:
    pass

from registry.formats.locations import SpatialRows, locate, placed_rows, point_values


def read_csv_places(path: Path, kind: Kind, mapping: dict[str, str], crs: str | None, sheet: str | None = None) -> SpatialRows:
    """Rows of a CSV or a spreadsheet's sheet whose columns need mapping, placed by their coordinate or WKT columns."""
    from registry.formats.rows import read_rows, table_header

    raw_rows = read_rows(path, kind, sheet)
    header = table_header(path, sheet)
    plan = plan_columns(kind, header, mapping, location_columns=True)
    notes = [f"read {len(raw_rows)} rows from {path.name}", *plan.notes(kind)]
    transform = _transformer(crs)
    if transform is not None:
        notes.append(f"coordinates reprojected from {crs} to WGS84 (EPSG:4326)")
    if "wkt" not in plan.sources and "lat" not in plan.sources:
        notes.append(
            f"no coordinate or WKT column found: the {kind.name} get no location (map one with --columns lat=COLUMN,lon=COLUMN or wkt=COLUMN)"
        )
    placings = (
        (where, values, functools.partial(_csv_location, kind, plan, raw, transform, values))
        for where, raw in raw_rows
        for values in (
            {target: raw[column] for target, column in plan.sources.items() if column in raw and target not in ("lat", "lon", "wkt")},
        )
    )
    return placed_rows(kind, placings, "rows", notes)


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
    s = read_decimal_comma(str(text), degrees=True)  # decimal commas, as Italian and Spanish spreadsheets write
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
        located = locate(kind, geometry, values)
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
    return point_values(y, x)


def _transform_array(xy: Any, transform: Callable[[float, float], tuple[float, float]]) -> Any:
    import numpy

    out = numpy.array([transform(float(x), float(y)) for x, y in xy])
    return out.reshape(xy.shape)
