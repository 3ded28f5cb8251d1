"""Backups: a consistent copy of a live registry, and putting one back only after checking it.

A plain file copy of a registry in WAL mode can miss committed changes still in
the `-wal` file, or catch a half-written page; SQLite's online backup API reads
one consistent snapshot while other processes keep writing. Restoring checks the
backup completely on a private copy before the working registry is touched, keeps
the registry it replaces, and swaps the files with one atomic rename.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from registry.model.errors import Busy, Conflict, NotFound, RegistryError
from registry.store.database import MIGRATION_NAMES, Registry, open_registry, translate_sqlite_errors

MIGRATIONS_TABLE = "_sqlite_migrations"
PROBLEMS_SHOWN = 10


@dataclass
class Restored:
    """What a restore did: where the replaced registry was kept, and how many records came back."""

    registry: Path
    kept: Path | None
    records: int


def stamp() -> str:
    """A UTC timestamp that sorts and is safe in file names."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def backup_registry(registry: Registry, dest: str | Path) -> Path:
    """Copy an open registry to `dest` with SQLite's online backup; never overwrite a file.

    `dest` may be a folder, in which case the copy is named after the registry and
    the time. The copy is a single self-contained file (rollback journal, no -wal).
    """
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"{registry.path.stem}-{stamp()}.db"
    if dest.exists():
        raise Conflict(f"{dest} already exists; a backup never overwrites a file (choose another name or folder)")
    if not dest.parent.is_dir():
        raise NotFound(f"folder {dest.parent} does not exist")
    partial = temporary_beside(dest)
    try:
        _copy_database(registry.conn, registry.path, partial)
        _publish_exclusively(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return dest


def restore_backup(src: str | Path, db_path: str | Path, *, by: str | None = None) -> Restored:
    """Put a backup in place of the registry at `db_path`, checking it completely first.

    The backup is copied beside the registry, checked there (SQLite integrity, a
    commons registry this version knows, every record valid) and brought up to the
    current schema; only then is the current registry kept as
    `<name>.before-restore-<time>.db` and the checked copy renamed over it.
    """
    src, db_path = Path(src), Path(db_path)
    if not src.is_file():
        raise NotFound(f"no backup at {src}")
    if not db_path.parent.is_dir():
        raise NotFound(f"folder {db_path.parent} does not exist")
    if db_path.exists() and src.resolve() == db_path.resolve():
        raise Conflict(f"{src} is the registry itself; restore from a backup file")
    staging = temporary_beside(db_path)
    try:
        records = _stage_checked_copy(src, staging, by)
        kept = replace_registry(staging, db_path, "restore")
    finally:
        staging.unlink(missing_ok=True)
    return Restored(db_path, kept, records)


def replace_registry(staging: Path, db_path: Path, reason: str) -> Path | None:
    """Put a finished, checked registry file at `db_path` with one atomic rename.

    A registry already there is kept beside it as `<name>.before-<reason>-<time>.db`
    (returned), and only while nobody else has it open. `staging` must be in
    the same folder, a single file in rollback-journal mode.
    """
    kept = None
    with _quiet_registry(db_path) as present:
        if present:
            kept = _keep_aside(db_path, reason)
            _match_owner_and_mode(staging, db_path)
        os.replace(staging, db_path)
        _fsync_folder(db_path.parent)
    return kept


def _stage_checked_copy(src: Path, staging: Path, by: str | None) -> int:
    """Copy the backup to `staging` and refuse it unless it is a sound commons registry; returns its record count."""
    from registry.store.checks import check_registry

    try:
        source = sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise RegistryError(f"cannot read the backup {src}: {exc}") from None
    try:
        _copy_database(source, src, staging, what="backup")
    finally:
        source.close()
    conn = sqlite3.connect(staging)
    try:
        applied = _applied_migrations(conn, src)
    finally:
        conn.close()
    unknown = sorted(applied - set(MIGRATION_NAMES))
    if unknown:
        raise RegistryError(f"{src} was written by a newer Commons Lab (migrations {', '.join(unknown)}); upgrade before restoring it")
    registry = open_registry(staging, by=by)
    try:
        report = check_registry(registry)
        if not report.ok:
            shown = report.problems[:PROBLEMS_SHOWN]
            more = len(report.problems) - len(shown)
            raise RegistryError(
                f"{src} fails `commons check`, so it was not restored:\n"
                + "\n".join(shown)
                + (f"\n... and {more} more" if more > 0 else "")
            )
        with translate_sqlite_errors(staging):
            registry.conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        registry.close()
    fsync_file(staging)
    return report.records


def _applied_migrations(conn: sqlite3.Connection, src: Path) -> set[str]:
    """The commons migrations a file has had, or a refusal saying why it is not a registry."""
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        raise RegistryError(f"{src} is not a commons registry backup: {exc}") from None
    if integrity != ["ok"]:
        raise RegistryError(f"{src} is damaged (SQLite integrity check: {'; '.join(integrity[:3])}); it was not restored")
    try:
        names = {row[0] for row in conn.execute(f"SELECT name FROM [{MIGRATIONS_TABLE}] WHERE migration_set = 'commons'")}
    except sqlite3.DatabaseError:
        names = set()
    if not names:
        raise RegistryError(f"{src} is an SQLite database but not a commons registry (it has no commons migrations table)")
    return names


def _copy_database(source: sqlite3.Connection, source_path: Path, target_path: Path, what: str = "registry") -> None:
    """One-step online backup into a new file, checked and flushed to disk."""
    target = sqlite3.connect(target_path)
    try:
        try:
            source.backup(target)
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise Busy(f"the {what} {source_path} is busy; retry in a moment") from None
            if what == "backup" and "full" not in text and "disk I/O" not in text:
                raise RegistryError(f"{source_path} is not a commons registry backup: {text}") from None
            with translate_sqlite_errors(target_path):
                raise
        with translate_sqlite_errors(target_path):
            target.execute("PRAGMA journal_mode = DELETE")
            integrity = target.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            raise RegistryError(f"the copy of {source_path} failed SQLite's integrity check ({integrity}); nothing was written")
    finally:
        target.close()
    fsync_file(target_path)


@contextmanager
def _quiet_registry(db_path: Path) -> Iterator[bool]:
    """Hold the registry still while it is swapped: folded into one file, locked, and nobody else connected.

    Leaving WAL mode needs every other connection closed, which is the check that
    no commons command or Datasette is using the file; the exclusive lock keeps
    newcomers out until the rename is done. Yields whether there was a registry.
    """
    if not db_path.exists():
        yield False
        return
    in_use = Busy(f"the registry {db_path} is open in another program (a commons command, Datasette?); close it and retry")
    conn = sqlite3.connect(db_path, timeout=2, isolation_level=None)
    try:
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise in_use from None
            with translate_sqlite_errors(db_path):
                raise
        if mode != "delete":
            raise in_use
        try:
            yield True
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    finally:
        conn.close()


def _keep_aside(db_path: Path, reason: str) -> Path:
    """Keep the registry about to be replaced under a new name; never overwrite an earlier one."""
    base = f"{db_path.stem}.before-{reason}-{stamp()}"
    for n in range(1, 1000):
        kept = db_path.with_name(f"{base}{'' if n == 1 else f'-{n}'}.db")
        try:
            os.link(db_path, kept)
        except FileExistsError:
            continue
        except OSError:  # file systems without hard links: copy, still refusing to overwrite
            try:
                with kept.open("xb") as out, db_path.open("rb") as current:
                    shutil.copyfileobj(current, out)
            except FileExistsError:
                continue
            fsync_file(kept)
        return kept
    raise Conflict(f"too many earlier registries replaced by {reason} kept beside {db_path}; move some away")


def _match_owner_and_mode(new: Path, old: Path) -> None:
    """The restored file keeps the permissions staff had on the registry it replaces."""
    current = old.stat()
    os.chmod(new, stat.S_IMODE(current.st_mode))
    try:
        os.chown(new, current.st_uid, current.st_gid)
    except PermissionError:  # only root may give a file away; others restore their own files anyway
        pass


def temporary_beside(path: Path) -> Path:
    """A hidden name in the same folder, so the final rename is atomic."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.partial")


def _publish_exclusively(partial: Path, dest: Path) -> None:
    """Give the finished copy its name atomically, failing if something took the name meanwhile."""
    try:
        os.link(partial, dest)
    except FileExistsError:
        raise Conflict(f"{dest} already exists; a backup never overwrites a file (choose another name or folder)") from None
    except OSError:
        try:
            with dest.open("xb") as out, partial.open("rb") as copy:
                shutil.copyfileobj(copy, out)
        except FileExistsError:
            raise Conflict(f"{dest} already exists; a backup never overwrites a file (choose another name or folder)") from None
    _fsync_folder(dest.parent)


def fsync_file(path: Path) -> None:
    """Flush a finished file to the disk before it is given its name."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable: the folder entry, not just the file, must reach the disk."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
