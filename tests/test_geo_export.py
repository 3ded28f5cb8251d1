"""`commons export --format geojson|gpkg`: RFC 7946 and GeoPackage that read back to the same records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registry.cli import cli
from registry.operations.records import add_record, list_records
from registry.store.database import create_registry, open_registry

gpd = pytest.importorskip("geopandas")
shape = pytest.importorskip("shapely.geometry").shape

OUTLINE = {"type": "Polygon", "coordinates": [[[14.244, 40.862], [14.248, 40.862], [14.248, 40.865], [14.244, 40.865], [14.244, 40.862]]]}


def run(runner: CliRunner, db: Path, *args: str) -> Any:
    return runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def records(db: Path, kind: str) -> list[dict[str, Any]]:
    reg = open_registry(db)
    try:
        return list_records(reg, kind)
    finally:
        reg.close()


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record with its outline as a shape, so equal outlines compare equal however they were spelt."""
    out = dict(record)
    if out.get("geometry"):
        out["geometry"] = shape(json.loads(out["geometry"])).normalize().wkt
    return out


@pytest.fixture
def with_outline(example_registry: Path) -> Path:
    reg = open_registry(example_registry)
    add_record(
        reg,
        "assets",
        {
            "id": "nap-parco",
            "name": 'Parco "Viviani" <b>',
            "kind": "park",
            "status": "occupied",
            "geometry": json.dumps(OUTLINE),
            "lat": 40.8631,
            "lon": 14.2452,
            "internal_notes": "private note",
        },
    )
    add_record(
        reg,
        "assets",
        {"id": "nap-outline-only", "name": "Outline only", "kind": "land", "status": "mapped", "geometry": json.dumps(OUTLINE)},
    )
    reg.close()
    return example_registry


@pytest.mark.parametrize("kind", ["assets", "actors", "cases"])
@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_export_round_trips_to_the_same_records(runner: CliRunner, with_outline: Path, tmp_path: Path, kind: str, fmt: str) -> None:
    path = tmp_path / f"{kind}.{fmt}"
    exported = run(runner, with_outline, "export", kind, "--format", fmt, "-o", str(path))
    assert exported.exit_code == 0, exported.output
    fresh = tmp_path / "fresh.db"
    create_registry(fresh).close()
    imported = run(runner, fresh, "import", kind, str(path))
    assert imported.exit_code == 0, imported.output
    before = [comparable(r) for r in records(with_outline, kind)]
    after = [comparable(r) for r in records(fresh, kind)]
    # The deliberate differences: an outline that had no point gains one inside it,
    # and a located record without a country gains the one its point falls in.
    for old, new in zip(before, after, strict=True):
        if old.get("geometry") and old.get("lat") is None:
            assert shape(OUTLINE).contains(gpd.points_from_xy([new["lon"]], [new["lat"]])[0])
            old["lat"], old["lon"] = new["lat"], new["lon"]
        if old.get("country") is None and new.get("lat") is not None:
            assert new["country"] == "IT"
            old["country"] = new["country"]
    assert after == before


def test_geojson_follows_rfc_7946(runner: CliRunner, with_outline: Path) -> None:
    result = run(runner, with_outline, "export", "assets", "--format", "geojson")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["type"] == "FeatureCollection" and "crs" not in data
    features = {f["id"]: f for f in data["features"]}
    asilo = features["nap-asilo"]
    assert asilo["geometry"]["type"] == "Point"
    lon, lat = asilo["geometry"]["coordinates"]
    assert (lat, lon) == (asilo["properties"]["lat"], asilo["properties"]["lon"])
    assert 40 < lat < 41 and 14 < lon < 15
    assert features["nap-parco"]["geometry"] == OUTLINE
    assert "geometry" not in features["nap-parco"]["properties"]
    located = [f for f in data["features"] if f["geometry"] is not None]
    assert all(-180 <= c[0] <= 180 for f in located for c in _coords(f["geometry"]))


def _coords(geometry: dict[str, Any]) -> list[list[float]]:
    out: list[list[float]] = []

    def walk(value: Any) -> None:
        if value and isinstance(value[0], (int, float)):
            out.append(value)
        else:
            for v in value:
                walk(v)

    walk(geometry["coordinates"])
    return out


def test_geopandas_reads_both_formats_in_wgs84(runner: CliRunner, with_outline: Path, tmp_path: Path) -> None:
    for fmt in ("geojson", "gpkg"):
        path = tmp_path / f"assets.{fmt}"
        run(runner, with_outline, "export", "assets", "--format", fmt, "-o", str(path))
        frame = gpd.read_file(path)
        assert frame.crs.to_epsg() == 4326
        assert set(frame.geom_type.dropna()) == {"Point", "Polygon"}
        parco = frame[frame["id"] == "nap-parco"].iloc[0]
        assert parco["name"] == 'Parco "Viviani" <b>'
        assert parco["internal_notes"] == "private note"


def test_geopackage_layer_is_named_after_the_kind(runner: CliRunner, with_outline: Path, tmp_path: Path) -> None:
    import pyogrio

    path = tmp_path / "cases.gpkg"
    run(runner, with_outline, "export", "cases", "--format", "gpkg", "-o", str(path))
    assert [str(name) for name, _ in pyogrio.list_layers(path)] == ["cases"]


def test_gpkg_needs_an_output_file(runner: CliRunner, with_outline: Path) -> None:
    result = run(runner, with_outline, "export", "assets", "--format", "gpkg")
    assert result.exit_code == 2 and "-o FILE.gpkg" in result.output


def test_agreements_export_to_geojson_standing_where_their_assets_are(runner: CliRunner, with_outline: Path) -> None:
    result = run(runner, with_outline, "export", "agreements", "--format", "geojson")
    assert result.exit_code == 0
    assets = {f["id"]: f for f in json.loads(run(runner, with_outline, "export", "assets", "--format", "geojson").output)["features"]}
    agreements = json.loads(result.output)["features"]
    placed = [f for f in agreements if f["properties"]["asset_id"]]
    assert placed and all(f["geometry"] == assets[f["properties"]["asset_id"]]["geometry"] for f in placed)
