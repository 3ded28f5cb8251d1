"""`commons import` of several files or a folder: one transaction, references first, every problem named."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from conftest import snapshot

from registry.cli import cli
from registry.formats.importing import files_to_import
from registry.formats.rows import _csv_rows
from registry.model.kinds import dependency_order

ASSETS = "id,name,kind,status,country,lat,lon\nnap-giardino,Giardino Liberato,garden,recognised,IT,40.8548,14.2473\n"
ACTORS = "id,name,kind\nnap-comitato,Comitato Giardino,informal_collective\n"
AGREEMENTS = "id,title,kind,status,asset_id\nnap-patto,Patto del giardino,civic_use_declaration,active,nap-giardino\n"
CASES = "id,title,country,lat,lon\nnap-caso,Il giardino,IT,40.8548,14.2473\n"


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_csv", ".csv").replace("_json", ".json")).write_text(text, encoding="utf-8")
    return folder


def invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), "import", *args])


def test_a_folder_imports_every_kind_in_one_transaction_assets_before_agreements(db_path: Path, tmp_path: Path) -> None:
    folder = write(tmp_path / "dataset", assets_csv=ASSETS, actors_csv=ACTORS, agreements_csv=AGREEMENTS, cases_csv=CASES)
    (folder / "README.txt").write_text("not data", encoding="utf-8")
    result = invoke(db_path, str(folder))
    assert result.exit_code == 0, result.output
    assert "Added 1 assets from" in result.output and "Added 1 agreements from" in result.output
    assert "Added 4 records from 4 files in one transaction" in result.output
    assert f"left out {folder / 'README.txt'}: its name is not a kind" in result.output
    conn = sqlite3.connect(db_path)
    txns = {row[0] for row in conn.execute("SELECT txn FROM changes WHERE action = 'insert'")}
    tables = {row[0] for row in conn.execute("SELECT table_name FROM changes")}
    conn.close()
    assert len(txns) == 1 and {"assets", "actors", "agreements", "case_studies", "asset_events"} <= tables


def test_files_named_in_any_order_go_in_references_first(db_path: Path, tmp_path: Path) -> None:
    folder = write(tmp_path, agreements_csv=AGREEMENTS, assets_csv=ASSETS)
    result = invoke(db_path, str(folder / "agreements.csv"), str(folder / "assets.csv"))
    assert result.exit_code == 0, result.output
    assert result.output.index("assets from") < result.output.index("agreements from")
    assert dependency_order().index("assets") < dependency_order().index("agreements")


def test_a_bad_row_in_any_file_leaves_the_registry_unchanged(db_path: Path, tmp_path: Path) -> None:
    folder = write(
        tmp_path, assets_csv=ASSETS, cases_csv=CASES + "nap-altro,Altro,IT,40.85,north\n", actors_csv="id,name,kind\nbad id,X,cooperative\n"
    )
    before = snapshot(db_path)
    result = invoke(db_path, str(folder))
    assert result.exit_code == 1
    assert "cases.csv line 3: case study 'nap-altro': field 'lon': must be a number" in result.output
    assert "actors.csv line 2: actor 'bad id': field 'id': must be a slug" in result.output, "every file's problems are listed"
    assert "nothing was imported" in result.output
    assert snapshot(db_path) == before


def test_a_missing_reference_in_a_later_file_undoes_the_earlier_files(db_path: Path, tmp_path: Path) -> None:
    folder = write(tmp_path, assets_csv=ASSETS, agreements_csv=AGREEMENTS.replace(",nap-giardino\n", ",nap-altrove\n"))
    before = snapshot(db_path)
    result = invoke(db_path, str(folder))
    assert result.exit_code == 1
    assert "agreements.csv line 2: agreement 'nap-patto': field 'asset_id': there is no asset 'nap-altrove'" in result.output
    assert snapshot(db_path) == before


def test_dry_run_of_several_files_says_what_each_would_add_and_writes_nothing(db_path: Path, tmp_path: Path) -> None:
    folder = write(tmp_path, assets_csv=ASSETS, agreements_csv=AGREEMENTS)
    before = snapshot(db_path)
    result = invoke(db_path, str(folder), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would add 1 assets from" in result.output and "Would add 2 records from 2 files" in result.output
    assert snapshot(db_path) == before


def test_one_kind_may_come_in_several_files_and_an_id_in_two_of_them_is_refused(db_path: Path, tmp_path: Path) -> None:
    first = write(tmp_path / "a", assets_csv=ASSETS) / "assets.csv"
    second = (
        write(tmp_path / "b", assets_json='[{"id": "nap-scugnizzo", "name": "Scugnizzo", "kind": "building", "status": "occupied"}]')
        / "assets.json"
    )
    result = invoke(db_path, "assets", str(first), str(second))
    assert result.exit_code == 0, result.output
    assert "Added 2 records from 2 files" in result.output
    again = write(tmp_path / "c", assets_csv=ASSETS) / "assets.csv"
    repeated = write(tmp_path / "d", inventory_csv=ASSETS) / "inventory.csv"
    result = invoke(db_path, "assets", str(again), str(repeated))
    assert result.exit_code == 1
    assert "inventory.csv line 2: asset 'nap-giardino' appears twice (first at assets.csv line 2)" in result.output


def test_swapped_coordinates_are_warned_about_in_any_file(db_path: Path, tmp_path: Path) -> None:
    folder = write(tmp_path, assets_csv=ASSETS, cases_csv="id,title,country,lat,lon\nnap-caso,Il giardino,IT,14.2473,40.8548\n")
    result = invoke(db_path, str(folder))
    assert result.exit_code == 0, result.output
    assert (
        "cases.csv line 2: case study 'nap-caso': point (14.2473, 40.8548) falls in ET, not IT — lat and lon look swapped" in result.output
    )


def test_a_file_whose_name_is_not_a_kind_needs_the_kind(db_path: Path, tmp_path: Path) -> None:
    inventory = write(tmp_path, inventory_csv=ASSETS) / "inventory.csv"
    result = invoke(db_path, str(inventory))
    assert result.exit_code == 1
    assert "inventory.csv: its name does not say which kind of records it holds" in result.output
    assert f"commons import assets {inventory}" in result.output
    assert invoke(db_path, "assets", str(inventory)).exit_code == 0


def test_a_folder_without_kind_named_files_is_refused(db_path: Path, tmp_path: Path) -> None:
    folder = write(tmp_path / "empty", inventory_csv=ASSETS)
    result = invoke(db_path, str(folder))
    assert result.exit_code == 1 and "holds no file named after a kind" in result.output and "assets.csv" in result.output
    result = invoke(db_path, "assets", str(folder))
    assert result.exit_code == 1 and "is a folder" in result.output


def test_missing_files_and_a_file_named_twice_are_refused(db_path: Path, tmp_path: Path) -> None:
    assets = write(tmp_path, assets_csv=ASSETS) / "assets.csv"
    result = invoke(db_path, str(assets), str(tmp_path / "actors.csv"))
    assert result.exit_code == 1 and f"no file at {tmp_path / 'actors.csv'}" in result.output
    result = invoke(db_path, str(assets), str(assets))
    assert result.exit_code == 1 and "is named twice" in result.output


def test_a_misspelt_or_lonely_kind_is_a_usage_error(db_path: Path, tmp_path: Path) -> None:
    result = invoke(db_path, "asets", "inventory.csv")
    assert result.exit_code == 2 and "did you mean 'assets'" in result.output
    result = invoke(db_path, "assets")
    assert result.exit_code == 2 and "give the file to import after the kind" in result.output


def test_spatial_options_describe_one_file_of_a_given_kind(db_path: Path, tmp_path: Path) -> None:
    folder = write(tmp_path, assets_csv=ASSETS, actors_csv=ACTORS)
    result = invoke(db_path, str(folder), "--crs", "EPSG:32633")
    assert result.exit_code == 2 and "--layer, --columns and --crs describe one file" in result.output


def test_files_to_import_resolves_kinds_by_name(tmp_path: Path) -> None:
    folder = write(tmp_path, case_studies_csv=CASES, assets_csv=ASSETS, agreements_csv=AGREEMENTS)
    assert [(kind, path.name) for kind, path in files_to_import([folder])] == [
        ("assets", "assets.csv"),
        ("agreements", "agreements.csv"),
        ("cases", "case_studies.csv"),
    ]


def test_csv_rows_read_as_dictreader_read_them(tmp_path: Path) -> None:
    """The plain-reader fast path keeps DictReader's answers: short rows, blank lines, padded names, repeated names."""
    texts = [
        "id, name ,kind\na,A\n\nb,B,land\n,,\n",
        "id,name,name\na,first,\nb,,second\nc,first,second\n",
        "id,name, name\na,first,\nb,,second\n",
    ]
    for text in texts:
        path = tmp_path / "assets.csv"
        path.write_text(text, encoding="utf-8")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        expected = []
        for row in reader:
            values = {k.strip(): v for k, v in row.items() if k is not None and v not in (None, "")}
            if values:
                expected.append((f"assets.csv line {reader.line_num}: ", values))
        assert _csv_rows(path, text, ",") == expected, text
