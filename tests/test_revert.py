"""A mistaken change can be undone: `commons revert` puts a record back as it was, links, citations and timeline included."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from conftest import snapshot

from registry.cli import cli


def run(runner: CliRunner, db: Path, *args: str) -> object:
    return runner.invoke(cli, ["--db", str(db), "--by", "tester", *args])


def latest_change(runner: CliRunner, db: Path, kind: str, record_id: str) -> int:
    return json.loads(run(runner, db, "log", kind, record_id, "--json", "--limit", "1").output)[0]["id"]


def record(runner: CliRunner, db: Path, kind: str, record_id: str) -> dict:
    return json.loads(run(runner, db, "show", kind, record_id, "--json").output)


def test_log_lines_start_with_the_change_number_revert_takes(runner: CliRunner, example_registry: Path) -> None:
    run(runner, example_registry, "edit", "assets", "nap-asilo", "--set", "name=Renamed")
    number = latest_change(runner, example_registry, "assets", "nap-asilo")
    first_line = run(runner, example_registry, "log", "assets", "nap-asilo").output.splitlines()[0]
    assert re.match(rf"#{number}\s", first_line)


def test_revert_puts_back_fields_links_citations_and_timeline_and_logs_itself(runner: CliRunner, example_registry: Path) -> None:
    db = example_registry
    before = record(runner, db, "assets", "nap-asilo")
    mark = latest_change(runner, db, "assets", "nap-asilo")
    assert run(runner, db, "edit", "assets", "nap-asilo", "--set", "name=Wrong name", "--set", "status=occupied").exit_code == 0
    assert run(runner, db, "cite", "assets", "nap-asilo", "--url", "https://example.org/wrong", "--title", "Wrong source").exit_code == 0
    case = json.loads(run(runner, db, "list", "cases", "--json").output)[0]["id"]
    assert run(runner, db, "link", "cases", case, "assets", "nap-asilo").exit_code == 0
    changes_before_revert = len(json.loads(run(runner, db, "log", "--json", "--limit", "0").output))
    mistaken = latest_change(runner, db, "assets", "nap-asilo")

    result = run(runner, db, "revert", "assets", "nap-asilo", "--to", str(mark))
    assert result.exit_code == 0, result.output
    assert "Reverted asset nap-asilo" in result.output and "name" in result.output
    after = record(runner, db, "assets", "nap-asilo")
    assert after == before
    assert len(json.loads(run(runner, db, "log", "--json", "--limit", "0").output)) > changes_before_revert
    assert run(runner, db, "check").exit_code == 0

    again = run(runner, db, "revert", "assets", "nap-asilo", "--to", str(mistaken))
    assert again.exit_code == 0, again.output
    redone = record(runner, db, "assets", "nap-asilo")
    assert redone["name"] == "Wrong name" and redone != before
    assert any("example.org/wrong" in json.dumps(s) for s in redone.get("sources", []))


def test_reverting_to_the_current_state_changes_nothing(runner: CliRunner, example_registry: Path) -> None:
    mark = latest_change(runner, example_registry, "assets", "nap-asilo")
    before = snapshot(example_registry)
    result = run(runner, example_registry, "revert", "assets", "nap-asilo", "--to", str(mark))
    assert result.exit_code == 0 and "No change" in result.output
    assert snapshot(example_registry) == before


def test_refused_reverts_name_the_problem_and_leave_the_registry_as_it_was(runner: CliRunner, example_registry: Path) -> None:
    db = example_registry
    other = latest_change(runner, db, "actors", "act-la-balena")
    before = snapshot(db)
    for args, words in (
        (["revert", "assets", "nap-asilo", "--to", str(other)], "not in the story"),
        (["revert", "assets", "no-such-asset", "--to", "1"], "no asset 'no-such-asset'"),
        (["revert", "assets", "nap-asilo", "--to", "0"], "--to"),
        (["revert", "assets", "nap-asilo"], "--to"),
    ):
        result = run(runner, db, *args)
        assert result.exit_code != 0 and words in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert snapshot(db) == before
