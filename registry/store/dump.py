"""The registry as a folder of sorted text files, so a team can review each other's changes as diffs.

Each record is one pretty-printed JSON file (`assets/nap-asilo.json`); every
other table (links, timelines, sources, citations, districts and the change
log) is one JSON Lines file sorted by its key, one row a line; and
`commons-dump.json` names the schema the dump was written with. The same
registry always gives the same bytes, so a change to one record shows in a
diff as that record's file and the new lines of the change log.

A dump holds everything, private fields and the change log included: it is
the staff's registry in another form, not the public copy.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.model.errors import Conflict, RegistryError
from registry.model.kinds import KINDS
from registry.model.values import SLUG_RE
from registry.store.database import Registry, decode_row, translate_sqlite_errors

MANIFEST = "commons-dump.json"
DUMP_FORMAT = 1
RECORD_SUFFIX = ".json"
TABLE_SUFFIX = ".jsonl"
MIGRATIONS_TABLE = "_sqlite_migrations"
# The change log keeps each row's state as JSON text; the dump shows it as JSON, so a diff reads it.
LOG_TABLE = "changes"
LOG_JSON_COLUMNS = ("before", "after")
FOREIGN_SHOWN = 10


@dataclass
class Dumped:
    """What a dump did: the records it holds, and the files it wrote, removed and left as they were."""

    folder: Path
    records: int
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def content_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table holding what staff entered, or the log of it: not SQLite's own, the migrations' or full-text indexes'."""
    return sorted(
        name
        for schema, name, table_type, *_ in conn.execute("PRAGMA table_list")
        if schema == "main" and table_type == "table" and not name.startswith("sqlite_") and name != MIGRATIONS_TABLE
    )


def table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]


def sort_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """A table's primary key, by which its lines are sorted; all its columns when it has none."""
    info = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
    return [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] or [row[1] for row in info]


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    return sorted(row[0] for row in conn.execute(f"SELECT name FROM [{MIGRATIONS_TABLE}] WHERE migration_set = 'commons'"))


def record_path(kind_name: str, record_id: str) -> str:
    """Where a record's file goes, relative to the dump; ids are slugs, so they are safe file names."""
    if not SLUG_RE.fullmatch(record_id):
        raise RegistryError(f"{kind_name} record {record_id!r} has an id that is not a slug, so it cannot be a file name; fix it first")
    return f"{kind_name}/{record_id}{RECORD_SUFFIX}"


def log_text(value: Any) -> str:
    """A change-log state as the log stores it: JSON with sorted keys."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def record_text(record: dict[str, Any]) -> bytes:
    """One record as a file: pretty, sorted keys, empty fields left out (so a new field changes no file)."""
    present = {k: v for k, v in record.items() if v is not None}
    return (json.dumps(present, ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False) + "\n").encode("utf-8")


def row_line(table: str, row: dict[str, Any]) -> str:
    """One table row as one line of JSON, empty columns left out."""
    present = {k: v for k, v in row.items() if v is not None}
    for column, value in present.items():
        if isinstance(value, bytes):
            raise RegistryError(f"table {table} holds binary data in column {column!r}, which a text dump cannot carry")
    if table == LOG_TABLE:
        for column in LOG_JSON_COLUMNS:
            present[column] = _readable_state(present.get(column))
    return json.dumps(present, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"


def _readable_state(text: Any) -> Any:
    """The logged state as JSON, when writing it back gives the very same text; else the text as it is."""
    if not isinstance(text, str):
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, dict) and log_text(value) == text else text


def render_dump(registry: Registry) -> dict[str, bytes]:
    """Every file of the dump, by path relative to its folder, read from one consistent snapshot."""
    conn = registry.conn
    kinds_by_table = {kind.table: kind for kind in KINDS.values()}
    files: dict[str, bytes] = {}
    with translate_sqlite_errors(registry.path):
        conn.execute("BEGIN")
        try:
            manifest = {"format": DUMP_FORMAT, "migrations": applied_migrations(conn)}
            files[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
            for table in content_tables(conn):
                order = ", ".join(f"[{c}]" for c in sort_columns(conn, table))
                cursor = conn.execute(f"SELECT * FROM [{table}] ORDER BY {order}")
                columns = [d[0] for d in cursor.description]
                kind = kinds_by_table.get(table)
                if kind is not None:
                    for values in cursor:
                        record = decode_row(kind, dict(zip(columns, values, strict=True)))
                        files[record_path(kind.name, record["id"])] = record_text(record)
                else:
                    lines = [row_line(table, dict(zip(columns, values, strict=True))) for values in cursor]
                    files[f"{table}{TABLE_SUFFIX}"] = "".join(lines).encode("utf-8")
        finally:
            conn.execute("ROLLBACK")
    return files


def is_record_file(relative: str) -> bool:
    """Whether a path in a dump folder is a record's file: KIND/ID.json, with a declared kind and a slug id."""
    folder, _, name = relative.partition("/")
    return folder in KINDS and name.endswith(RECORD_SUFFIX) and bool(SLUG_RE.fullmatch(name[: -len(RECORD_SUFFIX)]))


