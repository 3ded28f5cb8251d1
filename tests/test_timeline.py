"""Staff enter an asset's history by hand: past steps dated by a year, a month or a day, each with what proves it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from conftest import build_test_site, snapshot

from registry.cli import cli


def run(runner: CliRunner, db: Path, *args: str) -> object:
    return runner.invoke(cli, ["--db", str(db), "--by", "tester", *args])


def steps(runner: CliRunner, db: Path, record_id: str) -> list[dict]:
    return json.loads(run(runner, db, "timeline", "list", "assets", record_id, "--json").output)


def test_a_new_asset_without_since_has_an_undated_first_step_not_today(runner: CliRunner, db_path: Path) -> None:
    result = run(
        runner,
        db_path,
        "add",
        "assets",
        "--set",
        "id=villa-medusa",
        "--set",
        "name=Villa Medusa",
        "--set",
        "kind=building",
        "--set",
        "status=occupied",
    )
    assert result.exit_code == 0, result.output
    assert [(s["happened_on"], s["status"]) for s in steps(runner, db_path, "villa-medusa")] == [(None, "occupied")]
    assert run(runner, db_path, "timeline", "add", "assets", "villa-medusa", "--on", "2009", "--status", "unused").exit_code == 0
    assert [(s["happened_on"], s["status"]) for s in steps(runner, db_path, "villa-medusa")] == [(None, "occupied"), ("2009", "unused")]
    assert "date unknown" in run(runner, db_path, "timeline", "list", "assets", "villa-medusa").output


def test_past_steps_are_listed_and_published_in_date_order_with_their_source(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    db = example_registry
    source = json.loads(run(runner, db, "show", "assets", "nap-asilo", "--json").output)["sources"][0]
    added = run(
        runner,
        db,
        "timeline",
        "add",
        "assets",
        "nap-asilo",
        "--on",
        "2011-11",
        "--status",
        "unused",
        "--source",
        source["url"],
        "--document",
        "Municipal inventory",
    )
    assert added.exit_code == 0, added.output
    assert run(runner, db, "timeline", "add", "assets", "nap-asilo", "--on", "2012", "--status", "mapped").exit_code == 0
    dates = [s["happened_on"] for s in steps(runner, db, "nap-asilo")]
    assert dates == sorted(dates) and "2011-11" in dates and "2012" in dates
    step = next(s for s in steps(runner, db, "nap-asilo") if s["happened_on"] == "2011-11")
    assert step["source_url"] == source["url"] and step["document"] == "Municipal inventory"
    assert json.loads(run(runner, db, "show", "assets", "nap-asilo", "--json").output)["status"] == "under_agreement"

    output = tmp_path / "output"
    build_test_site(db, output, search=False)
    page = (output / "assets" / "nap-asilo" / "index.html").read_text(encoding="utf-8")
    timeline = page[page.index('<ol class="timeline">') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert timeline.index('datetime="2011-11"') < timeline.index('datetime="2012"') < timeline.index('datetime="2012-03"')
    assert f'href="{source["url"]}"' in timeline
    published = (
        sqlite3.connect(output / "data" / "public.db")
        .execute("SELECT source_id FROM asset_events WHERE happened_on = '2011-11'")
        .fetchone()
    )
    assert published == (source["id"],)


def test_a_step_removed_by_mistake_is_logged_and_can_be_reverted(runner: CliRunner, example_registry: Path) -> None:
    db = example_registry
    run(runner, db, "timeline", "add", "assets", "nap-asilo", "--on", "1999", "--status", "lost")
    mark = json.loads(run(runner, db, "log", "assets", "nap-asilo", "--json", "--limit", "1").output)[0]["id"]
    wrong = next(s for s in steps(runner, db, "nap-asilo") if s["happened_on"] == "1999")
    assert run(runner, db, "timeline", "remove", "assets", "nap-asilo", str(wrong["id"])).exit_code == 0
    assert "1999" not in [s["happened_on"] for s in steps(runner, db, "nap-asilo")]
    assert run(runner, db, "revert", "assets", "nap-asilo", "--to", str(mark)).exit_code == 0
    assert "1999" in [s["happened_on"] for s in steps(runner, db, "nap-asilo")]


def test_bad_steps_name_the_option_and_leave_the_registry_as_it_was(runner: CliRunner, example_registry: Path) -> None:
    before = snapshot(example_registry)
    for args, words in (
        (["timeline", "add", "assets", "nap-asilo", "--on", "2011-13", "--status", "mapped"], "--on '2011-13'"),
        (["timeline", "add", "assets", "nap-asilo", "--on", "2011", "--status", "mappd"], "did you mean 'mapped'"),
        (["timeline", "add", "assets", "nap-asilo", "--on", "2011", "--status", "mapped", "--source", "999999"], "--source"),
        (["timeline", "add", "actors", "act-la-balena", "--on", "2011", "--status", "mapped"], "only assets"),
        (["timeline", "add", "assets", "no-such", "--on", "2011", "--status", "mapped"], "no asset 'no-such'"),
        (["timeline", "remove", "assets", "nap-asilo", "999999"], "no step 999999"),
    ):
        result = run(runner, example_registry, *args)
        assert result.exit_code != 0 and words in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert snapshot(example_registry) == before
