"""The public copy: the one place private data is stripped, used by Datasette, the site and downloads.

`write_public_db` writes `public.db` fresh; `public_update.py` brings one up to
date from the change log with the same pieces. Only columns the rules mark
public are copied; the public change history keeps when and what, never who,
and drops private fields from the rows it shows. The output is byte-for-byte
the same for the same registry, so builds are reproducible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from pathlib import Path

from registry.model.kinds import KINDS, LINKS
from registry.model.relations import RELATIONS, term_histories
from registry.operations.terms import term_state_sql
from registry.publishing.assessment_tables import write_assessment_tables
from registry.publishing.summaries import write_summaries
from registry.store.database import Registry

DEFAULT_TITLE = "Commons Lab registry"
PUBLIC_TABLES_EXTRA = ("asset_events", "sources", "citations", "credits", "districts")


PUBLIC_CHANGE_COLUMNS = ("id", "changed_at", "action", "table_name", "record_id", "before", "after", "via")


# Indexes beyond the kinds' own: the joins the canned queries make and the
# columns Datasette facets by, since an unindexed facet at 1M rows silently
# vanishes past Datasette's facet time limit. On changes, (table_name,
# changed_at) lets "Records changed in the last N days" read each kind's recent
# changes newest first, and (table_name, record_id, changed_at) answers its
# "how many changes, and is this the last" per record from the index alone.
FACETED = {"assets": ("city", "kind", "status"), "actors": ("city", "kind"), "agreements": ("city", "kind", "status", "term_state")}
PUBLIC_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "agreement_parties": (("actor_id",), ("role",)),
    "case_study_actors": (("actor_id",), ("role",)),
    "case_study_assets": (("asset_id",),),
    "citations": (("record_kind", "record_id"),),
    "credits": (("record_kind", "record_id"), ("action",)),
    "districts": (("city",),),
    "changes": (("changed_at",), ("table_name", "changed_at"), ("table_name", "record_id", "changed_at"), ("action",)),
    # The order each table page opens in (metadata.json's `sort`), so the first
    # page streams from an index instead of sorting the table (163 ms at 1M).
    "asset_events": (("asset_id",), ("status",), ("happened_on",)),
    "agreement_terms": (("starts_on",),),
    "assessments": (("assessed_on",),),
    # A filter on one default facet (a journalist's first click), with the other
    # default facets counted from the index alone: `assets?status=occupied`
    # counted its kinds by reading 75k rows at 1M (0.56 s), 12 ms with these.
    **{table: tuple((first, *(c for c in facets if c != first)) for first in facets) for table, facets in FACETED.items()},
}

# A column the public copy adds to each kind with a term: its term state as of
# the day the copy is made (`model/terms.py`), so Datasette can filter, facet and
# index by it ("Lapsed agreements") where SQL alone could not ask the rule.
TERM_STATE_COLUMN = "term_state"


# Indexes in the order the canned queries of metadata.json sort by, so Datasette
# streams their first 1,000 rows instead of sorting the whole table (at 1M
# records: 0.8-1 s each before, 5-13 ms after). Keep them in step with the
# queries' ORDER BY clauses; `commons publish` then runs ANALYZE so SQLite
# knows a status or city filter is not selective enough to beat them. The two
# (district, status, name) ones give "Assets by status and district" the first
# names of each cell (in every city, or in one) without sorting the cell. Some
# also hold the columns their query shows, so its 1,000 rows come from the
# index alone, never the wide rows with their descriptions: (city, name, id,
# status, since, district) for "Commons with no active agreement" (11 ms to
# 2 ms of SQLite at 1M), the term-state one for "Lapsed agreements", and
# (id, name) for the asset's name beside an agreement. The first three are the
# assets and actors table pages' own order (metadata.json's `sort`), unfiltered
# and filtered by status.
ORDERED_INDEXES: tuple[tuple[str, str, str], ...] = (
    ("assets", "idx_assets_name_id", "[name], [id]"),
    ("assets", "idx_assets_status_name_id", "[status], [name], [id]"),
    ("actors", "idx_actors_name_id", "[name], [id]"),
    ("assets", "idx_assets_city_name_id", "[city], [name], [id], [status], [since], [district]"),
    ("assets", "idx_assets_district_status_name", "[district], [status], [name]"),
    ("assets", "idx_assets_city_district_status_name", "[city], [district], [status], [name]"),
    ("actors", "idx_actors_city_kind_name_id", "[city], [kind], [name], [id]"),
    ("case_studies", "idx_case_studies_title_id", "[title], [id]"),
    ("agreements", "idx_agreements_asset_id_status", "[asset_id], [status]"),
    ("agreements", "idx_agreements_rent_order", "([rent_eur_per_year] IS NULL), [rent_eur_per_year] DESC, [id]"),
    ("agreements", "idx_agreements_term_state_expires_on_id", "[term_state], [expires_on], [id], [title], [kind], [asset_id], [city]"),
    ("assets", "idx_assets_id_name", "[id], [name]"),
)


def public_tables() -> list[str]:
    """Every table that reaches the public, in an order that satisfies foreign keys."""
    histories = [r.table for r in term_histories()]
    return [k.table for k in KINDS.values()] + [s.table for s in LINKS] + list(PUBLIC_TABLES_EXTRA) + histories + ["changes"]


# The columns of the tables that are not a kind's, each declared public by name.
PUBLIC_EXTRA_COLUMNS = {
    **{r.table: tuple(r.field_names) for r in RELATIONS if r.table in ("asset_events", "sources", "citations", "credits")},
    "districts": ("id", "name", "city", "geometry"),
    "changes": PUBLIC_CHANGE_COLUMNS,
}


def declared_public_columns(table: str) -> set[str]:
    """What may be published of a table: an allow-list from the declarations, so an unknown column never is."""
    kind = next((k for k in KINDS.values() if k.table == table), None)
    if kind is not None:
        return {f.name for f in kind.public_fields}
    link = next((s for s in LINKS if s.table == table), None)
    if link is not None:
        return {link.left_column, link.right_column, *(("role",) if link.roles is not None else ())}
    history = next((r for r in term_histories() if r.table == table), None)
    if history is not None:
        return set(history.field_names)
    return set(PUBLIC_EXTRA_COLUMNS.get(table, ()))


def public_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The columns of a table that may be published, in the table's order."""
    allowed = declared_public_columns(table)
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])") if row[1] in allowed]


