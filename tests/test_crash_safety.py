"""Crash safety: a registry killed mid-write, out of disk or read-only is left whole and says why.

Real `commons` processes are SIGKILLed at seeded random moments while they
import 2,000 rows or edit records one after another. Afterwards every change is
either wholly there or wholly absent: row counts match the change log, every
row equals the log's last `after` for it, and `commons check` is clean.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from reliability import record, scaled
from test_validation import snapshot

from registry.cli import cli
from registry.model.kinds import KINDS, LINKS
from registry.operations.links import link_records
from registry.operations.records import add_record
from registry.store import database as store
from registry.store.database import create_registry

IMPORT_ROWS = 2_000
SEED = 20_240_601
COMMONS = str(Path(sys.executable).with_name("commons"))
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


# --- What "whole" means -----------------------------------------------------------------------------


def present(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


def log_keys(table: str, row: dict[str, Any]) -> str:
    """The record_id the change log uses for a row of this table."""
    for spec in LINKS:
        if spec.table == table:
            return f"{row[spec.left_column]}/{row[spec.right_column]}"
    if table == "citations":
        return f"{row['source_id']}/{row['record_kind']}/{row['record_id']}"
    return str(row["id"])


LOGGED_TABLES = [k.table for k in KINDS.values()] + [s.table for s in LINKS] + ["asset_events", "citations", "sources"]


def assert_whole(db: Path) -> dict[str, int]:
    """Every row matches the newest log entry for it, every logged row exists, and `commons check` passes."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    counts = {}
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        latest: dict[tuple[str, str], tuple[str, Any]] = {}
        for entry in conn.execute("SELECT table_name, record_id, action, after FROM changes ORDER BY id"):
            latest[(entry["table_name"], entry["record_id"])] = (entry["action"], json.loads(entry["after"]) if entry["after"] else None)
        for table in LOGGED_TABLES:
            rows = {log_keys(table, dict(r)): dict(r) for r in conn.execute(f"SELECT * FROM [{table}]")}
            counts[table] = len(rows)
            for key, row in rows.items():
                assert (table, key) in latest, f"{table} row {key} has no entry in the change log"
                action, after = latest[(table, key)]
                assert action != "delete", f"{table} row {key} exists but the log says it was deleted"
                assert present(after) == present(row), f"{table} row {key} differs from the log's last after"
            for (logged_table, key), (action, _) in latest.items():
                if logged_table == table and action != "delete":
                    assert key in rows, f"the log says {table} row {key} exists, but it does not"
    finally:
        conn.close()
    result = CliRunner().invoke(cli, ["--db", str(db), "check"])
    assert result.exit_code == 0, result.output
    return counts


