"""The schema: tables match the rules, old registries migrate in place, two writers both succeed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import sqlite_utils

from registry.model.kinds import KINDS
from registry.store import schema
from registry.store.database import MIGRATION_NAMES, open_registry


def columns(db: Path, table: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]
    finally:
        conn.close()


def test_every_rule_field_has_a_column_and_every_column_a_rule(db_path: Path) -> None:
    for kind in KINDS.values():
        assert sorted(columns(db_path, kind.table)) == sorted(kind.field_names), kind.name


def test_the_fast_path_knows_every_migration() -> None:
    assert list(MIGRATION_NAMES) == [m.name for m in schema.migrations.pending(sqlite_utils.Database(memory=True))]


def test_foreign_keys_are_enforced(db_path: Path) -> None:
    registry = open_registry(db_path)
    try:
        registry.conn.execute("INSERT INTO agreements (id, title, kind, status, asset_id) VALUES ('a', 'A', 'other', 'active', 'missing')")
    except sqlite3.IntegrityError as exc:
        assert "FOREIGN KEY" in str(exc)
    else:
        raise AssertionError("a dangling asset_id was accepted")


def test_an_older_registry_is_migrated_in_place_keeping_its_records(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    db = sqlite_utils.Database(old)
    schema.migrations.apply(db, stop_before="m002_freshness_timeline_hours")
    db.table("assets").insert({"id": "ex-asilo", "name": "Ex Asilo Filangieri", "kind": "building", "status": "recognised"})
    db.conn.close()
    assert "last_verified" not in columns(old, "assets")

    registry = open_registry(old)
    assert schema.schema_version(registry.db) == len(MIGRATION_NAMES)
    row = registry.conn.execute("SELECT name, last_verified FROM assets WHERE id = 'ex-asilo'").fetchone()
    assert row == ("Ex Asilo Filangieri", None)
    hits = registry.conn.execute("SELECT rowid FROM assets_fts WHERE assets_fts MATCH 'Filangieri'").fetchall()
    assert len(hits) == 1
    registry.close()


def test_registry_uses_wal_so_readers_do_not_block_writers(db_path: Path) -> None:
    registry = open_registry(db_path)
    assert registry.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    registry.close()


WRITER = """
import sys
from registry.store.database import open_registry
from registry.operations.records import add_record, update_record
registry = open_registry(sys.argv[1], by=sys.argv[2])
for n in range(int(sys.argv[3])):
    add_record(registry, "actors", {"id": f"{sys.argv[2]}-{n}", "name": f"Actor {n}", "kind": "association"})
    update_record(registry, "actors", "shared", {"description": f"{sys.argv[2]} {n}"})
"""


def test_concurrent_writers_both_succeed_and_lose_nothing(db_path: Path) -> None:
    registry = open_registry(db_path)
    from registry.operations.records import add_record

    add_record(registry, "actors", {"id": "shared", "name": "Shared", "kind": "network"})
    registry.close()
    per_writer = 40
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), who, str(per_writer)], env=env, stderr=subprocess.PIPE, text=True)
        for who in ("anna", "bruno")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    registry = open_registry(db_path)
    count = registry.conn.execute("SELECT count(*) FROM actors").fetchone()[0]
    assert count == 1 + 2 * per_writer
    updates = registry.conn.execute(
        "SELECT changed_by, after FROM changes WHERE table_name = 'actors' AND record_id = 'shared' AND action = 'update' ORDER BY id"
    ).fetchall()
    assert len(updates) == 2 * per_writer
    final = registry.conn.execute("SELECT description FROM actors WHERE id = 'shared'").fetchone()[0]
    assert json.loads(updates[-1][1])["description"] == final
    registry.close()
