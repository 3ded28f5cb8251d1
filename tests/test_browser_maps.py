"""The maps in a real browser: Debian's chromium through playwright, tiles blocked, files served locally.

Counts what is drawn, clicks a point, opens its popup and follows its link,
and plants script in every text field to show that none of it runs.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import CHROMIUM, QuietHandler, launch_chromium

from registry.maps import render_site_maps
from registry.model.kinds import KINDS
from registry.operations.records import add_record
from registry.publishing.publish import publish_registry
from registry.store.database import Registry, create_registry, open_registry

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One browser per module: Playwright's sync API holds an event loop while it runs,
    which must be gone before the Datasette tests run theirs."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    yield from launch_chromium()


@pytest.fixture(scope="module")
def serve() -> Iterator[Any]:
    """Serve folders on 127.0.0.1; returns a function giving a folder's base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(root: Path) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def draw(registry: Registry, tmp: Path) -> Path:
    """Publish and draw the maps, plus a stub page for every record so popup links can be followed."""
    published = publish_registry(registry, tmp / "public")
    conn = sqlite3.connect(published.database)
    output = tmp / "site"
    try:
        render_site_maps(conn, output, {})
        for section, table in (("assets", "assets"), ("actors", "actors"), ("cases", "case_studies")):
            for (record_id,) in conn.execute(f"SELECT id FROM [{table}]"):
                page = output / section / record_id / "index.html"
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text(f"<!doctype html><title>{record_id}</title><h1 id='record'>{record_id}</h1>", encoding="utf-8")
    finally:
        conn.close()
    return output


@pytest.fixture(scope="module")
def example_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory, serve: Any) -> str:
    tmp = tmp_path_factory.mktemp("browser-maps")
    db = tmp / "registry.db"
    shutil.copyfile(example_master, db)
    reg = open_registry(db)
    try:
        output = draw(reg, tmp)
    finally:
        reg.close()
    return str(serve(output))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    opened = context.new_page()
    opened.dialogs = []  # type: ignore[attr-defined]
    opened.errors = []  # type: ignore[attr-defined]
    opened.external = []  # type: ignore[attr-defined]
    opened.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
    opened.on("pageerror", lambda e: opened.errors.append(str(e)))

    def route(r: Any) -> None:
        opened.external.append(r.request.url)
        r.abort()

    opened.route("**/*", lambda r: route(r) if not r.request.url.startswith("http://127.0.0.1") else r.continue_())
    yield opened
    context.close()


def open_map(page: Any, url: str) -> Any:
    page.goto(url)
    page.wait_for_selector("html[data-map-ready='true']", timeout=20_000)
    page.wait_for_selector("html[data-map-names='true']", timeout=20_000)
    return page


def stats(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("commonsMaps.instances[0].stats()")
    return result


def located_count(example_master: Path, table: str) -> int:
    conn = sqlite3.connect(example_master)
    try:
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}
        extra = " OR geometry IS NOT NULL" if "geometry" in columns else ""
        return int(conn.execute(f"SELECT count(*) FROM [{table}] WHERE (lat IS NOT NULL AND lon IS NOT NULL){extra}").fetchone()[0])
    finally:
        conn.close()


def test_overview_draws_every_located_record_as_a_point_or_in_a_cluster(page: Any, example_site: str, example_master: Path) -> None:
    open_map(page, f"{example_site}/map/overview.html")
    drawn = stats(page)
    for layer, table in (("assets", "assets"), ("actors", "actors"), ("cases", "case_studies")):
        expected = located_count(example_master, table)
        assert drawn[layer]["total"] == expected
        assert drawn[layer]["points"] + drawn[layer]["clustered"] == expected, layer
    clusters = sum(layer["clusters"] for layer in drawn.values())
    assert clusters >= 1
    assert page.locator(".leaflet-marker-pane .marker-cluster").count() == clusters
    assert page.locator("canvas.leaflet-zoom-animated").count() >= 1
    assert page.locator(".leaflet-control-layers-overlays label").count() == 3
    assert page.locator(".cm-legend").count() == 1
    assert not page.errors
    assert all("tile.openstreetmap.org" in url for url in page.external), page.external


