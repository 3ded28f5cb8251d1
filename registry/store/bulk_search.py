"""Full-text indexing of many new rows at once: one statement after the rows instead of a trigger per row.

Each kind's FTS5 index is kept current by triggers (made by sqlite-utils'
`enable_fts`): `<table>_ai` indexes a row as it is inserted. Measured on an
import of 100,000 records, that trigger made the rows' writing take about
twice as long as writing them untriggered and then indexing them with one
`INSERT … SELECT`: the same words are tokenised either way, but row by row
the index is written in many small pieces. So a bulk insert suspends the
trigger inside its transaction and indexes the new rows after them.

Everything happens inside the caller's transaction: a failure rolls back the
rows, their index entries and the trigger's removal together, so the schema
and the index are never left without each other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def indexed_after_insert(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """Insert rows into `table` inside this block; they are full-text indexed in one statement when it ends.

    The rows are told apart by rowid: SQLite gives a new row the largest rowid
    plus one, so every row inserted here has a rowid above the largest before.
    On an error inside the block, the rows inserted so far are indexed too and
    the trigger is put back before the error goes on, so a caller that keeps
    the transaction keeps a complete index. Outside a transaction the
    trigger stays: its removal would be committed on its own.
    """
    trigger = f"{table}_ai"
    found = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [trigger]).fetchone()
    if found is None or not conn.in_transaction:  # a table without full-text search, or no transaction to hold the change
        yield
        return
    columns = [d[0] for d in conn.execute(f"SELECT * FROM [{table}_fts] LIMIT 0").description]
    last = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM [{table}]").fetchone()[0]
    conn.execute(f"DROP TRIGGER [{trigger}]")
    try:
        yield
    finally:
        if conn.in_transaction:  # after some errors (a full disk) SQLite has rolled back, trigger included
            names = ", ".join(f"[{c}]" for c in columns)
            conn.execute(f"INSERT INTO [{table}_fts] (rowid, {names}) SELECT rowid, {names} FROM [{table}] WHERE rowid > ?", [last])
            conn.execute(found[0])