def write_lock_held(db: Path) -> bool:
    """Whether another process is inside a write transaction right now."""
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def kill(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the process if it still runs; whether it did."""
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return running


# --- A 2,000-row import killed -------------------------------------------------------------------


@pytest.fixture(scope="module")
def import_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("crash")
    base = folder / "base.db"
    reg = create_registry(base, by="tester")
    add_record(reg, "assets", {"id": "ex-asilo", "name": "Ex Asilo Filangieri", "kind": "building", "status": "recognised"})
    add_record(reg, "cases", {"id": "case-1", "title": "Naples commons"})
    link_records(reg, "cases", "case-1", "assets", "ex-asilo")
    reg.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    reg.close()
    rows = folder / "inventory.csv"
    with rows.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name", "kind", "status", "since", "lat", "lon", "description"])
        for n in range(IMPORT_ROWS):
            writer.writerow(
                [
                    f"site-{n}",
                    f"Site {n} {'ABCDEFGHIJ'[n % 10]}",
                    "building",
                    "mapped",
                    "2012",
                    f"{38 + n * 0.003:.4f}",
                    f"{9 + (n % 40) * 0.05:.4f}",
                    "An unused municipal building. " * 8,
                ]
            )
    return base, rows


def start_import(db: Path, rows: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [COMMONS, "--db", str(db), "--by", "importer", "import", "assets", str(rows)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def test_an_import_killed_at_random_moments_lands_wholly_or_not_at_all(import_setup: tuple[Path, Path], tmp_path: Path) -> None:
    base, rows = import_setup
    before = assert_whole(base)["assets"]

    calibration = tmp_path / "calibration.db"
    shutil.copyfile(base, calibration)
    started = time.monotonic()
    assert start_import(calibration, rows).wait(timeout=120) == 0
    duration = time.monotonic() - started
    assert assert_whole(calibration)["assets"] == before + IMPORT_ROWS

    rng = random.Random(SEED)
    outcomes = []
    for run in range(scaled(8, 56)):
        db = tmp_path / f"run-{run}.db"
        shutil.copyfile(base, db)
        proc = start_import(db, rows)
        if run % 2:
            # Wait until the import holds the write lock, then kill it a random moment later.
            deadline = time.monotonic() + duration * 3
            while proc.poll() is None and not write_lock_held(db) and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.25))
        else:
            time.sleep(rng.uniform(0.3, 1.05) * duration)
        in_write = write_lock_held(db)
        was_running = kill(proc)
        assets = assert_whole(db)["assets"]
        assert assets in (before, before + IMPORT_ROWS), f"run {run}: {assets} assets, neither before nor after"
        outcomes.append((was_running, in_write, assets == before + IMPORT_ROWS))
        record("kills")
        record("kills_mid_write", int(was_running))
        record("kills_in_txn", int(was_running and in_write))
        record("kill_imports", 1)
        record("kill_imports_landed", int(assets == before + IMPORT_ROWS))
    assert any(running for running, _, _ in outcomes), "no kill landed while the import ran"
    assert any(in_write for _, in_write, _ in outcomes), "no kill landed inside the import's write transaction"


# --- A series of edits killed -------------------------------------------------------------------

EDITOR = r"""
import sys
from registry.cli import cli

db = sys.argv[1]
def run(*args):
    cli.main(["--db", db, "--by", "editor", *args], standalone_mode=False)

i = 0
while True:
    i += 1
    run("edit", "assets", f"asset-{i % 4}", "--set", f"name=Asset renamed {i}", "--set", f"description={'words ' * (i % 50)}")
    if i % 3 == 0:
        run("add", "cases", "--set", f"id=case-{i}", "--set", f"title=Case {i}")
        run("link", "cases", f"case-{i}", "assets", f"asset-{i % 4}")
        run("cite", "cases", f"case-{i}", "--url", f"https://example.org/case/{i}", "--title", f"Report {i}")
    if i % 3 == 0 and i > 6:
        run("remove", "cases", f"case-{i - 6}", "--yes")
    if i % 9 == 0 and i > 6:
        run("restore", "cases", f"case-{i - 6}")
        run("remove", "cases", f"case-{i - 6}", "--yes")
"""


def test_edits_killed_at_random_moments_leave_every_change_whole(tmp_path: Path) -> None:
    base = tmp_path / "base.db"
    reg = create_registry(base, by="tester")
    for n in range(4):
        add_record(reg, "assets", {"id": f"asset-{n}", "name": f"Asset {n}", "kind": "garden", "status": "occupied"})
    reg.close()
    rng = random.Random(SEED + 1)
    for run in range(scaled(6, 50)):
        db = tmp_path / f"edits-{run}.db"
        shutil.copyfile(base, db)
        for suffix in ("-wal", "-shm"):
            if Path(f"{base}{suffix}").exists():
                shutil.copyfile(f"{base}{suffix}", f"{db}{suffix}")
        proc = subprocess.Popen([sys.executable, "-c", EDITOR, str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.6, 2.0))
        was_running = kill(proc)
        assert was_running, f"the editor stopped by itself: {proc.stderr.read().decode() if proc.stderr else ''}"
        counts = assert_whole(db)
        changes = sqlite3.connect(db).execute("SELECT count(*) FROM changes WHERE changed_by = 'editor'").fetchone()[0]
        assert changes > 0, "the editor had written nothing before it was killed"
        assert counts["assets"] == 4
        record("kills")
        record("kills_mid_write")


# --- Disk full -----------------------------------------------------------------------------------


@pytest.fixture
def small_registry(tmp_path: Path, import_setup: tuple[Path, Path]) -> Path:
    db = tmp_path / "registry.db"
    shutil.copyfile(import_setup[0], db)
    return db


def _capped_connect(extra_pages: int) -> Any:
    """store._connect, but the file may not grow more than a few pages: SQLite's own 'disk full'."""
    original = store._connect

    def connect(path: Path, timeout: float) -> sqlite3.Connection:
        conn = original(path, timeout)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + extra_pages}")
        return conn

    return connect


