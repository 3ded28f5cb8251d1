"""Adding, editing, removing, reading and listing records: the rules applied, the writes logged."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import Conflict, NotFound, ValidationError
from registry.model.kinds import KINDS, LINKS, get_kind
from registry.model.rules import clean_record, describe, fold_translations, reference_problems
from registry.operations.inserting import insert_many, possible_duplicates
from registry.operations.updating import write_changes
from registry.store.database import Registry, Txn, decode_row, encode_row, fetch_row, record_exists, transaction


@dataclass
class Outcome:
    """What a write did: the record as stored, and warnings the user should read."""

    record: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    changed: bool = True


def get_record(registry: Registry, kind_name: str, record_id: str) -> dict[str, Any]:
    """One record as stored, or NotFound naming what was asked for."""
    kind = get_kind(kind_name)
    row = fetch_row(registry.conn, kind, record_id)
    if row is None:
        raise NotFound(f"there is no {kind.singular} {record_id!r}{suggest_id(registry, kind, record_id)}")
    return decode_row(kind, row)


def suggest_id(registry: Registry, kind: Kind, record_id: str) -> str:
    ids = [r[0] for r in registry.conn.execute(f"SELECT id FROM [{kind.table}]")]
    close = difflib.get_close_matches(record_id, ids, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; `commons list {kind.name}` shows them"


def list_records(
    registry: Registry, kind_name: str, where: Mapping[str, str] | None = None, *, limit: int | None = None
) -> list[dict[str, Any]]:
    """Records of a kind, filtered by exact field values (list fields match any member)."""
    kind = get_kind(kind_name)
    clauses, params = [], []
    for name, value in (where or {}).items():
        if name not in kind.field_names:
            raise ValidationError([f"cannot filter {kind.name} by {name!r}: fields are {', '.join(kind.field_names)}"])
        if kind.field(name).type == "enum_list":
            clauses.append(f"EXISTS (SELECT 1 FROM json_each([{name}]) WHERE value = ?)")
        elif value == "":
            clauses.append(f"([{name}] IS NULL OR [{name}] = ?)")
        else:
            clauses.append(f"CAST([{name}] AS TEXT) = ?")
        params.append(value)
    sql = f"SELECT * FROM [{kind.table}]"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    cursor = registry.conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [decode_row(kind, dict(zip(columns, row, strict=True))) for row in cursor]


def add_record(registry: Registry, kind_name: str, values: Mapping[str, Any]) -> Outcome:
    """Validate and insert a new record, logging it; refuse an id already in use."""
    kind = get_kind(kind_name)
    cleaned = clean_record(kind, values)
    with transaction(registry) as txn:
        warnings = insert_clean(txn, kind, cleaned.values)
    return Outcome(get_record(registry, kind.name, cleaned.values["id"]), cleaned.warnings + warnings)


def insert_clean(txn: Txn, kind: Kind, values: dict[str, Any], where: str = "") -> list[str]:
    """Insert one already-cleaned record inside a transaction, with the same checks as a bulk import; returns its warnings."""
    warnings = possible_duplicates(txn.conn, kind, [(where, values)])
    insert_many(txn, kind, [(where, values)])
    return warnings


def update_record(registry: Registry, kind_name: str, record_id: str, values: Mapping[str, Any]) -> Outcome:
    """Change some fields of a record; the id never changes, so its address stays valid."""
    kind = get_kind(kind_name)
    with transaction(registry) as txn:
        outcome = update_in(txn, kind, record_id, values)
    return Outcome(get_record(registry, kind.name, record_id), outcome.warnings) if outcome.changed else outcome


def update_in(txn: Txn, kind: Kind, record_id: str, values: Mapping[str, Any]) -> Outcome:
    """Update inside an open transaction, checked as `update_record` does; shared with commands that change more."""
    if "id" in values and values["id"] != record_id:
        raise ValidationError(
            [f"{describe(kind, record_id)}: field 'id' cannot change: ids are stable addresses; rename with --set {kind.title_field}=..."]
        )
    before = fetch_row(txn.conn, kind, record_id)
    if before is None:
        raise NotFound(f"there is no {kind.singular} {record_id!r}{suggest_id(txn.registry, kind, record_id)}")
    current = decode_row(kind, before)
    values, problems = fold_translations(kind, values, current.get("translations"))
    if problems:
        raise ValidationError([f"{describe(kind, record_id)}: {problem}" for problem in problems])
    given = clean_record(kind, {**values, "id": record_id}, partial=True, check_country=False)
    merged = {**current, **{k: v for k, v in given.values.items()}}
    checked = clean_record(kind, merged, check_country=any(k in values for k in ("lat", "lon", "country")))
    new_row = encode_row(kind, checked.values)
    changes = {k: new_row[k] for k in values if k != "id" and new_row.get(k) != before.get(k)}
    if not changes:
        return Outcome(current, checked.warnings, changed=False)
    problems = reference_problems(kind, checked.values, lambda k, i: record_exists(txn.conn, KINDS[k], i))
    if problems:
        raise ValidationError(problems)
    write_changes(txn, kind, record_id, before, changes)
    return Outcome(decode_row(kind, {**before, **changes}), checked.warnings)


@dataclass(frozen=True)
class Owned:
    """Rows that belong to a record and go (and come back) with it."""

    table: str
    column: str


def owned_tables(kind: Kind) -> list[Owned]:
    """Links this record holds, its timeline, its terms and its citations: removed along with it."""
    owned = [Owned(spec.table, spec.left_column) for spec in LINKS if spec.left_kind == kind.name]
    if kind.timeline:
        owned.append(Owned("asset_events", "asset_id"))
    if kind.term is not None and kind.term.history:
        owned.append(Owned(kind.term.history, kind.term.history_key))
    return owned


def referrers(registry: Registry, kind: Kind, record_id: str) -> list[str]:
    """Which other records point at this one, in words."""
    found: list[str] = []
    for other in KINDS.values():
        for f in other.fields:
            if f.ref == kind.name:
                for (other_id,) in registry.conn.execute(f"SELECT id FROM [{other.table}] WHERE [{f.name}] = ?", [record_id]):
                    found.append(f"{other.singular} {other_id!r} (field {f.name})")
    for spec in LINKS:
        if spec.right_kind == kind.name:
            left = KINDS[spec.left_kind]
            sql = f"SELECT [{spec.left_column}] FROM [{spec.table}] WHERE [{spec.right_column}] = ?"
            for (left_id,) in registry.conn.execute(sql, [record_id]):
                found.append(f"{left.singular} {left_id!r} (linked in {spec.table})")
    return found


def remove_record(registry: Registry, kind_name: str, record_id: str) -> dict[str, Any]:
    """Delete a record and what it owns, logged so `restore` can bring it all back.

    Refuses while other records point at it, because removing it would leave them
    pointing at nothing.
    """
    kind = get_kind(kind_name)
    with transaction(registry) as txn:
        before = fetch_row(txn.conn, kind, record_id)
        if before is None:
            raise NotFound(f"there is no {kind.singular} {record_id!r}{suggest_id(registry, kind, record_id)}")
        pointing = referrers(registry, kind, record_id)
        if pointing:
            raise Conflict(
                f"{kind.singular} {record_id!r} is still referred to by: {'; '.join(pointing)}. Unlink or edit those first, then remove it."
            )
        for owned in owned_tables(kind):
            delete_rows(txn, owned.table, f"[{owned.column}] = ?", [record_id])
        delete_rows(txn, "citations", "record_kind = ? AND record_id = ?", [kind.name, record_id])
        delete_rows(txn, "credits", "record_kind = ? AND record_id = ?", [kind.name, record_id])
        txn.delete(kind.table, {"id": record_id}, before, record_id)
    return decode_row(kind, before)


def primary_key(registry_or_txn: Registry | Txn, table: str) -> list[str]:
    """The primary key columns of a table."""
    return [row[1] for row in sorted(registry_or_txn.conn.execute(f"PRAGMA table_info([{table}])"), key=lambda r: r[5]) if row[5]]


def delete_rows(txn: Txn, table: str, condition: str, params: list[Any]) -> int:
    """Delete matching rows one by one so each is logged with what it held."""
    cursor = txn.conn.execute(f"SELECT * FROM [{table}] WHERE {condition}", params)
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    pk = primary_key(txn, table)
    for row in rows:
        key = {c: row[c] for c in pk}
        txn.delete(table, key, row, "/".join(str(v) for v in key.values()))
    return len(rows)
