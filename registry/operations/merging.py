"""Merging two records that describe one thing: the kept one takes the other's links, sources, timeline, terms and references.

Everything happens in one transaction and every row it touches is logged, so
`commons log` shows the merge step by step, and `commons restore` brings the
dropped record back as any removed record comes back: as it was, with the links
and citations it shared with the kept record (those were removed, not moved);
what was moved stays with the kept record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import ValidationError
from registry.model.kinds import KINDS, LINKS, get_kind, referring_fields
from registry.model.rules import clean_record
from registry.operations.records import primary_key, suggest_id
from registry.store.database import Registry, Txn, decode_row, encode_row, fetch_row, transaction

# Fields that only mean something together: a point is both coordinates or neither.
TOGETHER = (("lat", "lon"),)


@dataclass
class Merge:
    """What a merge moved, left out as already there, filled in and removed."""

    kind: str
    keep: str
    drop: str
    moved: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    filled: dict[str, Any] = field(default_factory=dict)


class _DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls back whatever it did."""

    def __init__(self, merge: Merge):
        self.merge = merge


def merge_records(registry: Registry, kind_name: str, keep: str, drop: str, *, dry_run: bool = False) -> Merge:
    """Merge DROP into KEEP: move what points at DROP to KEEP, fill KEEP's empty fields, remove DROP.

    A dry run does all of it inside the transaction and rolls back, so what it
    reports is exactly what a real merge would do.
    """
    kind = get_kind(kind_name)
    try:
        with transaction(registry) as txn:
            merge = _merge_in(txn, kind, keep, drop)
            if dry_run:
                raise _DryRun(merge)
    except _DryRun as done:
        return done.merge
    return merge


def _merge_in(txn: Txn, kind: Kind, keep: str, drop: str) -> Merge:
    kept, dropped = _both_records(txn, kind, keep, drop)
    merge = Merge(kind.name, keep, drop)
    _move_links(txn, kind, merge)
    _move_citations(txn, kind, merge)
    if kind.timeline:
        _move_timeline(txn, merge)
    _move_terms(txn, kind, merge)
    _move_references(txn, kind, merge)
    _fill_empty_fields(txn, kind, kept, dropped, merge)
    txn.delete(kind.table, {"id": drop}, dropped, drop)
    return merge


