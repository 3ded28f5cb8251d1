"""A record with everything around it: its links, sources, timeline and last change.

Reads work on any connection with the registry's tables, so the same function
serves `commons show` on the working registry and the site on the public copy.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from registry.model.declaration import Kind
from registry.model.kinds import KINDS, LINKS, get_kind, referring_fields
from registry.store.database import decode_row, fetch_row


def _rows(conn: sqlite3.Connection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def linked_records(conn: sqlite3.Connection, kind_name: str, record_id: str) -> dict[str, list[dict[str, Any]]]:
    """Records linked to this one, by kind, each with the link's role and its title."""
    kind = get_kind(kind_name)
    found: dict[str, list[dict[str, Any]]] = {}
    for spec in LINKS:
        for side, other_side in (("left", "right"), ("right", "left")):
            if getattr(spec, f"{side}_kind") != kind.name:
                continue
            other = KINDS[getattr(spec, f"{other_side}_kind")]
            mine, theirs = getattr(spec, f"{side}_column"), getattr(spec, f"{other_side}_column")
            role = ", l.role" if spec.roles is not None else ", NULL AS role"
            sql = (
                f"SELECT o.id, o.[{other.title_field}] AS title{role} FROM [{spec.table}] l "
                f"JOIN [{other.table}] o ON o.id = l.[{theirs}] WHERE l.[{mine}] = ? ORDER BY o.id"
            )
            found.setdefault(other.name, []).extend(_rows(conn, sql, [record_id]))
    for other, f in referring_fields(kind.name):
        columns = ", ".join(f"[{c}]" for c in other.summary_columns if c not in ("id", other.title_field))
        order = f"[{other.chronology}], id" if other.chronology else "id"
        sql = (
            f"SELECT id, [{other.title_field}] AS title{', ' + columns if columns else ''}, NULL AS role "
            f"FROM [{other.table}] WHERE [{f.name}] = ? ORDER BY {order}"
        )
        found[other.name] = _rows(conn, sql, [record_id])
    return {k: v for k, v in found.items() if v}


def record_sources(conn: sqlite3.Connection, kind_name: str, record_id: str) -> list[dict[str, Any]]:
    """The sources a record cites, with the numbers `verify --source` takes."""
    kind = get_kind(kind_name)
    return _rows(
        conn,
        "SELECT s.id, s.url, s.title, s.publisher, s.year FROM citations c JOIN sources s ON s.id = c.source_id "
        "WHERE c.record_kind = ? AND c.record_id = ? ORDER BY s.year, s.title",
        [kind.name, record_id],
    )


def asset_timeline(conn: sqlite3.Connection, asset_id: str) -> list[dict[str, Any]]:
    """An asset's lifecycle steps in date order, undated ones first, with the number `timeline remove` takes and their source."""
    return _rows(
        conn,
        "SELECT e.id, e.happened_on, e.status, e.document, e.note, s.url AS source_url, s.title AS source_title "
        "FROM asset_events e LEFT JOIN sources s ON s.id = e.source_id WHERE e.asset_id = ? ORDER BY e.happened_on, e.id",
        [asset_id],
    )


def term_history(conn: sqlite3.Connection, kind: Kind, record_id: str) -> list[dict[str, Any]]:
    """A record's terms, first to current, with the source that records each; empty when it was never renewed."""
    term = kind.term
    if term is None or not term.history:
        return []
    return _rows(
        conn,
        f"SELECT h.id, h.starts_on, h.ends_on, h.instrument, h.source_id, s.url AS source_url, s.title AS source_title "
        f"FROM [{term.history}] h LEFT JOIN sources s ON s.id = h.source_id WHERE h.[{term.history_key}] = ? ORDER BY h.starts_on, h.id",
        [record_id],
    )


def record_details(conn: sqlite3.Connection, kind_name: str, record_id: str) -> dict[str, Any] | None:
    """Everything `show` prints: the record plus links, sources, (for assets) the timeline and (for agreements) the terms."""
    kind = get_kind(kind_name)
    row = fetch_row(conn, kind, record_id)
    if row is None:
        return None
    details = decode_row(kind, row)
    details["links"] = linked_records(conn, kind.name, record_id)
    details["sources"] = record_sources(conn, kind.name, record_id)
    if kind.timeline:
        details["timeline"] = asset_timeline(conn, record_id)
    if kind.term is not None and kind.term.history:
        details["terms"] = term_history(conn, kind, record_id)
    return details
