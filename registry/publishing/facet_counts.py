"""Each table's default facets counted once when Datasette starts, so a journalist's first pages need not count every row.

Datasette counts each facet a table page shows with a GROUP BY over the rows
the page filters to, on every request: at 1M records the assets table page
spent ~100-150 ms of its time counting its three default facets over 450,000
rows. The public copy is served immutable, so those counts cannot change while
it is served. This plugin counts, at start-up, each table's default facets
(metadata.json's `facets`) over the whole table and under an equality filter
on each other default facet (`assets?status=occupied`, a journalist's first
click), and answers a facet from them when a page asks for exactly that shape.
Any other page (a search, two filters, `_where`, a later page, a facet not in
metadata.json) is counted by Datasette as before.

The shape is recognised by the exact SQL Datasette counts from (the table's
columns, then nothing or one `"column" = :p0` filter), never by reading the
query string, so a page this module did not foresee is never answered wrongly.
Only columns whose values compare as stored text (TEXT or no declared type,
no COLLATE in the table) are counted under a filter: a query-string value
matches them exactly when it equals the stored string. Only values held by
FEWEST_ROWS rows or more are kept under a filter, so the counts stay small
whatever the number of cities. A counted facet never times out, where
Datasette would drop one past `facet_time_limit_ms`.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from datasette import hookimpl
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from registry.publishing.public_copy import FACETED

PLUGIN_NAME = __name__

# A filter value held by fewer rows is counted by Datasette from the indexes in a few milliseconds; keeping
# every value would cost ~1.4 KB each at start-up (270 MB for 200,000 cities of one registry).
FEWEST_ROWS = 1_000
Rows = list[tuple[Any, int]]  # (value, count), most common first, then by value: Datasette's facet order


@dataclass
class TableCounts:
    """One table's default facets over all its rows, and its indexed ones under each one-column equality filter."""

    whole_sql: str
    whole: dict[str, Rows] = field(default_factory=dict)
    indexed: tuple[str, ...] = ()
    filtered: dict[str, dict[str, dict[str, Rows]]] = field(default_factory=dict)  # filter column -> value -> column -> rows

    def rows_for(self, sql: str, params: Any) -> dict[str, Rows]:
        """The facets counted for the rows `sql` selects, by column; empty when `sql` is not a counted shape or its value too rare."""
        if sql == self.whole_sql and not params:
            return self.whole
        if not isinstance(params, dict) or list(params) != ["p0"]:
            return {}
        for column, by_value in self.filtered.items():
            if sql == f'{self.whole_sql}where "{column}" = :p0 ':
                return by_value.get(params["p0"], {})
        return {}


# Counts per Datasette instance and database name; the instance owns them, so they go when it does.
COUNTS: WeakKeyDictionary[Any, dict[str, dict[str, TableCounts]]] = WeakKeyDictionary()


