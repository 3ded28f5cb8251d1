"""Merging two records through the real CLI: everything that pointed at the dropped one points at the kept one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import snapshot

from registry.cli import cli

LASILO = {
    "id": "lasilo",
    "name": "L'Asilo",
    "kind": "building",
    "status": "occupied",
    "since": "2012-03",
    "city": "Napoli",
    "lat": "40.8505",
    "lon": "14.2566",
    "opening_hours": "Mo-Fr 10:00-20:00",
    "website": "https://lasilo.example.org/",
    "description": "Written twice.",
}


def commons(runner: CliRunner, db: Path, *args: str) -> Result:
    result = runner.invoke(cli, ["--db", str(db), *args])
    return result


def rows(db: Path, sql: str, *params: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def twice(runner: CliRunner, example_registry: Path) -> Path:
    """The example with L'Asilo entered a second time, linked, cited, with a timeline step and an agreement of its own."""
    steps = [
        ["add", "assets", *(f"--set={k}={v}" for k, v in LASILO.items())],
        ["link", "cases", "cs-naples-commons", "assets", "lasilo"],  # nap-asilo has this link already
        ["link", "cases", "cs-london-grasshoppers", "assets", "lasilo"],
        ["cite", "assets", "lasilo", "--url", "https://lasilo.example.org/history", "--title", "Our history"],
        ["cite", "assets", "lasilo", "--url", "https://it.wikipedia.org/wiki/Asilo_Filangieri", "--title", "Asilo Filangieri"],
        ["add", "agreements", "--set=id=agr-lasilo", "--set=title=Pact", "--set=kind=collaboration_pact", "--set=status=active"],
        ["edit", "agreements", "agr-lasilo", "--set=asset_id=lasilo"],
    ]
    for args in steps:
        result = commons(runner, example_registry, *args)
        assert result.exit_code == 0, (args, result.output)
    return example_registry


def test_merge_moves_links_citations_timeline_and_references_and_fills_only_empty_fields(runner: CliRunner, twice: Path) -> None:
    before = json.loads(commons(runner, twice, "show", "assets", "nap-asilo", "--json").output)
    result = commons(runner, twice, "merge", "assets", "nap-asilo", "lasilo", "--yes")
    assert result.exit_code == 0, result.output
    assert "Moved case_study_assets: case study cs-london-grasshoppers" in result.output
    assert "Moved citation: source" in result.output and "(https://lasilo.example.org/history)" in result.output
    assert "Moved timeline step 2012-03 occupied" not in result.output  # nap-asilo has that step: not doubled
    assert "Moved reference from agreement agr-lasilo (field asset_id)" in result.output
    assert "Not doubled (already on nap-asilo): case_study_assets: case study cs-naples-commons" in result.output
    assert "Filled opening_hours of nap-asilo: Mo-Fr 10:00-20:00" in result.output
    assert "removed lasilo (bring it back with: commons restore assets lasilo)" in result.output

    after = json.loads(commons(runner, twice, "show", "assets", "nap-asilo", "--json").output)
    assert after["opening_hours"] == "Mo-Fr 10:00-20:00"  # was empty: filled
    for kept in ("name", "website", "description", "status", "since", "lat", "lon"):
        assert after[kept] == before[kept]  # had a value: never overwritten
    assert rows(twice, "SELECT case_study_id FROM case_study_assets WHERE asset_id = 'nap-asilo' ORDER BY 1") == [
        ("cs-london-grasshoppers",),
        ("cs-naples-commons",),
    ]
    cited = rows(twice, "SELECT s.url FROM citations c JOIN sources s ON s.id = c.source_id WHERE c.record_id = 'nap-asilo'")
    assert ("https://lasilo.example.org/history",) in cited
    assert cited.count(("https://it.wikipedia.org/wiki/Asilo_Filangieri",)) == 1
    assert rows(twice, "SELECT asset_id FROM agreements WHERE id = 'agr-lasilo'") == [("nap-asilo",)]
    assert rows(twice, "SELECT count(*) FROM asset_events WHERE asset_id = 'nap-asilo' AND happened_on = '2012-03'") == [(1,)]
    for table, column in (("assets", "id"), ("case_study_assets", "asset_id"), ("asset_events", "asset_id"), ("citations", "record_id")):
        assert rows(twice, f"SELECT count(*) FROM {table} WHERE {column} = 'lasilo'") == [(0,)]

    assert commons(runner, twice, "check").exit_code == 0
    log = commons(runner, twice, "log", "--limit", "20").output
    assert "delete   assets/lasilo" in log
    assert "update   assets/nap-asilo (opening_hours)" in log
    assert "update   agreements/agr-lasilo (asset_id)" in log
    assert "update   case_study_assets/cs-london-grasshoppers/nap-asilo (asset_id)" in log


