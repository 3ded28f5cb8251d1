"""Staff say a record was checked against reality with `commons verify`; it then stops being shown as stale."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner
from conftest import snapshot

from registry.cli import cli


def run(runner: CliRunner, db: Path, *args: str) -> object:
    return runner.invoke(cli, ["--db", str(db), "--by", "tester", *args])


def stale_ids(runner: CliRunner, db: Path) -> set[str]:
    return {r["id"] for r in json.loads(run(runner, db, "list", "assets", "--stale", "--json").output)}


def test_verify_dates_the_check_today_and_the_record_is_no_longer_stale(runner: CliRunner, example_registry: Path) -> None:
    long_ago = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    assert run(runner, example_registry, "edit", "assets", "nap-asilo", "--set", f"last_verified={long_ago}").exit_code == 0
    assert "nap-asilo" in stale_ids(runner, example_registry)
    result = run(runner, example_registry, "verify", "assets", "nap-asilo")
    assert result.exit_code == 0, result.output
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert today in result.output
    assert json.loads(run(runner, example_registry, "show", "assets", "nap-asilo", "--json").output)["last_verified"] == today
    assert "nap-asilo" not in stale_ids(runner, example_registry)
    log = json.loads(run(runner, example_registry, "log", "assets", "nap-asilo", "--json", "--limit", "1").output)[0]
    assert log["action"] == "update" and log["after"]["last_verified"] == today


def test_verify_on_a_past_day_against_a_known_source_cites_it_once(runner: CliRunner, example_registry: Path) -> None:
    db = example_registry
    shown = json.loads(run(runner, db, "show", "actors", "act-la-balena", "--json").output)
    asset_source = json.loads(run(runner, db, "show", "assets", "nap-asilo", "--json").output)["sources"][0]
    result = run(runner, db, "verify", "actors", "act-la-balena", "--on", "2026-03-02", "--source", asset_source["url"])
    assert result.exit_code == 0, result.output
    after = json.loads(run(runner, db, "show", "actors", "act-la-balena", "--json").output)
    assert after["last_verified"] == "2026-03-02"
    assert [s["url"] for s in after["sources"]].count(asset_source["url"]) == 1
    assert len(after["sources"]) == len(shown["sources"]) + (0 if asset_source["url"] in [s["url"] for s in shown["sources"]] else 1)
    again = run(runner, db, "verify", "actors", "act-la-balena", "--on", "2026-03-03", "--source", str(asset_source["id"]))
    assert again.exit_code == 0, again.output


def test_a_bad_verify_names_the_option_and_leaves_the_registry_as_it_was(runner: CliRunner, example_registry: Path) -> None:
    before = snapshot(example_registry)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    for args, words in (
        (["verify", "assets", "nap-asilo", "--on", "yesterday"], "--on 'yesterday'"),
        (["verify", "assets", "nap-asilo", "--on", tomorrow], "after today"),
        (["verify", "assets", "nap-asilo", "--source", "https://nowhere.example/"], "--source"),
        (["verify", "assets", "no-such-asset"], "no asset 'no-such-asset'"),
    ):
        result = run(runner, example_registry, *args)
        assert result.exit_code != 0 and words in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert snapshot(example_registry) == before


def test_a_check_dated_after_the_day_judged_is_fresh_and_one_over_a_year_old_is_stale() -> None:
    """Sites are built as of a day (a fixed one in tests); a record checked later than that day is not stale on them."""
    from registry.model.rules import is_stale

    checked = "2026-11-27"
    assert not is_stale(checked, dt.date(2025, 6, 1))
    assert not is_stale(checked, dt.date(2027, 11, 27))
    assert is_stale(checked, dt.date(2027, 11, 28))
    assert is_stale(None, dt.date(2025, 6, 1))
