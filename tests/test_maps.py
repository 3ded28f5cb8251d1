"""The site's maps as files: what they hold, what they link, and that builds repeat exactly.

What a browser makes of them is in test_browser_maps.py.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from registry.maps import render_site_maps
from registry.operations.records import add_record
from registry.publishing.publish import publish_registry
from registry.store.database import Registry, open_registry

PAGES = ("overview.html", "record.html", "cases.html")
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def render(registry: Registry, tmp: Path, settings: dict[str, Any] | None = None, out_name: str = "site") -> tuple[Path, list[Path]]:
    """Publish the registry and draw its maps, as the site build does."""
    published = publish_registry(registry, tmp / "public")
    conn = sqlite3.connect(published.database)
    try:
        output = tmp / out_name
        return output, render_site_maps(conn, output, settings or {})
    finally:
        conn.close()


def config_of(page: Path) -> dict[str, Any]:
    """The settings a page hands to commons-map.js."""
    match = re.search(r"CommonsMap\.start\(map_\w+, (\{.*\})\);", page.read_text(encoding="utf-8"))
    assert match, f"no CommonsMap.start call in {page.name}"
    parsed: dict[str, Any] = json.loads(match.group(1))
    return parsed


def layer_file(output: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((output / "map" / "data" / name).read_text(encoding="utf-8"))
    return data


def names_in_map_order(output: Path, layer: str) -> dict[str, list[str]]:
    """A layer's ids and names in the order of its points, put together from its name files as the map script does."""
    about = layer_file(output, f"{layer}.json")["names"]
    parts = [layer_file(output, file.split("?")[0]) for file in about["files"]]
    codes = about.get("chunk", [0] * sum(len(part["id"]) for part in parts))
    taken = [0] * len(parts)
    out: dict[str, list[str]] = {"id": [], "name": []}
    for code in codes:
        out["id"].append(parts[code]["id"][taken[code]])
        out["name"].append(parts[code]["name"][taken[code]])
        taken[code] += 1
    assert taken == [len(part["id"]) for part in parts], "every name file entry belongs to exactly one point"
    return out


def decode(values: list[int], scale: int) -> list[float]:
    out, total = [], 0
    for v in values:
        total += v
        out.append(total / scale)
    return out


@pytest.fixture(scope="module")
def example_maps(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], Path]:
    tmp = tmp_path_factory.mktemp("maps")
    db = tmp / "registry.db"
    shutil.copyfile(example_master, db)
    reg = open_registry(db)
    try:
        output, files = render(reg, tmp)
    finally:
        reg.close()
    return output, files, tmp / "public" / "public.db"


def located(public_db: Path, table: str) -> set[str]:
    conn = sqlite3.connect(public_db)
    try:
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}
        extra = " OR geometry IS NOT NULL" if "geometry" in columns else ""
        return {r[0] for r in conn.execute(f"SELECT id FROM [{table}] WHERE (lat IS NOT NULL AND lon IS NOT NULL){extra}")}
    finally:
        conn.close()


def test_render_site_maps_writes_the_three_pages_data_and_local_scripts(example_maps: tuple[Path, list[Path], Path]) -> None:
    output, files, _ = example_maps
    for page in PAGES:
        assert output / "map" / page in files
    for name in ("assets", "actors", "cases"):
        assert output / "map" / "data" / f"{name}.json" in files
        assert output / "map" / "data" / f"{name}-names-0.json" in files
    assert (output / "theme" / "vendor" / "leaflet" / "leaflet.js").is_file()
    assert (output / "theme" / "vendor" / "leaflet-markercluster" / "MarkerCluster.Default.css").is_file()
    assert (output / "map" / "commons-map.js").is_file()
    assert all(f.is_file() for f in files)


@pytest.mark.parametrize("layer, table", [("assets", "assets"), ("actors", "actors"), ("cases", "case_studies")])
def test_every_located_record_is_one_point_of_its_layer(example_maps: tuple[Path, list[Path], Path], layer: str, table: str) -> None:
    output, _, public_db = example_maps
    names = names_in_map_order(output, layer)
    points = layer_file(output, f"{layer}.json")
    assert set(names["id"]) == located(public_db, table)
    assert len(names["id"]) == len(points["lat"]) == len(points["lon"]) == len(names["name"])


