"""The public copy: the one place private data is stripped, used by Datasette, the site and downloads.

`publish_registry` writes `public.db` plus CSV, JSON and GeoJSON files of each
kind. Only columns the rules mark public are copied; the public change history
keeps when and what, never who, and drops private fields from the rows it shows.
The output is byte-for-byte the same for the same registry, so builds are
reproducible and unchanged files are not rewritten.
"""

from __future__ import annotations

import filecmp
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rules import KINDS, LINKS, Kind
from .store import Registry, decode_row
from .tabular import records_to_csv

PUBLIC_TABLES_EXTRA = ("asset_events", "sources", "citations", "districts")
PUBLIC_CHANGE_COLUMNS = ("id", "changed_at", "action", "table_name", "record_id", "before", "after")

# Indexes beyond the kinds' own: the joins the canned queries make and the
# columns Datasette facets by, since an unindexed facet at 1M rows silently
# vanishes past Datasette's facet time limit.
PUBLIC_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "agreement_parties": (("actor_id",), ("role",)),
    "case_study_actors": (("actor_id",), ("role",)),
    "case_study_assets": (("asset_id",),),
    "asset_events": (("asset_id",), ("status",)),
    "citations": (("record_kind", "record_id"),),
    "districts": (("city",),),
    "changes": (("changed_at",), ("table_name", "record_id"), ("action",)),
}

# Indexes in the order the canned queries of metadata.json sort by, so Datasette
# streams their first 1,000 rows instead of sorting the whole table (at 1M
# records: 0.8-1 s each before, 5-13 ms after). Keep them in step with the
# queries' ORDER BY clauses; `commons publish` then runs ANALYZE so SQLite
# knows a status or city filter is not selective enough to beat them.
ORDERED_INDEXES: tuple[tuple[str, str, str], ...] = (
    ("assets", "idx_assets_city_name_id", "[city], [name], [id]"),
    ("actors", "idx_actors_city_kind_name_id", "[city], [kind], [name], [id]"),
    ("case_studies", "idx_case_studies_title_id", "[title], [id]"),
    ("agreements", "idx_agreements_asset_id_status", "[asset_id], [status]"),
    ("agreements", "idx_agreements_rent_order", "([rent_eur_per_year] IS NULL), [rent_eur_per_year] DESC, [id]"),
)


@dataclass
class Published:
    """Where the public copy and its downloads were written."""

    directory: Path
    database: Path
    files: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def public_tables() -> list[str]:
    """Every table that reaches the public, in an order that satisfies foreign keys."""
    return [k.table for k in KINDS.values()] + [s.table for s in LINKS] + list(PUBLIC_TABLES_EXTRA) + ["changes"]


