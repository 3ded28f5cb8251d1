"""Paginated lists: every filter page cut into numbered pages that together list each record once, linked without JavaScript.

The example is built with five rows a page, so its lists run to several pages;
the pages are read as a visitor's browser would (links, rel="prev"/"next"),
checked by the Nu HTML checker and axe-core, and rebuilt after one edit to
see which list pages were written again.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import launch_chromium, serve_under_subpath
from conftest import BuiltSite, build_test_site
from test_browser_site import serious_violations
from test_html_validity import JAVA, VNU

from registry.model.declaration import LATER_PAGES
from registry.model.kinds import KINDS
from registry.operations.records import update_record
from registry.site.pagination import page_links, paginate
from registry.store.database import open_registry

PER_PAGE = 5
ROW_LINK = re.compile(r'<td><a href="(?:\.\./)*([a-z]+/[^"/]+)/"><bdi>')


@pytest.fixture(scope="module")
def paged_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    folder = tmp_path_factory.mktemp("paged")
    db = folder / "registry.db"
    shutil.copyfile(example_master, db)
    output = folder / "output"
    return BuiltSite(output, db, build_test_site(db, output, rows_per_page=PER_PAGE, search=False))


def list_pages(output: Path, base: str) -> list[Path]:
    """A list's pages in order: its own address, then page/2/, page/3/…"""
    first = output / base / "index.html"
    more = (
        sorted((output / base / "page").glob("*/index.html"), key=lambda p: int(p.parent.name)) if (output / base / "page").is_dir() else []
    )
    return [first, *more]


def listed(page: Path) -> list[str]:
    return ROW_LINK.findall(page.read_text(encoding="utf-8"))


def test_pages_are_numbered_in_id_order_with_gaps_in_a_long_run() -> None:
    pages = paginate("assets/city/napoli/", [f"a-{n:03}" for n in range(23, 0, -1)], per_page=2)
    assert [p.url for p in pages[:3]] == ["assets/city/napoli/", "assets/city/napoli/page/2/", "assets/city/napoli/page/3/"]
    assert [i for p in pages for i in p.ids] == [f"a-{n:03}" for n in range(1, 24)]
    links = page_links(pages[5], "assets/city/napoli/")
    assert links is not None
    assert (links["prev"], links["next"]) == ("assets/city/napoli/page/5/", "assets/city/napoli/page/7/")
    shown = [n["number"] for n in links["numbers"] if not n["gap"]]
    assert shown == [1, 2, 3, 4, 5, 6, 7, 8, 11, 12] and [n for n in links["numbers"] if n["gap"]]
    assert page_links(paginate("x/", ["a"])[0], "x/") is None, "a one-page list has no page links"
    assert paginate("x/", [])[0].ids == [], "an empty list still has its page"


@pytest.mark.parametrize("kind", ["assets", "actors", "agreements", "cases"])
def test_each_filter_value_lists_its_records_once_across_its_pages_in_id_order(paged_site: BuiltSite, kind: str) -> None:
    from registry.operations.examples import example_data

    records = {r["id"]: r for r in example_data()[kind]}
    for facet in KINDS[kind].facets:
        for folder in (paged_site.output / kind / facet.name).iterdir():
            if not folder.is_dir() or folder.name == LATER_PAGES:  # the later pages of the facet's own list of values
                continue
            pages = list_pages(paged_site.output, f"{kind}/{facet.name}/{folder.name}")
            if 'http-equiv="refresh"' in pages[0].read_text(encoding="utf-8"):
                continue  # a redirect from an address older versions gave the value
            ids = [i.split("/", 1)[1] for p in pages for i in listed(p)]
            assert ids == sorted(ids) and len(ids) == len(set(ids)), (kind, facet.name, folder.name)
            assert all(len(listed(p)) <= PER_PAGE for p in pages)
            assert set(ids) <= set(records)
            first = pages[0].read_text(encoding="utf-8")
            assert re.search(rf"\b{len(ids)} records?\b", first), "the first page says how many records the list has in all"


def test_pages_link_each_other_with_rel_prev_and_next_in_the_head_and_the_page(paged_site: BuiltSite) -> None:
    pages = list_pages(paged_site.output, "actors/city/napoli")
    assert len(pages) >= 3
    for n, page in enumerate(pages, 1):
        text = page.read_text(encoding="utf-8")
        assert f"Page {n} of {len(pages)}" in text
        has_prev, has_next = n > 1, n < len(pages)
        assert ('<link rel="prev"' in text) == has_prev and ('rel="prev">' in text) == has_prev
        assert ('<link rel="next"' in text) == has_next and ('rel="next">' in text) == has_next
        assert 'aria-current="page"' in text
        for href in re.findall(r'<a href="([^"]+)"[^>]*>\d+</a>', text):
            assert (page.parent / href / "index.html").resolve().is_file(), href
    assert "(page 2)" in pages[1].read_text(encoding="utf-8").split("</title>")[0]


