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


def test_the_spanish_search_page_finds_records_by_their_spanish_text_and_stays_in_spanish(page: Any, site_url: str) -> None:
    from registry.site.languages import translations
    from registry.site.settings import project_root

    spanish = translations(project_root() / "locale", "es")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site_url + "es/search/")
    page.get_by_label(spanish.gettext("Search the site")).fill("cogestionado")  # only in a record's Spanish description
    found = page.locator("#search-results a[href*='/assets/mad-mar-centro/']")
    found.wait_for(timeout=15_000)
    assert found.get_attribute("href") == f"/{SUBPATH}es/assets/mad-mar-centro/", "a result leads to the page in the visitor's language"
    assert found.inner_text() == "MAR de Centro (MARES de Madrid) y Oficina de Economía Social y Solidaria Centro"  # its Spanish name
    status = page.locator("#search-status").inner_text()
    assert status.startswith(spanish.gettext("Results: {count}").split("{count}")[0])
    page.get_by_label(spanish.gettext("Look in")).select_option("guide")
    page.get_by_label(spanish.gettext("Search the site")).fill("cooperativas")
    page.locator("#search-results a").first.wait_for(timeout=15_000)
    hrefs = {page.locator("#search-results a").nth(i).get_attribute("href") for i in range(page.locator("#search-results a").count())}
    pages = (f"/{SUBPATH}es/guide/", f"/{SUBPATH}es/about/")
    assert hrefs and all(h and h.startswith(pages) for h in hrefs), hrefs  # the Spanish chapters and pages, no records
    assert serious_violations(page) == []
    assert errors == []