def all_private_fields() -> list[str]:
    return sorted({name for kind in KINDS.values() for name in kind.private_field_names})


def write_public_db(registry: Registry, target: Path, today: dt.date | None = None, keyed: bool = True) -> dict[str, int]:
    """Copy the public tables and columns into a fresh SQLite file, with search and indexes.

    The copy is plain SQL run by SQLite itself (INSERT … SELECT from the
    registry attached read-only), in one transaction: no row passes through
    Python, and the same registry always gives the same bytes on the same day.
    The exceptions are the term state of kinds with a term, asked of
    `model/terms.py` for each row as of `today` (the build's date), so the copy
    says what the pages say, and each row's rowid, made from its key
    (`keyed_rowid`) so that a copy brought up to date from the change log holds
    its rows in the same order as a fresh one.
    """
    today = today or dt.date.today()
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    source = registry.conn
    counts: dict[str, int] = {}
    plans = [(table, public_columns(source, table)) for table in public_tables()]
    conn = open_for_writing(tmp)
    try:
        conn.execute("ATTACH DATABASE ? AS registry", (f"{Path(registry.path).resolve().as_uri()}?mode=ro",))
        conn.execute("BEGIN")
        for table, columns in plans:
            conn.execute(_create_table_sql(source, table, columns, list(_derived_columns(conn, table, today))))
            counts[table] = copy_rows(conn, source, table, columns, today, keyed=keyed)
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE registry")
        conn.execute("BEGIN")
        for kind in KINDS.values():
            for column in kind.index_fields:
                _create_index(conn, kind.table, (column,))
            _create_search(conn, kind.table, kind.search_fields)
        for table, indexes in PUBLIC_INDEXES.items():
            for index_columns in indexes:
                _create_index(conn, table, index_columns)
        for history in term_histories():
            _create_index(conn, history.table, (history.fields[1].name, "starts_on"))
        for table, name, definition in ORDERED_INDEXES:
            conn.execute(f"CREATE INDEX IF NOT EXISTS [{name}] ON [{table}] ({definition})")
        write_derived_tables(conn)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        # No VACUUM: a file written once, in order, has no free pages to reclaim, and
        # rewriting it cost 3 s at 100k records (30 s at 1M) for the same bytes.
    finally:
        conn.close()
    os.replace(tmp, target)
    return counts


def open_for_writing(path: Path) -> sqlite3.Connection:
    """A connection that writes a public copy: no journal (a copy is written aside and moved into place) and `keyed_rowid`."""
    conn = sqlite3.connect(str(path), isolation_level=None, uri=True)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.create_function("keyed_rowid", -1, keyed_rowid, deterministic=True)
    return conn


def keyed_rowid(*key: object) -> int:
    """A row's rowid made from its primary key alone (64 bits of BLAKE2b, positive).

    SQLite keeps a table's rows in rowid order, and a dump lists them so: with
    rowids in insertion order, a record added after the copy was made would sit
    last where a fresh copy puts it among the others. Made from the key, the
    order is the same however the copy was reached. Two keys of one table
    sharing a rowid (about one chance in 10^7 at a million rows) make the copy
    fail with an IntegrityError, and the copy is then written with plain rowids.
    """
    text = "\x1f".join("" if part is None else str(part) for part in key)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1 or 1


