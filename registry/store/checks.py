"""Whole-registry checks: SQLite integrity, foreign keys, every record re-validated, freshness, lapsed terms."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import ValidationError
from registry.model.kinds import KINDS, LINKS
from registry.model.rules import clean_record, is_stale, reference_problems
from registry.model.slugs import shared_slugs
from registry.model.terms import term_state
from registry.store.database import Registry, decode_row


@dataclass
class Report:
    """Problems make the registry unsound; notices are worth a look but break nothing."""

    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    records: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_registry(registry: Registry, today: dt.date | None = None) -> Report:
    """Everything `commons check` verifies, as a report rather than an exception."""
    report = Report()
    conn = registry.conn
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        integrity = [str(exc)]
    if integrity != ["ok"]:
        # Rows read from damaged pages mean nothing (and reading them may fail): stop here.
        report.problems += [f"SQLite integrity: {line}" for line in integrity]
        report.problems.append("the file is damaged: restore a backup (`commons restore-backup FILE`) rather than trust its rows")
        return report
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
        report.problems.append(f"table {table} row {rowid} points at a missing row of {parent}")
    cited = {(k, i) for k, i in conn.execute("SELECT record_kind, record_id FROM citations")}
    for kind in KINDS.values():
        cursor = conn.execute(f"SELECT * FROM [{kind.table}] ORDER BY id")
        columns = [d[0] for d in cursor.description]
        undeclared = [c for c in columns if c not in kind.field_name_set]
        if undeclared:
            report.notices.append(
                f"table {kind.table} has columns no declaration knows ({', '.join(undeclared)}): they are never published; "
                "a newer version of Commons Lab, or a hand edit, added them"
            )
        for values in cursor:
            report.records += 1
            record = decode_row(kind, dict(zip(columns, values, strict=True)))
            present = {k: v for k, v in record.items() if k in kind.field_names}
            try:
                clean_record(kind, present, check_country=False)
            except ValidationError as exc:
                report.problems += exc.problems
            report.problems += reference_problems(kind, present, lambda k, i: _exists(registry, k, i))
            if (kind.name, record["id"]) not in cited:
                report.notices.append(
                    f"{kind.singular} {record['id']!r} cites no source (`commons cite {kind.name} {record['id']} --url ... --title ...`)"
                )
            if is_stale(record.get("last_verified"), today):
                when = record.get("last_verified") or "never"
                report.notices.append(f"{kind.singular} {record['id']!r} is stale: last verified {when}")
            report.notices += _lapsed(kind, record, today or dt.date.today())
        report.notices += _shared_pages(registry, kind, columns)
    for spec in LINKS:
        if spec.roles is None:
            continue
        for left, right, role in conn.execute(f"SELECT [{spec.left_column}], [{spec.right_column}], role FROM [{spec.table}]"):
            if role is not None and role not in spec.roles:
                report.problems.append(f"link {left!r}–{right!r} in {spec.table} has unknown role {role!r}")
            if role is None and spec.table == "agreement_parties":
                report.problems.append(f"party {right!r} of agreement {left!r} has no role")
    for kind_name, record_id in sorted(cited):
        if kind_name not in KINDS or not _exists(registry, kind_name, record_id):
            report.problems.append(f"a citation points at a missing {kind_name} record {record_id!r}")
    return report


def _lapsed(kind: Kind, record: dict[str, Any], today: dt.date) -> list[str]:
    """A record whose term ended while its status says it is in force: it needs renewing, or its status setting."""
    term = kind.term
    if term is None or term_state(term, record, today) != "lapsed":
        return []
    ending = f"; or, if it ended, `commons edit {kind.name} {record['id']} --set {term.status}={term.lapses_to}`" if term.lapses_to else ""
    return [
        f"{kind.singular} {record['id']!r} has lapsed: its term ended on {record.get(term.ends)} but its {term.status} is still "
        f"{term.in_force!r}; renew it (`commons {kind.name} renew {record['id']} --until YYYY-MM-DD`){ending}"
    ]


def _shared_pages(registry: Registry, kind: Kind, columns: list[str]) -> list[str]:
    """Values of a free-text filter (a city) that the site shows on one page, because their addresses are the same."""
    notices = []
    for facet in kind.facets:
        if kind.field(facet.field).choices is not None or facet.field not in columns:
            continue
        values: set[str] = set()
        for (stored,) in registry.conn.execute(f"SELECT DISTINCT [{facet.field}] FROM [{kind.table}]"):
            value = decode_row(kind, {facet.field: stored})[facet.field]
            values.update(str(v) for v in (value if isinstance(value, list) else [value]) if v not in (None, ""))
        for slug, found in shared_slugs(values).items():
            notices.append(
                f"{kind.name} whose {facet.field} is {' or '.join(map(repr, found))} share one page ({kind.name}/{facet.name}/{slug}/): "
                "if they are one place, give it one spelling; if not, add what tells them apart"
            )
    return notices


def _exists(registry: Registry, kind_name: str, record_id: Any) -> bool:
    table = KINDS[kind_name].table
    return registry.conn.execute(f"SELECT 1 FROM [{table}] WHERE id = ?", [record_id]).fetchone() is not None
