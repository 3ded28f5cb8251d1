"""The built site in a real browser: served under a subpath, searched, followed, checked with axe-core.

Every request that leaves 127.0.0.1 is aborted and recorded; only map tiles may
have been wanted. Uses Debian's chromium (`apt-get install -y chromium`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from chromium import CHROMIUM, launch_chromium, serve_under_subpath
from conftest import BuiltSite

TILE_HOST_SUFFIXES = ("tile.openstreetmap.org",)
SUBPATH = "sub/site/"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def site_url(built_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site copied under a subpath of a local web server, as a partner's host would serve it."""
    yield from serve_under_subpath(built_site.output, tmp_path_factory.mktemp("host"), SUBPATH)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_search_find_a_naples_asset_follow_it_to_its_agreement_with_no_serious_accessibility_violation(browser: Any, site_url: str) -> None:
    context = browser.new_context()
    outside: list[str] = []

    def only_local(route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    violations: dict[str, list[str]] = {}

    page.goto(site_url)
    assert page.locator("h1").first.inner_text()
    violations["home"] = serious_violations(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.wait_for_url("**/search/")
    box = page.get_by_label("Search the site")
    box.wait_for(timeout=15_000)
    box.fill("Asilo")
    result = page.locator("#search-results a[href*='/assets/']").first
    result.wait_for(timeout=15_000)
    href = result.get_attribute("href") or ""
    assert href.startswith(f"/{SUBPATH}assets/"), f"search result {href!r} does not keep the subpath"
    violations["search"] = serious_violations(page)
    result.click()
    page.wait_for_url(f"**/{SUBPATH}assets/**")
    assert "Naples" in page.content() or "Napoli" in page.content()
    violations["asset"] = serious_violations(page)

    page.locator("#agreements-heading ~ ul a[href*='agreements/']").first.click()
    page.wait_for_url(f"**/{SUBPATH}agreements/**")
    assert page.get_by_role("heading", name="Parties").is_visible()
    violations["agreement"] = serious_violations(page)

    for path in ("map/", "cases/", "guide/case-studies/", "guide/legal-instruments/", "guide/glossary/", "data/"):
        page.goto(site_url + path)
        violations[path] = serious_violations(page)

    context.close()
    assert not errors, errors
    assert not {k: v for k, v in violations.items() if v}, violations
    needed = [url for url in outside if not (urlsplit(url).hostname or "").endswith(TILE_HOST_SUFFIXES)]
    assert not needed, f"requests left the browser for more than map tiles: {needed[:5]}"


def test_one_search_finds_chapters_and_records_of_every_kind_from_their_separate_bundles(browser: Any, site_url: str) -> None:
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1" else route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site_url + "search/")
    box = page.get_by_label("Search the site")
    box.wait_for(timeout=15_000)
    box.fill("Naples")
    results = page.locator("#search-results a")
    results.first.wait_for(timeout=15_000)
    more = page.locator("#search-more")
    while more.count() and more.first.is_visible():
        more.first.click()
        page.wait_for_timeout(200)
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    sections = {href.removeprefix(f"/{SUBPATH}").split("/", 1)[0] for href in hrefs}
    assert {"guide", "assets", "actors", "agreements", "cases"} <= sections, sorted(sections)
    context.close()
    assert not errors, errors


def test_pages_work_without_javascript(browser: Any, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1" else route.abort())
    page = context.new_page()
    page.goto(site_url + "assets/")
    page.get_by_role("navigation", name="Filter Commons assets").get_by_role("listitem").get_by_role("link").first.click()
    page.wait_for_url("**/assets/*/*/")
    assert page.locator("table.records a").count() > 0
    page.locator("table.records a").first.click()
    assert page.locator("article h1").is_visible()
    context.close()
