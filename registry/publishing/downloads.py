"""The site's open-data downloads: every public kind and every relation between records, in every format.

Each kind is offered as CSV, JSON and GeoJSON; the tables that join and annotate
records (parties, case links, timelines, sources, citations) as CSV and JSON,
so a spreadsheet user can answer "who manages what" and cite the sources.
Files are written only when their rows changed; `data_package` describes them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import marshal
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.formats import writers
from registry.formats.pieces import Pieces, PieceWriter
from registry.formats.places import place_columns, with_places
from registry.formats.writers import Format, downloads_of, table_downloads
from registry.model.declaration import Field, Kind
from registry.model.kinds import KINDS
from registry.model.relations import RELATIONS, Relation
from registry.publishing.files import digest, file_stamp, files_digest, read_json_cache, write_if_changed, write_json_cache
from registry.publishing.public_copy import key_columns
from registry.publishing.public_update import Updated, key_condition
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


def public_records(conn: sqlite3.Connection, kind: Kind, keys: list[tuple[Any, ...]] | None = None) -> list[dict[str, Any]]:
    """Every record of a kind as published (public columns only), or those with the given keys, ordered by id."""
    where = f" WHERE {key_condition(['id'], '[row]')}" if keys is not None else ""
    cursor = conn.execute(f"SELECT * FROM [{kind.table}] AS [row]{where} ORDER BY id", [json.dumps(keys)] if keys is not None else [])
    columns = [d[0] for d in cursor.description]
    return [decode_row(kind, dict(zip(columns, row, strict=True))) for row in cursor]


def _relation_rows(conn: sqlite3.Connection, relation: Relation, keys: list[tuple[Any, ...]] | None = None) -> list[dict[str, Any]]:
    names = ", ".join(f"[{c}]" for c in relation.field_names)
    order = ", ".join(f"[{c}]" for c in relation.primary_key)
    where = f" WHERE {key_condition(key_columns(conn, relation.table), '[row]')}" if keys is not None else ""
    cursor = conn.execute(
        f"SELECT {names} FROM [{relation.table}] AS [row]{where} ORDER BY {order}", [json.dumps(keys)] if keys is not None else []
    )
    return [dict(zip(relation.field_names, row, strict=True)) for row in cursor]


def write_downloads(
    conn: sqlite3.Connection, directory: Path, cache: Path | None = None, version: str | None = None, updated: Updated | None = None
) -> list[DownloadFile]:
    """Every download, made from the public copy only.

    With a cache file (the site build keeps one outside its output), a table
    whose published rows are the same as last time, and whose files are still
    on disk as written, is not serialised again; the hash covers the rows and
    the code that formats them, so the files stay what a clean build would
    write, and the files' SHA-256 are kept with it. `version` is the public
    copy's, kept with the files; `updated` gives the keys of the rows an update
    in place touched, by table. When the files were made from the version the
    update started from, a table with no touched row is kept without its rows
    being read, and one with a few has just their pieces replaced (`_splice`).
    """
    previous = read_json_cache(cache)
    since = updated.since(previous.get(VERSION)) if updated is not None and version is not None else None
    changed = since.keys if since is not None else None
    code = files_digest([Path(__file__), *sorted(Path(writers.__file__).parent.glob("*.py"))])
    current: dict[str, Any] = {CODE: code, VERSION: version}
    layouts = cache.with_name(cache.stem + "-layouts") if cache is not None else None
    written: list[DownloadFile] = []
    for table in download_tables():
        paths = [directory / f"{table.name}{f.suffix}" for f in table.formats]
        current[table.name] = _table_entry(conn, table, paths, previous, code, changed, layouts)
        hashes = current[table.name][2]
        empty = conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM [{table.table}])").fetchone()[0] == 1
        for fmt, path, sha in zip(table.formats, paths, hashes, strict=True):
            written.append(DownloadFile(table, fmt, path, path.stat().st_size, sha, empty))
    if cache is not None:
        write_json_cache(cache, current)
    return written


# The cache's entry for the code that formats the files: an entry kept from an earlier build holds only for the same code.
CODE = "(code)"
# The cache's entry for the version of the public copy the files were made from.
VERSION = "(version)"
# The key of a table whose files were spliced: its rows were not hashed, so no later hash of rows can match it.
SPLICED = "(spliced)"


def _table_entry(
    conn: sqlite3.Connection,
    table: DownloadTable,
    paths: list[Path],
    previous: dict[str, Any],
    code: str,
    changed: dict[str, set[tuple[Any, ...]]] | None,
    layouts: Path | None,
) -> list[Any]:
    """A table's cache entry after making sure its files are current: [rows hash, file stamps, SHA-256s, layout file stamp]."""
    entry = previous.get(table.name)
    stamps = [file_stamp(p) for p in paths]
    kept = entry if isinstance(entry, list) and len(entry) == 4 and entry[1] == stamps and previous.get(CODE) == code else None
    layout_path = layouts / f"{table.name}.marshal" if layouts is not None else None
    if kept is not None and changed is not None:
        touched = _touched(conn, table, changed)
        if not touched:
            return kept
        layout = _read_layout(layout_path, kept[3])
        spliced = _splice(conn, table, paths, layout, touched) if layout is not None else None
        if spliced is not None:
            return [SPLICED, [file_stamp(p) for p in paths], spliced[0], _write_layout(layout_path, spliced[1])]
    key = digest(code, _source_rows(conn, table))
    if kept is not None and kept[0] == key:
        return kept
    hashes, layout = _write_table(conn, table, paths)
    return [key, [file_stamp(p) for p in paths], hashes, _write_layout(layout_path, layout)]


