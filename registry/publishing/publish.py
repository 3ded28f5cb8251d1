"""Publishing: the public copy, the downloads made from it and their data package, in one folder.

`commons publish` and `commons serve` publish through `publish_registry`; the
site build calls its two halves (`publish_copy`, then `publish_downloads`),
so that after an edit the second can run beside the maps and pages. A site
build also passes where it keeps its caches, so a rebuild updates the last
public copy from the change log (`public_update.py`) and serialises again
only the downloads whose tables changed.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from registry.publishing.datapackage import write_data_package
from registry.publishing.downloads import write_downloads
from registry.publishing.public_copy import DEFAULT_TITLE, write_public_db
from registry.publishing.public_update import Updated, copy_state_key, last_change, remember_copy, update_public_db
from registry.store.database import Registry


@dataclass
class Published:
    """Where the public copy and its downloads were written; for a site build, the copy's version and what an update changed."""

    directory: Path
    database: Path
    files: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    version: str | None = None  # None: no state kept (`commons publish`)
    updated: Updated | None = None  # None: written fresh

    @property
    def changed(self) -> set[str] | None:
        """The public tables whose rows changed since the last copy; None when any may have (a fresh copy)."""
        return self.updated.tables if self.updated is not None else None


def publish_registry(
    registry: Registry,
    directory: str | Path,
    cache: Path | None = None,
    title: str = DEFAULT_TITLE,
    today: dt.date | None = None,
    copy_state: Path | None = None,
) -> Published:
    """Write public.db, the downloads and their data package into a folder; private data never leaves the registry.

    `cache` (optional) remembers what the downloads were made from, so that a
    rebuild skips the tables that did not change. `copy_state` (optional)
    remembers what the public copy was made from, so that the next call
    updates it from the change log instead of writing it again. `title` names
    the data package (the site's name). `today` is the day term states are
    worked out for (default: today).
    """
    published = publish_copy(registry, directory, today, copy_state)
    published.files += publish_downloads(published, cache, title)
    return published


def publish_copy(registry: Registry, directory: str | Path, today: dt.date | None = None, copy_state: Path | None = None) -> Published:
    """The first half of `publish_registry`: the public copy alone, updated in place when `copy_state` allows it.

    A site build makes the downloads (`publish_downloads`) beside its maps and
    pages after an edit: they are read from the copy, not the registry.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "public.db"
    today = today or dt.date.today()
    change = last_change(registry)  # read first: whatever the copy is made from holds at least this
    key = copy_state_key(registry, today) if copy_state is not None else ""
    updated = (
        update_public_db(registry, database, copy_state, key, today, change) if copy_state is not None and database.is_file() else None
    )
    if updated is not None:
        counts, keyed = updated.counts, True
    else:
        counts, keyed = _write_fresh(registry, database, today)
    version = remember_copy(database, copy_state, key, keyed, change) if copy_state is not None else None
    return Published(directory, database, [database], counts, version, updated)


def publish_downloads(published: Published, cache: Path | None = None, title: str = DEFAULT_TITLE) -> list[Path]:
    """The second half of `publish_registry`: each table's downloads and their data package, made from the public copy."""
    conn = sqlite3.connect(f"file:{published.database}?mode=ro", uri=True)
    try:
        files = write_downloads(conn, published.directory, cache, published.version, published.updated)
        package = write_data_package(conn, published.directory, files, title)
    finally:
        conn.close()
    return [*(f.path for f in files), package]


def _write_fresh(registry: Registry, database: Path, today: dt.date) -> tuple[dict[str, int], bool]:
    """A fresh copy beside the old one, moved into place unless it is byte-identical; whether its rowids are keyed.

    Two keys sharing a keyed rowid (vanishingly rare) make the copy fail; it is
    then written with plain rowids, and later builds write it fresh each time.
    """
    tmp_db = database.with_name(".public.db.new")
    try:
        counts, keyed = write_public_db(registry, tmp_db, today), True
    except sqlite3.IntegrityError:
        counts, keyed = write_public_db(registry, tmp_db, today, keyed=False), False
    # Compared in chunks: at 1M records each copy is gigabytes.
    if database.is_file() and filecmp.cmp(database, tmp_db, shallow=False):
        tmp_db.unlink()
    else:
        os.replace(tmp_db, database)
    return counts, keyed
