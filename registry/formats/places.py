"""Where records stand that have no point of their own: an agreement is where its asset is.

A kind declares `place_from`, the field naming the record whose place it takes;
its GeoJSON (export and downloads) then shows each record at that record's
point and outline, and a record naming none has no geometry (RFC 7946 allows it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from registry.model.declaration import Kind
from registry.model.kinds import KINDS

PLACE_COLUMNS = ("lat", "lon", "geometry")


def with_places(conn: sqlite3.Connection, kind: Kind, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The records with the lat, lon and outline of the record each one's `place_from` field names."""
    if kind.place_from is None:
        return [dict(r) for r in records]
    target = KINDS[kind.field(kind.place_from).ref or ""]
    columns = [c for c in PLACE_COLUMNS if c in target.field_name_set]
    places = {
        row[0]: dict(zip(columns, row[1:], strict=True))
        for row in conn.execute(f"SELECT id, {', '.join(f'[{c}]' for c in columns)} FROM [{target.table}]")
    }
    empty = dict.fromkeys(PLACE_COLUMNS)
    return [{**r, **places.get(r.get(kind.place_from), empty)} for r in records]


def place_columns(kind: Kind, columns: list[str]) -> list[str]:
    """The columns a GeoJSON of the kind shows: its own, and the borrowed point for a kind that borrows one."""
    if kind.place_from is None:
        return columns
    return [*columns, "lat", "lon"]