def test_a_step_already_on_the_kept_record_is_not_doubled_and_lends_it_only_what_it_lacks(runner: CliRunner, twice: Path) -> None:
    kept_note = rows(twice, "SELECT note FROM asset_events WHERE asset_id = 'nap-asilo' AND happened_on = '2012-03'")[0][0]
    conn = sqlite3.connect(twice)
    with conn:  # the dropped record's step (2012-03 occupied, as nap-asilo's) cites a document and says something else
        conn.execute("UPDATE asset_events SET document = 'Occupation notice', note = 'Another note' WHERE asset_id = 'lasilo'")
    conn.close()
    result = commons(runner, twice, "merge", "assets", "nap-asilo", "lasilo", "--yes")
    assert result.exit_code == 0, result.output
    assert "Not doubled (already on nap-asilo): timeline step 2012-03 occupied (Occupation notice)" in result.output
    assert rows(twice, "SELECT document, note FROM asset_events WHERE asset_id = 'nap-asilo' AND happened_on = '2012-03'") == [
        ("Occupation notice", kept_note)
    ]


def test_a_timeline_step_the_kept_record_lacks_moves_to_it(runner: CliRunner, twice: Path) -> None:
    commons(runner, twice, "edit", "assets", "lasilo", "--set=status=lost", "--set=since=2030")
    result = commons(runner, twice, "merge", "assets", "nap-asilo", "lasilo", "--yes")
    assert "Moved timeline step 2030 lost" in result.output
    assert rows(twice, "SELECT count(*) FROM asset_events WHERE asset_id = 'nap-asilo' AND status = 'lost'") == [(1,)]


def test_merging_actors_moves_their_links_with_roles_and_keeps_the_kept_ones_role(runner: CliRunner, example_registry: Path) -> None:
    for args in (
        ["link", "agreements", "agr-nap-446-lido-pola", "actors", "act-la-balena", "--role", "facilitator"],
        ["link", "cases", "cs-naples-commons", "actors", "act-la-balena", "--role", "lead"],  # act-asilo is its community
    ):
        assert commons(runner, example_registry, *args).exit_code == 0
    result = commons(runner, example_registry, "merge", "actors", "act-asilo", "act-la-balena", "--yes")
    assert result.exit_code == 0, result.output
    assert "Moved agreement_parties: agreement agr-nap-446-lido-pola as facilitator" in result.output
    assert rows(
        example_registry, "SELECT role FROM agreement_parties WHERE agreement_id = 'agr-nap-446-lido-pola' AND actor_id = 'act-asilo'"
    ) == [("facilitator",)]
    assert rows(
        example_registry, "SELECT role FROM case_study_actors WHERE case_study_id = 'cs-naples-commons' AND actor_id = 'act-asilo'"
    ) == [("community",)]
    assert "Not doubled (already on act-asilo): case_study_actors: case study cs-naples-commons as lead" in result.output
    assert commons(runner, example_registry, "check").exit_code == 0


def test_the_dropped_record_comes_back_with_restore(runner: CliRunner, twice: Path) -> None:
    commons(runner, twice, "merge", "assets", "nap-asilo", "lasilo", "--yes")
    result = commons(runner, twice, "restore", "assets", "lasilo")
    assert result.exit_code == 0, result.output
    shown = json.loads(commons(runner, twice, "show", "assets", "lasilo", "--json").output)
    assert shown["name"] == "L'Asilo" and shown["opening_hours"] == "Mo-Fr 10:00-20:00"
    assert commons(runner, twice, "check").exit_code == 0


def test_a_dry_run_says_what_it_would_move_and_changes_nothing(runner: CliRunner, twice: Path) -> None:
    before = snapshot(twice)
    result = commons(runner, twice, "merge", "assets", "nap-asilo", "lasilo", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would move reference from agreement agr-lasilo (field asset_id)" in result.output
    assert "Dry run: nothing changed" in result.output
    assert snapshot(twice) == before


def test_a_merge_not_confirmed_changes_nothing(runner: CliRunner, twice: Path) -> None:
    before = snapshot(twice)
    result = runner.invoke(cli, ["--db", str(twice), "merge", "assets", "nap-asilo", "lasilo"], input="n\n")
    assert result.exit_code == 1 and "Would move" in result.output and "Aborted" in result.output
    assert snapshot(twice) == before


@pytest.mark.parametrize(
    ("keep", "drop", "said"),
    [
        ("nap-asilo", "nap-asilo", "KEEP and DROP are both 'nap-asilo'"),
        ("nap-asilo", "nap-asylo", "there is no asset 'nap-asylo' (did you mean 'nap-asilo'?)"),
        ("no-such-place", "lasilo", "there is no asset 'no-such-place'"),
        ("nap-asilo", "act-asilo", "'act-asilo' is an actor, not an asset: only two records of one kind can be merged"),
    ],
)
def test_a_refused_merge_names_the_problem_and_leaves_the_registry_exactly_as_it_was(
    runner: CliRunner, twice: Path, keep: str, drop: str, said: str
) -> None:
    before = snapshot(twice)
    result = commons(runner, twice, "merge", "assets", keep, drop, "--yes")
    assert result.exit_code == 1
    assert said in result.output
    assert snapshot(twice) == before
