"""Bringing the site's public copy up to date from the registry's change log, instead of writing it again.

After one edit, writing the whole public copy again took about 1 s at 10k
records and 10 s at 100k. The change log names every row an edit touched: its
table, and the row before and after. So the last copy is copied aside, only
those rows are deleted and copied again from the registry, the newer log
entries appended, the edited kinds' full-text indexes rebuilt and the summary
tables counted again; then the copy replaces the old one, as a fresh copy would.

The result holds the same schema and rows as a fresh copy, and its SQL dump is
equal: rows keep a rowid made from their key (`keyed_rowid`), so an added
record sits where a fresh copy puts it; FTS5's "rebuild" writes an index equal
to a fresh one's, where deleting and inserting single rows would leave merge
segments a fresh copy has not. Whatever the log cannot vouch for makes a full
copy instead: another registry file or one restored from a backup, a changed
schema or publishing code, another day (term states are worked out per day),
a copy changed since it was written, or so many changes that copying
everything is quicker.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.model.kinds import KINDS
from registry.publishing.files import digest, file_stamp, files_digest, read_json_cache, write_json_cache
from registry.publishing.public_copy import (
    copy_rows,
    key_columns,
    open_for_writing,
    public_columns,
    public_tables,
    write_derived_tables,
)
from registry.store.database import Registry

# Past this many new log entries (an import, a merge of many records), a fresh copy is quicker than row by row.
MOST_CHANGES = 2000


@dataclass
class Updated:
    """What an update in place did: the keys of the rows it replaced by table, and every public table's row count."""

    keys: dict[str, set[tuple[Any, ...]]]
    counts: dict[str, int]
    base: str  # the version of the copy the update started from (see `remember_copy`)

    def since(self, version: Any) -> Updated | None:
        """This update for work kept from the given version of the copy; None when that work is older (it may miss changes)."""
        return self if version == self.base else None

    @property
    def tables(self) -> set[str]:
        """The tables whose rows changed (the change log's own always does)."""
        return {*self.keys, "changes"}


def copy_state_key(registry: Registry, today: dt.date) -> str:
    """What a copy was made from besides the rows: the registry file, its schema, the day and the publishing code."""
    stat = os.stat(registry.path)
    schema = registry.conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    code = files_digest(
        p
        for folder in ("publishing", "model")
        for p in (Path(__file__).parent.parent / folder).rglob("*")
        if p.is_file() and p.suffix != ".pyc"
    )
    return digest([stat.st_dev, stat.st_ino], schema, today.isoformat(), code)


def last_change(registry: Registry) -> list[Any]:
    """The newest log entry's id and transaction: a registry replaced by another, or by a backup, shows a different one."""
    row = registry.conn.execute("SELECT id, txn FROM changes ORDER BY id DESC LIMIT 1").fetchone()
    return [row[0], row[1]] if row else [0, None]


def remember_copy(database: Path, state_path: Path, key: str, keyed: bool, change: list[Any]) -> str:
    """Note what the copy now in place was made from, for the next build to update it from; return the copy's version.

    `key` is `copy_state_key`'s. `change` is the last log entry the copy is known to hold, read before it
    was made: an edit saved while it was being made may be in it or not, and
    the next update applies it again, which changes nothing if it was.
    Work made from the copy (downloads, profiles) keeps the version it was made
    from, and takes an update's changes only when the update started from that
    version: a build stopped half-way would otherwise leave it a change behind.
    """
    version = digest(key, change, keyed)
    write_json_cache(state_path, {"key": key, "last_change": change, "stamp": file_stamp(database), "keyed": keyed, "version": version})
    return version


def update_public_db(registry: Registry, database: Path, state_path: Path, key: str, today: dt.date, until: list[Any]) -> Updated | None:
    """Bring the public copy up to date from the change log, up to the entry `until`; None when a fresh copy must be written instead.

    `key` is `copy_state_key`'s for this registry and day.
    """
    state = read_json_cache(state_path)
    if not (state.get("keyed") and state.get("stamp") == file_stamp(database) and state.get("key") == key):
        return None
    since, txn = (state.get("last_change") or [None, None])[:2]
    if not isinstance(since, int) or registry.conn.execute("SELECT txn FROM changes WHERE id = ?", [since]).fetchone() != (
        (txn,) if since else None
    ):
        return None
    entries = registry.conn.execute(
        "SELECT table_name, before, after FROM changes WHERE id > ? AND id <= ? ORDER BY id LIMIT ?", [since, until[0], MOST_CHANGES + 1]
    ).fetchall()
    if len(entries) > MOST_CHANGES:
        return None
    keys = _touched_keys(registry.conn, entries)
    if keys is None:
        return None
    aside = database.with_name(f".{database.name}.update")
    shutil.copyfile(database, aside)
    try:
        updated = Updated(keys, _apply(registry, aside, (since, until[0]), keys, today), str(state.get("version")))
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    os.replace(aside, database)
    return updated


