"""Opening a registry and writing to it: every write inside a transaction, every write logged.

The change log is written by the same statements' transaction, so a record and
the log entry that explains it either both exist or neither does.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.model.declaration import Kind
from registry.model.errors import Busy, Conflict, NotFound, RegistryError
from registry.model.kinds import KINDS, LINKS

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_SECONDS = 15.0

# The names of the schema migrations, kept here so opening a registry that is up
# to date never imports sqlite-utils (which pulls in pandas: half a second).
# A test holds this list against the migrations in registry.schema.
MIGRATION_NAMES = (
    "m001_initial",
    "m002_freshness_timeline_hours",
    "m003_indexes_and_search",
    "m004_point_indexes",
    "m005_record_languages",
    "m006_timeline_sources",
    "m007_agreement_terms",
    "m008_contributions",
    "m009_assessments",
)


@dataclass
class Registry:
    """An open registry file and the person whose changes are being written.

    `read_only` says why a registry opened for reading cannot be written this
    time (a read-only disk, a schema newer than this program), or is empty.
    `via` goes into every change-log entry written while it is set.
    """

    path: Path
    conn: sqlite3.Connection
    by: str
    read_only: str = ""
    via: str | None = None  # what the changes being written come from, e.g. "contribution 12"

    @property
    def db(self) -> sqlite_utils.Database:
        """The same connection wrapped by sqlite-utils, for schema work and bulk helpers."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        self.conn.close()


def current_user() -> str:
    """Who is making changes when `--by` is not given: the OS user, else 'unknown'."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA recursive_triggers = ON")
    return conn


def _connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection that cannot write: read-only mode, or immutable when even SQLite's -shm file cannot be made."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path.resolve()))}"
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        # A WAL registry on a read-only disk: nobody can be writing it, so it is read as it stands.
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    return conn


def _applied_migrations(conn: sqlite3.Connection) -> set[str]:
    """The commons migrations a file has had; none when it has no migrations table yet."""
    try:
        return {row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'commons'")}
    except sqlite3.OperationalError:
        return set()


def _newer_migrations(conn: sqlite3.Connection) -> list[str]:
    """Migrations a newer version of this program applied, which this one does not know."""
    return sorted(_applied_migrations(conn) - set(MIGRATION_NAMES))


def _migrations_pending(conn: sqlite3.Connection) -> bool:
    return not set(MIGRATION_NAMES) <= _applied_migrations(conn)


def _foreign_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of a SQLite file that holds data but none of a registry's: another program's, never to be touched."""
    tables = [
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    ]
    ours = {"_sqlite_migrations", "changes", *(kind.table for kind in KINDS.values())}
    return [] if not tables or ours & set(tables) else tables


def _declared_tables_missing(conn: sqlite3.Connection) -> bool:
    """Whether a kind, link or term history declared after the migrations were written has no table yet in this file."""
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    histories = [kind.term.history for kind in KINDS.values() if kind.term is not None and kind.term.history]
    return (
        any(kind.table not in existing for kind in KINDS.values())
        or any(link.table not in existing for link in LINKS)
        or any(table not in existing for table in histories)
    )


def open_registry(
    path: str | Path,
    *,
    by: str | None = None,
    timeout: float = BUSY_TIMEOUT_SECONDS,
    migrate: bool = True,
    reading: bool = False,
) -> Registry:
    """Open an existing registry, bringing an older schema up to date in place.

    A command that only reads (`reading`) still works where writing cannot: on
    a read-only disk, and on a registry a newer version of this program wrote;
    it then opens the file read-only and says why in `Registry.read_only`. A
    command that writes refuses a newer registry instead of changing a schema
    it does not know.
    """
    path = _existing(path)
    if reading and not _writable(path):
        return _open_for_reading(path, by, timeout, "the registry is on a disk or in a folder you cannot write to")
    # Opening already touches the file (and, in WAL mode, the -wal and -shm files beside
    # it), so a busy, read-only or damaged registry is reported here in the same words
    # as during a write, not as "not a registry".
    with translate_sqlite_errors(path):
        conn = _connect(path, timeout)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    registry = Registry(path, conn, by or current_user())
    _refuse_foreign(registry)
    newer = _newer_migrations(conn)
    if newer:
        conn.close()
        if reading:
            return _open_for_reading(path, by, timeout, f"a newer version of commons wrote it (schema changes {', '.join(newer)})")
        raise RegistryError(
            f"{path} was written by a newer version of commons (schema changes {', '.join(newer)}); "
            "upgrade commons to change it (commands that only read still work)"
        )
    if migrate:
        with translate_sqlite_errors(path):
            if _migrations_pending(conn):
                from registry.store.schema import migrations

                migrations.apply(registry.db)
            if _declared_tables_missing(conn):
                from registry.store.schema import create_declared_tables

                with conn:
                    create_declared_tables(registry.db)
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
    return registry


