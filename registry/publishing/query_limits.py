"""Limits on every SQL connection the public Datasette opens, so no query, however it is written, runs long or grows large.

Datasette stops a query at its time limit with SQLite's progress handler,
which SQLite calls between steps of its virtual machine. One step can be a
single function call, though: `replace(hex(zeroblob(490000000)), '00', '0')`
is a handful of steps that ran 12 s and took 2.4 GB before the handler was
asked. So every serving connection also gets:

- a length limit: no string or blob over MAX_VALUE_BYTES, so one step stays
  short (replace() over 4 MB takes about 40 ms), and the same for SQL text,
  expression depth, LIKE patterns, compound selects and function arguments;
- a cap on SQLite's heap for the whole process (`hard_heap_limit`);
- the time check every PROGRESS_STEPS steps instead of Datasette's 1,000;
- an authorizer: ATTACH and DETACH are refused (canned queries in a custom
  metadata file included), only pragmas that read the schema run, and the
  database's file path reads as nothing (`pragma_database_list`).

This module is a Datasette plugin of our own (`prepare_connection`),
registered when `commons serve` makes its Datasette; it imports Datasette, so
only serving imports it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import time
from collections.abc import Iterator
from typing import Any

from datasette import hookimpl

# Larger than any value the public copy holds (texts are at most 20,000 characters; a record's
# translations are a few of those), small enough that one step of a query is short.
MAX_VALUE_BYTES = 4_000_000
LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_VALUE_BYTES,
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 100,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 200,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 32,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
}
HEAP_LIMIT_BYTES = 512 * 1024 * 1024
PROGRESS_STEPS = 100  # a Python call per 100 steps costs a few per cent of a query's time

# Pragmas Datasette reads the schema with (its own list for user SQL, and what it asks itself); all read-only.
READING_PRAGMAS = frozenset(
    {
        "foreign_key_list",
        "data_version",  # full-text search asks it before each query
        "function_list",
        "index_info",
        "index_list",
        "index_xinfo",
        "page_count",
        "page_size",
        "schema_version",
        "table_info",
        "table_xinfo",
    }
)
PLUGIN_NAME = __name__


def authorize(action: int, first: str | None, second: str | None, database: str | None, trigger: str | None) -> int:
    """SQLite's authorizer: refuse attaching and pragmas that change anything; hide the database's path."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA:
        if first == "database_list":
            return sqlite3.SQLITE_IGNORE  # answers with no rows: the file's path is the server's business
        return sqlite3.SQLITE_OK if first in READING_PRAGMAS else sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and first == "pragma_database_list":
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


def limit_connection(conn: sqlite3.Connection) -> None:
    """Set the limits, the heap cap and the authorizer on one connection; nothing it runs afterwards can lift them."""
    for limit, value in LIMITS.items():
        conn.setlimit(limit, value)
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT_BYTES}")
    conn.set_authorizer(authorize)


@contextlib.contextmanager
def time_limit(conn: sqlite3.Connection, ms: int) -> Iterator[None]:
    """Datasette's time limit, checked every PROGRESS_STEPS steps of the query."""
    deadline = time.perf_counter() + ms / 1000

    def past_deadline() -> int:
        return 1 if time.perf_counter() >= deadline else 0

    conn.set_progress_handler(past_deadline, PROGRESS_STEPS)
    try:
        yield
    # Datasette answers an OperationalError with a 400 and its message; these two would be a 500.
    except sqlite3.DataError:
        raise sqlite3.OperationalError(
            f"string or blob too big: a value in this query would be over {MAX_VALUE_BYTES:,} bytes, the public limit"
        ) from None
    except MemoryError:
        raise sqlite3.OperationalError("this query needs more memory than the public instance allows; ask for less") from None
    finally:
        conn.set_progress_handler(None, PROGRESS_STEPS)


@hookimpl  # type: ignore[misc]
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """Datasette's hook for every connection it opens: this module is the plugin."""
    limit_connection(conn)


def install() -> None:
    """Make every Datasette in this process limit its connections; safe to call more than once."""
    from datasette import database as datasette_database
    from datasette.plugins import pm

    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)
    # Datasette imports its time limit by name; its check every 1,000 steps let a chain of long steps run on.
    datasette_database.sqlite_timelimit = time_limit
