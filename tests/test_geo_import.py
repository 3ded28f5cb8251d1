"""`commons import` from GIS files and CSVs with coordinates: any CRS in, WGS84 out, all or nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registry.cli import cli
from registry.formats.spatial import is_spatial_import, read_spatial_rows
from registry.operations.records import list_records
from registry.store.database import open_registry

gpd = pytest.importorskip("geopandas")
shapely_geometry = pytest.importorskip("shapely.geometry")
Point, Polygon = shapely_geometry.Point, shapely_geometry.Polygon

NAPLES = [
    {"id": "nap-asilo", "name": "L'Asilo", "kind": "building", "status": "recognised", "lon": 14.2565, "lat": 40.8504},
    {"id": "nap-lido-pola", "name": "Lido Pola", "kind": "beach", "status": "occupied", "lon": 14.1876, "lat": 40.8006},
]
PARK = [(14.2440, 40.8620), (14.2480, 40.8620), (14.2480, 40.8650), (14.2440, 40.8650), (14.2440, 40.8620)]


def frame(crs: int = 4326, *, extra: dict[str, list[Any]] | None = None) -> Any:
    """Two points and a park outline in Naples, in WGS84, reprojected to `crs`."""
    rows = [dict(r) for r in NAPLES] + [{"id": "nap-parco", "name": "Parco", "kind": "park", "status": "mapped"}]
    geometries = [Point(r["lon"], r["lat"]) for r in NAPLES] + [Polygon(PARK)]
    for r in rows:
        r.pop("lat", None)
        r.pop("lon", None)
    data = gpd.GeoDataFrame(rows, geometry=geometries, crs=4326)
    for column, values in (extra or {}).items():
        data[column] = values
    return data.to_crs(crs) if crs != 4326 else data


def write(data: Any, path: Path, fmt: str, layer: str = "assets") -> Path:
    if fmt == "geojson":
        data.to_file(path.with_suffix(".geojson"), driver="GeoJSON")
        return path.with_suffix(".geojson")
    if fmt == "gpkg":
        data.to_file(path.with_suffix(".gpkg"), layer=layer, driver="GPKG")
        return path.with_suffix(".gpkg")
    # A Shapefile holds one geometry type, so the zipped Shapefile carries the points only.
    folder = path.parent / f"{path.stem}-shp"
    folder.mkdir()
    data[data.geom_type == "Point"].to_file(folder / f"{path.stem}.shp")
    archive = path.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            z.write(part, part.name)
    return archive


def run(runner: CliRunner, db: Path, *args: str) -> Any:
    return runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def assets(db: Path) -> dict[str, dict[str, Any]]:
    reg = open_registry(db)
    try:
        return {r["id"]: r for r in list_records(reg, "assets")}
    finally:
        reg.close()


def changes(db: Path) -> int:
    reg = open_registry(db)
    try:
        return int(reg.conn.execute("SELECT count(*) FROM changes").fetchone()[0])
    finally:
        reg.close()


@pytest.mark.parametrize("crs", [4326, 3857, 32633])
@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp"])
def test_import_from_any_format_and_crs_lands_in_wgs84(runner: CliRunner, db_path: Path, tmp_path: Path, fmt: str, crs: int) -> None:
    path = write(frame(crs), tmp_path / "inventory", fmt)
    result = run(runner, db_path, "import", "assets", str(path))
    assert result.exit_code == 0, result.output
    stored = assets(db_path)
    for original in NAPLES:
        record = stored[original["id"]]
        assert record["lat"] == pytest.approx(original["lat"], abs=1e-6)
        assert record["lon"] == pytest.approx(original["lon"], abs=1e-6)
        assert record["name"] == original["name"] and record["status"] == original["status"]
    if crs != 4326:
        assert "reprojected from EPSG:" in result.output
    if fmt != "shp":
        park = stored["nap-parco"]
        outline = shapely_geometry.shape(json.loads(park["geometry"]))
        assert outline.symmetric_difference(Polygon(PARK)).area < 1e-9
        assert outline.contains(Point(park["lon"], park["lat"]))


def test_geopackage_with_several_layers_needs_layer(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(frame(), tmp_path / "beni", "gpkg", layer="immobili")
    frame().iloc[:1].to_file(path, layer="altro", driver="GPKG")
    result = run(runner, db_path, "import", "assets", str(path))
    assert result.exit_code == 1
    assert "holds 2 layers: immobili, altro" in result.output and "--layer" in result.output
    wrong = run(runner, db_path, "import", "assets", str(path), "--layer", "immobil")
    assert "no layer 'immobil' (did you mean 'immobili'?)" in wrong.output
    ok = run(runner, db_path, "import", "assets", str(path), "--layer", "immobili")
    assert ok.exit_code == 0, ok.output
    assert len(assets(db_path)) == 3


def test_csv_with_odd_column_names_is_mapped_and_guesses_are_reported_first(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "beni.csv"
    path.write_text(
        "ID;Denominazione;Tipo;Stato;Y_WGS84;X_WGS84;OBJECTID\n"
        "nap-asilo;L'Asilo;building;recognised;40,8504;14,2565;1\n"
        "nap-lido-pola;Lido Pola;beach;occupied;40.8006;14.1876;2\n",
        encoding="utf-8",
    )
    dry = run(runner, db_path, "import", "assets", str(path), "--columns", "kind=Tipo,status=Stato", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Denominazione → name" in dry.output and "Y_WGS84 → lat" in dry.output and "X_WGS84 → lon" in dry.output
    assert "ignored columns that are not fields of assets: OBJECTID" in dry.output
    assert dry.output.index("guessed columns") < dry.output.index("Would add 2 assets")
    assert assets(db_path) == {}
    result = run(runner, db_path, "import", "assets", str(path), "--columns", "kind=Tipo", "--columns", "status=Stato")
    assert result.exit_code == 0, result.output
    stored = assets(db_path)
    assert stored["nap-asilo"]["lat"] == 40.8504 and stored["nap-asilo"]["lon"] == 14.2565
    assert stored["nap-lido-pola"]["name"] == "Lido Pola"


def test_csv_with_wkt_points_and_polygons(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    park = Polygon(PARK)
    path = tmp_path / "wkt.csv"
    path.write_text(
        "id,name,kind,status,the_geom\n"
        f"nap-asilo,L'Asilo,building,recognised,POINT (14.2565 40.8504)\n"
        f'nap-parco,Parco,park,mapped,"{park.wkt}"\n'
        "nap-nowhere,Nowhere,land,mapped,\n",
        encoding="utf-8",
    )
    result = run(runner, db_path, "import", "assets", str(path))
    assert result.exit_code == 0, result.output
    assert "the_geom → wkt" in result.output
    stored = assets(db_path)
    assert (stored["nap-asilo"]["lat"], stored["nap-asilo"]["lon"]) == (40.8504, 14.2565)
    outline = shapely_geometry.shape(json.loads(stored["nap-parco"]["geometry"]))
    assert outline.equals(park) and outline.contains(Point(stored["nap-parco"]["lon"], stored["nap-parco"]["lat"]))
    assert stored["nap-nowhere"]["lat"] is None


def test_csv_in_utm_is_reprojected_with_crs(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    utm = frame(32633)
    rows = ["id,name,kind,status,x,y"] + [
        f"{r.id},{r.name},{r.kind},{r.status},{r.geometry.x:.3f},{r.geometry.y:.3f}"
        for r in utm.itertuples()
        if r.geometry.geom_type == "Point"
    ]
    path = tmp_path / "utm.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    refused = run(runner, db_path, "import", "assets", str(path))
    assert refused.exit_code == 1
    assert "is not longitude/latitude in degrees" in refused.output and "--crs" in refused.output
    result = run(runner, db_path, "import", "assets", str(path), "--crs", "EPSG:32633")
    assert result.exit_code == 0, result.output
    stored = assets(db_path)
    assert stored["nap-asilo"]["lat"] == pytest.approx(40.8504, abs=1e-6)
    assert stored["nap-asilo"]["lon"] == pytest.approx(14.2565, abs=1e-6)


def test_a_shapefile_without_a_prj_in_projected_metres_asks_for_its_crs(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(frame(32633), tmp_path / "noprj", "shp")
    stripped = tmp_path / "stripped.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(stripped, "w") as target:
        for name in source.namelist():
            if not name.endswith(".prj"):
                target.writestr(name, source.read(name))
    refused = run(runner, db_path, "import", "assets", str(stripped))
    assert refused.exit_code == 1 and "no coordinate reference system" in refused.output
    result = run(runner, db_path, "import", "assets", str(stripped), "--crs", "EPSG:32633")
    assert result.exit_code == 0, result.output
    assert assets(db_path)["nap-asilo"]["lat"] == pytest.approx(40.8504, abs=1e-6)


BOWTIE = Polygon([(14.20, 40.80), (14.21, 40.81), (14.21, 40.80), (14.20, 40.81), (14.20, 40.80)])


@pytest.mark.parametrize(
    "geometry, message",
    [
        (BOWTIE, "geometry is invalid (Self-intersection"),
        (Polygon(), "geometry is empty"),
        (shapely_geometry.LineString([(14.2, 40.8), (14.3, 40.9)]), "geometry is a LineString; only points and polygons"),
    ],
    ids=["self-intersecting", "empty", "line"],
)
def test_bad_geometries_are_reported_by_feature_and_nothing_is_written(
    runner: CliRunner, db_path: Path, tmp_path: Path, geometry: Any, message: str
) -> None:
    data = frame()
    data.loc[len(data)] = {"id": "nap-bad", "name": "Bad", "kind": "land", "status": "mapped", "geometry": geometry}
    path = write(data, tmp_path / "bad", "gpkg")
    before = changes(db_path)
    result = run(runner, db_path, "import", "assets", str(path))
    assert result.exit_code == 1
    assert f"bad.gpkg feature 4: asset 'nap-bad': {message}" in result.output
    assert "nothing was imported" in result.output
    assert assets(db_path) == {} and changes(db_path) == before


def test_wrong_columns_name_the_column_or_field(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(frame(extra={"NOME": ["a", "b", "c"]}), tmp_path / "cols", "geojson")
    missing = run(runner, db_path, "import", "assets", str(path), "--columns", "name=NOMBRE")
    assert missing.exit_code == 1
    assert "the file has no column 'NOMBRE' (did you mean 'NOME'?)" in missing.output
    unknown = run(runner, db_path, "import", "assets", str(path), "--columns", "nmae=NOME")
    assert "'nmae' is not a field of assets (did you mean 'name'?)" in unknown.output
    malformed = run(runner, db_path, "import", "assets", str(path), "--columns", "name")
    assert "is not FIELD=COLUMN" in malformed.output
    assert assets(db_path) == {}


def test_a_missing_required_field_is_reported_for_each_feature(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(frame().drop(columns=["status"]), tmp_path / "nostatus", "geojson")
    result = run(runner, db_path, "import", "assets", str(path))
    assert result.exit_code == 1
    for n, record_id in enumerate(["nap-asilo", "nap-lido-pola", "nap-parco"], start=1):
        assert f"nostatus.geojson feature {n}: asset '{record_id}': field 'status' is required" in result.output
    assert assets(db_path) == {} and changes(db_path) == 0


def test_invalid_values_from_a_gis_file_use_the_same_rules_as_the_cli(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    data = frame()
    data.loc[0, "status"] = "recognized"
    path = write(data, tmp_path / "typo", "gpkg")
    result = run(runner, db_path, "import", "assets", str(path))
    assert result.exit_code == 1
    assert (
        "typo.gpkg feature 1: asset 'nap-asilo': field 'status': 'recognized' is not allowed (did you mean 'recognised'?)" in result.output
    )


def test_dry_run_says_what_would_change_and_writes_nothing(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(frame(3857), tmp_path / "preview", "gpkg")
    result = run(runner, db_path, "import", "assets", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would add 3 assets" in result.output
    assert "reprojected from EPSG:3857" in result.output and "1 outlines kept" in result.output
    assert assets(db_path) == {} and changes(db_path) == 0


def test_polygons_for_kinds_without_outlines_become_points(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    data = gpd.GeoDataFrame([{"id": "act-parco", "name": "Friends of the park", "kind": "association"}], geometry=[Polygon(PARK)], crs=4326)
    path = write(data, tmp_path / "actors", "geojson")
    result = run(runner, db_path, "import", "actors", str(path))
    assert result.exit_code == 0, result.output
    assert "reduced to a point inside them" in result.output
    reg = open_registry(db_path)
    actor = list_records(reg, "actors")[0]
    reg.close()
    assert Polygon(PARK).contains(Point(actor["lon"], actor["lat"]))


def test_a_feature_with_null_geometry_is_a_record_without_location(tmp_path: Path) -> None:
    path = tmp_path / "null.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": None,
                        "properties": {"id": "somewhere", "name": "Somewhere", "kind": "land", "status": "mapped"},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    rows = read_spatial_rows(path, "assets").rows
    assert rows == [("null.geojson feature 1: ", {"id": "somewhere", "name": "Somewhere", "kind": "land", "status": "mapped"})]


def test_plain_csv_and_json_keep_the_tabular_path(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("id,name,kind,status,lat,lon\nx,X,land,mapped,40.8,14.2\n", encoding="utf-8")
    odd = tmp_path / "odd.csv"
    odd.write_text("id,nome,kind,status\nx,X,land,mapped\n", encoding="utf-8")
    listed = tmp_path / "list.json"
    listed.write_text('[{"id": "x"}]', encoding="utf-8")
    geo = tmp_path / "features.json"
    geo.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert not is_spatial_import(plain, "assets")
    assert is_spatial_import(plain, "assets", columns=("name=nome",))
    assert is_spatial_import(odd, "assets")
    assert not is_spatial_import(listed, "assets")
    assert is_spatial_import(geo, "assets")
    assert is_spatial_import(tmp_path / "x.gpkg", "assets")


def test_agreements_cannot_come_from_a_spatial_file(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(frame(), tmp_path / "agreements", "geojson")
    result = run(runner, db_path, "import", "agreements", str(path))
    assert result.exit_code == 1 and "agreements have no location" in result.output


def test_an_unreadable_file_is_a_clear_error(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"not a geopackage")
    result = run(runner, db_path, "import", "assets", str(path))
    assert result.exit_code == 1
    assert "broken.gpkg: cannot read it as a GIS file" in result.output
    assert "Traceback" not in result.output
