"""Hostile text in every text field is harmless everywhere it is shown: pages, maps, feeds, JSON-LD, Datasette.

Payloads (script tags, event-handler attributes, javascript: links, SVG, broken
HTML, right-to-left overrides) are planted in every free-text and Markdown field
of a record of each kind. The site is built and served; a real browser opens the
record pages, the index pages, the home page and the map, and a real `commons
serve` shows the rows in Datasette. Every payload tries to set `window.__pwned`,
open a dialog or add an element marked `data-pwned`; none may succeed.
"""

from __future__ import annotations

import functools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from chromium import CHROMIUM, QuietHandler, launch_chromium
from conftest import build_test_site

from registry.model.kinds import KINDS
from registry.operations.links import link_records
from registry.operations.records import add_record
from registry.store.database import open_registry

PAYLOADS = [
    "<script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "<svg onload=\"window.__pwned='svg'\"><circle r=1 /></svg>",
    "[click me](javascript:window.__pwned='link')",
    "<a href=\"javascript:window.__pwned='href'\" data-pwned=1>x</a>",
    "<div data-pwned=1 onmouseover=\"window.__pwned='hover'\">broken <b><i>html",
    "\u202egnp.exe\u202c <iframe src=\"javascript:window.__pwned='iframe'\"></iframe>",
    "\"><script>window.__pwned='attr'</script><x y=\"",
    "</script><script>window.__pwned='jsonld'</script>",
]
HOSTILE = " ".join(PAYLOADS)
TEXT_TYPES = ("text", "markdown")
IDS = {"assets": "hostile-asset", "actors": "hostile-actor", "agreements": "hostile-agreement", "cases": "hostile-case"}

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")]


def hostile_record(kind_name: str) -> dict[str, Any]:
    """A valid record whose every free-text field carries every payload."""
    kind = KINDS[kind_name]
    record: dict[str, Any] = {"id": IDS[kind_name]}
    for f in kind.fields:
        if f.type in TEXT_TYPES and not f.private:
            record[f.name] = f"{f.name}: {HOSTILE}"
    required = {
        "assets": {"kind": "building", "status": "occupied", "lat": 40.85, "lon": 14.26, "country": "IT"},
        "actors": {"kind": "association", "lat": 40.851, "lon": 14.261, "country": "IT"},
        "agreements": {"kind": "concession", "status": "active", "asset_id": IDS["assets"], "expires_on": "2030-01-01"},
        "cases": {"lat": 40.852, "lon": 14.262, "country": "IT", "level": "support"},
    }[kind_name]
    return {**record, **required}


@pytest.fixture(scope="module")
def hostile_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example plus one hostile record of each kind, linked together, built into a site."""
    import shutil

    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "registry.db"
    shutil.copyfile(example_master, db)
    registry = open_registry(db, by="<script>window.__pwned='by'</script>")
    for kind_name in ("assets", "actors", "agreements", "cases"):
        add_record(registry, kind_name, hostile_record(kind_name))
    link_records(registry, "agreements", IDS["agreements"], "actors", IDS["actors"], "co_manager")
    link_records(registry, "cases", IDS["cases"], "assets", IDS["assets"])
    link_records(registry, "cases", IDS["cases"], "actors", IDS["actors"], "partner")
    registry.close()
    output = folder / "output"
    build_test_site(db, output)
    return db, output


@pytest.fixture(scope="module")
def served(hostile_site: tuple[Path, Path]) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(hostile_site[1]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


def assert_nothing_ran(browser: Any, url: str, *, hover: bool = True) -> str:
    """Open a page with only 127.0.0.1 reachable; fail if any payload ran. Returns the page's text."""
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if hover:
        for element in page.locator("main p, main li, main dd, main td, main div").all()[:60]:
            try:
                element.hover(timeout=100)
            except Exception:  # noqa: BLE001 - hidden or detached elements cannot be hovered
                pass
    state = page.evaluate(
        "() => ({pwned: window.__pwned || null, marked: document.querySelectorAll('[data-pwned]').length,"
        " jsLinks: [...document.querySelectorAll('a[href]')].filter(a => a.href.trim().toLowerCase().startsWith('javascript:')).length,"
        " frames: [...document.querySelectorAll('iframe')].filter(f => (f.getAttribute('src') || '').toLowerCase().includes('javascript')).length})"
    )
    text = page.locator("body").inner_text()
    context.close()
    assert state == {"pwned": None, "marked": 0, "jsLinks": 0, "frames": 0}, f"{url}: {state}"
    assert not dialogs, f"{url}: a dialog opened: {dialogs}"
    return text