def open_registry_read_only(path: str | Path, reason: str, *, timeout: float = BUSY_TIMEOUT_SECONDS) -> Registry:
    """Open a registry so that this process cannot write it at all, even where the file could be written.

    For a service facing the internet that must only ever read the registry:
    SQLite itself refuses every write through this connection, and the schema
    is never migrated. `reason` says why, in `Registry.read_only`.
    """
    return _open_for_reading(_existing(path), None, timeout, reason)


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no registry at {path}: create one with `commons init` or point --db / COMMONS_DB at it")
    return path


def _open_for_reading(path: Path, by: str | None, timeout: float, reason: str) -> Registry:
    """The registry opened so that nothing can write it, for a command that only reads."""
    with translate_sqlite_errors(path):
        conn = _connect_read_only(path, timeout)
    registry = Registry(path, conn, by or current_user(), read_only=reason)
    _refuse_foreign(registry)
    if _migrations_pending(conn) and not _newer_migrations(conn):
        conn.close()
        raise RegistryError(f"{path} needs its schema brought up to date, which needs writing, and {reason}; copy it somewhere writable")
    return registry


def _refuse_foreign(registry: Registry) -> None:
    foreign = _foreign_tables(registry.conn)
    if foreign:
        registry.conn.close()
        raise RegistryError(
            f"{registry.path} is not a commons registry: it is another program's SQLite file (tables {', '.join(foreign[:5])}), "
            "and it was left as it is; point --db at a registry, or make a new one with `commons init`"
        )


def create_registry(path: str | Path, *, by: str | None = None) -> Registry:
    """Make a new, empty registry; refuse to touch a file that already exists."""
    path = Path(path)
    if path.exists():
        raise Conflict(f"{path} already exists; `commons init` never overwrites a registry (choose another --db)")
    if not path.parent.is_dir():
        raise NotFound(f"folder {path.parent} does not exist")
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    except FileExistsError:
        raise Conflict(f"{path} already exists; `commons init` never overwrites a registry") from None
    os.close(fd)
    try:
        return open_registry(path, by=by)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _writable(path: Path) -> bool:
    """Whether this process may write the registry and its folder (false on a read-only filesystem, even for root)."""
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


@contextmanager
def translate_sqlite_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's low-level failures into messages a user can act on."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise Busy(f"the registry {path} is busy with another change; retry in a moment") from None
        if "readonly" in text or "read-only" in text or ("unable to open" in text and not _writable(path)):
            raise RegistryError(
                f"the registry {path} is read-only for you: writing needs permission on the file and on its folder"
                f" (SQLite keeps {path.name}-wal and {path.name}-shm beside it)"
            ) from None
        if "unable to open" in text:
            raise RegistryError(f"cannot open the registry {path}: check that you may read it and write to its folder") from None
        if "disk" in text and "full" in text or "disk I/O" in text:
            raise RegistryError(f"could not write {path}: {text}; free some disk space and retry") from None
        raise RegistryError(f"database error in {path}: {text}") from None
    except sqlite3.DatabaseError as exc:
        raise RegistryError(f"{path} is damaged or not a registry: {exc}") from None


