"""The contributions file: what the public sent, kept apart from the registry until staff review it.

It is its own SQLite file so that the intake service, which faces the
internet, never holds the registry open for writing, and so that contributors'
contact details never enter the registry, its dumps or its public copy.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.model.contributions import Contribution, parse_contribution
from registry.model.errors import Conflict, NotFound, RegistryError
from registry.store.database import BUSY_TIMEOUT_SECONDS, now_utc

SCHEMA_VERSION = 1
STATUSES = ("pending", "accepted", "rejected")
CHANNELS = ("file", "intake")

SCHEMA = """
CREATE TABLE IF NOT EXISTS contributions (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    action TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT,
    content TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    reviewed_by TEXT,
    reviewed_at TEXT,
    reason TEXT,
    result_kind TEXT,
    result_id TEXT
);
CREATE INDEX IF NOT EXISTS contributions_status ON contributions (status, id);
"""


@dataclass
class ContributionStore:
    """An open contributions file; `lock` lets one connection serve the intake's threads in turn."""

    path: Path
    conn: sqlite3.Connection
    lock: threading.Lock

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True)
class Received:
    """A stored contribution: what was sent, when, by which channel, and what staff decided."""

    number: int
    received_at: str
    channel: str
    status: str
    contribution: Contribution
    reviewed_by: str | None = None
    reviewed_at: str | None = None
    reason: str | None = None
    result_kind: str | None = None
    result_id: str | None = None


def default_contributions_path(registry_path: Path) -> Path:
    """Where a registry's contributions are kept unless told: beside it, named after it."""
    return registry_path.with_name(f"{registry_path.stem}.contributions.db")


def open_contributions(path: str | Path, *, registry_path: Path | None = None) -> ContributionStore:
    """Open the contributions file, creating it when new; refuse a registry given by mistake."""
    path = Path(path)
    if registry_path is not None and path.exists() and registry_path.exists() and path.resolve() == registry_path.resolve():
        raise RegistryError(f"{path} is the registry itself; contributions are kept in a file of their own (--contributions)")
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "changes" in tables or ("contributions" not in tables and tables):
            conn.close()
            raise RegistryError(
                f"{path} is not a contributions file (it holds other tables); give the contributions file with --contributions"
            )
        # Forgetting a contributor's details must not leave them in free pages of the file.
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            conn.close()
            raise RegistryError(f"{path} was written by a newer version of commons; upgrade to read it")
        conn.executescript(SCHEMA)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except sqlite3.DatabaseError as exc:
        raise RegistryError(f"{path} cannot be opened as a contributions file: {exc}") from None
    return ContributionStore(path, conn, threading.Lock())


def _digest(contribution: Contribution) -> str:
    canonical = json.dumps(contribution.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@contextmanager
def _writing(store: ContributionStore) -> Iterator[sqlite3.Connection]:
    with store.lock:
        store.conn.execute("BEGIN IMMEDIATE")
        try:
            yield store.conn
        except BaseException:
            if store.conn.in_transaction:
                store.conn.execute("ROLLBACK")
            raise
        store.conn.execute("COMMIT")


def store_contribution(store: ContributionStore, contribution: Contribution, channel: str) -> tuple[int, bool]:
    """Keep a checked contribution; the same one sent twice is kept once. Returns its number and whether it is new."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    digest = _digest(contribution)
    with _writing(store) as conn:
        found = conn.execute("SELECT id FROM contributions WHERE digest = ?", [digest]).fetchone()
        if found:
            return int(found[0]), False
        cursor = conn.execute(
            "INSERT INTO contributions (received_at, channel, digest, action, kind, record_id, content) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                now_utc(),
                channel,
                digest,
                contribution.action,
                contribution.kind,
                contribution.record_id,
                json.dumps(contribution.to_json(), ensure_ascii=False, sort_keys=True),
            ],
        )
        return int(cursor.lastrowid or 0), True


COLUMNS = "id, received_at, channel, status, content, reviewed_by, reviewed_at, reason, result_kind, result_id"


def _received(row: tuple[Any, ...]) -> Received:
    number, received_at, channel, status, content, reviewed_by, reviewed_at, reason, result_kind, result_id = row
    return Received(
        number,
        received_at,
        channel,
        status,
        parse_contribution(json.loads(content)),
        reviewed_by,
        reviewed_at,
        reason,
        result_kind,
        result_id,
    )


def list_contributions(store: ContributionStore, status: str | None = None) -> list[Received]:
    """Contributions in the order they came, all or those of one status."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    sql = f"SELECT {COLUMNS} FROM contributions" + (" WHERE status = ?" if status else "") + " ORDER BY id"
    with store.lock:
        rows = store.conn.execute(sql, [status] if status else []).fetchall()
    return [_received(row) for row in rows]


def get_contribution(store: ContributionStore, number: int) -> Received:
    """One contribution by its number, or NotFound saying how to list them."""
    with store.lock:
        row = store.conn.execute(f"SELECT {COLUMNS} FROM contributions WHERE id = ?", [number]).fetchone()
    if row is None:
        raise NotFound(f"there is no contribution {number}; `commons contributions list` shows them")
    return _received(row)


def record_review(
    store: ContributionStore, number: int, status: str, by: str, *, reason: str | None = None, result: tuple[str, str] | None = None
) -> Received:
    """Mark a pending contribution accepted or rejected, by whom and why; a decided one stays as decided."""
    if status not in ("accepted", "rejected"):
        raise ValueError("a review accepts or rejects")
    with _writing(store) as conn:
        row = conn.execute("SELECT status FROM contributions WHERE id = ?", [number]).fetchone()
        if row is None:
            raise NotFound(f"there is no contribution {number}; `commons contributions list` shows them")
        if row[0] != "pending":
            raise Conflict(f"contribution {number} was already {row[0]}; `commons contributions show {number}` says by whom")
        conn.execute(
            "UPDATE contributions SET status = ?, reviewed_by = ?, reviewed_at = ?, reason = ?, result_kind = ?, result_id = ? WHERE id = ?",
            [status, by, now_utc(), reason, *(result or (None, None)), number],
        )
    return get_contribution(store, number)


def forget_contributor(store: ContributionStore, number: int) -> Received:
    """Erase a contributor's name, e-mail and note (and organisation, unless the record credits it), as they may ask."""
    with _writing(store) as conn:
        row = conn.execute("SELECT content FROM contributions WHERE id = ?", [number]).fetchone()
        if row is None:
            raise NotFound(f"there is no contribution {number}; `commons contributions list` shows them")
        content = json.loads(row[0])
        who = content.get("contributor") or {}
        credited = who.get("credit") == "organisation"
        content["contributor"] = {**who, "name": "", "email": "", "organisation": who.get("organisation", "") if credited else ""}
        content["note"] = ""
        conn.execute("UPDATE contributions SET content = ? WHERE id = ?", [json.dumps(content, ensure_ascii=False, sort_keys=True), number])
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return get_contribution(store, number)
