"""The site's open-data downloads: every public kind in every format, written only when changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from registry.formats import writers
from registry.formats.writers import downloads_of
from registry.model.declaration import Kind
from registry.model.kinds import KINDS
from registry.publishing.files import digest, file_stamp, files_digest, read_json_cache, write_if_changed, write_json_cache
from registry.store.database import decode_row


def public_records(conn: sqlite3.Connection, kind: Kind) -> list[dict[str, Any]]:
    """Every record of a kind as published (public columns only), ordered by id."""
    cursor = conn.execute(f"SELECT * FROM [{kind.table}] ORDER BY id")
    columns = [d[0] for d in cursor.description]
    return [decode_row(kind, dict(zip(columns, row, strict=True))) for row in cursor]


def write_downloads(conn: sqlite3.Connection, directory: Path, cache: Path | None = None) -> list[Path]:
    """CSV, JSON and GeoJSON of each kind, made from the public copy only.

    With a cache file (the site build keeps one outside its output), a kind
    whose published rows are the same as last time, and whose files are still
    on disk as written, is not serialised again: after one edit only that
    record's kind is rewritten. The hash covers the rows and the code that
    formats them, so the files stay what a clean build would write.
    """
    previous = read_json_cache(cache)
    current: dict[str, list[Any]] = {}
    code = files_digest([Path(__file__), *sorted(Path(writers.__file__).parent.glob("*.py"))])
    written = []
    for kind in KINDS.values():
        base = directory / kind.name
        paths = [base.with_suffix(f.suffix) for f in downloads_of(kind)]
        written += paths
        key = digest(code, conn.execute(f"SELECT * FROM [{kind.table}] ORDER BY id").fetchall())
        entry = previous.get(kind.name)
        if entry and entry[0] == key and entry[1] == [file_stamp(p) for p in paths]:
            current[kind.name] = entry
            continue
        _write_kind(conn, kind, base)
        current[kind.name] = [key, [file_stamp(p) for p in paths]]
    if cache is not None:
        write_json_cache(cache, current)
    return written


def _write_kind(conn: sqlite3.Connection, kind: Kind, base: Path) -> None:
    records = public_records(conn, kind)
    columns = [f.name for f in kind.public_fields]
    for fmt in downloads_of(kind):
        write_if_changed(base.with_suffix(fmt.suffix), fmt.write(kind, records, columns))