def copy_rows(
    conn: sqlite3.Connection,
    source: sqlite3.Connection,
    table: str,
    columns: list[str],
    today: dt.date,
    where: str = "",
    keyed: bool = True,
) -> int:
    """Copy a table's public rows (all, or those `where` picks, a condition on [row]) from the attached registry; return how many."""
    derived = _derived_columns(conn, table, today)
    select = ", ".join([*(_public_expression(table, c) for c in columns), *derived.values()])
    pk = key_columns(source, table)
    names = ", ".join(f"[{c}]" for c in [*columns, *derived])
    condition = " AND ".join(c for c in (_public_filter(table), where) if c)
    condition = f" WHERE {condition}" if condition else ""
    if keyed and has_keyed_rowid(source, table):
        rowid = f"keyed_rowid({', '.join(f'[row].[{c}]' for c in pk)})"
        statement = (
            f"INSERT INTO main.[{table}] (rowid, {names}) SELECT {rowid}, {select} FROM registry.[{table}] AS [row]{condition} ORDER BY 1"
        )
    else:
        order = ", ".join(f"[{c}]" for c in pk) or "rowid"
        statement = f"INSERT INTO main.[{table}] ({names}) SELECT {select} FROM registry.[{table}] AS [row]{condition} ORDER BY {order}"
    return conn.execute(statement).rowcount


def has_keyed_rowid(source: sqlite3.Connection, table: str) -> bool:
    """Whether a public table's rowid is made from its key: every table whose key is not itself an integer rowid."""
    pk = key_columns(source, table)
    declared = {row[1]: row[2] for row in source.execute(f"PRAGMA table_info([{table}])")}
    return not (len(pk) == 1 and _column_type(declared[pk[0]]) == "INTEGER")


def write_derived_tables(conn: sqlite3.Connection, refill: bool = False) -> None:
    """The tables counted from the public ones (summaries, assessment scores), written again whole (`refill`: in place)."""
    write_summaries(conn, refill)
    write_assessment_tables(conn, refill)


def key_columns(source: sqlite3.Connection, table: str) -> list[str]:
    """A table's primary key columns, in the key's order: a public table's are its registry table's, in the same order."""
    return [row[1] for row in sorted(source.execute(f"PRAGMA table_info([{table}])"), key=lambda r: r[5]) if row[5]]


def _derived_columns(conn: sqlite3.Connection, table: str, today: dt.date) -> dict[str, str]:
    """Columns the public copy computes for a table, by name, with the SQL that computes each from the registry's row."""
    kind = next((k for k in KINDS.values() if k.table == table), None)
    if kind is None or kind.term is None:
        return {}
    return {TERM_STATE_COLUMN: term_state_sql(conn, kind, today, "[row]", "registry.")}


def _create_table_sql(source: sqlite3.Connection, table: str, columns: list[str], derived: list[str] | None = None) -> str:
    """The public table: the registry's columns that may be published, their types, key and references, then derived ones."""
    declared = {row[1]: row[2] for row in source.execute(f"PRAGMA table_info([{table}])")}
    references = {fk[3]: (fk[2], fk[4]) for fk in source.execute(f"PRAGMA foreign_key_list([{table}])")}
    pk = key_columns(source, table)
    lines = []
    for column in columns:
        line = f"   [{column}] {_column_type(declared[column])}"
        if pk == [column]:
            line += " PRIMARY KEY"
        if column in references:
            line += f" REFERENCES [{references[column][0]}]([{references[column][1]}])"
        lines.append(line)
    lines += [f"   [{column}] TEXT" for column in derived or ()]
    if len(pk) > 1:
        lines.append(f"   PRIMARY KEY ({', '.join(f'[{c}]' for c in pk)})")
    return f"CREATE TABLE [{table}] (\n" + ",\n".join(lines) + "\n)"


def _column_type(declared: str) -> str:
    declared = declared.upper()
    if "INT" in declared:
        return "INTEGER"
    if "REAL" in declared or "FLOA" in declared or "DOUB" in declared:
        return "REAL"
    return "TEXT"


def _create_index(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
    name = f"idx_{table}_{'_'.join(columns)}"
    conn.execute(f"CREATE INDEX IF NOT EXISTS [{name}] ON [{table}] ({', '.join(f'[{c}]' for c in columns)})")


def _create_search(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
    """An external-content FTS5 index over the table, named <table>_fts as Datasette expects."""
    names = ", ".join(f"[{c}]" for c in columns)
    conn.execute(f"CREATE VIRTUAL TABLE [{table}_fts] USING FTS5 ({names}, tokenize='porter', content=[{table}])")
    conn.execute(f"INSERT INTO [{table}_fts] (rowid, {names}) SELECT rowid, {names} FROM [{table}]")


def _public_expression(table: str, column: str) -> str:
    """Change-log rows are shown without the private fields they held."""
    if table == "changes" and column in ("before", "after"):
        return f"{_public_row(column)} AS [{column}]"
    return f"[{column}]"


def _public_row(column: str) -> str:
    """SQL for a logged row (JSON) with every private field removed."""
    paths = ", ".join(f"'$.{name}'" for name in all_private_fields())
    return f"json_remove([{column}], {paths})"


def _public_filter(table: str) -> str:
    """An edit that touched only private fields leaves no public trace, not even an empty update."""
    if table != "changes":
        return ""
    return f"NOT ([row].action = 'update' AND {_public_row('before')} IS {_public_row('after')})"
