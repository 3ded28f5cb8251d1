"""Reading the change log and bringing deleted records back from it."""

from __future__ import annotations

import json
from typing import Any

from registry.model.errors import Conflict, NotFound, ValidationError
from registry.model.kinds import KINDS, LINKS, get_kind
from registry.model.rules import reference_problems
from registry.store.database import Registry, decode_row, record_exists, transaction


def read_log(
    registry: Registry, kind_name: str | None = None, record_id: str | None = None, *, limit: int | None = None
) -> list[dict[str, Any]]:
    """Change-log entries, newest first: a kind's records and links, or one record's story."""
    clauses, params = [], []
    if kind_name:
        kind = get_kind(kind_name)
        tables = [kind.table] + [s.table for s in LINKS if kind.name in (s.left_kind, s.right_kind)]
        if kind.timeline:
            tables.append("asset_events")
        term = kind.term if kind.term is not None and kind.term.history else None
        if term is not None:
            tables.append(term.history)
        if record_id:
            # A term's rows are logged under their own number, so they are found by the record they name, as timeline steps are.
            terms = f" OR (table_name = ? AND json_extract(coalesce(after, before), '$.{term.history_key}') = ?)" if term else ""
            clauses.append(
                "((table_name = ? AND record_id = ?) OR (table_name IN ({}) AND (record_id LIKE ? OR record_id LIKE ?))"
                " OR (table_name = 'citations' AND record_id LIKE ?)"
                " OR (table_name = 'asset_events' AND json_extract(coalesce(after, before), '$.asset_id') = ?){})".format(
                    ", ".join("?" for _ in tables), terms
                )
            )
            params += [kind.table, record_id, *tables, f"{record_id}/%", f"%/{record_id}", f"%/{kind.name}/{record_id}", record_id]
            if term is not None:
                params += [term.history, record_id]
        else:
            clauses.append(f"table_name IN ({', '.join('?' for _ in tables)})")
            params += tables
    sql = "SELECT * FROM changes"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    cursor = registry.conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    entries = []
    for row in cursor:
        entry = dict(zip(columns, row, strict=True))
        entry["before"] = json.loads(entry["before"]) if entry["before"] else None
        entry["after"] = json.loads(entry["after"]) if entry["after"] else None
        entries.append(entry)
    return entries


def changed_fields(entry: dict[str, Any]) -> list[str]:
    """Which fields an update touched, for a one-line summary."""
    before, after = entry.get("before") or {}, entry.get("after") or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def restore_record(registry: Registry, kind_name: str, record_id: str) -> dict[str, Any]:
    """Bring a deleted record back as it was, with the links, timeline, terms, citations and credits removed with it."""
    kind = get_kind(kind_name)
    with transaction(registry) as txn:
        if record_exists(txn.conn, kind, record_id):
            raise Conflict(f"{kind.singular} {record_id!r} exists; only a deleted record can be restored")
        found = txn.conn.execute(
            "SELECT txn, before FROM changes WHERE table_name = ? AND record_id = ? AND action = 'delete' ORDER BY id DESC LIMIT 1",
            [kind.table, record_id],
        ).fetchone()
        if found is None:
            raise NotFound(f"the change log holds no deleted {kind.singular} {record_id!r}")
        removal_txn, before_json = found
        row = json.loads(before_json)
        problems = reference_problems(kind, row, lambda k, i: record_exists(txn.conn, KINDS[k], i))
        if problems:
            raise ValidationError(problems + ["restore what it refers to first, or edit the reference after restoring"])
        txn.insert(kind.table, row, record_id, action="restore")
        companions = txn.conn.execute(
            "SELECT table_name, record_id, before FROM changes WHERE txn = ? AND action = 'delete' AND NOT (table_name = ? AND record_id = ?) ORDER BY id",
            [removal_txn, kind.table, record_id],
        ).fetchall()
        for table, companion_id, companion_before in companions:
            companion = json.loads(companion_before)
            if _can_reinsert(txn.conn, table, companion):
                txn.insert(table, companion, companion_id, action="restore")
    return decode_row(kind, row)


def _can_reinsert(conn: Any, table: str, row: dict[str, Any]) -> bool:
    """A link comes back only if the record at its other end still exists and it is not back already."""
    for spec in LINKS:
        if spec.table == table:
            other_ok = all(
                record_exists(conn, KINDS[k], row[col])
                for k, col in ((spec.left_kind, spec.left_column), (spec.right_kind, spec.right_column))
            )
            duplicate = conn.execute(
                f"SELECT 1 FROM [{table}] WHERE [{spec.left_column}] = ? AND [{spec.right_column}] = ?",
                [row[spec.left_column], row[spec.right_column]],
            ).fetchone()
            return other_ok and duplicate is None
    if table == "citations":
        return (
            conn.execute("SELECT 1 FROM sources WHERE id = ?", [row["source_id"]]).fetchone() is not None
            and conn.execute(
                "SELECT 1 FROM citations WHERE source_id = ? AND record_kind = ? AND record_id = ?",
                [row["source_id"], row["record_kind"], row["record_id"]],
            ).fetchone()
            is None
        )
    histories = {kind.term.history for kind in KINDS.values() if kind.term is not None and kind.term.history}
    if table in ("asset_events", "credits") or table in histories:
        return conn.execute(f"SELECT 1 FROM [{table}] WHERE id = ?", [row["id"]]).fetchone() is None
    return False
