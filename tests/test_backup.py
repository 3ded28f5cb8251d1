"""Backups: taken safely while others write; restored only after a full check, keeping the old registry."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner, Result
from reliability import record
from test_crash_safety import assert_whole
from test_validation import snapshot

from registry.cli import cli
from registry.model.errors import Busy
from registry.store import schema
from registry.store.backups import backup_registry, restore_backup
from registry.store.database import open_registry

WRITER = r"""
import sys, time
from registry.operations.records import update_record, add_record
from registry.store.database import open_registry

reg = open_registry(sys.argv[1], by="writer")
print("ready", flush=True)
deadline = time.monotonic() + float(sys.argv[2])
i = 0
while time.monotonic() < deadline:
    i += 1
    update_record(reg, "assets", "nap-asilo", {"description": f"Edit number {i}. " * (i % 40 + 1)})
    if i % 4 == 0:
        add_record(reg, "actors", {"id": f"writer-actor-{i}", "name": f"Writer actor {i}", "kind": "association"})
"""


def commons(db: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args], input=input)


def records(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """The rows of every record and link table, for comparing registries."""
    conn = sqlite3.connect(db)
    try:
        tables = [
            "assets",
            "actors",
            "agreements",
            "case_studies",
            "agreement_parties",
            "case_study_actors",
            "case_study_assets",
            "sources",
            "citations",
            "asset_events",
            "changes",
        ]
        return {t: sorted(conn.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def test_backups_taken_while_another_process_writes_are_whole_and_consistent(example_registry: Path, tmp_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(example_registry), "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert writer.stdout is not None and writer.stdout.readline().strip() == b"ready"
    taken, during = [], 0
    try:
        for n in range(6):
            time.sleep(0.25)
            result = commons(example_registry, "backup", str(tmp_path / f"backup-{n}.db"))
            assert result.exit_code == 0, result.output
            during += writer.poll() is None
            taken.append(tmp_path / f"backup-{n}.db")
    finally:
        _, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err.decode()
    assert during >= 3, "most backups should be taken while the writer is still writing"
    changes_seen = []
    for path in taken:
        assert not Path(f"{path}-wal").exists(), "a backup is one self-contained file"
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            changes_seen.append(conn.execute("SELECT count(*) FROM changes").fetchone()[0])
        finally:
            conn.close()
        assert_whole(path)  # rows and change log agree, and `commons check` passes on the copy
        record("backups_taken")
    assert changes_seen == sorted(changes_seen) and changes_seen[0] < changes_seen[-1], changes_seen


def test_backup_never_overwrites_and_names_a_copy_in_a_folder(example_registry: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken.db"
    target.write_bytes(b"someone else's file")
    result = commons(example_registry, "backup", str(target))
    assert result.exit_code == 1 and "never overwrites" in result.output
    assert target.read_bytes() == b"someone else's file"
    folder = tmp_path / "backups"
    folder.mkdir()
    result = commons(example_registry, "backup", str(folder))
    assert result.exit_code == 0, result.output
    made = list(folder.iterdir())
    assert len(made) == 1 and made[0].name.startswith("registry-") and made[0].suffix == ".db"
    missing = commons(example_registry, "backup", str(tmp_path / "no" / "such" / "folder" / "x.db"))
    assert missing.exit_code == 1 and "does not exist" in missing.output


# --- Refusing bad backups ---------------------------------------------------------------------------


def _bad_backup(kind: str, good: Path, path: Path) -> None:
    data = good.read_bytes()
    if kind == "junk":
        path.write_bytes(b"This is a spreadsheet, honest.\n" * 200)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif kind == "corrupted-pages":
        page = 4096
        broken = bytearray(data)
        for offset in range(page * 3, min(len(broken), page * 12), page):
            broken[offset : offset + 64] = b"\xde\xad\xbe\xef" * 16
        path.write_bytes(bytes(broken))
    elif kind == "not-a-registry":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE budget (year INTEGER, amount REAL)")
        conn.commit()
        conn.close()
    elif kind in ("invalid-record", "dangling-citation", "newer-version"):
        shutil.copyfile(good, path)
        conn = sqlite3.connect(path)
        if kind == "invalid-record":
            conn.execute("UPDATE assets SET status = 'abandoned' WHERE id = 'nap-asilo'")
        elif kind == "dangling-citation":
            conn.execute(
                "INSERT INTO citations (source_id, record_kind, record_id) VALUES ((SELECT min(id) FROM sources), 'assets', 'ghost')"
            )
        else:
            conn.execute(
                "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('commons', 'm999_from_the_future', '2030-01-01')"
            )
        conn.commit()
        conn.close()


BAD_BACKUPS = {
    "junk": "not a commons registry backup",
    "empty": "not a commons registry",
    "truncated": "not a commons registry backup",
    "corrupted-pages": "damaged",
    "not-a-registry": "not a commons registry",
    "invalid-record": "fails `commons check`",
    "dangling-citation": "fails `commons check`",
    "newer-version": "newer Commons Lab",
    "missing": "no backup at",
}


@pytest.mark.parametrize("kind", list(BAD_BACKUPS))
def test_restore_refuses_a_bad_backup_and_leaves_the_registry_byte_identical(example_registry: Path, tmp_path: Path, kind: str) -> None:
    good = tmp_path / "good-backup.db"
    assert commons(example_registry, "backup", str(good)).exit_code == 0
    bad = tmp_path / "bad" / f"{kind}.db"
    bad.parent.mkdir()
    if kind != "missing":
        _bad_backup(kind, good, bad)
    registry_folder = example_registry.parent
    listing = sorted(p.name for p in registry_folder.iterdir())
    before = example_registry.read_bytes()

    result = commons(example_registry, "restore-backup", str(bad), "--yes")

    assert result.exit_code == 1, result.output
    messages = (BAD_BACKUPS[kind], "damaged", "malformed", "not a commons registry")
    assert any(m in result.output for m in messages), result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert example_registry.read_bytes() == before
    assert sorted(p.name for p in registry_folder.iterdir()) == listing, "a refused restore left files behind"
    record("bad_backups_refused")


# --- Restoring --------------------------------------------------------------------------------------


def test_restore_swaps_in_the_backup_and_keeps_the_registry_it_replaces(example_registry: Path, tmp_path: Path) -> None:
    backup = tmp_path / "monday.db"
    assert commons(example_registry, "backup", str(backup)).exit_code == 0
    at_backup = records(example_registry)
    assert commons(example_registry, "edit", "assets", "nap-asilo", "--set", "name=Changed on Tuesday").exit_code == 0
    assert (
        commons(example_registry, "add", "actors", "--set", "id=act-new", "--set", "name=New on Tuesday", "--set", "kind=ngo").exit_code
        == 0
    )
    tuesday = records(example_registry)

    result = commons(example_registry, "restore-backup", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert records(example_registry) == at_backup
    kept = sorted(example_registry.parent.glob("registry.before-restore-*.db"))
    assert len(kept) == 1 and str(kept[0].name) in result.output
    assert records(kept[0]) == tuesday
    assert commons(example_registry, "check").exit_code == 0
    record("restores")

    again = commons(example_registry, "restore-backup", str(backup), "--yes")
    assert again.exit_code == 0, again.output
    kept_now = sorted(example_registry.parent.glob("registry.before-restore-*.db"))
    assert len(kept_now) == 2, "a second restore must keep another copy, never overwrite the first"
    assert records(kept[0]) == tuesday
    record("restores")


def test_restore_asks_first_and_a_no_changes_nothing(example_registry: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    assert commons(example_registry, "backup", str(backup)).exit_code == 0
    before = example_registry.read_bytes()
    result = commons(example_registry, "restore-backup", str(backup), input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert example_registry.read_bytes() == before


def test_restore_refuses_while_another_program_has_the_registry_open(example_registry: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    assert commons(example_registry, "backup", str(backup)).exit_code == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from registry.store.database import open_registry; r = open_registry(sys.argv[1]);"
            " r.conn.execute('SELECT count(*) FROM assets').fetchone(); print('open', flush=True); time.sleep(60)",
            str(example_registry),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"open"
        before = snapshot(example_registry)
        with pytest.raises(Busy, match="open in another program"):
            restore_backup(backup, example_registry)
        result = commons(example_registry, "restore-backup", str(backup), "--yes")
        assert result.exit_code == 1 and "close it and retry" in result.output, result.output
    finally:
        holder.kill()
        holder.wait()
    assert snapshot(example_registry) == before
    assert not list(example_registry.parent.glob("*.before-restore-*")) and not list(example_registry.parent.glob(".*partial"))


def test_restore_brings_an_older_backup_up_to_the_current_schema(tmp_path: Path, db_path: Path) -> None:
    old = tmp_path / "old-backup.db"
    db = sqlite_utils.Database(old)
    schema.migrations.apply(db, stop_before="m002_freshness_timeline_hours")
    db["assets"].insert({"id": "ex-asilo", "name": "Ex Asilo Filangieri", "kind": "building", "status": "recognised"})  # type: ignore[union-attr]
    db.conn.close()
    restored = restore_backup(old, db_path)
    assert restored.records == 1 and restored.kept is not None
    reg = open_registry(db_path)
    try:
        assert reg.conn.execute("SELECT name, last_verified FROM assets").fetchall() == [("Ex Asilo Filangieri", None)]
    finally:
        reg.close()
    record("restores")


def test_a_restore_into_a_new_place_needs_no_old_registry(example_registry: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    reg = open_registry(example_registry)
    try:
        backup_registry(reg, backup)
    finally:
        reg.close()
    fresh = tmp_path / "elsewhere" / "registry.db"
    fresh.parent.mkdir()
    restored = restore_backup(backup, fresh)
    assert restored.kept is None and restored.records > 50
    assert json.loads(commons(fresh, "list", "assets", "--json").output)
    record("restores")