def test_points_decode_to_the_records_coordinates(example_maps: tuple[Path, list[Path], Path]) -> None:
    output, _, public_db = example_maps
    names, points = names_in_map_order(output, "assets"), layer_file(output, "assets.json")
    lats, lons = decode(points["lat"], points["scale"]), decode(points["lon"], points["scale"])
    conn = sqlite3.connect(public_db)
    stored = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, lat, lon FROM assets WHERE lat IS NOT NULL")}
    conn.close()
    for record_id, lat, lon in zip(names["id"], lats, lons, strict=True):
        assert lat == pytest.approx(stored[record_id][0], abs=1e-5)
        assert lon == pytest.approx(stored[record_id][1], abs=1e-5)


def test_overview_is_framed_on_assets_and_actors(example_maps: tuple[Path, list[Path], Path]) -> None:
    output, _, public_db = example_maps
    (south, west), (north, east) = config_of(output / "map" / "overview.html")["bounds"]
    conn = sqlite3.connect(public_db)
    rows = conn.execute(
        "SELECT lat, lon FROM assets WHERE lat IS NOT NULL UNION ALL SELECT lat, lon FROM actors WHERE lat IS NOT NULL"
    ).fetchall()
    conn.close()
    assert south == pytest.approx(min(r[0] for r in rows))
    assert north == pytest.approx(max(r[0] for r in rows))
    assert west == pytest.approx(min(r[1] for r in rows))
    assert east == pytest.approx(max(r[1] for r in rows))


def test_pages_configure_their_layers(example_maps: tuple[Path, list[Path], Path]) -> None:
    output, _, _ = example_maps
    overview = config_of(output / "map" / "overview.html")
    assert overview["mode"] == "overview"
    assert [layer["key"] for layer in overview["layers"]] == ["assets", "actors", "cases"]
    assert {layer["base"] for layer in overview["layers"]} == {"../assets/", "../actors/", "../cases/"}
    assert overview["layers"][0]["colorBy"] == "status"
    assert overview["layers"][1]["colorBy"] == "kind"
    assert config_of(output / "map" / "record.html")["mode"] == "record"
    cases = config_of(output / "map" / "cases.html")
    assert [layer["key"] for layer in cases["layers"]] == ["cases"]


def test_map_pages_load_nothing_from_the_internet_but_tiles(example_maps: tuple[Path, list[Path], Path]) -> None:
    output, _, _ = example_maps
    for page in PAGES:
        html = (output / "map" / page).read_text(encoding="utf-8")
        for src in re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", src), f"{page} loads {src}"
            assert (output / "map" / src.split("?")[0]).resolve().is_file(), f"{page} links a missing {src}"
        urls = set(re.findall(r"https?://[^\s\"'\\<>]+", html))
        assert urls <= {OSM_TILES, "https://www.openstreetmap.org/copyright"}, urls
        for unwanted in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers", "cdn."):
            assert unwanted not in html.lower()
    script = (output / "map" / "commons-map.js").read_text(encoding="utf-8")
    assert not re.search(r"https?://", script)


def test_tiles_come_from_settings(registry: Registry, tmp_path: Path) -> None:
    settings = {"TILES_URL": "https://tiles.example.org/{z}/{x}/{y}.png", "TILES_ATTRIBUTION": "Tiles by Example"}
    output, _ = render(registry, tmp_path, settings)
    html = (output / "map" / "overview.html").read_text(encoding="utf-8")
    assert '"https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert '"attribution": "Tiles by Example"' in html
    assert "openstreetmap" not in html


def test_default_tiles_credit_openstreetmap(example_maps: tuple[Path, list[Path], Path]) -> None:
    html = (example_maps[0] / "map" / "overview.html").read_text(encoding="utf-8")
    assert f'"{OSM_TILES}"' in html
    assert "OpenStreetMap" in html and "contributors" in html


