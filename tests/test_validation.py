"""One set of rules for add, edit and import: bad input is refused clearly and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import snapshot

from registry.cli import cli

GOOD_ASSET = {
    "id": "lido-pola",
    "name": "Lido Pola",
    "kind": "building",
    "status": "occupied",
    "country": "IT",
    "lat": "40.799",
    "lon": "14.167",
}


def sets(values: dict[str, str]) -> list[str]:
    return [arg for k, v in values.items() for arg in ("--set", f"{k}={v}")]


def add(runner: CliRunner, db: Path, kind: str, values: dict[str, str]):
    return runner.invoke(cli, ["--db", str(db), "add", kind, *sets(values)])


@pytest.fixture
def seeded(runner: CliRunner, db_path: Path) -> Path:
    assert add(runner, db_path, "assets", GOOD_ASSET).exit_code == 0
    return db_path


BAD_ASSETS = [
    ({"id": "Lido Pola"}, "field 'id': must be a slug"),
    ({"kind": "buildng"}, "did you mean 'building'"),
    ({"status": "abandoned"}, "field 'status'"),
    ({"lat": "91"}, "field 'lat': 91.0 is out of range"),
    ({"lon": "-181"}, "field 'lon': -181.0 is out of range"),
    ({"lat": "north"}, "field 'lat': must be a number"),
    ({"lat": "40.8", "lon": ""}, "give both or neither"),
    ({"since": "2016-02-30"}, "field 'since': '2016-02-30' is not a real date"),
    ({"since": "June 2016"}, "field 'since'"),
    ({"country": "Italy"}, "did you mean 'IT' for Italy"),
    ({"website": "javascript:alert(1)"}, "only http:// or https://"),
    ({"opening_hours": "Mo-Fx 10"}, "opening_hours syntax"),
    ({"name": ""}, "field 'name' is required"),
    ({"name": "bad\x07bell"}, "control characters"),
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"geometry": '{"type": "Point", "coordinates": [14, 40]}'}, "must be a Polygon or MultiPolygon"),
    ({"last_verified": "yesterday"}, "field 'last_verified'"),
]


@pytest.mark.parametrize("change,message", BAD_ASSETS, ids=[m for _, m in BAD_ASSETS])
def test_bad_asset_is_refused_with_the_field_named_and_nothing_written(
    runner: CliRunner, seeded: Path, change: dict[str, str], message: str
) -> None:
    before = snapshot(seeded)
    result = add(runner, seeded, "assets", {**GOOD_ASSET, "id": "another-place", **change})
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert snapshot(seeded) == before


@pytest.mark.parametrize("change,message", BAD_ASSETS[1:], ids=[m for _, m in BAD_ASSETS[1:]])
def test_bad_edit_is_refused_the_same_way(runner: CliRunner, seeded: Path, change: dict[str, str], message: str) -> None:
    before = snapshot(seeded)
    result = runner.invoke(cli, ["--db", str(seeded), "edit", "assets", "lido-pola", *sets(change)])
    assert result.exit_code == 1
    assert message in result.output
    assert snapshot(seeded) == before


def test_duplicate_id_is_refused(runner: CliRunner, seeded: Path) -> None:
    before = snapshot(seeded)
    result = add(runner, seeded, "assets", GOOD_ASSET)
    assert result.exit_code == 1 and "already exists" in result.output
    assert snapshot(seeded) == before


def test_agreement_cannot_expire_before_it_starts(runner: CliRunner, seeded: Path) -> None:
    result = add(
        runner,
        seeded,
        "agreements",
        {
            "id": "pact",
            "title": "Pact",
            "kind": "collaboration_pact",
            "status": "active",
            "starts_on": "2020-01-01",
            "expires_on": "2019-12-31",
        },
    )
    assert result.exit_code == 1
    assert "cannot expire before it starts" in result.output


def test_references_must_exist(runner: CliRunner, seeded: Path) -> None:
    result = add(
        runner, seeded, "agreements", {"id": "pact", "title": "Pact", "kind": "concession", "status": "active", "asset_id": "nowhere"}
    )
    assert result.exit_code == 1
    assert "field 'asset_id': there is no asset 'nowhere'" in result.output


def test_policy_areas_accept_only_known_values(runner: CliRunner, seeded: Path) -> None:
    ok = add(runner, seeded, "cases", {"id": "case-a", "title": "A", "policy_areas": "housing, energy"})
    assert ok.exit_code == 0
    bad = add(runner, seeded, "cases", {"id": "case-b", "title": "B", "policy_areas": "housing,enrgy"})
    assert bad.exit_code == 1 and "did you mean 'energy'" in bad.output


def test_swapped_coordinates_get_a_warning(runner: CliRunner, seeded: Path) -> None:
    result = add(runner, seeded, "assets", {**GOOD_ASSET, "id": "swapped", "lat": "14.2565", "lon": "40.8504"})
    assert result.exit_code == 0
    assert "lat and lon look swapped" in result.output


def test_a_close_name_nearby_is_reported_as_a_possible_duplicate(runner: CliRunner, seeded: Path) -> None:
    result = add(runner, seeded, "assets", {**GOOD_ASSET, "id": "ex-lido-pola", "name": "Lido  Pola", "lat": "40.7995"})
    assert result.exit_code == 0
    assert "may duplicate 'lido-pola'" in result.output


def test_unknown_kind_is_a_usage_error(runner: CliRunner, seeded: Path) -> None:
    result = runner.invoke(cli, ["--db", str(seeded), "list", "asets"])
    assert result.exit_code == 2
    assert "'asets' is not one of" in result.output


def test_import_is_all_or_nothing_and_names_the_line(runner: CliRunner, seeded: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "inventory.csv"
    csv_file.write_text(
        "id,name,kind,status,lat,lon\n"
        "giardino,Giardino Liberato,garden,recognised,40.8548,14.2473\n"
        "scugnizzo,Scugnizzo Liberato,building,occupid,40.851,14.248\n",
        encoding="utf-8",
    )
    before = snapshot(seeded)
    result = runner.invoke(cli, ["--db", str(seeded), "import", "assets", str(csv_file)])
    assert result.exit_code == 1
    assert "inventory.csv line 3: asset 'scugnizzo': field 'status'" in result.output
    assert "did you mean 'occupied'" in result.output
    assert "nothing was imported" in result.output
    assert snapshot(seeded) == before


def test_import_refuses_ids_repeated_in_the_file_or_already_present(runner: CliRunner, seeded: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "twice.csv"
    csv_file.write_text("id,name,kind,status\nnew-one,A,land,mapped\nnew-one,B,land,mapped\n", encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(seeded), "import", "assets", str(csv_file)])
    assert result.exit_code == 1 and "appears twice" in result.output
    csv_file.write_text("id,name,kind,status\nnew-one,A,land,mapped\nlido-pola,B,land,mapped\n", encoding="utf-8")
    before = snapshot(seeded)
    result = runner.invoke(cli, ["--db", str(seeded), "import", "assets", str(csv_file)])
    assert result.exit_code == 1 and "'lido-pola' already exists" in result.output
    assert snapshot(seeded) == before


def test_import_dry_run_says_what_would_be_added_and_writes_nothing(runner: CliRunner, seeded: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "new.csv"
    csv_file.write_text("id,name,kind,status\nnew-one,A,land,mapped\nnew-two,B,land,mapped\n", encoding="utf-8")
    before = snapshot(seeded)
    result = runner.invoke(cli, ["--db", str(seeded), "import", "assets", str(csv_file), "--dry-run"])
    assert result.exit_code == 0 and "Would add 2 assets" in result.output
    assert snapshot(seeded) == before


@pytest.mark.parametrize(
    "content,encoding,message",
    [
        ('[{"id": "x", "name": "X"', "utf-8", "not valid JSON"),
        ('{"id": "x", "name": {"en": "X"}, "kind": "land", "status": "mapped"}', "utf-8", "field 'name': expected a single value"),
        ("", "utf-8", "the file is empty"),
        ("id,name,kind,status\nqualcosa,Caffè,land,mapped\n", "cp1252", None),
        ("\ufeffid,name,kind,status\nbom-row,Con BOM,land,mapped\n", "utf-8", None),
    ],
    ids=["truncated-json", "wrong-type", "empty", "windows-1252", "utf8-bom"],
)
def test_import_reads_common_encodings_and_refuses_broken_files(
    runner: CliRunner, seeded: Path, tmp_path: Path, content: str, encoding: str, message: str | None
) -> None:
    suffix = ".json" if content.lstrip().startswith(("[", "{")) else ".csv"
    path = tmp_path / f"file{suffix}"
    path.write_bytes(content.encode(encoding))
    before = snapshot(seeded)
    result = runner.invoke(cli, ["--db", str(seeded), "import", "assets", str(path)])
    if message:
        assert result.exit_code == 1 and message in result.output
        assert snapshot(seeded) == before
    else:
        assert result.exit_code == 0, result.output
        rows = runner.invoke(cli, ["--db", str(seeded), "list", "assets", "--json"]).output
        assert ("Caffè" in rows) or ("bom-row" in rows)
