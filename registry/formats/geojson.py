"""Records as RFC 7946 GeoJSON, for GIS users and the site's downloads, reading back to the same records.

Each record is one feature: its outline when it has one, else its point, else
no geometry (RFC 7946 allows null). lat/lon stay as attributes too, so a point
placed on an outline (an entrance, say) survives the round trip, and people
who open the file in a spreadsheet still see coordinates. (One change on the
way back is deliberate: an outline without a point gains one inside it, as
every imported polygon does.) This is the one GeoJSON writer: `commons export`,
the site's downloads and each record's own JSON use it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from registry.formats.pieces import Pieces
from registry.model.declaration import Kind


def record_geometry(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """A record's GeoJSON geometry: its outline when it has one, else its point, else None (RFC 7946 allows it)."""
    if record.get("geometry"):
        parsed: dict[str, Any] = json.loads(record["geometry"])
        return parsed
    if record.get("lat") is not None and record.get("lon") is not None:
        return {"type": "Point", "coordinates": [record["lon"], record["lat"]]}
    return None


def feature(record: Mapping[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """A record as a GeoJSON Feature: its id, its outline or point, and the given properties."""
    return {"type": "Feature", "id": record["id"], "geometry": record_geometry(record), "properties": properties}


def write_geojson(kind: Kind, records: Sequence[Mapping[str, Any]], columns: list[str]) -> str:
    """The text of a GeoJSON file: compact, UTF-8 kept readable."""
    return geojson_pieces(records, columns).text()


def geojson_pieces(records: Sequence[Mapping[str, Any]], columns: list[str]) -> Pieces:
    """An RFC 7946 FeatureCollection as compact JSON, one piece per feature: WGS84, longitude first, no crs member.

    The pieces joined are exactly json.dumps of the whole collection, which writes a list as its items joined by commas.
    """
    properties = [c for c in columns if c != "geometry"]
    items = [json.dumps(feature(r, {c: r.get(c) for c in properties}), ensure_ascii=False, separators=(",", ":")) for r in records]
    return Pieces('{"type":"FeatureCollection","features":[', items, ",", "]}\n")