def test_page_is_small_and_holds_no_records(example_maps: tuple[Path, list[Path], Path]) -> None:
    html = (example_maps[0] / "map" / "overview.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 12_000
    assert "nap-asilo" not in html and "Asilo" not in html


def test_two_builds_are_byte_identical_and_unchanged_files_are_not_rewritten(example_master: Path, tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    shutil.copyfile(example_master, db)
    reg = open_registry(db)
    first, files = render(reg, tmp_path, out_name="one")
    second, _ = render(reg, tmp_path, out_name="two")
    reg.close()
    for path in files:
        relative = path.relative_to(first)
        assert path.read_bytes() == (second / relative).read_bytes(), relative
    stamps = {p: p.stat().st_mtime_ns for p in files}
    conn = sqlite3.connect(tmp_path / "public" / "public.db")
    again = render_site_maps(conn, first, {})
    conn.close()
    assert {p: p.stat().st_mtime_ns for p in again} == stamps


def test_a_data_only_change_redraws_pages_from_their_kept_frames_as_folium_would(
    example_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.maps import render as map_render
    from registry.operations.records import update_record

    db = tmp_path / "registry.db"
    shutil.copyfile(example_master, db)
    reg = open_registry(db)
    cache = tmp_path / "map-pages.json"
    published = publish_registry(reg, tmp_path / "public")
    with closing(sqlite3.connect(published.database)) as conn:
        render_site_maps(conn, tmp_path / "site", {}, cache=cache)
    before = (tmp_path / "site" / "map" / "overview.html").read_bytes()
    asset = reg.conn.execute("SELECT id FROM assets WHERE lat IS NOT NULL ORDER BY id LIMIT 1").fetchone()[0]
    update_record(reg, "assets", asset, {"name": "A new name for the map"})
    published = publish_registry(reg, tmp_path / "public")
    reg.close()
    clean = tmp_path / "clean"
    with closing(sqlite3.connect(published.database)) as conn:
        render_site_maps(conn, clean, {})

        def no_folium(*args: object, **kwargs: object) -> str:
            raise AssertionError("folium was asked to draw a page whose frame was kept")

        monkeypatch.setattr(map_render, "page_skeleton", no_folium)
        files = render_site_maps(conn, tmp_path / "site", {}, cache=cache)
    after = (tmp_path / "site" / "map" / "overview.html").read_bytes()
    assert after != before  # the page names the new version of the names' file
    for path in files:
        assert path.read_bytes() == (clean / path.relative_to(tmp_path / "site")).read_bytes(), path


def square(lon: float, lat: float, d: float = 0.001) -> str:
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def test_outlines_go_in_chunks_and_an_outline_alone_gives_a_point(registry: Registry, tmp_path: Path) -> None:
    add_record(
        registry,
        "assets",
        {
            "id": "with-point",
            "name": "With point",
            "kind": "park",
            "status": "mapped",
            "lat": 40.85,
            "lon": 14.25,
            "geometry": square(14.25, 40.85),
        },
    )
    add_record(
        registry,
        "assets",
        {"id": "outline-only", "name": "Outline only", "kind": "park", "status": "mapped", "geometry": square(14.30, 40.86)},
    )
    add_record(registry, "assets", {"id": "nowhere", "name": "Nowhere", "kind": "park", "status": "mapped"})
    output, files = render(registry, tmp_path)
    names, points = names_in_map_order(output, "assets"), layer_file(output, "assets.json")
    assert sorted(names["id"]) == ["outline-only", "with-point"]
    only = names["id"].index("outline-only")
    assert decode(points["lat"], points["scale"])[only] == pytest.approx(40.86, abs=0.002)
    shapes = points["shapes"]
    assert len(shapes["files"]) == 1 and sorted(shapes["rec"]) == [0, 1]
    chunk_name = shapes["files"][0]["file"].split("?")[0]
    chunk = layer_file(output, chunk_name)
    assert sorted(chunk["id"]) == ["outline-only", "with-point"]
    assert all(g["type"] == "Polygon" for g in chunk["geometry"])
    west, south, east, north = shapes["files"][0]["bbox"]
    assert west == pytest.approx(14.249) and north == pytest.approx(40.861)
    assert output / "map" / "data" / chunk_name in files


def test_outline_chunks_from_an_earlier_build_are_removed(registry: Registry, tmp_path: Path) -> None:
    stale = tmp_path / "site" / "map" / "data" / "assets-shapes-7.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    render(registry, tmp_path)
    assert not stale.exists()


def test_an_empty_registry_gets_world_maps(registry: Registry, tmp_path: Path) -> None:
    output, _ = render(registry, tmp_path)
    config = config_of(output / "map" / "overview.html")
    assert config["fitMaxZoom"] == 2
    assert layer_file(output, "assets.json")["lat"] == []


def test_markup_in_names_never_reaches_html_unescaped(registry: Registry, tmp_path: Path) -> None:
    add_record(
        registry,
        "assets",
        {
            "id": "evil",
            "name": "</script><script>alert(1)</script> & <img src=x onerror=alert(1)>",
            "kind": "park",
            "status": "mapped",
            "lat": 40.85,
            "lon": 14.25,
        },
    )
    output, _ = render(registry, tmp_path)
    for path in (output / "map").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json"):
            text = path.read_text(encoding="utf-8")
            assert "<script>alert" not in text and "<img" not in text, path.name
    names = names_in_map_order(output, "assets")
    assert names["name"] == ["</script><script>alert(1)</script> & <img src=x onerror=alert(1)>"]


def synthetic_public_db(path: Path, n: int) -> None:
    """A public copy with n assets spread over the Mediterranean, for the size budget."""
    import random

    rng = random.Random(5)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE assets (id TEXT PRIMARY KEY, name TEXT, kind TEXT, status TEXT, lat REAL, lon REAL, geometry TEXT)")
    words = ["Casa", "Giardino", "Spazio", "Orto", "Lido", "Mercato", "del Popolo", "Liberato", "Comune", "Sociale"]
    rows = []
    for i in range(n):
        name = f"{rng.choice(words)} {rng.choice(words)} {i}"
        rows.append(
            (
                f"asset-{i}",
                name,
                rng.choice(["building", "garden", "park"]),
                rng.choice(["mapped", "recognised"]),
                round(rng.uniform(31, 45), 6),
                round(rng.uniform(-6, 36), 6),
                None,
            )
        )
    conn.executemany("INSERT INTO assets VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()


def test_overview_costs_well_under_60_bytes_per_point_gzipped(tmp_path: Path) -> None:
    synthetic_public_db(tmp_path / "public.db", 5000)
    conn = sqlite3.connect(tmp_path / "public.db")
    render_site_maps(conn, tmp_path / "site", {})
    conn.close()
    loaded = [tmp_path / "site" / "map" / "overview.html"] + sorted((tmp_path / "site" / "map" / "data").glob("*.json"))
    gzipped = sum(len(gzip.compress(p.read_bytes())) for p in loaded)
    assert gzipped / 5000 < 60


FRENCH = {
    "Legend": "Légende",
    "This record has no location on the map.": "Ce lieu n'est pas sur la carte.",
    "Commons assets": "Biens communs",
}


def test_each_language_gets_map_pages_in_its_words_reading_the_shared_data(registry: Registry, tmp_path: Path) -> None:
    from registry.maps.render import MapLanguage

    published = publish_registry(registry, tmp_path / "public")
    conn = sqlite3.connect(published.database)
    output = tmp_path / "site"
    files = render_site_maps(conn, output, {}, [MapLanguage(), MapLanguage("fr/", lambda text: FRENCH.get(text, text))])
    conn.close()
    english, french = config_of(output / "map" / "overview.html"), config_of(output / "fr" / "map" / "overview.html")
    assert english["words"]["legend"] == "Legend" and french["words"]["legend"] == "Légende"
    assert french["words"]["noLocation"] == "Ce lieu n'est pas sur la carte."
    assert [layer["label"] for layer in french["layers"]][0] == "Biens communs"
    assert french["dataBase"] == "../../map/data/" and english["dataBase"] == "data/"
    assert not (output / "fr" / "map" / "data").exists()  # the data is kept once, at the site's root
    scripts = re.findall(r'<script src="([^"]+)"', (output / "fr" / "map" / "overview.html").read_text(encoding="utf-8"))
    assert scripts and all((output / "fr" / "map" / src.split("?")[0]).resolve().is_file() for src in scripts)
    assert output / "fr" / "map" / "record.html" in files


def test_record_page_adds_its_own_tiles_late(example_maps: tuple[Path, list[Path], Path]) -> None:
    html = (example_maps[0] / "map" / "record.html").read_text(encoding="utf-8")
    assert "L.tileLayer(" not in html
    assert config_of(example_maps[0] / "map" / "record.html")["tiles"]["url"] == OSM_TILES


def test_names_come_in_small_files_and_a_rename_rewrites_only_its_own(tmp_path: Path) -> None:
    from registry.maps.data import NAMES_PER_CHUNK

    synthetic_public_db(tmp_path / "public.db", 5000)
    conn = sqlite3.connect(tmp_path / "public.db")
    render_site_maps(conn, tmp_path / "site", {})
    data = tmp_path / "site" / "map" / "data"
    before = {p.name: p.read_bytes() for p in data.glob("assets-names-*.json")}
    assert len(before) == 3
    assert all(len(json.loads(body)["id"]) < NAMES_PER_CHUNK * 1.2 for body in before.values())
    conn.execute("UPDATE assets SET name = 'Renamed place' WHERE id = 'asset-42'")
    conn.commit()
    render_site_maps(conn, tmp_path / "site", {})
    conn.close()
    after = {p.name: p.read_bytes() for p in data.glob("assets-names-*.json")}
    changed = [name for name in before if before[name] != after[name]]
    assert len(changed) == 1 and "Renamed place" in after[changed[0]].decode("utf-8")
    names = names_in_map_order(tmp_path / "site", "assets")
    assert names["name"][names["id"].index("asset-42")] == "Renamed place"
