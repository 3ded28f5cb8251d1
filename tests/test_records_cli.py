"""Staff edit the registry from the CLI: each command's main path, through a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import cli


def run(runner: CliRunner, db: Path, *args: str, by: str = "tester", input: str | None = None):
    return runner.invoke(cli, ["--db", str(db), "--by", by, *args], input=input, catch_exceptions=False)


ASSET = [
    "--set",
    "id=villa-medusa",
    "--set",
    "name=Villa Medusa",
    "--set",
    "kind=building",
    "--set",
    "status=recognised",
    "--set",
    "since=2016-06-01",
    "--set",
    "city=Napoli",
    "--set",
    "country=IT",
    "--set",
    "lat=40.819",
    "--set",
    "lon=14.155",
]
ACTOR = [
    "--set",
    "id=comitato-medusa",
    "--set",
    "name=Comitato Villa Medusa",
    "--set",
    "kind=informal_collective",
    "--set",
    "city=Napoli",
    "--set",
    "country=IT",
]
AGREEMENT = [
    "--set",
    "id=medusa-civic-use",
    "--set",
    "title=Declaration of civic use of Villa Medusa",
    "--set",
    "kind=civic_use_declaration",
    "--set",
    "status=active",
    "--set",
    "asset_id=villa-medusa",
    "--set",
    "starts_on=2019-07-01",
    "--set",
    "expires_on=2029-06-30",
]


@pytest.fixture
def filled(runner: CliRunner, db_path: Path) -> Path:
    assert run(runner, db_path, "add", "assets", *ASSET).exit_code == 0
    assert run(runner, db_path, "add", "actors", *ACTOR).exit_code == 0
    assert run(runner, db_path, "add", "agreements", *AGREEMENT).exit_code == 0
    return db_path


def test_init_creates_a_registry_and_never_overwrites_it(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    first = runner.invoke(cli, ["--db", str(db), "init"])
    assert first.exit_code == 0, first.output
    before = db.read_bytes()
    second = runner.invoke(cli, ["--db", str(db), "init", "--example"])
    assert second.exit_code == 1
    assert "already exists" in second.output
    assert db.read_bytes() == before


def test_commands_on_a_missing_registry_say_how_to_create_one(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--db", str(tmp_path / "nope.db"), "list", "assets"])
    assert result.exit_code == 1
    assert "commons init" in result.output
    assert not (tmp_path / "nope.db").exists()


def test_registry_path_comes_from_environment(runner: CliRunner, filled: Path) -> None:
    result = runner.invoke(cli, ["list", "assets"], env={"COMMONS_DB": str(filled)})
    assert "villa-medusa" in result.output


def test_add_then_show_returns_the_record_with_its_links(runner: CliRunner, filled: Path) -> None:
    assert run(runner, filled, "link", "agreements", "medusa-civic-use", "actors", "comitato-medusa", "--role", "co_manager").exit_code == 0
    shown = json.loads(run(runner, filled, "show", "assets", "villa-medusa", "--json").output)
    assert shown["name"] == "Villa Medusa"
    assert shown["lat"] == 40.819
    assert [a["id"] for a in shown["links"]["agreements"]] == ["medusa-civic-use"]
    agreement = json.loads(run(runner, filled, "show", "agreements", "medusa-civic-use", "--json").output)
    assert agreement["links"]["actors"] == [{"id": "comitato-medusa", "title": "Comitato Villa Medusa", "role": "co_manager"}]
    human = run(runner, filled, "show", "assets", "villa-medusa").output
    assert "Villa Medusa" in human and "timeline" in human


def test_show_unknown_id_suggests_the_closest(runner: CliRunner, filled: Path) -> None:
    result = run(runner, filled, "show", "assets", "villa-medussa")
    assert result.exit_code == 1
    assert "did you mean 'villa-medusa'" in result.output


def test_edit_changes_fields_but_never_the_id(runner: CliRunner, filled: Path) -> None:
    assert run(runner, filled, "edit", "assets", "villa-medusa", "--set", "name=Villa Medusa – Casa del Popolo").exit_code == 0
    shown = json.loads(run(runner, filled, "show", "assets", "villa-medusa", "--json").output)
    assert shown["name"] == "Villa Medusa – Casa del Popolo"
    refused = run(runner, filled, "edit", "assets", "villa-medusa", "--set", "id=casa-del-popolo")
    assert refused.exit_code == 1
    assert "ids are stable" in refused.output


def test_status_changes_build_the_asset_timeline(runner: CliRunner, filled: Path) -> None:
    run(runner, filled, "edit", "assets", "villa-medusa", "--set", "status=under_agreement", "--set", "since=2019-07-01")
    shown = json.loads(run(runner, filled, "show", "assets", "villa-medusa", "--json").output)
    assert [(s["status"], s["happened_on"]) for s in shown["timeline"]][-1] == ("under_agreement", "2019-07-01")
    assert shown["timeline"][0]["status"] == "recognised"


def test_list_filters_and_prints_machine_formats(runner: CliRunner, filled: Path) -> None:
    run(
        runner,
        filled,
        "add",
        "assets",
        "--set",
        "id=lido-pola",
        "--set",
        "name=Lido Pola",
        "--set",
        "kind=building",
        "--set",
        "status=occupied",
    )
    table = run(runner, filled, "list", "assets", "--where", "status=occupied").output
    assert "lido-pola" in table and "villa-medusa" not in table
    as_json = json.loads(run(runner, filled, "list", "assets", "--json").output)
    assert [r["id"] for r in as_json] == ["lido-pola", "villa-medusa"]
    as_csv = run(runner, filled, "list", "assets", "--csv").output
    assert as_csv.splitlines()[0].startswith("id,name,name_local,kind")
    bad = run(runner, filled, "list", "assets", "--where", "colour=red")
    assert bad.exit_code == 1 and "cannot filter assets by 'colour'" in bad.output


def test_list_output_round_trips_through_import(runner: CliRunner, filled: Path, tmp_path: Path) -> None:
    for fmt in ("json", "csv"):
        dump = tmp_path / f"assets.{fmt}"
        dump.write_text(run(runner, filled, "list", "assets", f"--{fmt}").output, encoding="utf-8")
        other = tmp_path / f"other-{fmt}.db"
        runner.invoke(cli, ["--db", str(other), "init"])
        result = run(runner, other, "import", "assets", str(dump))
        assert result.exit_code == 0, result.output
        original = json.loads(run(runner, filled, "list", "assets", "--json").output)
        copied = json.loads(run(runner, other, "list", "assets", "--json").output)
        assert copied == original


def test_export_writes_a_file_that_imports_back(runner: CliRunner, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "agreements.json"
    assert run(runner, filled, "export", "agreements", "--format", "json", "-o", str(out)).exit_code == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert rows[0]["id"] == "medusa-civic-use" and rows[0]["expires_on"] == "2029-06-30"


def test_remove_refuses_while_referenced_and_names_who_refers(runner: CliRunner, filled: Path) -> None:
    result = run(runner, filled, "remove", "assets", "villa-medusa", "--yes")
    assert result.exit_code == 1
    assert "agreement 'medusa-civic-use'" in result.output
    assert "villa-medusa" in run(runner, filled, "list", "assets").output


def test_remove_asks_for_confirmation(runner: CliRunner, filled: Path) -> None:
    result = run(runner, filled, "remove", "actors", "comitato-medusa", input="n\n")
    assert result.exit_code == 1
    assert "comitato-medusa" in run(runner, filled, "list", "actors").output


def test_removed_record_is_restored_with_its_links_and_sources(runner: CliRunner, filled: Path) -> None:
    run(runner, filled, "link", "agreements", "medusa-civic-use", "actors", "comitato-medusa", "--role", "co_manager")
    run(runner, filled, "cite", "agreements", "medusa-civic-use", "--url", "https://example.org/delibera", "--title", "Resolution text")
    before = json.loads(run(runner, filled, "show", "agreements", "medusa-civic-use", "--json").output)
    assert run(runner, filled, "remove", "agreements", "medusa-civic-use", "--yes").exit_code == 0
    assert run(runner, filled, "show", "agreements", "medusa-civic-use").exit_code == 1
    assert run(runner, filled, "restore", "agreements", "medusa-civic-use").exit_code == 0
    after = json.loads(run(runner, filled, "show", "agreements", "medusa-civic-use", "--json").output)
    assert after == before


def test_restore_refuses_a_record_that_exists_or_never_was(runner: CliRunner, filled: Path) -> None:
    assert "only a deleted record" in run(runner, filled, "restore", "assets", "villa-medusa").output
    assert "holds no deleted" in run(runner, filled, "restore", "assets", "never-was").output


def test_change_log_says_when_who_and_what_changed(runner: CliRunner, filled: Path) -> None:
    run(runner, filled, "edit", "assets", "villa-medusa", "--set", "owner=municipal", by="anna")
    entries = json.loads(run(runner, filled, "log", "assets", "villa-medusa", "--json").output)
    update = next(e for e in entries if e["action"] == "update")
    assert update["changed_by"] == "anna"
    assert update["before"]["owner"] is None and update["after"]["owner"] == "municipal"
    assert update["changed_at"].endswith("Z")
    human = run(runner, filled, "log", "assets", "villa-medusa").output
    assert "anna" in human and "(owner)" in human


def test_change_log_defaults_to_the_os_user(runner: CliRunner, db_path: Path) -> None:
    runner.invoke(cli, ["--db", str(db_path), "add", "actors", *ACTOR], env={"COMMONS_USER": None})
    entries = json.loads(runner.invoke(cli, ["--db", str(db_path), "log", "--json"]).output)
    from registry.store.database import current_user

    assert entries[0]["changed_by"] == current_user()


def test_search_finds_records_ranked_by_relevance(runner: CliRunner, filled: Path) -> None:
    run(runner, filled, "edit", "assets", "villa-medusa", "--set", "description=A villa by the sea used as a casa del popolo")
    result = run(runner, filled, "search", "casa popolo")
    assert result.output.splitlines()[0].startswith("assets")
    assert "villa-medusa" in result.output
    assert "medusa-civic-use" in run(runner, filled, "search", "civic", "--kind", "agreements").output
    assert "No matches" in run(runner, filled, "search", '"unbalanced AND (').output


def test_link_needs_a_known_role_and_existing_records(runner: CliRunner, filled: Path) -> None:
    no_role = run(runner, filled, "link", "agreements", "medusa-civic-use", "actors", "comitato-medusa")
    assert no_role.exit_code == 1 and "needs --role" in no_role.output
    bad_role = run(runner, filled, "link", "agreements", "medusa-civic-use", "actors", "comitato-medusa", "--role", "comanager")
    assert bad_role.exit_code == 1 and "did you mean 'co_manager'" in bad_role.output
    missing = run(runner, filled, "link", "agreements", "medusa-civic-use", "actors", "nobody", "--role", "co_manager")
    assert missing.exit_code == 1 and "no actor 'nobody'" in missing.output
    reverse = run(runner, filled, "link", "actors", "comitato-medusa", "agreements", "medusa-civic-use", "--role", "co_manager")
    assert reverse.exit_code == 0
    assert run(runner, filled, "unlink", "agreements", "medusa-civic-use", "actors", "comitato-medusa").exit_code == 0
    assert "not linked" in run(runner, filled, "unlink", "agreements", "medusa-civic-use", "actors", "comitato-medusa").output


def test_cite_attaches_a_source_shared_by_url(runner: CliRunner, filled: Path) -> None:
    url = "https://commonsnapoli.org/gli-spazi/villa-medusa-casa-del-popolo"
    assert run(runner, filled, "cite", "assets", "villa-medusa", "--url", url, "--title", "Villa Medusa").exit_code == 0
    assert run(runner, filled, "cite", "actors", "comitato-medusa", "--url", url, "--title", "Villa Medusa").exit_code == 0
    shown = json.loads(run(runner, filled, "show", "actors", "comitato-medusa", "--json").output)
    assert shown["sources"][0]["url"] == url
    bad = run(runner, filled, "cite", "assets", "villa-medusa", "--url", "javascript:alert(1)", "--title", "x")
    assert bad.exit_code == 1 and "http" in bad.output


def test_agreements_expiring_lists_active_agreements_in_the_window(runner: CliRunner, filled: Path) -> None:
    import datetime as dt

    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    run(runner, filled, "edit", "agreements", "medusa-civic-use", "--set", f"expires_on={soon}")
    assert "medusa-civic-use" in run(runner, filled, "agreements", "expiring").output
    assert "No active agreement" in run(runner, filled, "agreements", "expiring", "--within", "7d").output
    bad = run(runner, filled, "agreements", "expiring", "--within", "soon")
    assert bad.exit_code == 1 and "90d" in bad.output


def test_check_passes_on_a_sound_registry_and_lists_notices(runner: CliRunner, filled: Path) -> None:
    result = run(runner, filled, "check")
    assert result.exit_code == 0
    assert "cites no source" in result.output and "stale" in result.output


def test_add_in_a_terminal_asks_for_missing_required_fields(db_path: Path) -> None:
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry", "--db", str(db_path), "add", "actors", "--set", "id=la-balena", "--set", "name=La Balena"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 30
    answered = False
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 1024)
            except OSError:
                break
        if not answered and b"kind (" in seen:
            os.write(master, b"informal_collective\n")
            answered = True
    proc.wait(timeout=30)
    os.close(master)
    assert b"kind (cooperative, association" in seen
    assert proc.returncode == 0, seen.decode(errors="replace")
    from registry.operations.records import get_record
    from registry.store.database import open_registry

    assert get_record(open_registry(db_path), "actors", "la-balena")["kind"] == "informal_collective"