def survey_folder(folder: Path, top_files: set[str]) -> tuple[list[str], list[str]]:
    """The files in a dump folder, as (those a dump writes, those it did not).

    A dump writes the names in `top_files` at the top and record files in the
    kinds' folders. Hidden entries (.git, .github, .gitattributes) are left out:
    the folder may be a repository of its own.
    """
    owned: list[str] = []
    foreign: list[str] = []
    if not folder.is_dir():
        return owned, foreign
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.name in KINDS and entry.is_dir() and not entry.is_symlink():
            for inner in sorted(entry.iterdir()):
                if inner.name.startswith("."):
                    continue
                relative = f"{entry.name}/{inner.name}"
                if _plain_file(inner) and is_record_file(relative):
                    owned.append(relative)
                else:
                    foreign.append(relative)
        elif _plain_file(entry) and entry.name in top_files:
            owned.append(entry.name)
        else:
            foreign.append(entry.name + ("/" if entry.is_dir() else ""))
    return owned, foreign


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def list_foreign(folder: Path, foreign: list[str]) -> str:
    shown = ", ".join(foreign[:FOREIGN_SHOWN])
    more = len(foreign) - FOREIGN_SHOWN
    return f"{folder} holds files that `commons dump` does not write: {shown}" + (f" and {more} more" if more > 0 else "")


def dump_registry(registry: Registry, folder: str | Path) -> Dumped:
    """Write the registry into `folder` as text; files of records that no longer exist are removed.

    Only files whose bytes change are written (each by an atomic rename), so a
    dump of an unchanged registry touches nothing. A folder holding files that
    a dump does not write is refused, naming them, before anything is written.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise Conflict(f"{folder} is a file; give a folder to dump into")
    files = render_dump(registry)
    existing, foreign = survey_folder(folder, {path for path in files if "/" not in path})
    if foreign:
        raise Conflict(
            f"{list_foreign(folder, foreign)}; nothing was written. Dump into an empty folder or one a dump made "
            "(hidden files and folders such as .git are left alone)"
        )
    done = Dumped(folder, sum(1 for path in files if "/" in path))
    folder.mkdir(parents=True, exist_ok=True)
    for relative, content in sorted(files.items()):
        target = folder / relative
        if target.is_file() and target.read_bytes() == content:
            done.unchanged += 1
            continue
        target.parent.mkdir(exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(content)
        os.replace(partial, target)
        done.written.append(relative)
    for relative in existing:
        if relative not in files:
            (folder / relative).unlink()
            done.removed.append(relative)
    for kind_name in KINDS:
        kind_folder = folder / kind_name
        if kind_folder.is_dir() and not any(kind_folder.iterdir()):
            kind_folder.rmdir()
    return done
