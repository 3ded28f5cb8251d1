"""The site in other languages in a real browser: Arabic right to left, French words and dates, a switcher that stays on the record.

Served under a subpath like a partner's host; axe-core checks the Arabic and
French pages. Uses Debian's chromium (`apt-get install -y chromium`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chromium import CHROMIUM, launch_chromium, serve_under_subpath
from conftest import BuiltSite
from test_browser_site import serious_violations

SUBPATH = "partner/commons/"
RECORD = "agreements/agr-bcn-la-borda-leasehold/"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def site_url(multilingual_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_under_subpath(multilingual_site.output, tmp_path_factory.mktemp("host"), SUBPATH)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    yield context.new_page()
    context.close()


def test_the_arabic_home_page_is_laid_out_right_to_left_and_accessible(page: Any, site_url: str) -> None:
    page.goto(site_url + "ar/")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    menu = page.locator(".site-nav li").first.bounding_box()
    last = page.locator(".site-nav li").last.bounding_box()
    assert menu and last and menu["x"] > last["x"], "the menu runs from the right"
    assert serious_violations(page) == []


def test_a_latin_name_on_an_arabic_record_page_keeps_its_own_direction(page: Any, site_url: str) -> None:
    page.goto(site_url + "ar/" + RECORD)
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "ltr"  # dir=auto on a Latin title
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert serious_violations(page) == []


def test_a_french_record_page_shows_french_labels_and_a_french_date(page: Any, site_url: str) -> None:
    page.goto(site_url + "fr/" + RECORD)
    text = page.locator("main").inner_text()
    assert "Sources" in text and "Identifiant" in text
    assert page.locator('time[datetime="2090-11-30"]').first.inner_text() == "30 nov. 2090"
    assert serious_violations(page) == []


def test_the_language_switcher_keeps_the_visitor_on_the_same_record(page: Any, site_url: str) -> None:
    page.goto(site_url + "fr/" + RECORD)
    identifier = page.locator(".record-meta code")
    assert identifier.inner_text() == "agr-bcn-la-borda-leasehold"
    page.locator("nav.languages a[hreflang=es]").click()
    assert page.url == site_url + "es/" + RECORD
    assert identifier.inner_text() == "agr-bcn-la-borda-leasehold"
    page.locator("nav.languages a[hreflang=en]").click()
    assert page.url == site_url + RECORD
    page.locator("nav.languages a[hreflang=ar]").click()
    assert page.url == site_url + "ar/" + RECORD


def test_the_arabic_map_page_reads_its_labels_from_its_language(page: Any, site_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site_url + "ar/map/overview.html")
    page.wait_for_function("document.querySelector('.leaflet-control-layers') !== null", timeout=15000)
    assert errors == []
    assert "Commons assets" not in page.locator(".leaflet-control-layers").inner_text()
    layers = page.locator(".leaflet-control-layers").bounding_box()
    zoom = page.locator(".leaflet-control-zoom").bounding_box()
    assert layers and zoom and layers["x"] < zoom["x"], "on a right-to-left page the controls are mirrored"
