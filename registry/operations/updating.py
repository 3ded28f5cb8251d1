"""Updating records from a file: each row merged over the record it names, what changes said field by field.

`commons import --update` re-reads a corrected inventory. A row names its
record by id; the fields it gives replace the stored ones, the fields it
leaves empty keep theirs, and the whole record passes the same rules as
`commons edit`. Only fields whose stored value changes are written, each
record's change logged as an update with what it held before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import Conflict, ValidationError
from registry.model.kinds import KINDS
from registry.model.rules import describe, reference_problems
from registry.operations.inserting import add_status_events
from registry.store.database import Txn, decode_row, encode_row, record_exists


@dataclass(frozen=True)
class FieldChange:
    """One field of one record: what it held and what it will hold (None when empty)."""

    field: str
    before: Any
    after: Any


@dataclass
class RecordUpdate:
    """A record a row updates: the row as stored before, the record after, and what differs."""

    where: str
    record_id: str
    stored: dict[str, Any]
    values: dict[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def field_changes(self) -> list[FieldChange]:
        """The changes as users read them: lists and translations decoded, in the kind's field order."""
        return [FieldChange(name, self.stored.get(name), self.values.get(name)) for name in self.changes]


def stored_rows(conn: sqlite3.Connection, kind: Kind, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of these ids that exist, by id."""
    found: dict[str, dict[str, Any]] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        cursor = conn.execute(f"SELECT * FROM [{kind.table}] WHERE id IN ({', '.join('?' for _ in chunk)})", chunk)
        columns = [d[0] for d in cursor.description]
        for row in cursor:
            record = dict(zip(columns, row, strict=True))
            found[record["id"]] = record
    return found


def merged_record(kind: Kind, stored: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The record a row makes of a stored one: its given fields over the stored values, the stored ones where it is silent."""
    current = decode_row(kind, stored)
    return {**{k: v for k, v in current.items() if v is not None}, **given}


def record_update(kind: Kind, where: str, stored: Mapping[str, Any], values: dict[str, Any]) -> RecordUpdate:
    """What writing a cleaned record over its stored row changes, field by field (nothing when it is the same)."""
    new_row = encode_row(kind, values)
    changes = {f.name: new_row.get(f.name) for f in kind.fields if f.name != "id" and new_row.get(f.name) != stored.get(f.name)}
    return RecordUpdate(where, str(stored["id"]), dict(stored), values, changes)


def apply_updates(txn: Txn, kind: Kind, updates: Sequence[RecordUpdate]) -> None:
    """Write planned updates in a transaction, each logged; refuse if a record changed since it was read."""
    changed = [u for u in updates if u.changes]
    problems: list[str] = []
    for update in changed:
        problems += reference_problems(kind, update.values, lambda k, i: record_exists(txn.conn, KINDS[k], i), update.where)
    if problems:
        raise ValidationError(problems[:20])
    now = stored_rows(txn.conn, kind, [u.record_id for u in changed])
    for update in changed:
        if now.get(update.record_id) != update.stored:
            raise Conflict(
                f"{describe(kind, update.record_id, update.where)} was changed or removed while the import ran; nothing was imported, run it again"
            )
        write_changes(txn, kind, update.record_id, update.stored, update.changes)


def write_changes(txn: Txn, kind: Kind, record_id: str, before: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
    """Write a record's changed fields and log them; a new status is a new step of the record's timeline."""
    txn.update(kind.table, {"id": record_id}, before, changes, record_id)
    if kind.timeline and "status" in changes:
        add_status_events(txn, [(record_id, changes["status"], changes.get("since"), None)])
