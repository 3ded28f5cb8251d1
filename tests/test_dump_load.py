"""A team reviews the registry as text: `commons dump` writes it as sorted files, `commons load` builds it back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_validation import snapshot

from registry.cli import cli
from registry.operations.examples import example_data


def commons(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def registry_content(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """The rows of every table staff fill or the log fills, sorted: what a registry holds, whatever its file's pages.

    Listed from the file itself, not from the code under test, so a table the dump forgot would show here.
    SQLite's own tables, the migrations' and the full-text indexes (rebuilt by triggers) are left out.
    """
    conn = sqlite3.connect(db)
    try:
        names = [
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if not row[0].startswith(("sqlite_", "_sqlite_")) and "_fts" not in row[0]
        ]
        return {name: sorted(conn.execute(f"SELECT * FROM [{name}]").fetchall(), key=repr) for name in names}
    finally:
        conn.close()


@pytest.fixture
def dumped(example_registry: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "dump"
    result = commons(example_registry, "dump", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def test_dump_writes_one_sorted_json_file_per_record_and_sorted_table_lines(dumped: Path) -> None:
    text = (dumped / "assets" / "nap-asilo.json").read_text(encoding="utf-8")
    record = json.loads(text)
    assert record["id"] == "nap-asilo" and record["translations"]["it"]["name"]
    assert text == json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert (dumped / "cases").is_dir() and (dumped / "agreements").is_dir() and (dumped / "actors").is_dir()
    for table, key in [
        ("agreement_parties", ("agreement_id", "actor_id")),
        ("citations", ("source_id", "record_kind", "record_id")),
        ("sources", ("id",)),
        ("asset_events", ("id",)),
        ("changes", ("id",)),
    ]:
        lines = (dumped / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        assert rows and [tuple(r[k] for k in key) for r in rows] == sorted(tuple(r[k] for k in key) for r in rows), table
    first_change = json.loads((dumped / "changes.jsonl").read_text(encoding="utf-8").split("\n")[0])
    assert isinstance(first_change["after"], dict), "a logged state reads as JSON in a diff, not as escaped text"


def test_the_dump_holds_private_fields(example_registry: Path, tmp_path: Path) -> None:
    assert (
        commons(example_registry, "edit", "actors", "act-la-balena", "--set", "internal_notes=Call Maria before the assembly").exit_code
        == 0
    )
    assert commons(example_registry, "dump", str(tmp_path / "dump")).exit_code == 0
    record = json.loads((tmp_path / "dump" / "actors" / "act-la-balena.json").read_text(encoding="utf-8"))
    assert record["internal_notes"] == "Call Maria before the assembly"


def test_dumping_twice_gives_identical_bytes(example_registry: Path, dumped: Path, tmp_path: Path) -> None:
    first = files_of(dumped)
    again = commons(example_registry, "dump", str(dumped))
    assert again.exit_code == 0 and "0 files written" in again.output
    assert files_of(dumped) == first
    assert commons(example_registry, "dump", str(tmp_path / "elsewhere")).exit_code == 0
    assert files_of(tmp_path / "elsewhere") == first


def test_one_edit_changes_only_that_records_file_and_the_change_log(example_registry: Path, dumped: Path) -> None:
    before = files_of(dumped)
    assert commons(example_registry, "edit", "assets", "nap-asilo", "--set", "opening_hours=Mo-Fr 10:00-20:00").exit_code == 0
    assert commons(example_registry, "dump", str(dumped)).exit_code == 0
    after = files_of(dumped)
    assert sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path)) == [
        "assets/nap-asilo.json",
        "changes.jsonl",
    ]
    old_log, new_log = before["changes.jsonl"].decode(), after["changes.jsonl"].decode()
    assert new_log.startswith(old_log) and new_log[len(old_log) :].count("\n") == 1


def test_a_removed_record_loses_its_file(example_registry: Path, dumped: Path) -> None:
    assert (
        commons(example_registry, "add", "actors", "--set", "id=act-new", "--set", "name=New group", "--set", "kind=association").exit_code
        == 0
    )
    assert commons(example_registry, "dump", str(dumped)).exit_code == 0
    assert (dumped / "actors" / "act-new.json").is_file()
    assert commons(example_registry, "remove", "actors", "act-new", "--yes").exit_code == 0
    result = commons(example_registry, "dump", str(dumped))
    assert result.exit_code == 0 and "1 removed" in result.output
    assert not (dumped / "actors" / "act-new.json").exists()


def test_dump_refuses_a_folder_holding_files_it_did_not_write_naming_them(example_registry: Path, dumped: Path) -> None:
    (dumped / "notes.txt").write_text("minutes of the assembly", encoding="utf-8")
    (dumped / "assets" / "photo.jpg").write_bytes(b"\xff\xd8")
    (dumped / ".git").mkdir()
    (dumped / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    before = files_of(dumped)
    assert commons(example_registry, "edit", "assets", "nap-asilo", "--set", "city=Naples").exit_code == 0
    result = commons(example_registry, "dump", str(dumped))
    assert result.exit_code == 1
    assert "notes.txt" in result.output and "assets/photo.jpg" in result.output and ".git" not in result.output.split("(")[0]
    assert files_of(dumped) == before


def test_dump_lives_beside_a_git_repository_s_hidden_files(example_registry: Path, tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    (folder / ".github" / "workflows").mkdir(parents=True)
    (folder / ".github" / "workflows" / "site.yml").write_text("on: push\n", encoding="utf-8")
    result = commons(example_registry, "dump", str(folder))
    assert result.exit_code == 0, result.output
    assert (folder / ".github" / "workflows" / "site.yml").read_text(encoding="utf-8") == "on: push\n"


def test_load_builds_the_same_records_links_and_history(example_registry: Path, dumped: Path, tmp_path: Path) -> None:
    new = tmp_path / "loaded.db"
    result = commons(new, "load", str(dumped))
    assert result.exit_code == 0, result.output
    assert f"Loaded {102 + len(example_data()['assessments'])} records" in result.output
    assert registry_content(new) == registry_content(example_registry)
    assert commons(new, "log", "assets", "nap-asilo").output == commons(example_registry, "log", "assets", "nap-asilo").output
    assert commons(new, "search", "Asilo").output == commons(example_registry, "search", "Asilo").output
    assert commons(new, "check").exit_code == 0
    again = tmp_path / "again"
    assert commons(new, "dump", str(again)).exit_code == 0
    assert files_of(again) == files_of(dumped)


def test_load_never_overwrites_a_registry_unless_asked_and_then_keeps_it(example_registry: Path, dumped: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    assert commons(other, "init").exit_code == 0
    original, original_rows = other.read_bytes(), snapshot(other)
    refused = commons(other, "load", str(dumped))
    assert refused.exit_code == 1 and "--replace" in refused.output
    assert other.read_bytes() == original
    replaced = commons(other, "load", str(dumped), "--replace")
    assert replaced.exit_code == 0, replaced.output
    kept = sorted(tmp_path.glob("other.before-load-*.db"))
    assert len(kept) == 1 and snapshot(kept[0]) == original_rows and str(kept[0]) in replaced.output
    assert registry_content(other) == registry_content(example_registry)


def _edit_json(path: Path, **changes: object) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    record.update(changes)
    path.write_text(json.dumps(record), encoding="utf-8")


def _append_line(path: Path, row: dict[str, object]) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, json.dumps(row)]) + "\n", encoding="utf-8")
    return len(lines) + 1


def _bad_status(folder: Path) -> list[str]:
    _edit_json(folder / "assets" / "nap-asilo.json", status="bogus")
    return ["assets/nap-asilo.json", "'nap-asilo'", "field 'status'", "'bogus' is not allowed"]


def _unknown_field(folder: Path) -> list[str]:
    _edit_json(folder / "actors" / "act-la-balena.json", colour="red")
    return ["actors/act-la-balena.json", "'act-la-balena'", "unknown field 'colour'"]


def _missing_asset(folder: Path) -> list[str]:
    path = next((folder / "agreements").glob("*.json"))
    _edit_json(path, asset_id="no-such-asset")
    return [f"agreements/{path.name}", repr(path.stem), "field 'asset_id'", "no-such-asset"]


def _bad_role(folder: Path) -> list[str]:
    line = _append_line(folder / "agreement_parties.jsonl", {"agreement_id": "x", "actor_id": "y", "role": "boss"})
    return [f"agreement_parties.jsonl line {line}", "field 'role'", "'boss' is not allowed"]


def _dangling_link(folder: Path) -> list[str]:
    line = _append_line(folder / "case_study_assets.jsonl", {"case_study_id": "no-such-case", "asset_id": "nap-asilo"})
    return [f"case_study_assets.jsonl line {line}", "field 'case_study_id'", "no-such-case"]


def _citation_of_nothing(folder: Path) -> list[str]:
    line = _append_line(folder / "citations.jsonl", {"source_id": 1, "record_kind": "assets", "record_id": "nowhere"})
    return [f"citations.jsonl line {line}", "field 'record_id'", "nowhere"]


def _broken_json(folder: Path) -> list[str]:
    (folder / "cases" / "broken.json").write_text('{"id": "broken", "title": ', encoding="utf-8")
    return ["cases/broken.json", "not valid JSON"]


def _renamed_file(folder: Path) -> list[str]:
    (folder / "assets" / "nap-asilo.json").rename(folder / "assets" / "nap-asilo-2.json")
    return ["assets/nap-asilo-2.json", "field 'id' must be the file's name"]


def _foreign_file(folder: Path) -> list[str]:
    (folder / "minutes.txt").write_text("not part of a dump", encoding="utf-8")
    return ["minutes.txt"]


def _duplicate_change(folder: Path) -> list[str]:
    first = (folder / "changes.jsonl").read_text(encoding="utf-8").split("\n")[0]
    line = _append_line(folder / "changes.jsonl", json.loads(first))
    return [f"changes.jsonl line {line}", "same key"]


@pytest.mark.parametrize(
    "spoil",
    [
        _bad_status,
        _unknown_field,
        _missing_asset,
        _bad_role,
        _dangling_link,
        _citation_of_nothing,
        _broken_json,
        _renamed_file,
        _foreign_file,
        _duplicate_change,
    ],
)
def test_load_refuses_a_bad_file_naming_it_and_writes_nothing(dumped: Path, tmp_path: Path, spoil: object) -> None:
    expected = spoil(dumped)  # type: ignore[operator]
    new = tmp_path / "new.db"
    result = commons(new, "load", str(dumped))
    assert result.exit_code == 1
    for words in expected:
        assert words in result.output, result.output
    assert not new.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["dump", "registry.db"]


def test_a_refused_replace_leaves_the_registry_as_it_was(example_registry: Path, dumped: Path) -> None:
    _bad_status(dumped)
    before = snapshot(example_registry)
    result = commons(example_registry, "load", str(dumped), "--replace")
    assert result.exit_code == 1 and "field 'status'" in result.output
    assert snapshot(example_registry) == before
    assert not list(example_registry.parent.glob("*.before-load-*"))


def test_load_refuses_a_folder_that_is_not_a_dump(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    result = commons(tmp_path / "new.db", "load", str(tmp_path / "photos"))
    assert result.exit_code == 1 and "not a commons dump" in result.output
    assert not (tmp_path / "new.db").exists()


def test_load_refuses_a_dump_from_a_newer_commons(dumped: Path, tmp_path: Path) -> None:
    manifest = json.loads((dumped / "commons-dump.json").read_text(encoding="utf-8"))
    manifest["migrations"].append("m999_from_the_future")
    (dumped / "commons-dump.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = commons(tmp_path / "new.db", "load", str(dumped))
    assert result.exit_code == 1 and "m999_from_the_future" in result.output and "newer" in result.output


@pytest.mark.parametrize("command", ["dump", "load"])
def test_help_warns_that_the_dump_holds_private_fields(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "Examples:" in result.output
    if command == "dump":
        assert "PRIVATE" in result.output and "private repository" in result.output