def test_clicking_a_cluster_zooms_in_and_breaks_it_up(page: Any, example_site: str) -> None:
    open_map(page, f"{example_site}/map/overview.html")
    before_zoom = page.evaluate("commonsMaps.instances[0].map.getZoom()")
    cluster = page.locator(".marker-cluster.cm-cluster-assets").first
    size = int(cluster.inner_text())
    cluster.click()
    page.wait_for_function(f"commonsMaps.instances[0].map.getZoom() > {before_zoom}")
    page.wait_for_timeout(400)
    after = stats(page)["assets"]
    assert after["clusters"] == 0 or after["clustered"] < size
    assert after["points"] > 0


def test_a_popup_shows_the_record_and_its_link_opens_the_record_page(page: Any, example_site: str) -> None:
    open_map(page, f"{example_site}/map/overview.html")
    # The Asilo's community sits on the same spot: hide the actors with the layer control first.
    page.locator(".leaflet-control-layers-overlays label", has_text="SSE actors").locator("input").uncheck()
    assert stats(page)["actors"]["points"] == 0 and stats(page)["actors"]["clusters"] == 0
    page.evaluate(
        "(function(){var m=commonsMaps.instances[0]; var p=m.locate('assets','nap-asilo'); m.map.setView([p.lat,p.lng],18,{animate:false});})()"
    )
    page.wait_for_timeout(200)
    where = page.evaluate("commonsMaps.instances[0].locate('assets','nap-asilo')")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])
    popup = page.locator(".leaflet-popup-content .cm-popup")
    popup.wait_for(timeout=5000)
    link = popup.locator("a.cm-popup-title")
    assert "Asilo" in link.inner_text()
    assert link.get_attribute("href") == "../assets/nap-asilo/"
    assert link.get_attribute("target") == "_top"
    assert "Commons asset" in popup.inner_text()
    link.click()
    page.wait_for_url("**/assets/nap-asilo/")
    assert page.locator("#record").inner_text() == "nap-asilo"


def test_record_map_zooms_on_the_record_named_in_the_hash(page: Any, example_site: str) -> None:
    open_map(page, f"{example_site}/map/record.html#assets/nap-asilo")
    view = page.evaluate(
        "(function(){var m=commonsMaps.instances[0]; var c=m.map.getCenter(); return {z:m.map.getZoom(), lat:c.lat, lng:c.lng, hi:m.highlight && m.highlight.index >= 0}})()"
    )
    located = page.evaluate("commonsMaps.instances[0].locate('assets','nap-asilo')")
    assert view["z"] == 16 and view["hi"]
    tile_zooms = {int(url.split("/")[-3]) for url in page.external if "tile.openstreetmap.org" in url}
    assert tile_zooms == {16}, "a record page fetches only the tiles around its record"
    assert view["lat"] == pytest.approx(located["lat"], abs=1e-4)
    assert view["lng"] == pytest.approx(located["lng"], abs=1e-4)
    page.evaluate("location.hash = '#assets/nap-lido-pola'")
    page.wait_for_function(
        "Math.abs(commonsMaps.instances[0].map.getCenter().lat - commonsMaps.instances[0].locate('assets','nap-lido-pola').lat) < 1e-4"
    )
    assert not page.errors


def test_record_map_says_so_when_a_record_has_no_place(page: Any, example_site: str) -> None:
    open_map(page, f"{example_site}/map/record.html#actors/no-such-actor")
    assert "no location" in page.locator(".cm-message").inner_text()
    page.goto(f"{example_site}/map/record.html")
    page.wait_for_selector("html[data-map-ready='true']")
    assert "No record to show" in page.locator(".cm-message").inner_text()


def test_cases_map_shows_the_case_studies_only(page: Any, example_site: str, example_master: Path) -> None:
    open_map(page, f"{example_site}/map/cases.html")
    drawn = stats(page)
    assert list(drawn) == ["cases"]
    assert drawn["cases"]["points"] + drawn["cases"]["clustered"] == located_count(example_master, "case_studies")


