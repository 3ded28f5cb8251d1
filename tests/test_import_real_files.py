"""`commons import` of files as a city's offices have them: no status or ids, decimal commas, Excel and LibreOffice sheets, re-imports."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import snapshot
from hypothesis import given
from hypothesis import strategies as st

from registry.cli import cli
from registry.model.values import SLUG_RE

# An inventory as a municipal GIS office exports it from Excel in Italy: Windows-1252, semicolons, decimal commas.
INVENTARIO = (
    "Nome;Tipo;Indirizzo;Lat;Lon;Stato\r\n"
    "Città della Scienza;building;Via Coroglio 104;40,8095;14,1776;\r\n"
    "Orto dei Ciliegi;garden;Via Nuova Agnano;40,8330;14,1912;\r\n"
    "Orto dei Ciliegi;garden;Via Vecchia Agnano;40,8340;14,1920;\r\n"
    "L'Asilo;building;Vico Maffei 4;40,8504;14,2565;occupied\r\n"
)


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def assets(db: Path) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {row["id"]: dict(row) for row in conn.execute("SELECT * FROM assets")}
    finally:
        conn.close()


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "import", *args])


def inventory(tmp_path: Path, text: str = INVENTARIO, name: str = "inventario.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("cp1252"))
    return path


def test_an_excel_csv_without_ids_or_status_goes_in_with_set_and_id_from(db_path: Path, tmp_path: Path) -> None:
    result = run(db_path, "assets", str(inventory(tmp_path)), "--set", "status=mapped", "--set", "city=Napoli", "--id-from", "name")
    assert result.exit_code == 0, result.output
    found = assets(db_path)
    assert sorted(found) == ["citta-della-scienza", "l-asilo", "orto-dei-ciliegi", "orto-dei-ciliegi-2"]
    scienza = found["citta-della-scienza"]
    assert (scienza["name"], scienza["lat"], scienza["lon"]) == ("Città della Scienza", 40.8095, 14.1776), "cp1252 and decimal commas read"
    assert scienza["status"] == "mapped" and scienza["city"] == "Napoli"
    assert found["l-asilo"]["status"] == "occupied", "a row's own value wins over --set"
    assert found["orto-dei-ciliegi-2"]["address"] == "Via Vecchia Agnano", "the second row of a name gets -2, in file order"
    assert {a["country"] for a in found.values()} == {"IT"}, "countries come from the points"
    assert "4 assets given the country their point falls in" in result.output


def test_ids_are_transliterated_and_unique_against_the_registry(db_path: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("id,name,kind,status\nwroclaw-ogrod,Ogród,garden,mapped\n", encoding="utf-8")
    assert run(db_path, "assets", str(first)).exit_code == 0
    names = tmp_path / "names.csv"
    names.write_text(
        "name,kind\nWrocław Ogród,garden\nCittà Aperta,building\nΑθήνα Κήπος,garden\nحديقة الحي,garden\n"
        + "Ogród "
        + "x" * 200
        + ",garden\n",
        encoding="utf-8",
    )
    result = run(db_path, "assets", str(names), "--set", "status=mapped", "--id-from", "name")
    assert result.exit_code == 0, result.output
    ids = set(assets(db_path)) - {"wroclaw-ogrod"}
    assert "wroclaw-ogrod-2" in ids, "an id the registry holds is not taken: the made one is numbered"
    assert "citta-aperta" in ids
    assert {"athena-kepos", "hdyq-lhy"} <= ids, "Greek and Arabic names get a Latin transliteration"
    for record_id in ids:
        assert SLUG_RE.fullmatch(record_id) and len(record_id) <= 120 and record_id.isascii(), record_id
    assert len(ids) == 5


def test_a_semicolon_csv_with_our_columns_reads_decimal_commas_and_grouped_thousands(db_path: Path, tmp_path: Path) -> None:
    agreements = tmp_path / "agreements.csv"
    agreements.write_bytes(
        "id;title;kind;status;rent_eur_per_year\n"
        "nap-patto;Patto di collaborazione;civic_use_declaration;active;1.234,56\n"
        "nap-uso;Uso civico;civic_use_declaration;active;14,2556\n".encode("cp1252")
    )
    csv_assets = tmp_path / "assets.csv"
    csv_assets.write_bytes("\ufeffid;name;kind;status;lat;lon\nnap-villa;Villa Medusa;building;occupied;40,8;14,2556\n".encode())
    result = run(db_path, str(agreements), str(csv_assets))
    assert result.exit_code == 0, result.output
    assert dict(rows(db_path, "SELECT id, rent_eur_per_year FROM agreements")) == {"nap-patto": 1234.56, "nap-uso": 14.2556}
    assert assets(db_path)["nap-villa"]["lon"] == 14.2556


def test_an_ambiguous_number_is_refused_with_its_row_field_and_fix(db_path: Path, tmp_path: Path) -> None:
    agreements = tmp_path / "agreements.csv"
    agreements.write_text(
        "id;title;kind;status;rent_eur_per_year\nnap-a;A;civic_use_declaration;active;12,5\nnap-b;B;civic_use_declaration;active;1.234\n",
        encoding="utf-8",
    )
    before = snapshot(db_path)
    result = run(db_path, str(agreements))
    assert result.exit_code == 1
    assert "agreements.csv line 3: agreement 'nap-b': field 'rent_eur_per_year': '1.234' could be 1234" in result.output
    assert "write it as 1234 or as 1,234" in result.output
    assert snapshot(db_path) == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--set", "colour=red"], "--set colour=red: assets have no field 'colour'"),
        (["--set", "status=abandoned"], "--set status=abandoned: field 'status': 'abandoned' is not allowed"),
        (["--set", "id=same-for-all"], "--set id=same-for-all: every row would get the same id"),
        (["--set", "status=mapped", "--id-from", "nome"], "--id-from nome: assets have no field 'nome' (did you mean 'name'?)"),
        (["--set", "status=mapped", "--id-from", "name", "--sheet", "Beni"], "--sheet Beni: inventario.csv is not a spreadsheet"),
    ],
)
def test_a_bad_option_is_refused_naming_it_and_nothing_is_written(db_path: Path, tmp_path: Path, options: list[str], message: str) -> None:
    before = snapshot(db_path)
    result = run(db_path, "assets", str(inventory(tmp_path)), *options)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert snapshot(db_path) == before


def test_a_row_left_without_an_id_is_named(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "beni.csv"
    path.write_text("name,kind,status\nOrto,garden,mapped\n,garden,mapped\n🌳🌳,garden,mapped\n", encoding="utf-8")
    before = snapshot(db_path)
    result = run(db_path, "assets", str(path), "--columns", "name=name", "--id-from", "name")
    assert result.exit_code == 1
    assert "beni.csv line 3: asset: no 'name' to make an id from (--id-from name); give this row an id" in result.output
    assert "beni.csv line 4: asset: name '🌳🌳' gives no id (--id-from name); give this row an id" in result.output
    assert snapshot(db_path) == before


def excel_workbook(path: Path) -> Path:
    """A workbook as an office keeps it: a notes sheet first, the inventory second, typed cells and a formula."""
    import datetime as dt

    import openpyxl

    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Note"
    notes.append(["Inventario dei beni comuni, aggiornato a maggio"])
    sheet = workbook.create_sheet("Beni")
    sheet.append(["NOME", "TIPO", "LAT", "LON", "DAL", "VERIFICATO"])
    sheet.append(["Villa Medusa", "building", 40.8167, 14.1667, 2016, dt.datetime(2024, 5, 2)])
    sheet.append(["Scugnizzo Liberato", "building", 40.8523, 14.2556, 2015, dt.date(2024, 4, 30)])
    sheet.append(["Parco Formula", "park", "=40.8+0.05", 14.25, 2019, None])
    workbook.save(path)
    _save_cached_value(path, "xl/worksheets/sheet2.xml", "C4", "40.85")
    return path


def _save_cached_value(path: Path, member: str, cell: str, value: str) -> None:
    """Give a formula the value Excel saves beside it (openpyxl writes formulas without one)."""
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    xml = contents[member].decode("utf-8")
    xml, found = re.subn(rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f><v\s*/?>(?:</v>)?', rf"\1<f>\2</f><v>{value}</v>", xml)
    assert found == 1, xml
    contents[member] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def test_an_xlsx_sheet_is_read_with_its_dates_numbers_and_formula_values(db_path: Path, tmp_path: Path) -> None:
    workbook = excel_workbook(tmp_path / "patrimonio.xlsx")
    result = run(
        db_path,
        "assets",
        str(workbook),
        "--sheet",
        "Beni",
        "--columns",
        "since=DAL,last_verified=VERIFICATO",
        "--set",
        "status=mapped",
        "--id-from",
        "name",
    )
    assert result.exit_code == 0, result.output
    found = assets(db_path)
    assert found["villa-medusa"]["last_verified"] == "2024-05-02", "a date cell becomes an ISO date"
    assert found["scugnizzo-liberato"]["last_verified"] == "2024-04-30"
    assert found["villa-medusa"]["since"] == "2016", "a whole number stays whole"
    assert (found["villa-medusa"]["lat"], found["villa-medusa"]["lon"]) == (40.8167, 14.1667)
    assert found["parco-formula"]["lat"] == 40.85, "a formula is read as the value saved with it"
    assert found["villa-medusa"]["country"] == "IT"


def test_the_first_sheet_is_read_unless_sheet_names_another_and_an_unknown_one_lists_them(db_path: Path, tmp_path: Path) -> None:
    workbook = excel_workbook(tmp_path / "patrimonio.xlsx")
    before = snapshot(db_path)
    first = run(db_path, "assets", str(workbook), "--set", "status=mapped", "--dry-run")
    assert first.exit_code == 1
    assert (
        "its first sheet 'Note' holds no rows under its first line; choose the sheet with --sheet NAME (its sheets: Note, Beni)"
        in first.output
    )
    unknown = run(db_path, "assets", str(workbook), "--sheet", "beni", "--set", "status=mapped", "--id-from", "name")
    assert unknown.exit_code == 1
    assert "--sheet beni: patrimonio.xlsx has no sheet 'beni'" in unknown.output and "its sheets are: Note, Beni" in unknown.output
    assert snapshot(db_path) == before


def ods_workbook(path: Path) -> Path:
    """A LibreOffice sheet with typed cells, a formula holding its computed value, and the usual repeated empty cells."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    def cell(shown: str, **attributes: Any) -> TableCell:
        """A cell with its typed value in attributes and the text a spreadsheet shows in a paragraph."""
        made = TableCell(**attributes)
        made.addElement(P(text=shown))
        return made

    document = OpenDocumentSpreadsheet()
    table = Table(name="Immobili")
    header = TableRow()
    for name in ("id", "name", "kind", "lat", "lon", "last_verified"):
        header.addElement(cell(name, valuetype="string"))
    table.addElement(header)
    for record_id, name, lat, lon, formula in (
        ("nap-lido", "Lido Pola", "40.8006", "14.1876", None),
        ("nap-giardino", "Giardino Liberato", "40.8548", "14.2473", "of:=[.D2]+0.0542"),
    ):
        row = TableRow()
        row.addElement(cell(record_id, valuetype="string"))
        row.addElement(cell(name, valuetype="string"))
        row.addElement(cell("garden", valuetype="string"))
        extra = {"formula": formula} if formula else {}
        row.addElement(cell(lat.replace(".", ","), valuetype="float", value=lat, **extra))
        row.addElement(cell(lon.replace(".", ","), valuetype="float", value=lon))
        row.addElement(cell("02/05/24", valuetype="date", datevalue="2024-05-02"))
        row.addElement(TableCell(numbercolumnsrepeated=1000))
        table.addElement(row)
    table.addElement(TableRow(numberrowsrepeated=1048570))
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def test_an_ods_sheet_is_read_with_typed_cells(db_path: Path, tmp_path: Path) -> None:
    result = run(db_path, "assets", str(ods_workbook(tmp_path / "immobili.ods")), "--set", "status=recognised")
    assert result.exit_code == 0, result.output
    found = assets(db_path)
    assert sorted(found) == ["nap-giardino", "nap-lido"]
    assert found["nap-giardino"]["lat"] == 40.8548 and found["nap-lido"]["lon"] == 14.1876
    assert found["nap-lido"]["last_verified"] == "2024-05-02"
    assert found["nap-lido"]["country"] == "IT"


