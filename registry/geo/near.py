"""Records near a record, measured in metres in a projected CRS, nearest first.

Degrees are not distances (a degree of longitude is 111 km at the equator and
79 km in Naples), so candidates found by a cheap bounding box in degrees are
measured in the UTM zone of the record asked about. Outlines count: an asset
whose outline reaches within the radius is near even if its point is not.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from registry.model.errors import ValidationError
from registry.model.kinds import KINDS, get_kind
from registry.operations.records import get_record

if TYPE_CHECKING:
    from registry.store.database import Registry

MAX_KM = 20_000.0
OUTLINE_SLACK = 0.1  # degrees, about 10 km: no commons outline is wider


@dataclass(frozen=True)
class Nearby:
    """One record within the radius and how far it is."""

    kind: str
    id: str
    title: str
    km: float


def near_records(registry: Registry, kind_name: str, record_id: str, km: float, *, only: str | None = None) -> list[Nearby]:
    """Records of every located kind (or only one) within `km` of a record, nearest first."""
    import geopandas
    from shapely.geometry import Point, shape

    kind = get_kind(kind_name)
    if not (0 < km <= MAX_KM) or math.isnan(km):
        raise ValidationError([f"--km {km:g}: give a distance in kilometres above 0 (at most {MAX_KM:g})"])
    if "lat" not in kind.field_names:
        raise ValidationError([f"{kind.name} have no location; ask about an asset, actor or case study"])
    record = get_record(registry, kind.name, record_id)
    origin = _geometry(record)
    if origin is None:
        raise ValidationError([f"{kind.singular} {record_id!r} has no location; set its lat and lon first"])
    anchor = Point(record["lon"], record["lat"]) if record.get("lat") is not None else origin.representative_point()
    kinds = [get_kind(only)] if only else [k for k in KINDS.values() if "lat" in k.field_names]
    if any("lat" not in k.field_names for k in kinds):
        raise ValidationError([f"{only} have no location; choose assets, actors or cases"])
    lat_margin = km / 110.574 + 0.01
    lon_margin = km / max(111.320 * math.cos(math.radians(anchor.y)), 0.5) + 0.01
    candidates: list[tuple[Any, str, str, Any]] = []
    for other in kinds:
        columns = {row[1] for row in registry.conn.execute(f"PRAGMA table_info([{other.table}])")}
        box = "lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?"
        params = [anchor.y - lat_margin, anchor.y + lat_margin, anchor.x - lon_margin, anchor.x + lon_margin]
        if "geometry" in columns:
            # An outline can reach the radius from a point outside the box: widen it by OUTLINE_SLACK.
            wide = [params[0] - OUTLINE_SLACK, params[1] + OUTLINE_SLACK, params[2] - OUTLINE_SLACK, params[3] + OUTLINE_SLACK]
            where = f"({box}) OR (geometry IS NOT NULL AND (lat IS NULL OR ({box})))"
            params += wide
            select = f"SELECT id, [{other.title_field}], lat, lon, geometry FROM [{other.table}] WHERE {where}"
        else:
            select = f"SELECT id, [{other.title_field}], lat, lon, NULL FROM [{other.table}] WHERE {box}"
        sql = select
        for row in registry.conn.execute(sql, params):
            other_id, title, lat, lon, geometry_text = row
            if other.name == kind.name and other_id == record_id:
                continue
            geometry = shape(json.loads(geometry_text)) if geometry_text else Point(lon, lat)
            candidates.append((other, other_id, title, geometry))
    if not candidates:
        return []
    metric = geopandas.GeoSeries([anchor], crs=4326).estimate_utm_crs()
    origin_m = geopandas.GeoSeries([origin], crs=4326).to_crs(metric).iloc[0]
    others_m = geopandas.GeoSeries([c[3] for c in candidates], crs=4326).to_crs(metric)
    distances = others_m.distance(origin_m).tolist()
    found = [
        Nearby(other.name, other_id, str(title or other_id), round(metres / 1000, 3))
        for (other, other_id, title, _), metres in zip(candidates, distances, strict=True)
        if metres <= km * 1000
    ]
    return sorted(found, key=lambda n: (n.km, n.kind, n.id))


def _geometry(record: dict[str, Any]) -> Any:
    from shapely.geometry import Point, shape

    if record.get("geometry"):
        return shape(json.loads(record["geometry"]))
    if record.get("lat") is not None and record.get("lon") is not None:
        return Point(record["lon"], record["lat"])
    return None