def test_a_long_index_links_to_its_groups_pages_and_the_records_with_no_value_get_one_too(paged_site: BuiltSite) -> None:
    index = (paged_site.output / "actors" / "index.html").read_text(encoding="utf-8")
    assert not ROW_LINK.search(index), "past one page the index lists groups, not every row"
    groups = index[index.index('id="groups-heading"') :]
    assert '<a href="../actors/city/napoli/">' in groups
    none_page = paged_site.output / "actors" / "governance" / "_none" / "index.html"
    assert none_page.is_file() and listed(none_page)
    registry = open_registry(paged_site.db, migrate=False)
    try:
        without = {r[0] for r in registry.conn.execute("SELECT id FROM actors WHERE governance IS NULL OR governance = ''")}
    finally:
        registry.close()
    ids = {i.split("/", 1)[1] for p in list_pages(paged_site.output, "actors/governance/_none") for i in listed(p)}
    assert ids == without


def test_the_map_pages_list_links_to_city_pages_when_the_places_fill_more_than_a_page(paged_site: BuiltSite) -> None:
    text = (paged_site.output / "map" / "index.html").read_text(encoding="utf-8")
    assert "actors/city/napoli/" in text
    assert "actors/act-asilo/" not in text, "past a page's worth, the places are on their city pages"


VALUE_LINK = re.compile(r'<li><a href="(?:\.\./)*([a-z]+/city/[^"/]+)/"[^>]*>[^<]*</a> <span class="count">\(([\d,]+)\)</span></li>')


def city_counts(kind: str) -> dict[str, int]:
    """How many of the example's records of a kind each city slug holds."""
    from registry.model.slugs import slugify
    from registry.operations.examples import example_data

    counts: dict[str, int] = {}
    for record in example_data()[kind]:
        if record.get("city"):
            counts[slugify(record["city"])] = counts.get(slugify(record["city"]), 0) + 1
    return counts


@pytest.mark.parametrize("kind", ["assets", "actors", "agreements", "cases"])
def test_a_facets_list_of_values_is_paged_and_names_every_value_once_with_its_count(paged_site: BuiltSite, kind: str) -> None:
    counts = city_counts(kind)
    assert len(counts) > PER_PAGE, "the example has more cities than a page holds"
    pages = list_pages(paged_site.output, f"{kind}/city")
    found = [VALUE_LINK.findall(p.read_text(encoding="utf-8").split('<ul class="columns">')[1].split("</ul>")[0]) for p in pages]
    assert len(pages) == (len(counts) - 1) // PER_PAGE + 1 and all(0 < len(f) <= PER_PAGE for f in found)
    listed_values = {url.rsplit("/", 1)[1]: int(n.replace(",", "")) for f in found for url, n in f}
    assert sum(len(f) for f in found) == len(listed_values) and listed_values == counts, "each city once, with its count"
    first, second = (p.read_text(encoding="utf-8") for p in pages[:2])
    assert f"Page 1 of {len(pages)} · {len(counts)} in all" in first and '<link rel="next"' in first and '<link rel="prev"' in second
    assert "(page 2)" in second.split("</title>")[0]


def test_a_long_filter_or_group_list_shows_the_largest_values_and_links_to_all_of_them(paged_site: BuiltSite) -> None:
    counts = city_counts("actors")
    largest = sorted(counts, key=lambda slug: (-counts[slug], sorted(counts).index(slug)))[:PER_PAGE]
    index = (paged_site.output / "actors" / "index.html").read_text(encoding="utf-8")
    nav = index[index.index('class="filters"') : index.index("</nav>", index.index('class="filters"'))]
    city_nav = nav[nav.index('href="../actors/city/"') :].split('<div class="facet">')[0]
    shown = [url.rsplit("/", 1)[1] for url, _ in VALUE_LINK.findall(city_nav)]
    assert sorted(shown) == sorted(largest), "the cities holding the most actors"
    assert f'<a href="../actors/city/">See all</a> <span class="count">({len(counts)})</span>' in city_nav
    groups = index[index.index('id="groups-heading"') :].split("</section>\n</div>")[0]
    grouped = set(re.findall(r'<a href="\.\./actors/city/([^"/_][^"/]*)/">Only', groups))
    assert grouped == set(largest) and f'<a href="../actors/city/">See all</a> <span class="count">({len(counts)})</span>' in groups
    assert (
        '<a href="../actors/governance/">' in nav
        and "See all" not in nav[nav.index('href="../actors/governance/"') :].split('<div class="facet">')[0]
    ), "a facet of a fixed vocabulary lists every value"
    map_list = (paged_site.output / "map" / "index.html").read_text(encoding="utf-8").split('class="map-list"')[1]
    sections = map_list.split("</section>")[0].split("<h3>")[1:]
    for section in sections:
        assert 0 < len(re.findall(r'<li><a href="\.\./[a-z]+/city/[^"]+/">', section)) <= PER_PAGE, "the map lists a page's worth of cities"
    actors = next(s for s in sections if s.startswith("Actors"))
    assert f'<a href="../actors/city/">See all</a> <span class="count">({len(counts)})</span>' in actors, "then links to every city"


