"""Putting a changed record back as it was at an earlier change: its fields, links, citations, timeline and terms.

The change log holds every row as it was after each change, so the state of a
record's whole story at change N is, for each row, its latest entry up to N.
Reverting writes the difference as ordinary changes in one transaction: the
log keeps what was undone and the revert itself, and reverting the revert
works the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import NotFound, ValidationError
from registry.model.kinds import KINDS, LINKS, get_kind
from registry.model.rules import clean_record, reference_problems
from registry.store.database import Registry, Txn, decode_row, encode_row, fetch_row, record_exists, transaction
from registry.store.history import read_log

LIVE = ("insert", "update", "restore")


@dataclass
class Reverted:
    """What a revert changed: the record's fields, and the rows of its story it added back or took away."""

    fields: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.fields or self.added or self.removed or self.changed)


def _belongs(kind: Kind, record_id: str, table: str, row: dict[str, Any]) -> bool:
    """Whether a logged row is part of this record's story: the record itself, or a link, citation or step naming it."""
    if table == kind.table:
        return row.get("id") == record_id
    if table == "citations":
        return row.get("record_kind") == kind.name and row.get("record_id") == record_id
    if table == "asset_events":
        return kind.timeline and row.get("asset_id") == record_id
    if kind.term is not None and kind.term.history and table == kind.term.history:
        return row.get(kind.term.history_key) == record_id
    for spec in LINKS:
        if spec.table == table:
            return (spec.left_kind == kind.name and row.get(spec.left_column) == record_id) or (
                spec.right_kind == kind.name and row.get(spec.right_column) == record_id
            )
    return False


def _story(registry: Registry, kind: Kind, record_id: str) -> list[tuple[int, str, str, str, dict[str, Any] | None]]:
    """Every change to the record and the rows that belong to it, oldest first: (change, action, table, row id, row after)."""
    story = []
    for entry in reversed(read_log(registry, kind.name, record_id)):
        before, after = entry["before"], entry["after"]
        if _belongs(kind, record_id, entry["table_name"], after or before or {}):
            story.append((entry["id"], entry["action"], entry["table_name"], entry["record_id"], after))
    return story


def revert_record(registry: Registry, kind_name: str, record_id: str, to_change: int) -> Reverted:
    """Make a record, its links, citations and timeline what they were just after change `to_change`."""
    kind = get_kind(kind_name)
    done = Reverted()
    with transaction(registry) as txn:
        current = fetch_row(txn.conn, kind, record_id)
        if current is None:
            raise NotFound(
                f"there is no {kind.singular} {record_id!r}; a removed record comes back with: commons restore {kind.name} {record_id}"
            )
        story = _story(registry, kind, record_id)
        if to_change not in {entry[0] for entry in story}:
            raise ValidationError(
                [
                    f"--to {to_change}: change {to_change} is not in the story of {kind.singular} {record_id!r}; its changes are listed by: commons log {kind.name} {record_id}"
                ]
            )
        then: dict[tuple[str, str], dict[str, Any] | None] = {}
        for change_id, action, table, row_id, new in story:
            if change_id <= to_change:
                then[(table, row_id)] = new if action in LIVE else None
            else:
                then.setdefault((table, row_id), None)
        record_then = then.pop((kind.table, record_id), None)
        if record_then is None:
            raise ValidationError([f"--to {to_change}: the {kind.singular} did not exist just after that change; pick a later change"])
        done.fields = _revert_row(txn, kind, record_id, current, record_then)
        for (table, row_id), row in sorted(then.items()):
            _revert_companion(txn, table, row_id, row, done)
    return done


def _revert_row(txn: Txn, kind: Kind, record_id: str, current: dict[str, Any], then: dict[str, Any]) -> list[str]:
    """Set the record's fields back, checked by today's rules so a revert cannot store what an edit could not."""
    try:
        checked = clean_record(kind, decode_row(kind, {**{f: None for f in kind.field_names}, **then}), check_country=False)
    except ValidationError as error:
        raise ValidationError([*error.problems, "edit the record instead: the old values no longer pass today's rules"]) from None
    problems = reference_problems(kind, checked.values, lambda k, i: record_exists(txn.conn, KINDS[k], i))
    if problems:
        raise ValidationError([*problems, "restore what it referred to first, then revert"])
    row = encode_row(kind, checked.values)
    changes = {k: row.get(k) for k in kind.field_names if k != "id" and row.get(k) != current.get(k)}
    if changes:
        txn.update(kind.table, {"id": record_id}, current, changes, record_id)
    return sorted(changes)


def _revert_companion(txn: Txn, table: str, row_id: str, then: dict[str, Any] | None, done: Reverted) -> None:
    """Add back, take away or change one link, citation or timeline step, as it was then."""
    key = _key(txn, table, then, row_id)
    where = " AND ".join(f"[{c}] = ?" for c in key)
    cursor = txn.conn.execute(f"SELECT * FROM [{table}] WHERE {where}", list(key.values()))
    columns = [d[0] for d in cursor.description]
    found = cursor.fetchone()
    now = dict(zip(columns, found, strict=True)) if found else None
    if now is not None and then is None:
        txn.delete(table, key, now, row_id)
        done.removed.append(f"{table}/{row_id}")
    elif now is None and then is not None:
        if not _ends_exist(txn, table, then):
            raise ValidationError(
                [f"{table}/{row_id}: it linked to a record that no longer exists; restore that record first, then revert"]
            )
        txn.insert(table, then, row_id, action="restore")
        done.added.append(f"{table}/{row_id}")
    elif now is not None and then is not None:
        changes = {k: v for k, v in then.items() if now.get(k) != v}
        if changes:
            txn.update(table, key, now, changes, row_id)
            done.changed.append(f"{table}/{row_id}")


def _key(txn: Txn, table: str, row: dict[str, Any] | None, row_id: str) -> dict[str, Any]:
    """The primary key of a logged row, from the row or, when it is gone, from the id the log gave it."""
    columns = [r[1] for r in sorted(txn.conn.execute(f"PRAGMA table_info([{table}])"), key=lambda r: r[5]) if r[5]]
    if row is not None:
        return {c: row[c] for c in columns}
    parts = row_id.split("/", len(columns) - 1)
    return {c: (int(p) if c in ("id", "source_id") else p) for c, p in zip(columns, parts, strict=True)}


def _ends_exist(txn: Txn, table: str, row: dict[str, Any]) -> bool:
    for spec in LINKS:
        if spec.table == table:
            return record_exists(txn.conn, KINDS[spec.left_kind], row[spec.left_column]) and record_exists(
                txn.conn, KINDS[spec.right_kind], row[spec.right_column]
            )
    if table == "citations":
        return txn.conn.execute("SELECT 1 FROM sources WHERE id = ?", [row["source_id"]]).fetchone() is not None
    return True
