"""The site's open-data downloads: every public kind and every relation between records, in every format.

Each kind is offered as CSV, JSON and GeoJSON; the tables that join and annotate
records (parties, case links, timelines, sources, citations) as CSV and JSON,
so a spreadsheet user can answer "who manages what" and cite the sources.
Files are written only when their rows changed; `data_package` describes them.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.formats import writers
from registry.formats.places import place_columns, with_places
from registry.formats.writers import Format, downloads_of, table_downloads
from registry.model.declaration import Field, Kind
from registry.model.kinds import KINDS
from registry.model.relations import RELATIONS, Relation
from registry.publishing.files import digest, file_stamp, files_digest, read_json_cache, write_if_changed, write_json_cache
from registry.store.database import decode_row


@dataclass(frozen=True)
class DownloadTable:
    """One table the site offers: a kind's records or a relation, under the name its files carry."""

    name: str
    table: str
    title: str
    description: str
    fields: tuple[Field, ...]
    formats: tuple[Format, ...]
    kind: Kind | None = None
    relation: Relation | None = None


@dataclass(frozen=True)
class DownloadFile:
    """A written download: what it holds, in which format, and its size and SHA-256 for the data package."""

    table: DownloadTable
    format: Format
    path: Path
    bytes: int
    sha256: str
    empty: bool = False  # the table has no rows yet (a registry where no agreement was ever renewed)


def download_tables() -> list[DownloadTable]:
    """Every downloadable table: the kinds, then the relations, in declaration order."""
    kinds = [
        DownloadTable(k.name, k.table, k.title, k.description, tuple(k.public_fields), tuple(downloads_of(k)), kind=k)
        for k in KINDS.values()
    ]
    relations = [DownloadTable(r.table, r.table, r.title, r.description, r.fields, tuple(table_downloads()), relation=r) for r in RELATIONS]
    return kinds + relations


def public_records(conn: sqlite3.Connection, kind: Kind) -> list[dict[str, Any]]:
    """Every record of a kind as published (public columns only), ordered by id."""
    cursor = conn.execute(f"SELECT * FROM [{kind.table}] ORDER BY id")
    columns = [d[0] for d in cursor.description]
    return [decode_row(kind, dict(zip(columns, row, strict=True))) for row in cursor]


def _relation_rows(conn: sqlite3.Connection, relation: Relation) -> list[dict[str, Any]]:
    names = ", ".join(f"[{c}]" for c in relation.field_names)
    order = ", ".join(f"[{c}]" for c in relation.primary_key)
    cursor = conn.execute(f"SELECT {names} FROM [{relation.table}] ORDER BY {order}")
    return [dict(zip(relation.field_names, row, strict=True)) for row in cursor]


def write_downloads(
    conn: sqlite3.Connection, directory: Path, cache: Path | None = None, changed: set[str] | None = None
) -> list[DownloadFile]:
    """Every download, made from the public copy only.

    With a cache file (the site build keeps one outside its output), a table
    whose published rows are the same as last time, and whose files are still
    on disk as written, is not serialised again: after one edit only that
    record's tables are rewritten. The hash covers the rows and the code that
    formats them, so the files stay what a clean build would write; the
    files' SHA-256 are kept with it, so they are not read again either.
    `changed` names the public tables an update in place touched (None: any
    may have changed); a table that reads none of them keeps its last hash
    without its rows being read at all.
    """
    previous = read_json_cache(cache)
    code = files_digest([Path(__file__), *sorted(Path(writers.__file__).parent.glob("*.py"))])
    current: dict[str, Any] = {CODE: code}
    written: list[DownloadFile] = []
    for table in download_tables():
        paths = [directory / f"{table.name}{f.suffix}" for f in table.formats]
        entry = previous.get(table.name)
        stamps = [file_stamp(p) for p in paths]
        untouched = changed is not None and previous.get(CODE) == code and not changed & set(_source_tables(table))
        key = entry[0] if untouched and entry and len(entry) == 3 else digest(code, _source_rows(conn, table))
        if entry and len(entry) == 3 and entry[0] == key and entry[1] == stamps:
            hashes = entry[2]
        else:
            hashes = _write_table(conn, table, directory)
            stamps = [file_stamp(p) for p in paths]
        current[table.name] = [key, stamps, hashes]
        empty = conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM [{table.table}])").fetchone()[0] == 1
        for fmt, path, sha in zip(table.formats, paths, hashes, strict=True):
            written.append(DownloadFile(table, fmt, path, path.stat().st_size, sha, empty))
    if cache is not None:
        write_json_cache(cache, current)
    return written


# The cache's entry for the code that formats the files: a hash kept from an earlier build holds only for the same code.
CODE = "(code)"


def _source_tables(table: DownloadTable) -> list[str]:
    """The public tables a download is made from: its own, and the kind it borrows places from."""
    if table.kind is not None and table.kind.place_from is not None:
        return [table.table, KINDS[table.kind.field(table.kind.place_from).ref or ""].table]
    return [table.table]


def _source_rows(conn: sqlite3.Connection, table: DownloadTable) -> list[Any]:
    """What a table's files are made from; a kind with a borrowed place depends on the places it borrows too."""
    rows = conn.execute(f"SELECT * FROM [{table.table}] ORDER BY rowid").fetchall()
    if table.kind is not None and table.kind.place_from is not None:
        target = KINDS[table.kind.field(table.kind.place_from).ref or ""]
        rows.append(conn.execute(f"SELECT id, lat, lon, geometry FROM [{target.table}] ORDER BY id").fetchall())
    return rows


def _write_table(conn: sqlite3.Connection, table: DownloadTable, directory: Path) -> list[str]:
    """Write one table's files; return their SHA-256 in format order."""
    hashes = []
    if table.kind is not None:
        kind = table.kind
        records = public_records(conn, kind)
        columns = [f.name for f in table.fields]
        contents = [
            fmt.write(kind, with_places(conn, kind, records), place_columns(kind, columns))
            if fmt.spatial
            else fmt.write(kind, records, columns)
            for fmt in table.formats
        ]
    else:
        assert table.relation is not None
        rows = _relation_rows(conn, table.relation)
        contents = [fmt.rows(rows, table.relation.field_names) for fmt in table.formats if fmt.rows is not None]
    for fmt, content in zip(table.formats, contents, strict=True):
        data = content.encode("utf-8") if isinstance(content, str) else content
        write_if_changed(directory / f"{table.name}{fmt.suffix}", data)
        hashes.append(hashlib.sha256(data).hexdigest())
    return hashes
