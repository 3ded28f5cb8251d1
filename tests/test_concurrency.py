"""Concurrency: several processes editing the same and different records lose nothing.

Writers run the real CLI commands in their own processes for a few seconds.
The only error a user may see is a clear "busy, retry" after the busy timeout;
every change that was reported done is in the change log, each log entry
starts from the state the previous one left, and the final rows are the log's
last `after`.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from reliability import record, scaled

from registry.cli import cli
from registry.model.errors import Busy
from registry.operations.records import add_record, update_record
from registry.store import database as store
from registry.store.database import create_registry, open_registry

WRITERS = scaled(4, 8)
SECONDS = float(scaled(4, 10))
SHARED = ["shared-a", "shared-b"]

WRITER = r"""
import json, random, sys, time, traceback
import click
from registry.cli import cli

db, me, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
rng = random.Random(me)
own = f"own-{me}"
done, busy, failed = [], [], []
deadline = time.monotonic() + seconds
i = 0
while time.monotonic() < deadline:
    i += 1
    target = rng.choice(["shared-a", "shared-b", own])
    value = f"writer {me} edit {i}"
    args = ["--db", db, "--by", f"writer-{me}", "edit", "assets", target, "--set", f"name={value}"]
    if i % 5 == 0:
        args = ["--db", db, "--by", f"writer-{me}", "add", "actors", "--set", f"id=actor-{me}-{i}", "--set", f"name=Actor {me} {i}", "--set", "kind=cooperative"]
        target, value = f"actor-{me}-{i}", f"Actor {me} {i}"
    try:
        cli.main(args, standalone_mode=False)
        done.append([args[5] if i % 5 else "actors", target, value])
    except click.ClickException as exc:
        (busy if "busy" in exc.format_message() and "retry" in exc.format_message() else failed).append(exc.format_message())
    except BaseException:
        failed.append(traceback.format_exc())
json.dump({"done": done, "busy": busy, "failed": failed}, open(out, "w"))
"""


@pytest.fixture
def contested(tmp_path: Path) -> Path:
    db = tmp_path / "registry.db"
    reg = create_registry(db, by="tester")
    for record_id in [*SHARED, *(f"own-{n}" for n in range(WRITERS))]:
        add_record(reg, "assets", {"id": record_id, "name": record_id, "kind": "square", "status": "mapped"})
    reg.close()
    return db


def test_writers_editing_the_same_and_different_records_lose_no_update(contested: Path, tmp_path: Path) -> None:
    outputs = [tmp_path / f"writer-{n}.json" for n in range(WRITERS)]
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(contested), str(n), str(SECONDS), str(outputs[n])], stderr=subprocess.PIPE)
        for n in range(WRITERS)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=SECONDS + 60)
        assert proc.returncode == 0, err.decode()
    results = [json.loads(path.read_text()) for path in outputs]
    failed = [message for r in results for message in r["failed"]]
    assert not failed, "errors other than 'busy, retry' reached a user:\n" + "\n".join(failed[:5])
    done = [tuple(item) for r in results for item in r["done"]]
    assert all(len(r["done"]) > 5 for r in results), "a writer barely got through: the test proves little"

    conn = sqlite3.connect(contested)
    conn.row_factory = sqlite3.Row
    try:
        log = [dict(row) for row in conn.execute("SELECT * FROM changes WHERE changed_by LIKE 'writer-%' ORDER BY id")]
        rows = {(table, r["id"]): dict(r) for table in ("assets", "actors") for r in conn.execute(f"SELECT * FROM [{table}]")}
    finally:
        conn.close()

    by_record: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in log:
        if entry["table_name"] in ("assets", "actors"):
            by_record.setdefault((entry["table_name"], entry["record_id"]), []).append(entry)
    logged_names = {(table, rid, json.loads(e["after"])["name"]) for (table, rid), entries in by_record.items() for e in entries}
    for table, record_id, value in done:
        assert (table, record_id, value) in logged_names, f"{table} {record_id} = {value!r} was reported done but is not in the log"

    for (table, record_id), entries in by_record.items():
        for previous, entry in zip(entries, entries[1:], strict=False):
            assert json.loads(entry["before"]) == json.loads(previous["after"]), f"{record_id}: an update started from a stale row"
        final = {k: v for k, v in rows[(table, record_id)].items() if v is not None}
        assert final == {k: v for k, v in json.loads(entries[-1]["after"]).items() if v is not None}, (
            f"{record_id}: row is not the log's last after"
        )

    shared_edits = sum(len(by_record.get(("assets", rid), [])) for rid in SHARED)
    assert shared_edits > WRITERS, "the shared records were hardly contested"
    busy = sum(len(r["busy"]) for r in results)
    record("writers", WRITERS)
    record("updates_checked", len(done))
    record("busy_clear", busy)
    assert CliRunner().invoke(cli, ["--db", str(contested), "check"]).exit_code == 0


def test_a_writer_held_up_past_the_timeout_is_told_busy_retry(contested: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = sqlite3.connect(contested, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        reg = open_registry(contested, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(Busy, match="busy with another change; retry"):
            update_record(reg, "assets", "shared-a", {"name": "Never written"})
        assert time.monotonic() - started >= 0.25, "gave up before the busy timeout"
        reg.close()

        original = store._connect
        monkeypatch.setattr(store, "_connect", lambda path, timeout: original(path, 0.3))
        before = sqlite3.connect(contested).execute("SELECT count(*) FROM changes").fetchone()[0]
        result = CliRunner().invoke(cli, ["--db", str(contested), "edit", "assets", "shared-a", "--set", "name=Never written"])
        assert result.exit_code == 1 and "busy" in result.output and "retry" in result.output, result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
        record("busy_clear", 2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert sqlite3.connect(contested).execute("SELECT count(*) FROM changes").fetchone()[0] == before


def test_a_writer_that_waits_less_than_the_timeout_gets_through(contested: Path) -> None:
    holder = sqlite3.connect(contested, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        reg = open_registry(contested, timeout=5)
        outcome = update_record(reg, "assets", "shared-b", {"name": "Written after the wait"})
        assert outcome.changed and outcome.record["name"] == "Written after the wait"
        reg.close()
    finally:
        release.join()
        holder.close()