def _read_layout(path: Path | None, stamp: Any) -> dict[str, Any] | None:
    """The layout a table's files were written with, when its file is the one the cache entry names."""
    if path is None or stamp is None or file_stamp(path) != stamp:
        return None
    try:
        layout = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return layout if isinstance(layout, dict) else None


def _write_layout(path: Path | None, layout: dict[str, Any]) -> list[int] | None:
    """Keep a table's layout (its keys in file order, each piece's length) in a file of its own: at 100k records, megabytes."""
    if path is None:
        return None
    write_if_changed(path, marshal.dumps(layout, 2))
    return file_stamp(path)


def _touched(conn: sqlite3.Connection, table: DownloadTable, changed: dict[str, set[tuple[Any, ...]]]) -> set[tuple[Any, ...]]:
    """The keys of a table's rows that changed: its own, and for a kind that borrows places, the records whose place did."""
    touched = set(changed.get(table.table, ()))
    kind = table.kind
    if kind is not None and kind.place_from is not None:
        places = KINDS[kind.field(kind.place_from).ref or ""].table
        if changed.get(places):
            condition = key_condition([kind.place_from], "[row]")
            found = conn.execute(
                f"SELECT id FROM [{kind.table}] AS [row] WHERE {condition}", [json.dumps(sorted(changed[places], key=repr))]
            )
            touched |= {(row[0],) for row in found}
    return touched


def _source_rows(conn: sqlite3.Connection, table: DownloadTable) -> list[Any]:
    """What a table's files are made from; a kind with a borrowed place depends on the places it borrows too."""
    rows = conn.execute(f"SELECT * FROM [{table.table}] ORDER BY rowid").fetchall()
    if table.kind is not None and table.kind.place_from is not None:
        target = KINDS[table.kind.field(table.kind.place_from).ref or ""]
        rows.append(conn.execute(f"SELECT id, lat, lon, geometry FROM [{target.table}] ORDER BY id").fetchall())
    return rows


def _pieces(
    conn: sqlite3.Connection, table: DownloadTable, keys: list[tuple[Any, ...]] | None = None
) -> tuple[list[list[Any]], list[Pieces]]:
    """A table's rows (all, or those with the given keys) in each of its formats, cut at its rows, and their keys in file order."""
    if table.kind is not None:
        kind = table.kind
        records = public_records(conn, kind, keys)
        columns = [f.name for f in table.fields]
        placed = with_places(conn, kind, records) if any(f.spatial for f in table.formats) else records
        pieces = [_cut(fmt)(placed, place_columns(kind, columns)) if fmt.spatial else _cut(fmt)(records, columns) for fmt in table.formats]
        return [[r["id"]] for r in records], pieces
    assert table.relation is not None
    rows = _relation_rows(conn, table.relation, keys)
    pk = key_columns(conn, table.table)
    return [[r[c] for c in pk] for r in rows], [_cut(fmt)(rows, table.relation.field_names) for fmt in table.formats]


def _cut(fmt: Format) -> PieceWriter:
    if fmt.pieces is None:
        raise ValueError(f"the {fmt.title} format cannot be written piece by piece, which the site's downloads need")
    return fmt.pieces


