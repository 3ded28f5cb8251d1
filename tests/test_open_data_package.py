"""The downloads are a Frictionless data package that data tools read without help, and answer "who manages what".

Frictionless itself validates the package (types, required fields, keys and
references across files); a strict GeoJSON checker reads the map files.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import sqlite3
from pathlib import Path

import pytest
from conftest import BuiltSite, build_test_site

from registry.operations.records import add_record
from registry.store.database import open_registry

frictionless = pytest.importorskip("frictionless")
geojson_validator = pytest.importorskip("geojson_validator")

CLOCKWISE_OUTLINE = {"type": "Polygon", "coordinates": [[[14.25, 40.85], [14.25, 40.86], [14.26, 40.86], [14.26, 40.85], [14.25, 40.85]]]}


def _package(site: BuiltSite) -> dict:
    return json.loads((site.output / "data" / "datapackage.json").read_text(encoding="utf-8"))


def _frictionless_errors(package_file: Path) -> list[str]:
    report = frictionless.validate(str(package_file))
    return [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors] + [e.message for e in report.errors]


def test_the_data_package_of_the_example_passes_frictionless_validation(built_site: BuiltSite) -> None:
    assert _frictionless_errors(built_site.output / "data" / "datapackage.json") == []


def test_every_download_is_a_resource_of_the_package_with_its_true_size_and_hash(built_site: BuiltSite) -> None:
    data = built_site.output / "data"
    resources = {r["path"]: r for r in _package(built_site)["resources"]}
    downloads = {p.name for p in data.iterdir() if p.suffix in (".csv", ".json", ".geojson") and p.name != "datapackage.json"}
    assert downloads == set(resources)
    for path, resource in resources.items():
        content = (data / path).read_bytes()
        if "hash" in resource:
            assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
            assert resource["bytes"] == len(content)
    assert {
        "agreement_parties.csv",
        "case_study_actors.csv",
        "case_study_assets.csv",
        "asset_events.csv",
        "sources.csv",
        "citations.csv",
    } <= downloads
    assert "agreements.geojson" in downloads


def test_partial_dates_lists_and_vocabularies_are_typed_as_they_really_are(built_site: BuiltSite) -> None:
    resources = {r["name"]: r for r in _package(built_site)["resources"]}
    assets = {f["name"]: f for f in resources["assets"]["schema"]["fields"]}
    assert assets["since"]["type"] == "string" and "YYYY" in assets["since"]["description"]
    assert assets["status"]["constraints"]["enum"] and assets["status"]["constraints"]["required"] is True
    assert assets["lat"]["type"] == "number" and assets["geometry"]["type"] == "geojson"
    cases_csv = {f["name"]: f for f in resources["cases"]["schema"]["fields"]}
    cases_json = {f["name"]: f for f in resources["cases-json"]["schema"]["fields"]}
    assert cases_csv["policy_areas"]["type"] == "list" and cases_csv["policy_areas"]["delimiter"] == ","
    assert cases_json["policy_areas"]["type"] == "array"
    assert resources["cases"]["path"] == "cases.csv" and resources["assets"]["schema"]["primaryKey"] == ["id"]
    references = {k["fields"][0]: k["reference"] for k in resources["agreements"]["schema"]["foreignKeys"]}
    assert references["asset_id"] == {"resource": "assets", "fields": ["id"]}
    parties = resources["agreement_parties"]["schema"]
    assert parties["primaryKey"] == ["agreement_id", "actor_id"] and len(parties["foreignKeys"]) == 2


def test_the_csv_downloads_tell_who_manages_what_as_the_database_does(built_site: BuiltSite) -> None:
    data = built_site.output / "data"

    def rows(name: str) -> list[dict[str, str]]:
        with (data / name).open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    actors = {r["id"]: r["name"] for r in rows("actors.csv")}
    from_csv = sorted((p["agreement_id"], actors[p["actor_id"]], p["role"]) for p in rows("agreement_parties.csv"))
    conn = sqlite3.connect(data / "public.db")
    from_db = sorted(
        conn.execute("SELECT p.agreement_id, a.name, p.role FROM agreement_parties p JOIN actors a ON a.id = p.actor_id").fetchall()
    )
    assert from_csv == [tuple(r) for r in from_db] and from_csv
    cited = {(c["record_kind"], c["record_id"]) for c in rows("citations.csv")}
    assert cited == set(conn.execute("SELECT record_kind, record_id FROM citations").fetchall())


def test_each_agreement_stands_on_the_map_file_where_its_asset_is(built_site: BuiltSite) -> None:
    data = built_site.output / "data"
    assets = {f["id"]: f for f in json.loads((data / "assets.geojson").read_text(encoding="utf-8"))["features"]}
    agreements = json.loads((data / "agreements.geojson").read_text(encoding="utf-8"))["features"]
    placed = [f for f in agreements if f["properties"]["asset_id"]]
    assert placed and all(f["geometry"] == assets[f["properties"]["asset_id"]]["geometry"] for f in placed)
    assert all(f["geometry"] is None for f in agreements if not f["properties"]["asset_id"])


def test_downloads_with_a_clockwise_outline_and_hostile_text_still_validate(example_registry: Path, tmp_path: Path) -> None:
    registry = open_registry(example_registry, by="tester")
    add_record(
        registry,
        "assets",
        {
            "id": "nap-hostile",
            "name": '=HYPERLINK("http://x") "quoted", comma\nnew line </script>',
            "kind": "land",
            "status": "mapped",
            "since": "2012",
            "description": "*Markdown* & <b>tags</b>",
            "geometry": json.dumps(CLOCKWISE_OUTLINE),
        },
    )
    registry.close()
    output = tmp_path / "output"
    build_test_site(example_registry, output, search=False)
    assert _frictionless_errors(output / "data" / "datapackage.json") == []
    logging.getLogger().setLevel(logging.WARNING)  # the checker logs every feature it skips
    for path in (output / "data").glob("*.geojson"):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert geojson_validator.validate_structure(document, check_crs=True) == {}, path.name
        assert geojson_validator.validate_geometries(document)["invalid"] == {}, path.name
    with (output / "data" / "assets.csv").open(encoding="utf-8", newline="") as f:
        hostile = next(r for r in csv.DictReader(f) if r["id"] == "nap-hostile")
    assert hostile["name"].startswith("'=")


def test_the_codebook_on_the_data_page_shows_every_column_the_package_describes(built_site: BuiltSite) -> None:
    page = (built_site.output / "data" / "index.html").read_text(encoding="utf-8")
    codebook = page[page.index('id="codebook"') :]
    for resource in _package(built_site)["resources"]:
        if resource["format"] == "csv":
            assert f'id="codebook-{resource["name"]}"' in codebook
            for field in resource["schema"]["fields"]:
                assert f"<code>{field['name']}</code>" in codebook
    assert "<code>cases.csv</code>" in codebook and "<code>case_studies</code>" in codebook
    assert 'href="../data/datapackage.json"' in page or "datapackage.json" in page


def test_the_data_page_says_how_many_rows_each_linking_table_holds(built_site: BuiltSite) -> None:
    data = built_site.output / "data"
    page = (data / "index.html").read_text(encoding="utf-8")
    downloads = page[page.index('id="downloads-heading"') : page.index('id="licence"')]
    for name in ("agreement_parties", "citations", "asset_events"):
        with (data / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            rows = sum(1 for _ in csv.DictReader(f))
        row = downloads[downloads.index(f'href="#codebook-{name}"') :]
        row = row[: row.index("</tr>")]
        assert f"<td>{rows:,}</td>" in row, (name, rows)
