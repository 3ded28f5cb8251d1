"""`commons check` catches damage done behind the store's back: raw SQL, foreign keys off, broken pages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability import record

from registry.cli import cli

# Each corruption is SQL run with foreign keys off, as a careless script or a DB browser would,
# and words `commons check` must say about it.
CORRUPTIONS = {
    "unknown-vocabulary-value": ("UPDATE assets SET status = 'abandoned' WHERE id = 'nap-asilo'", "asset 'nap-asilo': field 'status'"),
    "unknown-kind-of-actor": ("UPDATE actors SET kind = 'corporation' WHERE id = (SELECT min(id) FROM actors)", "field 'kind'"),
    "impossible-date": (
        "UPDATE agreements SET expires_on = '2020-02-30' WHERE id = (SELECT min(id) FROM agreements)",
        "field 'expires_on'",
    ),
    "latitude-out-of-range": ("UPDATE assets SET lat = 123.4 WHERE id = 'nap-asilo'", "field 'lat'"),
    "control-characters": ("UPDATE assets SET name = 'Asilo' || char(7) WHERE id = 'nap-asilo'", "control characters"),
    "javascript-url": ("UPDATE assets SET website = 'javascript:alert(1)' WHERE id = 'nap-asilo'", "field 'website'"),
    "empty-required-field": ("UPDATE assets SET name = NULL WHERE id = 'nap-asilo'", "field 'name'"),
    "dangling-citation": (
        "INSERT INTO citations (source_id, record_kind, record_id) VALUES ((SELECT min(id) FROM sources), 'assets', 'ghost-asset')",
        "a citation points at a missing assets record 'ghost-asset'",
    ),
    "broken-foreign-key": (
        "UPDATE agreements SET asset_id = 'demolished' WHERE id = (SELECT min(id) FROM agreements WHERE asset_id IS NOT NULL)",
        "points at a missing row of assets",
    ),
    "link-to-a-missing-actor": (
        "INSERT INTO agreement_parties (agreement_id, actor_id, role) VALUES ((SELECT min(id) FROM agreements), 'no-such-actor', 'partner')",
        "points at a missing row of actors",
    ),
    "unknown-link-role": (
        "UPDATE agreement_parties SET role = 'overlord' WHERE rowid = (SELECT min(rowid) FROM agreement_parties)",
        "unknown role 'overlord'",
    ),
}


def check(db: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), "check"])
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit))
    return result.exit_code, result.output


def test_an_untouched_registry_passes(example_registry: Path) -> None:
    code, output = check(example_registry)
    assert code == 0, output


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_check_fails_on_damage_done_behind_the_stores_back(example_registry: Path, name: str) -> None:
    sql, words = CORRUPTIONS[name]
    conn = sqlite3.connect(example_registry)
    conn.execute("PRAGMA foreign_keys = OFF")
    assert conn.execute(sql).rowcount == 1, f"the corruption {name!r} matched no row"
    conn.commit()
    conn.close()
    code, output = check(example_registry)
    assert code == 1, output
    assert words in output, output
    assert "problem(s) found" in output
    record("corruptions_detected")


def test_check_fails_on_corrupted_pages(example_registry: Path) -> None:
    conn = sqlite3.connect(example_registry)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'assets'").fetchone()[0]
    conn.close()
    data = bytearray(example_registry.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + page_size] = bytes(range(256)) * ((page_size - 8) // 256) + bytes((page_size - 8) % 256)
    example_registry.write_bytes(bytes(data))
    code, output = check(example_registry)
    assert code == 1, output
    assert any(words in output for words in ("SQLite integrity", "damaged", "malformed")), output
    record("corruptions_detected")