def square(lon: float, lat: float, d: float = 0.002) -> str:
    import json

    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def test_an_outline_is_drawn_on_its_record_map_and_on_the_overview_zoomed_in(page: Any, tmp_path: Path, serve: Any) -> None:
    reg = create_registry(tmp_path / "r.db")
    add_record(
        reg,
        "assets",
        {
            "id": "parco",
            "name": "Parco",
            "kind": "park",
            "status": "occupied",
            "lat": 40.85,
            "lon": 14.25,
            "geometry": square(14.25, 40.85),
        },
    )
    add_record(reg, "assets", {"id": "casa", "name": "Casa", "kind": "building", "status": "mapped", "lat": 40.80, "lon": 14.20})
    base = serve(draw(reg, tmp_path))
    reg.close()
    open_map(page, f"{base}/map/record.html#assets/parco")
    page.wait_for_function("commonsMaps.instances[0].highlight.group.getLayers().length === 2")
    bounds = page.evaluate(
        "(function(){var b=commonsMaps.instances[0].map.getBounds(); return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]})()"
    )
    assert bounds[0] < 40.848 and bounds[2] > 40.852 and bounds[1] < 14.248 and bounds[3] > 14.252
    open_map(page, f"{base}/map/overview.html")
    page.evaluate("commonsMaps.instances[0].map.setView([40.85, 14.25], 15, {animate: false})")
    page.wait_for_function("commonsMaps.instances[0].layers.assets.shapeGroup.getLayers().length === 1")


XSS_PAYLOADS = (
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss = 'img'\">",
    "<svg onload=\"window.__xss = 'svg'\"><circle r=1></circle></svg>",
    "javascript:window.__xss='url'",
    '"><iframe srcdoc="<script>parent.__xss=\'iframe\'</script>"></iframe>',
    "</script><script>window.__xss = 'breakout'</script>",
    "<a href=\"javascript:window.__xss='a'\">x</a>{{7*7}}",
)


def planted(kind_name: str, number: int, payload: str, lat: float, lon: float) -> dict[str, Any]:
    """A record of a kind with the payload in every free-text field (ids, enums and dates must stay valid)."""
    kind = KINDS[kind_name]
    values: dict[str, Any] = {"id": f"x-{kind_name}-{number}", "lat": lat, "lon": lon}
    for f in kind.fields:
        if f.type in ("text", "markdown"):
            values[f.name] = payload
        elif f.type == "url":
            values[f.name] = "https://example.org/?q=" + payload.replace(" ", "%20").replace('"', "%22")
    required = {"assets": {"kind": "building", "status": "occupied"}, "actors": {"kind": "cooperative"}, "cases": {"level": "support"}}
    values.update(required[kind_name])
    return values


def test_script_planted_in_every_text_field_never_runs(page: Any, tmp_path: Path, serve: Any) -> None:
    reg = create_registry(tmp_path / "r.db")
    for n, payload in enumerate(XSS_PAYLOADS):
        for k, kind_name in enumerate(("assets", "actors", "cases")):
            add_record(reg, kind_name, planted(kind_name, n, payload, 40.85 + n * 0.01, 14.25 + k * 0.01))
    base = serve(draw(reg, tmp_path))
    reg.close()
    for address in ("map/overview.html", "map/cases.html", "map/record.html#assets/x-assets-1"):
        open_map(page, f"{base}/{address}")
        scripts_before = page.locator("script").count()
        # Every record's popup, and a cluster's list of names, rendered one after the other.
        shown = page.evaluate(
            """async () => {
                const m = commonsMaps.instances[0]; const texts = [];
                for (const key of Object.keys(m.layers)) {
                    const layer = m.layers[key];
                    for (let i = 0; i < layer.n; i++) {
                        const popup = await layer.openPopup(i);
                        texts.push(popup.getElement().textContent);
                    }
                    const all = []; for (let i = 0; i < layer.n; i++) all.push(i);
                    const list = L.popup().setLatLng([40.85, 14.25]).setContent(layer.listContent(all)).openOn(m.map);
                    texts.push(list.getElement().textContent);
                }
                return texts;
            }"""
        )
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None, address
        assert page.evaluate("parent.__xss") is None
        assert not page.dialogs
        assert page.locator("script").count() == scripts_before
        assert (
            page.locator(
                ".leaflet-popup-content img, .leaflet-popup-content svg, .leaflet-popup-content iframe, .leaflet-popup-content script"
            ).count()
            == 0
        )
        assert page.locator("iframe, img[src='x']").count() == 0
        joined = "\n".join(shown)
        assert "<script>window.__xss = 'script'</script>" in joined
        assert "<img src=x onerror=" in joined, address
        hrefs = page.eval_on_selector_all(".leaflet-popup-content a", "links => links.map(a => a.getAttribute('href'))")
        assert hrefs and all(h.startswith("../") and "javascript:" not in h for h in hrefs)
        assert not page.errors