@pytest.mark.parametrize("kind_name", list(IDS))
def test_record_pages_show_hostile_text_as_text(browser: Any, served: str, kind_name: str) -> None:
    text = assert_nothing_ran(browser, f"{served}{kind_name}/{IDS[kind_name]}/")
    assert "window.__pwned" in text or "javascript" in text, "the hostile text should be shown, as text"


@pytest.mark.parametrize(
    "page", ["", "assets/", "actors/", "agreements/", "cases/", "map/", "assets/status/occupied/", "guide/case-studies/"]
)
def test_index_pages_home_and_map_run_no_planted_script(browser: Any, served: str, page: str) -> None:
    assert_nothing_ran(browser, served + page, hover=page != "map/")


def test_map_popups_show_hostile_names_as_text(browser: Any, served: str) -> None:
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    page = context.new_page()
    page.goto(f"{served}map/record.html#assets/{IDS['assets']}")
    page.wait_for_function("document.documentElement.dataset.mapReady !== undefined", timeout=20_000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned || null") is None
    assert page.evaluate("document.querySelectorAll('[data-pwned]').length") == 0
    context.close()


def test_search_results_show_hostile_names_and_excerpts_as_text(browser: Any, served: str) -> None:
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{served}search/?q=pwned")  # the word every payload carries: each hostile record is a result
    page.locator("#search-results li").nth(3).wait_for(timeout=15_000)
    shown = page.locator("#search-results").inner_text()
    assert "<script>" in shown or "<img" in shown, "the hostile text is shown, as text"
    assert page.evaluate("window.__pwned || null") is None
    assert (
        page.evaluate("document.querySelectorAll('#search-results [data-pwned], #search-results img, #search-results script').length") == 0
    )
    assert not dialogs
    context.close()


def test_feeds_carry_hostile_text_as_escaped_text(hostile_site: tuple[Path, Path]) -> None:
    feeds = sorted((hostile_site[1] / "feeds").glob("*.xml")) + sorted((hostile_site[1] / "feeds").glob("*.atom"))
    assert feeds, "the site has no feeds"
    atom = "{http://www.w3.org/2005/Atom}"
    found = False
    for feed in feeds:
        root = ET.parse(feed).getroot()
        assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "img", "svg", "iframe")], feed.name
        for title in root.iter(f"{atom}title"):
            found = found or "window.__pwned" in (title.text or "")
    assert found, "the hostile agreement's title should be in a feed, as text"


def test_json_ld_holds_hostile_text_without_breaking_out(hostile_site: tuple[Path, Path]) -> None:
    for kind_name, record_id in IDS.items():
        html = (hostile_site[1] / kind_name / record_id / "index.html").read_text(encoding="utf-8")
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
        assert len(blocks) == 1, kind_name
        data = json.loads(blocks[0])
        assert "window.__pwned" in json.dumps(data), kind_name
        assert len(re.findall(r"<script", html)) == 1 + html.count('<script src="'), f"{kind_name}: an extra script element"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_datasette_shows_hostile_rows_as_text(browser: Any, hostile_site: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = hostile_site
    port = _free_port()
    commons = str(Path(sys.executable).with_name("commons"))
    server = subprocess.Popen(
        [commons, "--db", str(db), "serve", "--port", str(port), "-o", str(tmp_path / "public")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        for kind_name, record_id in IDS.items():
            table = KINDS[kind_name].table
            assert_nothing_ran(browser, f"http://127.0.0.1:{port}/public/{table}/{record_id}", hover=False)
        assert_nothing_ran(browser, f"http://127.0.0.1:{port}/public/assets?_search=pwned", hover=False)
    finally:
        server.terminate()
        server.wait(timeout=30)