def text_compared(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether `column = :text` matches exactly the rows whose stored value is that string (TEXT or no affinity, binary collation)."""
    (create,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    if "collate" in (create or "").lower():
        return False
    declared = {name: (kind or "").upper() for _, name, kind, *_ in conn.execute(f"PRAGMA table_info({escape_sqlite(table)})")}
    kind = declared.get(column)
    if kind is None or "INT" in kind:
        return False
    return any(text in kind for text in ("CHAR", "CLOB", "TEXT")) or kind in ("", "BLOB")


def count_table(conn: sqlite3.Connection, table: str, whole_sql: str, columns: tuple[str, ...], most: int) -> TableCounts:
    """Count `columns` of `table` over all rows, and the indexed ones under each value of each other; keep `most` values per facet."""
    name = escape_sqlite(table)
    indexed = tuple(c for c in columns if c in FACETED.get(table, ()))
    counts = TableCounts(whole_sql, indexed=indexed)
    for column in columns:
        quoted = escape_sqlite(column)
        query = f"SELECT {quoted}, count(*) AS n FROM {name} WHERE {quoted} IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT {most}"
        counts.whole[column] = [(value, n) for value, n in conn.execute(query)]
    for chosen in (c for c in indexed if text_compared(conn, table, c)):
        by_value: dict[str, dict[str, Rows]] = {}
        for value, n in conn.execute(f"SELECT {escape_sqlite(chosen)}, count(*) FROM {name} GROUP BY 1"):
            if isinstance(value, str) and n >= FEWEST_ROWS:
                by_value[value] = {c: [(value, n)] if c == chosen else [] for c in indexed}
        for column in (c for c in indexed if c != chosen):
            quoted = escape_sqlite(column)
            query = (
                f"SELECT {escape_sqlite(chosen)}, {quoted}, count(*) AS n FROM {name} WHERE {quoted} IS NOT NULL "
                f"GROUP BY 1, 2 ORDER BY 1, n DESC, 2"
            )
            for value, counted, n in conn.execute(query):
                found = by_value[value][column] if value in by_value else None
                if found is not None and len(found) < most:
                    found.append((counted, n))
        counts.filtered[chosen] = by_value
    return counts


async def count_database(datasette: Any, database: str) -> dict[str, TableCounts]:
    """Every table of an immutable database with default column facets, counted; nothing for a database that can change."""
    db = datasette.get_database(database)
    if db.is_mutable:
        return {}
    most = int(datasette.setting("max_returned_rows")) + 1  # the most `_facet_size=max` shows, and one to say "truncated"
    found: dict[str, TableCounts] = {}
    for table, meta in (datasette.metadata("tables", database=database) or {}).items():
        columns = tuple(dict.fromkeys(f for f in meta.get("facets", []) if isinstance(f, str)))
        if not columns or not await db.table_exists(table):
            continue
        table_columns = await db.table_columns(table)
        if not set(columns) <= set(table_columns):
            continue
        selected = ", ".join(escape_sqlite(c) for c in table_columns)
        if not await db.primary_keys(table):
            selected = f"rowid, {selected}"
        whole_sql = f"select {selected} from {escape_sqlite(table)} "
        found[table] = await db.execute_fn(partial(count_table, table=table, whole_sql=whole_sql, columns=columns, most=most))
    return found


@hookimpl  # type: ignore[misc]
def startup(datasette: Any) -> Any:
    """Datasette's start-up hook: count every immutable database's default facets before the first request."""

    async def count_all() -> None:
        COUNTS[datasette] = {name: await count_database(datasette, name) for name in list(datasette.databases)}

    return count_all


class CountedColumnFacet(ColumnFacet):  # type: ignore[misc]
    """Datasette's column facet, answered from the start-up counts when the page's rows are a counted shape."""

    _only: list[dict[str, Any]] | None = None  # the configs Datasette is to count itself, one at a time

    def get_configs(self) -> list[dict[str, Any]]:
        return list(self._only) if self._only is not None else super().get_configs()

    def _counted(self) -> dict[str, Rows]:
        counts = COUNTS.get(self.ds, {}).get(self.database, {}).get(self.table) if self.table else None
        return counts.rows_for(self.sql, self.params) if counts else {}

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        counted = self._counted()
        if not counted:
            return await super().facet_results()
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        for chosen in self.get_configs():
            column = chosen["config"].get("column") or chosen["config"]["simple"]
            if column in counted:
                results.append(await self._answer(chosen["source"], column, counted[column]))
                continue
            self._only = [chosen]
            try:
                more, late = await super().facet_results()
            finally:
                self._only = None
            results += more
            timed_out += late
        return results, timed_out

    async def _answer(self, source: str, column: str, rows: Rows) -> dict[str, Any]:
        """One facet in the form Datasette's ColumnFacet gives it."""
        size = self.get_facet_size()
        shown = rows[:size]
        expanded = await self.ds.expand_foreign_keys(self.database, self.table, column, [value for value, _ in shown])
        pairs = self.get_querystring_pairs()
        column_qs = f"{column}__exact" if column.startswith("_") else column
        values = []
        for value, count in shown:
            selected = (column_qs, str(value)) in pairs
            toggle = (
                path_with_removed_args(self.request, {column_qs: str(value)})
                if selected
                else path_with_added_args(self.request, {column_qs: value})
            )
            values.append(
                {
                    "value": value,
                    "label": expanded.get((column, value), value),
                    "count": count,
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                    "selected": selected,
                }
            )
        return {
            "name": column,
            "type": self.type,
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
            "results": values,
            "truncated": len(rows) > size,
        }


@hookimpl(wrapper=True)  # type: ignore[misc]
def register_facet_classes() -> Any:
    """Put the counted column facet in the place of Datasette's own, keeping the other facet classes."""
    classes = yield
    return [[CountedColumnFacet if cls is ColumnFacet else cls for cls in group] for group in classes]


def install() -> None:
    """Make every Datasette in this process answer counted facets; safe to call more than once."""
    from datasette.plugins import pm

    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)