@pytest.fixture(scope="module")
def large_site(tmp_path_factory: pytest.TempPathFactory, serve: Any) -> tuple[str, dict[str, tuple[str, float, float]]]:
    """4,500 assets: their names come in three name files, of which a page fetches only those it needs."""
    from test_maps import synthetic_public_db

    tmp = tmp_path_factory.mktemp("browser-maps-large")
    synthetic_public_db(tmp / "public.db", 4500)
    conn = sqlite3.connect(tmp / "public.db")
    try:
        render_site_maps(conn, tmp / "site", {})
        records = {row[0]: (row[1], row[2], row[3]) for row in conn.execute("SELECT id, name, lat, lon FROM assets")}
    finally:
        conn.close()
    return str(serve(tmp / "site")), records


def test_a_large_layer_fetches_only_the_name_file_of_the_record_it_shows(page: Any, large_site: tuple[str, Any]) -> None:
    site, records = large_site
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "-names-" in r.url else None)
    page.goto(f"{site}/map/record.html#assets/asset-4321")
    page.wait_for_selector("html[data-map-ready='true']", timeout=20_000)
    name, lat, lon = records["asset-4321"]
    shown = page.evaluate(
        "(function(){var m=commonsMaps.instances[0], c=m.map.getCenter(), l=m.layers.assets, i=m.highlight.index;"
        " return {lat:c.lat, lng:c.lng, name:l.entry(i,'name'), id:l.entry(i,'id')}})()"
    )
    assert shown["id"] == "asset-4321" and shown["name"] == name
    assert shown["lat"] == pytest.approx(lat, abs=1e-4) and shown["lng"] == pytest.approx(lon, abs=1e-4)
    assert len(fetched) == 1, "one name file of three, found from the id alone"
    page.evaluate("location.hash = '#assets/asset-17'")
    page.wait_for_function(
        "commonsMaps.instances[0].highlight && commonsMaps.instances[0].layers.assets.entry(commonsMaps.instances[0].highlight.index, 'id') === 'asset-17'"
    )
    assert not page.errors


def test_a_popup_on_a_large_layer_names_its_own_record(page: Any, large_site: tuple[str, Any]) -> None:
    site, records = large_site
    open_map(page, f"{site}/map/overview.html")
    for i in (0, 1234, 4499):
        title = page.evaluate(
            f"commonsMaps.instances[0].layers.assets.openPopup({i}).then(function(){{"
            " var all=document.querySelectorAll('.leaflet-popup .cm-popup-title'), a=all[all.length-1];"
            " return [a.textContent, a.getAttribute('href')]; })"
        )
        record_id = title[1].rstrip("/").split("/")[-1]
        assert records[record_id][0] == title[0]
        lat = page.evaluate(f"commonsMaps.instances[0].layers.assets.lat[{i}]")
        assert lat == pytest.approx(records[record_id][1], abs=1e-4), "the name shown is the point's own"
    assert not page.errors
