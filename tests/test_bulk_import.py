"""A large import: its rows indexed for search in one statement, its duplicates checked in a child process, with the same results as row by row."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import snapshot

import registry.formats.importing as importing
from registry.formats.importing import import_files
from registry.model.errors import ValidationError
from registry.operations.records import add_record
from registry.operations.search import search_records
from registry.store.database import open_registry

HEADER = "id,name,kind,status,country,lat,lon,description\n"
STORED = ("nap-lido", "Lido Pola", 40.7990, 14.1670)


def places(first: int, count: int) -> str:
    """Assets a kilometre and more apart with names nothing like each other's: no duplicates among them."""
    rows = []
    for n in range(first, first + count):
        lat, lon = 45.0 + (n // 100) * 0.01, 8.0 + (n % 100) * 0.02  # the plain of the Po: Italy throughout
        rows.append(
            f"place-{n},Site {n:05d} {'abcdefghij'[n % 10]}{n * 7919 % 100003},garden,recognised,IT,{lat:.5f},{lon:.5f},orchard number{n}\n"
        )
    return "".join(rows)


def write_files(folder: Path, count: int) -> list[Path]:
    """Two files of assets: the first with a near copy of a stored record, the second with a near copy of a row of the first."""
    folder.mkdir()
    first = folder / "first.csv"
    first.write_text(HEADER + places(0, count) + "lido-copy,Lido  Pola!,beach,recognised,IT,40.7995,14.1672,by the sea\n", encoding="utf-8")
    second = folder / "second.csv"
    second.write_text(
        HEADER + places(count, 50) + "place-7-copy,Site 00007 h55433,garden,recognised,IT,45.0001,8.1401,again\n", encoding="utf-8"
    )
    return [first, second]


def registry_with_one_place(path: Path) -> Path:
    reg = open_registry(path, by="tester")
    add_record(
        reg, "assets", {"id": STORED[0], "name": STORED[1], "kind": "beach", "status": "recognised", "lat": STORED[2], "lon": STORED[3]}
    )
    reg.close()
    return path


def import_warnings(db: Path, files: list[Path]) -> list[str]:
    reg = open_registry(db, by="tester")
    try:
        return [w for result in import_files(reg, files, "assets") for w in result.warnings]
    finally:
        reg.close()


def test_a_large_import_checks_duplicates_in_a_child_and_warns_as_an_import_in_one_process_does(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = write_files(tmp_path / "files", importing.DUPLICATES_BESIDE_FROM)
    registry_with_one_place(db_path)
    in_process = tmp_path / "in-process.db"
    shutil.copy(db_path, in_process)
    checked_by = tmp_path / "checked-by"
    real_check = importing._duplicate_warnings

    def recording_check(*args):  # runs where the check runs: in the child when it is beside
        checked_by.write_text(str(os.getpid()), encoding="utf-8")
        return real_check(*args)

    monkeypatch.setattr(importing, "_duplicate_warnings", recording_check)
    beside = import_warnings(db_path, files)
    assert int(checked_by.read_text(encoding="utf-8")) != os.getpid()
    monkeypatch.setattr(importing, "DUPLICATES_BESIDE_FROM", 10**9)
    alone = import_warnings(in_process, files)
    assert int(checked_by.read_text(encoding="utf-8")) == os.getpid()
    assert beside == alone
    assert [w.split(": ", 1)[1].split(" (")[0] for w in beside] == [
        "first.csv line 1002: asset 'lido-copy' may duplicate 'nap-lido'",
        "second.csv line 52: asset 'place-7-copy' may duplicate 'place-7'",
    ]
    rows = "SELECT * FROM assets ORDER BY id"
    assert sqlite3.connect(db_path).execute(rows).fetchall() == sqlite3.connect(in_process).execute(rows).fetchall()


def test_an_import_leaves_every_new_record_findable_and_the_schema_as_it_was(db_path: Path, tmp_path: Path) -> None:
    files = write_files(tmp_path / "files", 300)
    schema = sqlite3.connect(db_path).execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    import_warnings(db_path, files)
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall() == schema
    conn.execute("INSERT INTO assets_fts (assets_fts, rank) VALUES ('integrity-check', 1)")  # raises if index and rows differ
    conn.close()
    reg = open_registry(db_path, by="tester")
    assert [hit.id for hit in search_records(reg.conn, "number299", "assets")] == ["place-299"]
    assert [hit.id for hit in search_records(reg.conn, "number349", "assets")] == ["place-349"]
    reg.close()


def test_a_failed_import_leaves_the_search_index_and_its_trigger_as_they_were(db_path: Path, tmp_path: Path) -> None:
    files = write_files(tmp_path / "files", 300)
    files[1].write_text(files[1].read_text(encoding="utf-8") + "nap-lido,Taken id,garden,recognised,IT,45.5,8.5,taken\n", encoding="utf-8")
    registry_with_one_place(db_path)
    before = snapshot(db_path)
    with pytest.raises(ValidationError, match="'nap-lido' already exists"):
        import_warnings(db_path, files)
    assert snapshot(db_path) == before
    reg = open_registry(db_path, by="tester")
    add_record(
        reg, "assets", {"id": "nap-orto", "name": "Orto sociale", "kind": "garden", "status": "recognised", "description": "tomatoes"}
    )
    assert [hit.id for hit in search_records(reg.conn, "tomatoes", "assets")] == ["nap-orto"]
    assert search_records(reg.conn, "orchard", "assets") == []
    reg.close()


FOLDER_FILES = {
    "assets.csv": HEADER + places(0, 200),
    "actors.csv": "id,name,kind,city,country\n"
    + "".join(
        f"actor-{n},Cooperative {n},cooperative,Napoli,IT\n" for n in range(600)
    ),  # the largest file: checked here, the others in the child
    "agreements.csv": "id,title,kind,status,asset_id\n"
    + "".join(f"pact-{n},Pact {n},civic_use_declaration,active,place-{n}\n" for n in range(80)),
}


def write_folder(tmp_path: Path, appended: dict[str, str], *, countries_left_out: int = 0) -> Path:
    """FOLDER_FILES in a folder, rows appended to some, the country of the first few assets left out (to be filled in)."""
    folder = tmp_path / "folder"
    folder.mkdir()
    for name, text in FOLDER_FILES.items():
        text = text.replace(",IT,45.0", ",,45.0", countries_left_out)
        (folder / name).write_text(text + appended.get(name, ""), encoding="utf-8")
    return folder


def check_pids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_from: int) -> Path:
    """Where each share of the checking ran, one process id a line; the split forced on (0 bytes) or off."""
    import registry.formats.import_checks as checks

    ran_in = tmp_path / f"ran-in-{shared_from}"
    real_share = checks._read_and_check_share

    def recording_share(*args):
        with ran_in.open("a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        return real_share(*args)

    monkeypatch.setattr(checks, "_read_and_check_share", recording_share)
    monkeypatch.setattr(checks, "SHARED_FROM_BYTES", shared_from)
    return ran_in


def import_folder(db: Path, folder: Path) -> list[tuple[str, int, list[str], int]]:
    reg = open_registry(db, by="tester")
    try:
        return [(r.kind, r.added, r.warnings, r.countries_filled) for r in import_files(reg, [folder])]
    finally:
        reg.close()


def test_kinds_checked_in_two_processes_import_what_one_process_imports(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_folder(tmp_path, {"assets.csv": "far,Far away,garden,recognised,ES,45.5,8.5,x\n"}, countries_left_out=3)
    alone = tmp_path / "alone.db"
    shutil.copy(db_path, alone)
    ran_in = check_pids(tmp_path, monkeypatch, shared_from=0)
    shared = import_folder(db_path, folder)
    assert len(set(ran_in.read_text(encoding="utf-8").split())) == 2, "one share here, one in a child"
    check_pids(tmp_path, monkeypatch, shared_from=10**12)
    assert shared == import_folder(alone, folder)
    assert [(kind, added, countries) for kind, added, _, countries in shared] == [
        ("assets", 201, 3),
        ("actors", 600, 0),
        ("agreements", 80, 0),
    ]
    assert any("'far'" in warning and "falls in IT, not ES" in warning for warning in shared[0][2]), shared[0][2]
    for table in ("assets", "actors", "agreements"):
        rows = f"SELECT * FROM {table} ORDER BY id"
        assert sqlite3.connect(db_path).execute(rows).fetchall() == sqlite3.connect(alone).execute(rows).fetchall()


def test_kinds_checked_in_two_processes_name_every_problem_as_one_process_does(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_folder(
        tmp_path,
        {
            "actors.csv": "actor-3,Again,cooperative,Napoli,IT\nBad Id,X,cooperative,Napoli,IT\n",
            "assets.csv": "bad-lat,Somewhere,garden,recognised,IT,north,8.5,x\n",
        },
    )
    before = snapshot(db_path)
    problems = []
    for shared_from in (0, 10**12):
        check_pids(tmp_path, monkeypatch, shared_from)
        with pytest.raises(ValidationError) as refused:
            import_folder(db_path, folder)
        problems.append(refused.value.problems)
    assert problems[0] == problems[1]
    assert [p.split(": ")[0] for p in problems[0][:-1]] == ["assets.csv line 202", "actors.csv line 602", "actors.csv line 603"]
    assert "appears twice" in problems[0][1] and problems[0][-1].startswith("nothing was imported")
    assert snapshot(db_path) == before
    (folder / "cases.csv").write_text("", encoding="utf-8")  # a file with no header cannot be read
    check_pids(tmp_path, monkeypatch, shared_from=0)
    with pytest.raises(ValidationError) as unreadable:
        import_folder(db_path, folder)
    assert all(p.startswith("cases.csv") or p == "nothing was imported" for p in unreadable.value.problems), (
        "a file that cannot be read is named alone"
    )