def _write_table(conn: sqlite3.Connection, table: DownloadTable, paths: list[Path]) -> tuple[list[str], dict[str, Any]]:
    """Write one table's files; return their SHA-256 in format order and their layout (keys, and each piece's length in bytes)."""
    keys, pieces = _pieces(conn, table)
    hashes, lengths = [], []
    for path, cut in zip(paths, pieces, strict=True):
        items = [item.encode("utf-8") for item in cut.items]
        data = _joined(cut, items)
        write_if_changed(path, data)
        hashes.append(hashlib.sha256(data).hexdigest())
        lengths.append([len(item) for item in items])
    return hashes, {"keys": keys, "lengths": lengths}


def _joined(cut: Pieces, items: list[bytes]) -> bytes:
    if not items and cut.empty is not None:
        return cut.empty.encode("utf-8")
    head, sep, tail = cut.frame()
    return head + sep.join(items) + tail


def _splice(
    conn: sqlite3.Connection, table: DownloadTable, paths: list[Path], layout: dict[str, Any], touched: set[tuple[Any, ...]]
) -> tuple[list[str], dict[str, Any]] | None:
    """Replace the touched rows' pieces in the last files; None when the files are not as the layout says (then they are written whole).

    The rows' order is asked of SQLite, so it is the order a whole write gives.
    """
    new_keys, new_pieces = _pieces(conn, table, sorted(touched, key=repr))
    order = [tuple(k) for k in _ordered_keys(conn, table)]
    old_keys = [tuple(k) for k in layout.get("keys", [])]
    if not order or not old_keys or len(layout.get("lengths", [])) != len(paths):
        return None
    index = {k: n for n, k in enumerate(old_keys)}
    hashes, lengths = [], []
    for path, cut, old_lengths in zip(paths, new_pieces, layout["lengths"], strict=True):
        replaced = {tuple(k): item.encode("utf-8") for k, item in zip(new_keys, cut.items, strict=True)}
        data = _spliced_bytes(path.read_bytes(), cut, old_lengths, index, order, replaced)
        if data is None:
            return None
        write_if_changed(path, data)
        hashes.append(hashlib.sha256(data).hexdigest())
        lengths.append([len(replaced[k]) if k in replaced else old_lengths[index[k]] for k in order])
    return hashes, {"keys": [list(k) for k in order], "lengths": lengths}


def _ordered_keys(conn: sqlite3.Connection, table: DownloadTable) -> list[tuple[Any, ...]]:
    """Every row's key in the order the table's files list them (by id, or by the relation's own key)."""
    pk = key_columns(conn, table.table)
    order = list(table.relation.primary_key) if table.relation is not None else ["id"]
    names = ", ".join(f"[{c}]" for c in pk)
    return [tuple(row) for row in conn.execute(f"SELECT {names} FROM [{table.table}] ORDER BY {', '.join(f'[{c}]' for c in order)}")]


def _spliced_bytes(
    data: bytes,
    cut: Pieces,
    lengths: list[int],
    index: dict[tuple[Any, ...], int],
    order: list[tuple[Any, ...]],
    replaced: dict[tuple[Any, ...], bytes],
) -> bytes | None:
    """The file with the rows in `order`: replaced pieces new, the others cut from the last file in runs; None when it does not add up."""
    head, sep, tail = cut.frame()
    if len(lengths) != len(index) or len(data) != len(head) + sum(lengths) + len(sep) * (len(lengths) - 1) + len(tail):
        return None
    starts = [len(head) + n * len(sep) + before for n, before in enumerate(itertools.accumulate(lengths, initial=0))]
    groups: list[bytes] = []
    run: list[int] = []  # the first and last index of a run of old pieces that stay together
    for key in order:
        n = index.get(key, -1) if key not in replaced else -1
        if run and n == run[1] + 1:
            run[1] = n
            continue
        if run:
            groups.append(data[starts[run[0]] : starts[run[1]] + lengths[run[1]]])
        run = [n, n] if n >= 0 else []
        if n < 0:
            if key not in replaced:
                return None
            groups.append(replaced[key])
    if run:
        groups.append(data[starts[run[0]] : starts[run[1]] + lengths[run[1]]])
    if not groups and cut.empty is not None:
        return cut.empty.encode("utf-8")
    return head + sep.join(groups) + tail
