"""A record's own JSON download: its public fields, the ids it links to, its sources (and timeline), the same in every language."""

from __future__ import annotations

import json
from typing import Any

from registry.formats.geojson import feature
from registry.model.kinds import KINDS, referring_fields
from registry.site.data import SiteData
from registry.site.views import public_field_names

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dump_json(document: Any) -> str:
    """The text of a JSON download: compact, UTF-8 kept readable."""
    return _JSON.encode(document) + "\n"


def record_json(data: SiteData, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """A record's own download: its public fields, the ids it links to, its sources (and timeline).

    Kinds with a place are written as a GeoJSON Feature (its outline or point),
    which is plain JSON too, so one file per record serves both uses.
    """
    spec = KINDS[kind]
    record = data.original(kind, record)
    document: dict[str, Any] = {name: record.get(name) for name in public_field_names(kind) if name != "geometry"}
    links = data.links.get((kind, record["id"]), {})
    document["links"] = {other: [{"id": i, "role": r} if r else {"id": i} for i, r in found] for other, found in sorted(links.items())}
    for other, _ in referring_fields(kind):
        document[other.name] = data.referring(kind, record["id"], other.name)
    if spec.timeline:
        document["timeline"] = data.events.get(record["id"], [])
    if spec.term is not None and spec.term.history:
        document["terms"] = data.term_history(kind, record["id"])
    document["sources"] = data.sources.get((kind, record["id"]), [])
    if spec.has_place:
        document = feature(record, document)
    return document
