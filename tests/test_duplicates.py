"""Likely duplicates through the real CLI on the example registry: warned about at entry, listed with a score and why."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from registry.cli import cli
from registry.cli.duplicates import duplicates
from registry.operations.duplicates import DUPLICATE_SCORE

# L'Asilo of the example is 'nap-asilo', "L'Asilo (ex Asilo Filangieri)" at 40.8504, 14.2565.
LASILO = {"id": "lasilo", "name": "L'Asilo", "kind": "building", "status": "occupied", "city": "Napoli", "lat": "40.8505", "lon": "14.2566"}


def commons(runner: CliRunner, db: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--db", str(db), *args])


def add(runner: CliRunner, db: Path, values: dict[str, str]) -> Result:
    return commons(runner, db, "add", "assets", *(f"--set={k}={v}" for k, v in values.items()))


def test_lasilo_14_m_from_the_asilo_is_warned_about_at_add(runner: CliRunner, example_registry: Path) -> None:
    result = add(runner, example_registry, LASILO)
    assert result.exit_code == 0, result.output
    assert "asset 'lasilo' may duplicate 'nap-asilo' (score 91: names 90% alike, 14 m apart)" in result.output


def test_lasilo_14_m_from_the_asilo_is_warned_about_at_import(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "assets.csv"
    inventory.write_text(
        "id,name,kind,status,city,lat,lon\n"
        "lasilo,L'Asilo,building,occupied,Napoli,40.8505,14.2566\n"
        "villa-floridiana,Villa Floridiana,park,mapped,Napoli,40.8393,14.2302\n",
        encoding="utf-8",
    )
    result = commons(runner, example_registry, "import", "assets", str(inventory))
    assert result.exit_code == 0, result.output
    assert "line 2: asset 'lasilo' may duplicate 'nap-asilo'" in result.output
    assert "villa-floridiana' may duplicate" not in result.output


def test_the_same_address_written_another_way_is_warned_about_without_coordinates(runner: CliRunner, example_registry: Path) -> None:
    values = {k: v for k, v in LASILO.items() if k not in ("lat", "lon")}
    result = add(runner, example_registry, {**values, "address": "vico g. maffei, 4"})
    assert result.exit_code == 0, result.output
    assert "may duplicate 'nap-asilo' (score 93: names 90% alike, same address)" in result.output


def test_another_name_at_the_same_spot_is_not_warned_about(runner: CliRunner, example_registry: Path) -> None:
    result = add(runner, example_registry, {**LASILO, "id": "biblioteca", "name": "Biblioteca Nazionale"})
    assert result.exit_code == 0, result.output
    assert "may duplicate" not in result.output


def test_duplicates_lists_the_pair_with_its_score_and_why(runner: CliRunner, example_registry: Path) -> None:
    assert commons(runner, example_registry, "duplicates", "assets").output.startswith("No likely duplicates among assets")
    add(runner, example_registry, LASILO)
    listed = commons(runner, example_registry, "duplicates", "assets")
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[:2] == [
        " 91  lasilo  nap-asilo  (names 90% alike, 14 m apart)",
        "     L'Asilo / L'Asilo (ex Asilo Filangieri)",
    ]
    pairs = json.loads(commons(runner, example_registry, "duplicates", "assets", "--json").output)
    assert pairs == [
        {
            "ids": ["lasilo", "nap-asilo"],
            "names": ["L'Asilo", "L'Asilo (ex Asilo Filangieri)"],
            "score": 91,
            "name_similarity": 90,
            "distance_m": 13.9,
            "same_address": False,
        }
    ]


def test_a_pair_1_km_apart_scores_lower_than_one_14_m_apart_and_is_not_listed_by_default(runner: CliRunner, example_registry: Path) -> None:
    add(runner, example_registry, LASILO)
    add(runner, example_registry, {**LASILO, "id": "lasilo-far", "lat": "40.8594"})  # 1 km north of nap-asilo
    pairs = json.loads(commons(runner, example_registry, "duplicates", "assets", "--min-score", "0", "--json").output)
    score = {tuple(p["ids"]): p["score"] for p in pairs}
    assert score[("lasilo-far", "nap-asilo")] < score[("lasilo", "nap-asilo")]
    assert [p["ids"] for p in pairs][0] == ["lasilo", "nap-asilo"]  # best first
    default = commons(runner, example_registry, "duplicates", "assets").output
    assert "lasilo  nap-asilo" in default and "lasilo-far" not in default


def test_a_score_outside_0_to_100_is_a_usage_error(runner: CliRunner, example_registry: Path) -> None:
    result = commons(runner, example_registry, "duplicates", "assets", "--min-score", "101")
    assert result.exit_code == 2 and "0<=x<=100" in result.output


def test_the_listing_and_the_warning_at_entry_share_one_threshold() -> None:
    (min_score,) = [p for p in duplicates.params if p.name == "min_score"]
    assert min_score.default == DUPLICATE_SCORE