def _both_records(txn: Txn, kind: Kind, keep: str, drop: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two stored rows, or every reason the merge cannot be done."""
    if keep == drop:
        raise ValidationError([f"KEEP and DROP are both {keep!r}: give the ids of two different {kind.name} to merge"])
    rows = {record_id: fetch_row(txn.conn, kind, record_id) for record_id in (keep, drop)}
    problems = [_missing(txn, kind, record_id) for record_id, row in rows.items() if row is None]
    if problems:
        raise ValidationError(problems + ["nothing was changed"])
    return rows[keep], rows[drop]  # type: ignore[return-value]


def _missing(txn: Txn, kind: Kind, record_id: str) -> str:
    """Why an id cannot be merged: another kind's record, or none at all."""
    for other in KINDS.values():
        if other is not kind and fetch_row(txn.conn, other, record_id) is not None:
            return f"{record_id!r} is {_a(other.singular)}, not {_a(kind.singular)}: only two records of one kind can be merged"
    return f"there is no {kind.singular} {record_id!r}{suggest_id(txn.registry, kind, record_id)}"


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _rows(txn: Txn, table: str, condition: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = txn.conn.execute(f"SELECT * FROM [{table}] WHERE {condition}", params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


def _move_or_drop(txn: Txn, table: str, row: dict[str, Any], changes: dict[str, Any], log_id: str, already: bool) -> None:
    """Point a row at the kept record, or remove it when the kept record already has its twin."""
    key = {column: row[column] for column in primary_key(txn, table)}
    if already:
        txn.delete(table, key, row, "/".join(str(v) for v in key.values()))
    else:
        txn.update(table, key, row, changes, log_id)


def _move_links(txn: Txn, kind: Kind, merge: Merge) -> None:
    """Every link of the dropped record, on either side of every link table, goes to the kept one (never twice)."""
    for spec in LINKS:
        sides = [(spec.left_column, spec.right_column, spec.right_kind)] if spec.left_kind == kind.name else []
        sides += [(spec.right_column, spec.left_column, spec.left_kind)] if spec.right_kind == kind.name else []
        for ours, theirs, other_kind in sides:
            for row in _rows(txn, spec.table, f"[{ours}] = ?", [merge.drop]):
                other = row[theirs]
                twin = _rows(txn, spec.table, f"[{ours}] = ? AND [{theirs}] = ?", [merge.keep, other])
                moved = {**row, ours: merge.keep}
                role = f" as {row['role']}" if row.get("role") else ""
                said = f"{spec.table}: {KINDS[other_kind].singular} {other}{role}"
                _move_or_drop(txn, spec.table, row, {ours: merge.keep}, f"{moved[spec.left_column]}/{moved[spec.right_column]}", bool(twin))
                (merge.shared if twin else merge.moved).append(said)


def _move_citations(txn: Txn, kind: Kind, merge: Merge) -> None:
    for row in _rows(txn, "citations", "record_kind = ? AND record_id = ?", [kind.name, merge.drop]):
        twin = _rows(txn, "citations", "source_id = ? AND record_kind = ? AND record_id = ?", [row["source_id"], kind.name, merge.keep])
        url = txn.conn.execute("SELECT url FROM sources WHERE id = ?", [row["source_id"]]).fetchone()
        said = f"citation: source {row['source_id']} ({url[0] if url else '?'})"
        _move_or_drop(txn, "citations", row, {"record_id": merge.keep}, f"{row['source_id']}/{kind.name}/{merge.keep}", bool(twin))
        (merge.shared if twin else merge.moved).append(said)


def _move_timeline(txn: Txn, merge: Merge) -> None:
    """Timeline steps go to the kept record; a step it already has (same date and status) is not doubled.

    The kept step takes the dropped one's document or note when it has none, as fields do.
    """
    for row in _rows(txn, "asset_events", "asset_id = ? ORDER BY happened_on, id", [merge.drop]):
        twins = _rows(
            txn,
            "asset_events",
            "asset_id = ? AND happened_on IS ? AND status IS ? ORDER BY id",
            [merge.keep, row["happened_on"], row["status"]],
        )
        if twins:
            twin = twins[0]
            lent = {column: row[column] for column in ("document", "note") if _empty(twin[column]) and not _empty(row[column])}
            if lent:
                txn.update("asset_events", {"id": twin["id"]}, twin, lent, str(twin["id"]))
        said = f"timeline step {row['happened_on']} {row['status']}" + (f" ({row['document']})" if row["document"] else "")
        _move_or_drop(txn, "asset_events", row, {"asset_id": merge.keep}, str(row["id"]), bool(twins))
        (merge.shared if twins else merge.moved).append(said)


def _move_terms(txn: Txn, kind: Kind, merge: Merge) -> None:
    """The dropped record's terms join the kept one's history; a term it already has (same start and end) is not doubled."""
    term = kind.term
    if term is None or not term.history:
        return
    key = term.history_key
    for row in _rows(txn, term.history, f"[{key}] = ? ORDER BY starts_on, id", [merge.drop]):
        twins = _rows(txn, term.history, f"[{key}] = ? AND starts_on IS ? AND ends_on IS ?", [merge.keep, row["starts_on"], row["ends_on"]])
        _move_or_drop(txn, term.history, row, {key: merge.keep}, str(row["id"]), bool(twins))
        (merge.shared if twins else merge.moved).append(f"term {row['starts_on'] or '?'} to {row['ends_on'] or 'open-ended'}")


def _move_references(txn: Txn, kind: Kind, merge: Merge) -> None:
    """Records of other kinds that name the dropped record (an agreement's asset_id) name the kept one instead."""
    for other, ref in referring_fields(kind.name):
        for row in _rows(txn, other.table, f"[{ref.name}] = ? ORDER BY id", [merge.drop]):
            if other is kind and row["id"] == merge.drop:
                continue
            txn.update(other.table, {"id": row["id"]}, row, {ref.name: merge.keep}, row["id"])
            merge.references.append(f"{other.singular} {row['id']} (field {ref.name})")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _fill_empty_fields(txn: Txn, kind: Kind, kept_row: dict[str, Any], dropped_row: dict[str, Any], merge: Merge) -> None:
    """The kept record takes the dropped one's value for each field it leaves empty; it never loses a value of its own."""
    kept, dropped = decode_row(kind, kept_row), decode_row(kind, dropped_row)
    together = {name: group for group in TOGETHER for name in group if all(n in kind.field_name_set for n in group)}
    for f in kind.fields:
        group = together.get(f.name, (f.name,))
        if f.name != "id" and all(_empty(kept.get(n)) for n in group) and not _empty(dropped.get(f.name)):
            merge.filled[f.name] = dropped[f.name]
    if not merge.filled:
        return
    values = {k: v for k, v in {**kept, **merge.filled}.items() if k in kind.field_name_set}
    checked = clean_record(kind, values, check_country=False)
    row = encode_row(kind, checked.values)
    changes = {name: row.get(name) for name in merge.filled}
    txn.update(kind.table, {"id": merge.keep}, kept_row, changes, merge.keep)
