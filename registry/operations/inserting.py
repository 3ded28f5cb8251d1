"""Inserting many cleaned records at once: the same checks and log as one by one, in bulk.

An import of a region's inventory is tens of thousands of rows. Checking ids,
references and nearby duplicates with one query per row costs more than the
inserts themselves, so this module asks each question once per batch and writes
rows, log entries and timeline steps with `executemany`.
"""

from __future__ import annotations

import difflib
import math
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import Conflict, ValidationError
from registry.model.kinds import KINDS
from registry.model.rules import describe
from registry.store.database import JSON_TYPES, Txn, encode_row

DUPLICATE_RADIUS_M = 100.0
DUPLICATE_NAME_SIMILARITY = 0.8
CELL_DEGREES = 0.001  # about 111 m of latitude
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


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres; plenty for a 100 m duplicate check."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


def _normalise(text: str) -> str:
    return NON_ALNUM_RE.sub(" ", text.lower()).strip()


def similar_names(name: str, other: str) -> bool:
    """Whether two normalised names are close enough to be the same place.

    quick_ratio and real_quick_ratio are upper bounds of ratio, so asking them
    first gives the same answers while most pairs stop at the cheap bound.
    """
    matcher = difflib.SequenceMatcher(None, name, other)
    return (
        matcher.real_quick_ratio() >= DUPLICATE_NAME_SIMILARITY
        and matcher.quick_ratio() >= DUPLICATE_NAME_SIMILARITY
        and matcher.ratio() >= DUPLICATE_NAME_SIMILARITY
    )


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


def possible_duplicates(conn: sqlite3.Connection, kind: Kind, items: Sequence[Item]) -> list[str]:
    """Warn about records with a close name within about 100 m, in the registry or the batch itself."""
    located = [(w, v) for w, v in items if v.get("lat") is not None and v.get("lon") is not None]
    if not located:
        return []
    title = kind.title_field
    margin = DUPLICATE_RADIUS_M / 111_000 * 2
    lats = [v["lat"] for _, v in located]
    # Cells by row, then by column: one dict lookup per row of cells, and plain ints after.
    grid: dict[int, dict[int, list[tuple[str, str, float, float]]]] = defaultdict(lambda: defaultdict(list))
    rows = conn.execute(
        f"SELECT id, [{title}], lat, lon FROM [{kind.table}] WHERE lat BETWEEN ? AND ?",
        [min(lats) - margin, max(lats) + margin],
    )
    for other_id, other_title, lat, lon in rows:
        if lat is not None and lon is not None:
            row, col = _cell(lat, lon)
            grid[row][col].append((other_id, _normalise(str(other_title or "")), lat, lon))
    warnings = []
    empty: dict[int, list[tuple[str, str, float, float]]] = {}
    for where, values in located:
        lat, lon = values["lat"], values["lon"]
        name = _normalise(str(values.get(title) or ""))
        row, col = _cell(lat, lon)
        span = min(50, math.ceil(1 / max(math.cos(math.radians(lat)), 0.02)))
        for r in (row - 1, row, row + 1):
            cells = grid.get(r, empty)
            if not cells:
                continue
            for c in range(col - span, col + span + 1):
                for other_id, other_name, other_lat, other_lon in cells.get(c, ()):
                    distance = distance_m(lat, lon, other_lat, other_lon)
                    if distance <= DUPLICATE_RADIUS_M and similar_names(name, other_name):
                        warnings.append(
                            f"warning: {describe(kind, values['id'], where)} may duplicate {other_id!r} ({distance:.0f} m away)"
                        )
        grid[row][col].append((values["id"], name, lat, lon))
    return warnings


def insert_many(txn: Txn, kind: Kind, items: Sequence[Item]) -> list[str]:
    """Insert cleaned records in one go: refuse taken ids and dangling references, log every row."""
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
    warnings = possible_duplicates(conn, kind, items)
    lists = any(f.type in JSON_TYPES for f in kind.fields)
    rows = [encode_row(kind, values) for _, values in items] if lists else [dict(values) for _, values in items]
    columns = kind.field_names
    marks = ", ".join("?" for _ in columns)
    conn.executemany(
        f"INSERT INTO [{kind.table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({marks})",
        [list(map(row.get, columns)) for row in rows],
    )
    txn.log_many("insert", kind.table, [(row["id"], None, row) for row in rows])
    if kind.timeline:
        add_status_events(txn, [(row["id"], row["status"], row.get("since"), None) for row in rows if row.get("status")], dated_today=False)
    return warnings


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