@dataclass
class Txn:
    """One transaction: its id groups the change-log entries it writes."""

    registry: Registry
    id: str
    at: str

    @property
    def conn(self) -> sqlite3.Connection:
        return self.registry.conn

    def log(self, action: str, table: str, record_id: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
        self.conn.execute(
            "INSERT INTO changes (txn, changed_at, changed_by, action, table_name, record_id, before, after, via)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [self.id, self.at, self.registry.by, action, table, record_id, _json(before), _json(after), self.registry.via],
        )

    def log_many(self, action: str, table: str, entries: list[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]]) -> None:
        """Log many rows of one action at once; bulk imports write thousands."""
        self.conn.executemany(
            "INSERT INTO changes (txn, changed_at, changed_by, action, table_name, record_id, before, after, via)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (self.id, self.at, self.registry.by, action, table, record_id, _json(b), _json(a), self.registry.via)
                for record_id, b, a in entries
            ],
        )

    def insert(self, table: str, row: Mapping[str, Any], record_id: str, action: str = "insert") -> None:
        columns = list(row)
        self.conn.execute(
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [row[c] for c in columns],
        )
        self.log(action, table, record_id, None, row)

    def update(self, table: str, key: Mapping[str, Any], before: Mapping[str, Any], changes: Mapping[str, Any], record_id: str) -> None:
        sets = ", ".join(f"[{c}] = ?" for c in changes)
        where = " AND ".join(f"[{c}] = ?" for c in key)
        self.conn.execute(f"UPDATE [{table}] SET {sets} WHERE {where}", [*changes.values(), *key.values()])
        self.log("update", table, record_id, before, {**before, **changes})

    def delete(self, table: str, key: Mapping[str, Any], before: Mapping[str, Any], record_id: str) -> None:
        where = " AND ".join(f"[{c}] = ?" for c in key)
        self.conn.execute(f"DELETE FROM [{table}] WHERE {where}", list(key.values()))
        self.log("delete", table, record_id, before, None)


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def now_utc() -> str:
    """Timestamps in the log: UTC, to the second, ISO 8601."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def transaction(registry: Registry) -> Iterator[Txn]:
    """An immediate write transaction: all of it lands, or none of it."""
    conn = registry.conn
    with translate_sqlite_errors(registry.path):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield Txn(registry, uuid.uuid4().hex, now_utc())
        except BaseException:
            # SQLite rolls back by itself after some errors (a full disk, for one); rolling
            # back again would hide the real error behind "no transaction is active".
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


# Field types stored as JSON text: lists of vocabulary values, texts by language, and scores by criterion.
JSON_TYPES = frozenset({"enum_list", "translations", "scores"})


def encode_row(kind: Kind, values: Mapping[str, Any]) -> dict[str, Any]:
    """Lists become JSON text for storage; everything else is stored as it is."""
    row = dict(values)
    for f in kind.fields:
        if f.type in JSON_TYPES and isinstance(row.get(f.name), (list, dict)):
            row[f.name] = json.dumps(row[f.name], ensure_ascii=False, sort_keys=f.type in ("translations", "scores"))
    return row


def decode_row(kind: Kind, row: Mapping[str, Any]) -> dict[str, Any]:
    """The stored row as a record: JSON lists parsed back into lists."""
    record = dict(row)
    for f in kind.fields:
        if f.type in JSON_TYPES and isinstance(record.get(f.name), str):
            try:
                record[f.name] = json.loads(record[f.name])
            except json.JSONDecodeError:
                record[f.name] = [record[f.name]] if f.type == "enum_list" else None
    return record


def fetch_row(conn: sqlite3.Connection, kind: Kind, record_id: str) -> dict[str, Any] | None:
    """The stored row of one record, or None."""
    cursor = conn.execute(f"SELECT * FROM [{kind.table}] WHERE id = ?", [record_id])
    values = cursor.fetchone()
    if values is None:
        return None
    return dict(zip([d[0] for d in cursor.description], values, strict=True))


def record_exists(conn: sqlite3.Connection, kind: Kind, record_id: str) -> bool:
    return conn.execute(f"SELECT 1 FROM [{kind.table}] WHERE id = ?", [record_id]).fetchone() is not None
