"""`commons districts load|assign` (spatial join, logged) and `commons near` (metres, nearest first)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registry.cli import cli
from registry.geo.districts import assign_districts, load_districts
from registry.geo.near import near_records
from registry.operations.records import add_record, get_record, update_record
from registry.store.database import Registry, open_registry

gpd = pytest.importorskip("geopandas")
box = pytest.importorskip("shapely.geometry").box
Polygon = pytest.importorskip("shapely.geometry").Polygon

# Two halves of a small piece of Naples, split at longitude 14.25.
WEST = box(14.20, 40.80, 14.25, 40.90)
EAST = box(14.25, 40.80, 14.30, 40.90)


def run(runner: CliRunner, db: Path, *args: str) -> Any:
    return runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def districts_file(path: Path, shapes: list[Any], names: list[str], crs: int = 4326, **columns: list[Any]) -> Path:
    data = gpd.GeoDataFrame({"QUARTIERE": names, **columns}, geometry=shapes, crs=4326)
    (data.to_crs(crs) if crs != 4326 else data).to_file(path)
    return path


def add_asset(registry: Registry, record_id: str, lat: float | None, lon: float | None, **extra: Any) -> None:
    values = {"id": record_id, "name": record_id.title(), "kind": "building", "status": "mapped", **extra}
    if lat is not None:
        values.update(lat=lat, lon=lon)
    add_record(registry, "assets", values)


@pytest.fixture
def naples(registry: Registry) -> Registry:
    add_asset(registry, "west-one", 40.85, 14.22)
    add_asset(registry, "west-two", 40.86, 14.24, district="Old name")
    add_asset(registry, "east-one", 40.85, 14.28)
    add_asset(registry, "far-away", 45.46, 9.19)
    add_asset(registry, "unplaced", None, None)
    return registry


def test_load_stores_boundaries_and_assigns_each_asset_its_district(naples: Registry, tmp_path: Path) -> None:
    path = districts_file(tmp_path / "q.gpkg", [WEST, EAST], ["Chiaia", "Vomero"], crs=32633, COD=[1, 2])
    result = load_districts(naples, path, city="Napoli")
    assert (result.added, result.updated, result.removed) == (2, 0, 0)
    assert any("reprojected from EPSG:32633" in note for note in result.notes)
    rows = naples.conn.execute("SELECT id, name, city, geometry FROM districts ORDER BY id").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("1", "Chiaia", "Napoli"), ("2", "Vomero", "Napoli")]
    from shapely.geometry import shape

    assert shape(json.loads(rows[0][3])).symmetric_difference(WEST).area < 1e-9
    assignment = result.assignment
    assert assignment is not None
    assert sorted(a for a, _, _ in assignment.changed) == ["east-one", "west-one", "west-two"]
    assert assignment.outside == ["far-away"] and assignment.unlocated == 1
    assert get_record(naples, "assets", "west-one")["district"] == "Chiaia"
    assert get_record(naples, "assets", "west-two")["district"] == "Chiaia"
    assert get_record(naples, "assets", "east-one")["district"] == "Vomero"
    logged = naples.conn.execute(
        "SELECT before, after FROM changes WHERE table_name = 'assets' AND record_id = 'west-two' AND action = 'update'"
    ).fetchall()
    assert json.loads(logged[-1][0])["district"] == "Old name" and json.loads(logged[-1][1])["district"] == "Chiaia"
    assert naples.conn.execute("SELECT count(*) FROM changes WHERE table_name = 'districts' AND action = 'insert'").fetchone()[0] == 2


def test_rerunning_changes_nothing_and_moved_assets_or_boundaries_are_reassigned(naples: Registry, tmp_path: Path) -> None:
    path = districts_file(tmp_path / "q.geojson", [WEST, EAST], ["Chiaia", "Vomero"])
    load_districts(naples, path, name_column="QUARTIERE")
    logged = naples.conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    again = load_districts(naples, path, name_column="QUARTIERE")
    assert again.unchanged == 2 and again.assignment is not None and again.assignment.changed == []
    assert naples.conn.execute("SELECT count(*) FROM changes").fetchone()[0] == logged
    update_record(naples, "assets", "west-one", {"lon": 14.29})
    moved = assign_districts(naples)
    assert moved.changed == [("west-one", "Chiaia", "Vomero")]
    shifted = districts_file(
        tmp_path / "q2.geojson", [box(14.20, 40.80, 14.23, 40.90), box(14.23, 40.80, 14.30, 40.90)], ["Chiaia", "Vomero"]
    )
    reloaded = load_districts(naples, shifted, name_column="QUARTIERE")
    assert reloaded.updated == 2
    assert get_record(naples, "assets", "west-two")["district"] == "Vomero"


def test_loading_a_city_replaces_only_that_citys_districts(naples: Registry, tmp_path: Path) -> None:
    load_districts(naples, districts_file(tmp_path / "a.geojson", [WEST, EAST], ["Chiaia", "Vomero"]), city="Napoli")
    milan = box(9.1, 45.4, 9.3, 45.5)
    load_districts(naples, districts_file(tmp_path / "m.geojson", [milan], ["Centro"]), city="Milano")
    assert get_record(naples, "assets", "far-away")["district"] == "Centro"
    result = load_districts(naples, districts_file(tmp_path / "b.geojson", [WEST.union(EAST)], ["Napoli centro"]), city="Napoli")
    assert result.removed == 2 and result.added == 1
    names = sorted(r[0] for r in naples.conn.execute("SELECT name FROM districts"))
    assert names == ["Centro", "Napoli centro"]


def test_bad_district_files_are_refused_with_the_feature_named(naples: Registry, tmp_path: Path) -> None:
    from registry.model.errors import ValidationError

    bowtie = Polygon([(14.20, 40.80), (14.25, 40.85), (14.25, 40.80), (14.20, 40.85), (14.20, 40.80)])
    with pytest.raises(ValidationError) as invalid:
        load_districts(naples, districts_file(tmp_path / "bad.geojson", [WEST, bowtie], ["Chiaia", "Storto"]))
    assert "bad.geojson feature 2 (Storto): geometry is invalid" in "\n".join(invalid.value.problems)
    data = gpd.GeoDataFrame({"ZONA": ["A"]}, geometry=[WEST], crs=4326)
    data.to_file(tmp_path / "noname.geojson")
    with pytest.raises(ValidationError) as unnamed:
        load_districts(naples, tmp_path / "noname.geojson")
    assert "--name-column" in unnamed.value.problems[0] and "ZONA" in unnamed.value.problems[0]
    with pytest.raises(ValidationError) as wrong:
        load_districts(naples, tmp_path / "noname.geojson", name_column="ZONE")
    assert "no column 'ZONE' (did you mean 'ZONA'?)" in wrong.value.problems[0]
    assert naples.conn.execute("SELECT count(*) FROM districts").fetchone()[0] == 0


def test_districts_commands(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    reg = open_registry(db_path)
    add_asset(reg, "west-one", 40.85, 14.22)
    reg.close()
    path = districts_file(tmp_path / "q.geojson", [WEST, EAST], ["Chiaia", "Vomero"])
    loaded = run(runner, db_path, "districts", "load", str(path), "--name-column", "QUARTIERE", "--id-column", "QUARTIERE")
    assert loaded.exit_code == 0, loaded.output
    assert "Districts: 2 added" in loaded.output and "west-one: (none) → Chiaia" in loaded.output
    assigned = run(runner, db_path, "districts", "assign")
    assert assigned.exit_code == 0 and "0 given a district, 1 unchanged" in assigned.output
    missing = run(runner, db_path, "districts", "load", str(tmp_path / "nope.geojson"))
    assert missing.exit_code == 1 and "no file at" in missing.output


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_near_lists_records_of_every_kind_within_the_radius_nearest_first(naples: Registry) -> None:
    add_record(naples, "actors", {"id": "act-near", "name": "Near", "kind": "cooperative", "lat": 40.851, "lon": 14.221})
    add_record(naples, "cases", {"id": "cs-near", "title": "Case", "lat": 40.86, "lon": 14.22})
    found = near_records(naples, "assets", "west-one", 3)
    assert [(n.kind, n.id) for n in found] == [("actors", "act-near"), ("cases", "cs-near"), ("assets", "west-two")]
    assert [n.km for n in found] == sorted(n.km for n in found)
    for n, (lat, lon) in zip(found, [(40.851, 14.221), (40.86, 14.22), (40.86, 14.24)], strict=True):
        assert n.km == pytest.approx(haversine_km(40.85, 14.22, lat, lon), rel=0.005)
    assert [n.id for n in near_records(naples, "assets", "west-one", 3, only="assets")] == ["west-two"]
    assert near_records(naples, "assets", "west-one", 0.05) == []


def test_near_measures_to_outlines_not_just_points(naples: Registry) -> None:
    from shapely.geometry import mapping

    park = box(14.225, 40.845, 14.235, 40.855)
    add_asset(naples, "park", 40.85, 14.23, geometry=json.dumps(mapping(park)))
    found = {n.id: n.km for n in near_records(naples, "assets", "west-one", 1)}
    assert found["park"] == pytest.approx(haversine_km(40.85, 14.22, 40.85, 14.225), rel=0.01)


def test_near_refuses_what_it_cannot_measure(naples: Registry) -> None:
    from registry.model.errors import NotFound, ValidationError

    with pytest.raises(ValidationError, match="has no location"):
        near_records(naples, "assets", "unplaced", 1)
    with pytest.raises(ValidationError, match="above 0"):
        near_records(naples, "assets", "west-one", 0)
    with pytest.raises(NotFound):
        near_records(naples, "assets", "nowhere", 1)
    with pytest.raises(ValidationError, match="agreements have no location"):
        near_records(naples, "agreements", "x", 1)


def test_near_command(runner: CliRunner, example_registry: Path) -> None:
    result = run(runner, example_registry, "near", "assets", "nap-asilo", "--km", "2", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found and all(n["km"] <= 2 for n in found)
    assert [n["km"] for n in found] == sorted(n["km"] for n in found)
    assert "nap-asilo" not in [n["id"] for n in found if n["kind"] == "assets"]
    text = run(runner, example_registry, "near", "assets", "nap-asilo", "--km", "2")
    assert " km  " in text.output