def test_an_import_into_a_full_disk_fails_clearly_and_changes_nothing(
    small_registry: Path, import_setup: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(small_registry)
    monkeypatch.setattr(store, "_connect", _capped_connect(extra_pages=4))
    result = CliRunner().invoke(cli, ["--db", str(small_registry), "import", "assets", str(import_setup[1])])
    assert result.exit_code == 1, result.output
    assert "full" in result.output and "free some disk space" in result.output, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    monkeypatch.undo()
    assert snapshot(small_registry) == before
    assert_whole(small_registry)
    record("fault_scenarios")


def test_an_edit_on_a_full_disk_fails_clearly_and_changes_nothing(small_registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(small_registry)
    monkeypatch.setattr(store, "_connect", _capped_connect(extra_pages=0))
    result = CliRunner().invoke(
        cli, ["--db", str(small_registry), "edit", "assets", "ex-asilo", "--set", "description=" + "A long story. " * 1400]
    )
    assert result.exit_code == 1, result.output
    assert "free some disk space" in result.output and "Traceback" not in result.output, result.output
    monkeypatch.undo()
    assert snapshot(small_registry) == before
    assert_whole(small_registry)
    record("fault_scenarios")


@pytest.fixture
def tiny_filesystem(small_registry: Path) -> Iterator[Path]:
    """A tmpfs just larger than the registry; skipped where the container may not mount."""
    mount_point = Path(tempfile.mkdtemp(prefix="commons-tmpfs-"))
    size_kib = (small_registry.stat().st_size // 1024) + 32 + 96  # the registry, its -shm, a little room
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if done.returncode != 0:
        mount_point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'mount refused'}); the max_page_count variant covers disk full")
    try:
        yield mount_point
    finally:
        gc.collect()  # the CLI's connections close when collected; a lazy unmount covers any straggler
        if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=False)
        mount_point.rmdir()


def test_an_import_on_a_filesystem_that_fills_up_fails_clearly(
    tiny_filesystem: Path, small_registry: Path, import_setup: tuple[Path, Path]
) -> None:
    db = tiny_filesystem / "registry.db"
    shutil.copyfile(small_registry, db)
    before = snapshot(db)
    result = CliRunner().invoke(cli, ["--db", str(db), "import", "assets", str(import_setup[1])])
    assert result.exit_code == 1, result.output
    assert "free some disk space" in result.output, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert snapshot(db) == before
    assert_whole(db)
    record("fault_scenarios")


# --- Read-only ------------------------------------------------------------------------------------


def nobody_can_run_the_cli() -> bool:
    """User nobody needs to reach this checkout's interpreter; a clone in a private temp folder denies it."""
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run([*NOBODY, sys.executable, "-c", "import registry"], capture_output=True, timeout=60)
    return probe.returncode == 0


@pytest.fixture
def read_only_registry(import_setup: tuple[Path, Path], request: pytest.FixtureRequest) -> Iterator[tuple[Path, list[str]]]:
    """A registry the CLI may only read, and the command prefix that runs the CLI against it.

    Where user nobody can run this checkout, the registry is root's and nobody runs
    the CLI (a read-only file, or a folder nobody may write). Otherwise — or for the
    read-only-filesystem variant — the registry sits on a tmpfs remounted read-only,
    which even root cannot write.
    """
    what = request.param
    folder = Path(tempfile.mkdtemp(prefix="commons-ro-"))
    mounted = False
    try:
        if what in ("file", "folder") and nobody_can_run_the_cli():
            shutil.copyfile(import_setup[0], folder / "registry.db")
            if what == "file":  # the folder is writable, so SQLite could keep its -wal and -shm
                folder.chmod(0o777)
                (folder / "registry.db").chmod(0o444)
            else:  # the file would be writable, but its folder is not: WAL mode cannot work
                folder.chmod(0o755)
            yield folder / "registry.db", [*NOBODY, COMMONS]
            return
        if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("needs either user nobody able to run this checkout, or permission to mount a tmpfs")
        mounted = True
        shutil.copyfile(import_setup[0], folder / "registry.db")
        remount = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, text=True)
        assert remount.returncode == 0, remount.stderr
        yield folder / "registry.db", [COMMONS]
    finally:
        if mounted:
            gc.collect()
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(folder)], check=False)
            folder.rmdir()
        else:
            shutil.rmtree(folder)


@pytest.mark.parametrize("read_only_registry", ["file", "folder", "filesystem"], indirect=True)
def test_writing_to_a_registry_you_may_only_read_fails_clearly(read_only_registry: tuple[Path, list[str]]) -> None:
    db, command = read_only_registry
    before = read_only_snapshot(db)
    for args in (
        ["edit", "assets", "ex-asilo", "--set", "name=Renamed"],
        ["add", "actors", "--set", "id=act-x", "--set", "name=X", "--set", "kind=ngo"],
    ):
        done = subprocess.run([*command, "--db", str(db), "--by", "nobody", *args], capture_output=True, text=True, timeout=60)
        output = done.stdout + done.stderr
        assert done.returncode == 1, output
        assert "read-only" in output, output
        assert "Traceback" not in output
        record("fault_scenarios")
    assert read_only_snapshot(db) == before


def read_only_snapshot(db: Path) -> list[str]:
    """Rows as SQL, read without creating -wal or -shm files beside the registry."""
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