def public_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The columns of a table that may be published."""
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]
    if table == "changes":
        return [c for c in columns if c in PUBLIC_CHANGE_COLUMNS]
    kind = next((k for k in KINDS.values() if k.table == table), None)
    if kind is None:
        return columns
    private = set(kind.private_field_names)
    return [c for c in columns if c not in private]


def all_private_fields() -> list[str]:
    return sorted({name for kind in KINDS.values() for name in kind.private_field_names})


def write_public_db(registry: Registry, target: Path) -> dict[str, int]:
    """Copy the public tables and columns into a fresh SQLite file, with search and indexes."""
    import sqlite_utils

    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    source = registry.conn
    db = sqlite_utils.Database(tmp)
    counts: dict[str, int] = {}
    for table in public_tables():
        columns = public_columns(source, table)
        info = {row[1]: row for row in source.execute(f"PRAGMA table_info([{table}])")}
        types = {c: _py_type(info[c][2]) for c in columns}
        pk = [row[1] for row in sorted(info.values(), key=lambda r: r[5]) if row[5]]
        fks = [(fk[3], fk[2], fk[4]) for fk in source.execute(f"PRAGMA foreign_key_list([{table}])") if fk[3] in columns]
        db.table(table).create(types, pk=pk[0] if len(pk) == 1 else tuple(pk), foreign_keys=fks or None)
        select = ", ".join(_public_expression(table, c) for c in columns)
        order = ", ".join(f"[{c}]" for c in pk) or "rowid"
        rows = source.execute(f"SELECT {select} FROM [{table}]{_public_filter(table)} ORDER BY {order}")
        placeholders = ", ".join("?" for _ in columns)
        with db.conn:
            db.conn.executemany(f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({placeholders})", rows)
        counts[table] = db.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
    for kind in KINDS.values():
        for column in kind.index_fields:
            db.table(kind.table).create_index([column], if_not_exists=True)
        db.table(kind.table).enable_fts(list(kind.search_fields), fts_version="FTS5", tokenize="porter")
    for table, indexes in PUBLIC_INDEXES.items():
        for index_columns in indexes:
            db.table(table).create_index(list(index_columns), if_not_exists=True)
    for table, name, definition in ORDERED_INDEXES:
        db.conn.execute(f"CREATE INDEX IF NOT EXISTS [{name}] ON [{table}] ({definition})")
    db.conn.execute("ANALYZE")
    # No VACUUM: a file written once, in order, has no free pages to reclaim, and
    # rewriting it cost 3 s at 100k records (30 s at 1M) for the same bytes.
    db.conn.close()
    os.replace(tmp, target)
    return counts


def _public_expression(table: str, column: str) -> str:
    """Change-log rows are shown without the private fields they held."""
    if table == "changes" and column in ("before", "after"):
        return f"{_public_row(column)} AS [{column}]"
    return f"[{column}]"


def _public_row(column: str) -> str:
    """SQL for a logged row (JSON) with every private field removed."""
    paths = ", ".join(f"'$.{name}'" for name in all_private_fields())
    return f"json_remove([{column}], {paths})"


def _public_filter(table: str) -> str:
    """An edit that touched only private fields leaves no public trace, not even an empty update."""
    if table != "changes":
        return ""
    return f" WHERE NOT (action = 'update' AND {_public_row('before')} IS {_public_row('after')})"


def _py_type(declared: str) -> type:
    declared = declared.upper()
    if "INT" in declared:
        return int
    if "REAL" in declared or "FLOA" in declared:
        return float
    return str


def write_if_changed(path: Path, content: str | bytes) -> bool:
    """Write only when the bytes differ, so unchanged files keep their timestamps."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def public_records(conn: sqlite3.Connection, kind: Kind) -> list[dict[str, Any]]:
    """Every record of a kind as published (public columns only), ordered by id."""
    cursor = conn.execute(f"SELECT * FROM [{kind.table}] ORDER BY id")
    columns = [d[0] for d in cursor.description]
    return [decode_row(kind, dict(zip(columns, row, strict=True))) for row in cursor]


def geojson_features(kind: Kind, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection: a record's polygon if it has one, else its point."""
    features = []
    for record in records:
        geometry: dict[str, Any] | None = None
        if record.get("geometry"):
            geometry = json.loads(record["geometry"])
        elif record.get("lat") is not None and record.get("lon") is not None:
            geometry = {"type": "Point", "coordinates": [record["lon"], record["lat"]]}
        properties = {k: v for k, v in record.items() if k not in ("geometry",)}
        features.append({"type": "Feature", "id": record["id"], "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def json_array_by_line(items: list[dict[str, Any]]) -> str:
    """A JSON array with one compact item per line: diffs show one line per changed record.

    Each item goes through json's C encoder; `indent=` would use the pure-Python
    one, which took 5 s for 100k records.
    """
    if not items:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]\n"


def write_downloads(conn: sqlite3.Connection, directory: Path) -> list[Path]:
    """CSV, JSON and GeoJSON of each kind, made from the public copy only."""
    written = []
    for kind in KINDS.values():
        records = public_records(conn, kind)
        columns = [f.name for f in kind.public_fields]
        base = directory / kind.name
        csv_path, json_path = base.with_suffix(".csv"), base.with_suffix(".json")
        write_if_changed(csv_path, records_to_csv(kind, records, columns))
        write_if_changed(json_path, json_array_by_line([{c: r.get(c) for c in columns} for r in records]))
        written += [csv_path, json_path]
        if "lat" in kind.field_names:
            geo_path = base.with_suffix(".geojson")
            write_if_changed(geo_path, json.dumps(geojson_features(kind, records), ensure_ascii=False, separators=(",", ":")) + "\n")
            written.append(geo_path)
    return written


def publish_registry(registry: Registry, directory: str | Path) -> Published:
    """Write public.db and the downloads into a folder; private data never leaves the registry."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "public.db"
    tmp_db = directory / ".public.db.new"
    counts = write_public_db(registry, tmp_db)
    # Compared in chunks: at 1M records each copy is gigabytes.
    if database.is_file() and filecmp.cmp(database, tmp_db, shallow=False):
        tmp_db.unlink()
    else:
        os.replace(tmp_db, database)
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        files = write_downloads(conn, directory)
    finally:
        conn.close()
    return Published(directory, database, [database, *files], counts)