def _touched_keys(source: sqlite3.Connection, entries: list[tuple[str, str | None, str | None]]) -> dict[str, set[tuple[Any, ...]]] | None:
    """The primary keys of every public row the log entries touched, by table (before and after: a key may change).

    A step of a term history (a renewal) touches its record too, whose term state it changes.
    None when an entry's row lacks a key column (a change logged by hand, say):
    the log cannot say which row it touched, so the copy is written fresh.
    """
    public = set(public_tables())
    histories = {k.term.history: (k.table, k.term.history_key) for k in KINDS.values() if k.term is not None and k.term.history}
    keys: dict[str, set[tuple[Any, ...]]] = {}
    pks: dict[str, list[str]] = {}
    for table, *images in entries:
        if table not in public:
            continue
        pk = pks.setdefault(table, key_columns(source, table))
        for image in images:
            row = json.loads(image) if image else None
            if not isinstance(row, dict):
                continue
            needed = [*pk, histories[table][1]] if table in histories else pk
            if any(column not in row for column in needed):
                return None
            keys.setdefault(table, set()).add(tuple(row[c] for c in pk))
            if table in histories:
                record_table, record_key = histories[table]
                keys.setdefault(record_table, set()).add((row[record_key],))
    return keys


def _apply(registry: Registry, path: Path, log: tuple[int, int], keys: dict[str, set[tuple[Any, ...]]], today: dt.date) -> dict[str, int]:
    """Replace the touched rows, append the new log entries and redo what is counted from them; return every table's row count."""
    source = registry.conn
    conn = open_for_writing(path)
    try:
        conn.execute("ATTACH DATABASE ? AS registry", (f"{Path(registry.path).resolve().as_uri()}?mode=ro",))
        conn.execute("BEGIN")
        for table, touched in keys.items():
            pk = key_columns(source, table)
            picked = key_condition(pk, "[row]")
            conn.execute(f"DELETE FROM main.[{table}] AS [row] WHERE {picked}", [json.dumps(sorted(touched, key=repr))])
            copy_rows(conn, source, table, public_columns(source, table), today, where=picked.replace("?", _json_literal(touched)))
        # Entries past `since` that a copy made during an edit already holds are replaced, not added twice.
        conn.execute("DELETE FROM main.[changes] WHERE [id] > ?", [int(log[0])])
        copy_rows(
            conn,
            source,
            "changes",
            public_columns(source, "changes"),
            today,
            where=f"[row].[id] > {int(log[0])} AND [row].[id] <= {int(log[1])}",
        )
        for kind in KINDS.values():
            if kind.table in keys:
                conn.execute(f"INSERT INTO [{kind.table}_fts] ([{kind.table}_fts]) VALUES ('rebuild')")
        write_derived_tables(conn, refill=True)
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE registry")
        conn.execute("ANALYZE")  # whole: SQLite then writes its statistics in the order a fresh copy's ANALYZE does
        counts = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in public_tables()}
    finally:
        conn.close()
    return counts


def key_condition(pk: list[str], row: str) -> str:
    """SQL true for the rows whose key is among a JSON list of keys (each a list of the key's columns), bound as `?`."""
    columns = ", ".join(f"{row}.[{c}]" for c in pk)
    parts = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(pk)))
    return f"({columns}) IN (SELECT {parts} FROM json_each(?))"


def _json_literal(keys: set[tuple[Any, ...]]) -> str:
    """The keys as a SQL string literal of JSON (copy_rows takes a condition, not parameters)."""
    text = json.dumps(sorted(keys, key=repr))
    return "'" + text.replace("'", "''") + "'"


def content_dump(database: Path) -> list[str]:
    """A public copy's schema and rows as SQL, the measure by which a copy updated in place equals a fresh one.

    The file's bytes may differ (an updated copy keeps a few freed pages); its dump may not.
    """
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
