"""Inserting many cleaned records at once: the same checks and log as one by one, in bulk.

An import of a region's inventory is tens of thousands of rows. Checking ids,
references and nearby duplicates with one query per row costs more than the
inserts themselves, so this module asks each question once per batch and writes
rows, log entries and timeline steps with `executemany`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import Conflict, ValidationError
from registry.model.kinds import KINDS
from registry.model.rules import describe
from registry.operations.duplicates import (
    DUPLICATE_RADIUS_M,
    Candidate,
    PlaceIndex,
    candidate,
    likely_duplicates,
    normalise_address,
    stored_candidates,
)
from registry.store.bulk_search import indexed_after_insert
from registry.store.database import JSON_TYPES, Txn, encode_row

CHUNK = 500
MAX_PROBLEMS = 20

Item = tuple[str, dict[str, Any]]


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing_ids(conn: sqlite3.Connection, table: str, ids: Sequence[str]) -> set[str]:
    """Which of these ids a table already holds."""
    found: set[str] = set()
    for chunk in _chunks(list(ids)):
        marks = ", ".join("?" for _ in chunk)
        found.update(row[0] for row in conn.execute(f"SELECT id FROM [{table}] WHERE id IN ({marks})", list(chunk)))
    return found


def all_ids(conn: sqlite3.Connection, table: str) -> set[str]:
    """Every id a table holds, for making new ids that take none of them."""
    return {row[0] for row in conn.execute(f"SELECT id FROM [{table}]")}


def possible_duplicates(conn: sqlite3.Connection, kind: Kind, items: Sequence[Item]) -> list[str]:
    """Warn about records that may be one already in the registry or earlier in the batch (see operations/duplicates.py)."""
    index = PlaceIndex()
    for stored in stored_near(conn, kind, items):
        index.add(stored)
    return duplicate_warnings(kind, items, index)


def stored_near(conn: sqlite3.Connection, kind: Kind, items: Sequence[Item]) -> list[Candidate]:
    """The stored records these new ones could duplicate: near their points, or with an address when any has a comparable one.

    Only a first cut by SQL, so the check does not read a whole large registry;
    the duplicate check itself decides what is near. The addresses are looked
    at until the first with a house number, so a large import seldom reads
    more than a few of them here.
    """
    lats = [values["lat"] for _, values in items if values.get("lat") is not None and values.get("lon") is not None]
    conditions, params = [], []
    if lats:
        margin = DUPLICATE_RADIUS_M / 111_000 * 2
        conditions.append("lat BETWEEN ? AND ?")
        params += [min(lats) - margin, max(lats) + margin]
    if any(normalise_address(values.get("address")) is not None for _, values in items):
        conditions.append("address IS NOT NULL")
    if not conditions:
        return []
    return list(stored_candidates(conn, kind, " OR ".join(conditions), params))


def duplicate_warnings(kind: Kind, items: Sequence[Item], index: PlaceIndex) -> list[str]:
    """Warnings for new records that may be one in the index or earlier among them; each joins the index as it is checked."""
    comparable = [(where, candidate(kind, values)) for where, values in items]
    comparable = [(where, c) for where, c in comparable if c.located or c.address is not None]
    records = [c for _, c in comparable]
    return [
        f"warning: {describe(kind, match.first.id, comparable[position][0])} may duplicate {match.second.id!r} "
        f"(score {match.score}: {match.reasons()})"
        for position, match in likely_duplicates(records, index)
    ]


def insert_many(txn: Txn, kind: Kind, items: Sequence[Item]) -> None:
    """Insert cleaned records in one go: refuse taken ids and dangling references, log every row.

    The likely-duplicate warnings are the caller's to ask for (`possible_duplicates`):
    an import checks them in another process while this writes.
    """
    conn = txn.conn
    ids = [values["id"] for _, values in items]
    taken = existing_ids(conn, kind.table, ids)
    problems: list[str] = []
    for where, values in items:
        if values["id"] in taken:
            problems.append(
                f"{where}{kind.singular} {values['id']!r} already exists; choose another id, "
                f"or change it with `commons edit {kind.name} {values['id']}`"
            )
    if problems and len(items) == 1:
        raise Conflict(problems[0])
    for f in kind.fields:
        if not f.ref:
            continue
        wanted = sorted({v[f.name] for _, v in items if v.get(f.name)})
        target = KINDS[f.ref]
        present = existing_ids(conn, target.table, wanted)
        for where, values in items:
            if values.get(f.name) and values[f.name] not in present:
                problems.append(
                    f"{describe(kind, values['id'], where)}: field {f.name!r}: there is no {target.singular} {values[f.name]!r}; add it first or fix the id"
                )
    if problems:
        shown = problems[:MAX_PROBLEMS] + (
            [f"... and {len(problems) - MAX_PROBLEMS} more problems"] if len(problems) > MAX_PROBLEMS else []
        )
        raise ValidationError(shown)
    lists = any(f.type in JSON_TYPES for f in kind.fields)
    rows = [encode_row(kind, values) for _, values in items] if lists else [dict(values) for _, values in items]
    columns = kind.field_names
    marks = ", ".join("?" for _ in columns)
    # One record keeps its trigger: suspending it rewrites the schema, which every other open connection then reads again.
    with indexed_after_insert(conn, kind.table) if len(rows) > 1 else nullcontext():
        conn.executemany(
            f"INSERT INTO [{kind.table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({marks})",
            [list(map(row.get, columns)) for row in rows],
        )
    txn.log_many("insert", kind.table, [(row["id"], None, row) for row in rows])
    if kind.timeline:
        add_status_events(txn, [(row["id"], row["status"], row.get("since"), None) for row in rows if row.get("status")], dated_today=False)


def add_status_events(txn: Txn, steps: Sequence[tuple[str, str, str | None, str | None]], dated_today: bool = True) -> None:
    """Each status an asset reaches becomes a step of its timeline, dated by `since`, else today.

    A new record without `since` gets an undated first step (`dated_today=False`):
    the day it was entered in the registry is not the day its status began.
    """
    if not steps:
        return
    conn = txn.conn
    next_id = (conn.execute("SELECT coalesce(max(id), 0) FROM asset_events").fetchone()[0] or 0) + 1
    events = [
        {
            "id": next_id + n,
            "asset_id": asset_id,
            "happened_on": since or (txn.at[:10] if dated_today else None),
            "status": status,
            "document": document,
            "note": None,
        }
        for n, (asset_id, status, since, document) in enumerate(steps)
    ]
    conn.executemany(
        "INSERT INTO asset_events (id, asset_id, happened_on, status, document, note) VALUES (?, ?, ?, ?, ?, ?)",
        [list(e.values()) for e in events],
    )
    txn.log_many("insert", "asset_events", [(str(e["id"]), None, e) for e in events])