def test_a_geopackage_without_our_columns_goes_in(db_path: Path, tmp_path: Path) -> None:
    geopandas = pytest.importorskip("geopandas")
    from shapely.geometry import Point

    frame = geopandas.GeoDataFrame(
        {"NOME": ["Ex Lanificio", "Santa Fede Liberata"], "TIPO": ["building", "building"]},
        geometry=[Point(14.2668, 40.8532), Point(14.2530, 40.8495)],
        crs=4326,
    ).to_crs(32633)
    path = tmp_path / "beni.gpkg"
    frame.to_file(path, layer="beni", driver="GPKG")
    result = run(db_path, "assets", str(path), "--set", "status=mapped", "--id-from", "name")
    assert result.exit_code == 0, result.output
    found = assets(db_path)
    assert sorted(found) == ["ex-lanificio", "santa-fede-liberata"]
    assert found["ex-lanificio"]["country"] == "IT" and found["ex-lanificio"]["lat"] == pytest.approx(40.8532)


def test_update_previews_each_change_then_writes_and_logs_it(db_path: Path, tmp_path: Path) -> None:
    options = ("--set", "status=mapped", "--id-from", "name")
    assert run(db_path, "assets", str(inventory(tmp_path)), *options).exit_code == 0
    corrected = INVENTARIO.replace("Via Coroglio 104", "Via Coroglio 57").replace(";occupied", ";recognised") + (
        "Lido Pola;beach;Via Nuova Posillipo;40,8006;14,1876;\r\n"
    )
    path = inventory(tmp_path, corrected, "inventario-2.csv")
    before = snapshot(db_path)
    preview = run(db_path, "assets", str(path), *options, "--update", "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert "citta-della-scienza: address Via Coroglio 104 → Via Coroglio 57" in preview.output
    assert "l-asilo: status occupied → recognised" in preview.output
    assert "Would add 1 assets, would update 2 (2 unchanged)" in preview.output
    assert snapshot(db_path) == before, "a dry run writes nothing"

    done = run(db_path, "assets", str(path), *options, "--update")
    assert done.exit_code == 0, done.output
    assert "Added 1 assets, updated 2 (2 unchanged)" in done.output
    found = assets(db_path)
    assert found["citta-della-scienza"]["address"] == "Via Coroglio 57" and found["l-asilo"]["status"] == "recognised"
    assert found["orto-dei-ciliegi"]["status"] == "mapped" and "lido-pola" in found
    logged = rows(db_path, "SELECT record_id, before, after FROM changes WHERE action = 'update' AND table_name = 'assets'")
    by_id = {record_id: (json.loads(b), json.loads(a)) for record_id, b, a in logged}
    assert set(by_id) == {"citta-della-scienza", "l-asilo"}
    assert by_id["l-asilo"][0]["status"] == "occupied" and by_id["l-asilo"][1]["status"] == "recognised"
    steps = rows(db_path, "SELECT status FROM asset_events WHERE asset_id = 'l-asilo' ORDER BY id")
    assert [s for (s,) in steps] == ["occupied", "recognised"], "a new status is a step of the timeline, as with edit"


def test_update_keeps_what_a_record_holds_where_set_would_fill_it(db_path: Path, tmp_path: Path) -> None:
    options = ("--set", "status=mapped", "--id-from", "name")
    assert run(db_path, "assets", str(inventory(tmp_path)), *options).exit_code == 0
    edited = CliRunner().invoke(cli, ["--db", str(db_path), "edit", "assets", "orto-dei-ciliegi", "--set", "status=occupied"])
    assert edited.exit_code == 0, edited.output
    result = run(db_path, "assets", str(inventory(tmp_path)), *options, "--update")
    assert result.exit_code == 0, result.output
    assert assets(db_path)["orto-dei-ciliegi"]["status"] == "occupied"
    assert "updated 0 (4 unchanged)" in result.output


def test_without_update_a_taken_id_is_refused_and_one_bad_row_undoes_the_updates(db_path: Path, tmp_path: Path) -> None:
    options = ("--set", "status=mapped", "--id-from", "name")
    assert run(db_path, "assets", str(inventory(tmp_path)), "--id-from", "name", "--set", "status=mapped").exit_code == 0
    given = tmp_path / "assets.csv"
    given.write_text("id,name,kind,status\nl-asilo,L'Asilo,building,recognised\n", encoding="utf-8")
    before = snapshot(db_path)
    taken = run(db_path, str(given))
    assert taken.exit_code == 1 and "asset 'l-asilo' already exists" in taken.output
    assert "to update the records whose ids exist instead, import with --update" in taken.output
    bad = inventory(tmp_path, INVENTARIO.replace("Via Coroglio 104", "Via Coroglio 57") + "Nuovo;castle;Via X;40,85;14,25;\r\n", "bad.csv")
    refused = run(db_path, "assets", str(bad), *options, "--update")
    assert refused.exit_code == 1
    assert "bad.csv line 6: asset 'nuovo': field 'kind': 'castle' is not allowed" in refused.output
    assert snapshot(db_path) == before


def test_a_spreadsheet_that_expands_past_the_limit_is_refused_before_it_is_read(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "enorme.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<row/>" * 400_000)
    result = run(db_path, "assets", str(path), "--max-mb", "1")
    assert result.exit_code == 1
    assert "enorme.xlsx expands to 2.4 MB, over the 1.0 MB one import reads" in result.output


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_a_number_written_the_italian_way_reads_back_as_itself(number: Any) -> None:
    from registry.formats.decimals import read_decimal_comma

    english = f"{number:,.2f}"  # 1,234,567.89
    italian = english.replace(",", " ").replace(".", ",").replace(" ", ".")  # 1.234.567,89
    assert float(read_decimal_comma(italian)) == float(number)


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_a_dot_before_three_digits_is_never_guessed(whole: int, part: int) -> None:
    from registry.formats.decimals import read_decimal_comma

    with pytest.raises(ValueError, match="could be"):
        read_decimal_comma(f"{whole}.{part:03d}")
    assert read_decimal_comma(f"{whole}.{part:03d}", degrees=True) == f"{whole}.{part:03d}", "degrees never reach a thousand"
