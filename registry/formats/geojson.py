"""Records as RFC 7946 GeoJSON, for GIS users and the site's downloads, reading back to the same records.

Each record is one feature: its outline when it has one, else its point, else
no geometry (RFC 7946 allows null). lat/lon stay as attributes too, so a point
placed on an outline (an entrance, say) survives the round trip, and people
who open the file in a spreadsheet still see coordinates. (One change on the
way back is deliberate: an outline without a point gains one inside it, as
every imported polygon does.) Like `commons
export`, these are staff exports with every field; the public downloads come
from `commons publish`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from registry.model.declaration import Kind
from registry.model.errors import ValidationError
from registry.model.kinds import get_kind
from registry.store.database import Registry

if TYPE_CHECKING:
    from registry.store.database import Registry


def _spatial_kind(kind_name: str, fmt: str) -> Kind:
    kind = get_kind(kind_name)
    if "lat" not in kind.field_names:
        raise ValidationError([f"{kind.name} have no location, so there is nothing to put on a map; export them with --format csv or json"])
    return kind


def record_geometry(record: dict[str, Any]) -> dict[str, Any] | None:
    """A record's GeoJSON geometry: its outline when it has one, else its point, else None (RFC 7946 allows it)."""
    if record.get("geometry"):
        parsed: dict[str, Any] = json.loads(record["geometry"])
        return parsed
    if record.get("lat") is not None and record.get("lon") is not None:
        return {"type": "Point", "coordinates": [record["lon"], record["lat"]]}
    return None


def export_geojson(registry: Registry, kind_name: str, *, include_private: bool = True) -> str:
    """A kind's records as an RFC 7946 FeatureCollection: WGS84, longitude before latitude, no crs member."""
    from registry.operations.records import list_records

    kind = _spatial_kind(kind_name, "geojson")
    columns = [f.name for f in kind.fields if (include_private or not f.private) and f.name != "geometry"]
    features = []
    for record in list_records(registry, kind.name):
        features.append(
            {
                "type": "Feature",
                "id": record["id"],
                "geometry": record_geometry(record),
                "properties": {c: record.get(c) for c in columns},
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def geojson_features(kind: Kind, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection: a record's polygon if it has one, else its point."""
    features = []
    for record in records:
        geometry = record_geometry(record)
        properties = {k: v for k, v in record.items() if k not in ("geometry",)}
        features.append({"type": "Feature", "id": record["id"], "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}