def test_no_page_outgrows_150_kb_when_the_records_are_spread_over_hundreds_of_cities(example_master: Path, tmp_path: Path) -> None:
    from registry.formats.importing import import_files

    db = tmp_path / "registry.db"
    shutil.copyfile(example_master, db)
    towns = tmp_path / "assets.csv"
    rows = [
        f"town-{n},Market hall {n},building,mapped,Town {n:04d},IT,{45 + n // 40 * 0.01:.4f},{8 + n % 40 * 0.02:.4f}" for n in range(600)
    ]
    towns.write_text("id,name,kind,status,city,country,lat,lon\n" + "\n".join(rows) + "\n", encoding="utf-8")
    registry = open_registry(db, by="tester")
    try:
        import_files(registry, [towns], "assets")
    finally:
        registry.close()
    output = tmp_path / "output"
    build_test_site(db, output, search=False)
    weights = {str(p.relative_to(output)): p.stat().st_size for p in output.rglob("*.html")}
    heaviest = max(weights, key=weights.__getitem__)
    assert weights[heaviest] <= 150_000, (heaviest, weights[heaviest])
    assert len(list_pages(output, "assets/city")) == 7, "606 cities, a hundred to a page"


def test_renaming_a_record_rewrites_only_the_list_pages_it_is_on(example_master: Path, tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    shutil.copyfile(example_master, db)
    output = tmp_path / "output"
    build_test_site(db, output, rows_per_page=PER_PAGE, search=False)
    registry = open_registry(db, by="tester")
    try:
        update_record(registry, "actors", "act-asilo", {"name": "L'Asilo assembly (renamed)"})
    finally:
        registry.close()
    report = build_test_site(db, output, rows_per_page=PER_PAGE, search=False)
    list_pages_written = sorted(p for p in report.rendered if re.match(r"actors/[a-z-]+/[^/]+/(page/\d+/)?index\.html$", p))
    holding = sorted(
        str(p.relative_to(output))
        for p in output.glob("actors/*/*/**/index.html")
        if re.match(r"actors/[a-z-]+/[^/]+/(page/\d+/)?index\.html$", str(p.relative_to(output))) and "actors/act-asilo" in listed(p)
    )
    assert list_pages_written == holding and len(holding) == 3, "the record's city, kind and governance pages, nothing else"


def test_paginated_pages_pass_the_nu_html_checker(paged_site: BuiltSite) -> None:
    assert VNU.is_file() and JAVA, "the Nu HTML checker needs java and vnu-jar (scripts/test.sh installs it)"
    files = [str(p) for p in list_pages(paged_site.output, "actors/city/napoli")]
    files += [str(paged_site.output / "actors" / "governance" / "_none" / "index.html"), str(paged_site.output / "actors" / "index.html")]
    files += [str(p) for p in list_pages(paged_site.output, "actors/city")] + [str(paged_site.output / "map" / "index.html")]
    done = subprocess.run([JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *files], capture_output=True, text=True)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    assert [m.get("message") for m in messages if m.get("type") == "error"] == []


@pytest.fixture(scope="module")
def site_url(paged_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_under_subpath(paged_site.output, tmp_path_factory.mktemp("host"), "lab/")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


def test_a_reader_without_javascript_walks_the_pages_forward_and_back(browser: Any, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "actors/city/napoli/")
    seen = page.locator("table.records tbody a").all_inner_texts()
    while page.locator("nav.pagination a[rel=next]").count():
        page.locator("nav.pagination a[rel=next]").click()
        page.wait_for_load_state()
        seen += page.locator("table.records tbody a").all_inner_texts()
    assert len(seen) == len(set(seen)) and len(seen) > 2 * PER_PAGE
    pages = (len(seen) - 1) // PER_PAGE + 1
    assert page.url.endswith(f"/lab/actors/city/napoli/page/{pages}/")
    page.locator("nav.pagination a[rel=prev]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/lab/actors/city/napoli/page/{pages - 1}/" if pages > 2 else "/lab/actors/city/napoli/")
    context.close()


def test_paginated_pages_have_no_serious_accessibility_violation(browser: Any, site_url: str) -> None:
    page = browser.new_page()
    violations = {}
    for path in ("actors/city/napoli/", "actors/city/napoli/page/2/", "actors/governance/_none/", "actors/", "actors/city/page/2/"):
        page.goto(site_url + path)
        violations[path] = serious_violations(page)
    page.close()
    assert not {k: v for k, v in violations.items() if v}, violations


def test_a_frameworks_comparison_is_paged_and_counts_the_unknowns_on_its_first_page(paged_site: BuiltSite) -> None:
    pages = list_pages(paged_site.output, "frameworks/un-good-governance")
    rows = [re.findall(r'<th scope="row"><a href="(?:\.\./)*(cases/[^"/]+)/">', p.read_text(encoding="utf-8")) for p in pages]
    assert len(pages) == 4 and all(0 < len(r) <= PER_PAGE for r in rows)
    flat = [i for r in rows for i in r]
    assert flat == sorted(flat) and len(set(flat)) == 16, "every assessed case study once, in id order"
    assert "unknown for" in pages[0].read_text(encoding="utf-8") and "unknown for" not in pages[1].read_text(encoding="utf-8")
    guide = (paged_site.output / "guide" / "case-studies" / "index.html").read_text(encoding="utf-8")
    listed_cases = guide[guide.index('id="registry-cases"') :].split("</section>")[0]
    assert listed_cases.count('<li><a href="') == PER_PAGE and 'href="../../cases/">' in listed_cases, (
        "the chapter lists a page of cases and links to all"
    )


def test_the_lists_of_agreements_expiring_and_lapsed_are_paged_in_their_own_order(example_master: Path, tmp_path: Path) -> None:
    import datetime as dt

    from conftest import SITE_TODAY

    db = tmp_path / "registry.db"
    shutil.copyfile(example_master, db)
    today = dt.date.fromisoformat(SITE_TODAY)
    registry = open_registry(db, by="tester")
    try:
        active = [r[0] for r in registry.conn.execute("SELECT id FROM agreements WHERE status = 'active' ORDER BY id")][: PER_PAGE + 2]
        for n, agreement_id in enumerate(active):  # in force by their status, ended by their date: lapsed, longest first
            update_record(
                registry,
                "agreements",
                agreement_id,
                {"starts_on": "2010-01-01", "expires_on": (today - dt.timedelta(days=10 + n)).isoformat()},
            )
    finally:
        registry.close()
    output = tmp_path / "output"
    build_test_site(db, output, rows_per_page=PER_PAGE, search=False)
    index = (output / "agreements" / "index.html").read_text(encoding="utf-8")
    section = index[index.index('id="lapsed-heading"') : index.index('id="groups-heading"')]
    assert len(ROW_LINK.findall(section)) == PER_PAGE and 'href="../agreements/lapsed/">' in section
    ids = [i.split("/", 1)[1] for p in list_pages(output, "agreements/lapsed") for i in listed(p)]
    assert ids == list(reversed(active)), "longest lapsed first, across the pages"
    assert '<link rel="next"' in (output / "agreements" / "lapsed" / "index.html").read_text(encoding="utf-8")
    if VNU.is_file() and JAVA:
        files = [str(p) for p in list_pages(output, "agreements/lapsed")]
        done = subprocess.run([JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *files], capture_output=True, text=True)
        assert [
            m.get("message") for m in json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"] if m.get("type") == "error"
        ] == []


@pytest.mark.parametrize("kind", ["assets", "actors", "agreements", "cases"])
def test_no_record_can_take_the_address_of_a_list_page(paged_site: BuiltSite, kind: str) -> None:
    from registry.model.errors import ValidationError
    from registry.operations.records import add_record

    spec = KINDS[kind]
    registry = open_registry(paged_site.db)
    try:
        ids = {row[0] for row in registry.conn.execute(f"SELECT id FROM [{spec.table}]")}
        folders = {p.name for p in (paged_site.output / kind).iterdir() if p.is_dir()} - ids
        assert folders and folders <= spec.list_folders, "every list folder the site writes is a word ids may not take"
        before = registry.conn.execute(f"SELECT count(*) FROM [{spec.table}]").fetchone()
        for word in sorted(folders):
            with pytest.raises(ValidationError, match=rf"field 'id': '{word}' is the address of a list .* choose another id"):
                add_record(registry, kind, {"id": word, spec.title_field: "Taken"})
        assert registry.conn.execute(f"SELECT count(*) FROM [{spec.table}]").fetchone() == before
    finally:
        registry.close()
