"""The static website: a page for every record, links that resolve, feeds, JSON-LD, safety, reproducible builds."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import BuiltSite, build_test_site
from site_trees import tree

from registry.model.kinds import KINDS
from registry.operations.records import update_record
from registry.store.database import open_registry

ATOM = "{http://www.w3.org/2005/Atom}"
TILE_HOSTS = ("tile.openstreetmap.org",)


class Page(HTMLParser):
    """What the tests need from an HTML file: links, ids, headings, JSON-LD, landmarks."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.headings: list[int] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.jsonld: list[str] = []
        self._in_jsonld = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for attr in ("href", "src"):
            if a.get(attr) is not None:
                self.links.append((tag, attr, str(a[attr])))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self._in_jsonld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_jsonld = False


def html_files(output: Path) -> list[Path]:
    """Our pages; the maps' own HTML under map/ (except the map page) belongs to the maps' tests."""
    return [p for p in sorted(output.rglob("*.html")) if not (p.parent.name == "map" and p.name != "index.html")]


def parse(path: Path, cache: dict[Path, Page] = {}) -> Page:  # noqa: B006 - a per-session parse cache
    if path not in cache:
        cache[path] = Page(path.read_text(encoding="utf-8"))
    return cache[path]


def public_ids(output: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(output / "data" / "public.db")
    try:
        return {k.name: [r[0] for r in conn.execute(f"SELECT id FROM [{k.table}] ORDER BY id")] for k in KINDS.values()}
    finally:
        conn.close()


def test_every_public_record_has_a_page_with_its_title(built_site: BuiltSite) -> None:
    ids = public_ids(built_site.output)
    assert all(ids.values()), "the example should hold records of every kind"
    conn = sqlite3.connect(built_site.output / "data" / "public.db")
    for kind, record_ids in ids.items():
        spec = KINDS[kind]
        if spec.title_field == "id":  # an assessment is named by the framework and the record it assesses
            sql = "SELECT a.id, coalesce(c.title, g.title) FROM assessments a LEFT JOIN case_studies c ON c.id = a.case_id LEFT JOIN agreements g ON g.id = a.agreement_id"
        else:
            sql = f"SELECT id, [{spec.title_field}] FROM [{spec.table}]"
        titles = dict(conn.execute(sql))
        for record_id in record_ids:
            page = built_site.output / kind / record_id / "index.html"
            assert page.is_file(), f"no page for {kind}/{record_id}"
            assert (built_site.output / kind / record_id / f"{record_id}.json").is_file()
            h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text(encoding="utf-8"), re.S)
            assert h1 is not None
            assert json.loads(json.dumps(titles[record_id])) in _unescape(h1.group(1))
    conn.close()


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_has_an_index_with_filter_pages_that_work_without_javascript(built_site: BuiltSite, kind: str) -> None:
    index = built_site.output / kind / "index.html"
    assert index.is_file()
    page = parse(index)
    filters = [
        href for tag, _, href in page.links if tag == "a" and re.match(rf"^(\.\./)*{kind}/[a-z-]+/[^/]+/$", href.removeprefix("../"))
    ]
    assert filters, f"{kind} index has no filter links"
    for facet in {
        "assets": ["status", "kind", "city"],
        "actors": ["kind", "city"],
        "agreements": ["status", "city"],
        "cases": ["policy-area", "level", "city"],
        "assessments": ["framework"],
    }[kind]:
        assert (built_site.output / kind / facet / "index.html").is_file(), f"{kind}/{facet}/ missing"
        assert any((built_site.output / kind / facet).glob("*/index.html")), f"no {kind}/{facet}/<value>/ pages"
    assert "<script" not in index.read_text(encoding="utf-8").replace('<script type="application/ld+json">', "")


def broken_links(output: Path) -> list[str]:
    """Every internal href/src that points at no file, or at a page without the #anchor it names."""
    output = output.resolve()
    problems = []
    for path in html_files(output):
        for tag, attr, url in parse(path).links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue
            if url.startswith("/"):
                problems.append(f"{path.relative_to(output)}: {url} is root-absolute; every internal URL must be relative")
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if not target.is_relative_to(output):
                problems.append(f"{path.relative_to(output)}: {url} leaves the site")
                continue
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{path.relative_to(output)}: {url} ({tag} {attr}) does not exist")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and target.parent.name != "map"
                and unquote(parts.fragment) not in parse(target).ids
            ):
                problems.append(f"{path.relative_to(output)}: {url} has no #{parts.fragment}")
    return problems


def test_every_internal_link_and_anchor_resolves(built_site: BuiltSite) -> None:
    problems = broken_links(built_site.output)
    assert not problems, "\n".join(problems[:30])


def test_an_empty_registry_builds_a_whole_site(db_path: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    build_test_site(db_path, output, search=False)
    for path in ("index.html", "assets/index.html", "cases/index.html", "guide/case-studies/index.html"):
        assert (output / path).is_file(), path
    assert not broken_links(output)


def test_record_pages_link_asset_to_agreement_to_parties_to_cases(built_site: BuiltSite) -> None:
    conn = sqlite3.connect(built_site.output / "data" / "public.db")
    agreement_id, asset_id = conn.execute("SELECT id, asset_id FROM agreements WHERE asset_id IS NOT NULL ORDER BY id").fetchone()
    party = conn.execute("SELECT actor_id FROM agreement_parties WHERE agreement_id = ?", [agreement_id]).fetchone()
    conn.close()
    asset_page = (built_site.output / "assets" / asset_id / "index.html").read_text(encoding="utf-8")
    assert f"../../agreements/{agreement_id}/" in asset_page
    agreement_page = (built_site.output / "agreements" / agreement_id / "index.html").read_text(encoding="utf-8")
    assert f"../../assets/{asset_id}/" in agreement_page
    if party:
        assert f"../../actors/{party[0]}/" in agreement_page
        actor_page = (built_site.output / "actors" / party[0] / "index.html").read_text(encoding="utf-8")
        assert f"../../agreements/{agreement_id}/" in actor_page
    for section in ("Term", "Parties", "Money", "Last changed", "Last verified"):
        assert section in agreement_page


def test_case_pages_explain_the_typology_in_words(built_site: BuiltSite) -> None:
    from registry.model import vocab

    conn = sqlite3.connect(built_site.output / "data" / "public.db")
    row = conn.execute("SELECT id, level FROM case_studies WHERE level IS NOT NULL ORDER BY id").fetchone()
    conn.close()
    assert row, "the example should classify at least one case"
    page = _unescape((built_site.output / "cases" / row[0] / "index.html").read_text(encoding="utf-8"))
    assert vocab.LEVEL_EXPLANATIONS[row[1]] in page


def test_guide_chapters_follow_their_order_with_previous_and_next(built_site: BuiltSite) -> None:
    parts: dict[str, list[tuple[int, str]]] = {}
    for source in sorted(Path(__file__).resolve().parent.parent.joinpath("content", "guide").glob("*.md")):
        meta = dict(re.findall(r"^(\w+):\s*(.+)$", source.read_text(encoding="utf-8").split("\n\n", 1)[0], re.M))
        parts.setdefault(meta.get("Part", "guide"), []).append((int(meta["Order"]), meta["Slug"]))
    assert set(parts) == {"guide", "staff"}
    guide_index = (built_site.output / "guide" / "index.html").read_text(encoding="utf-8")
    for chapters in parts.values():
        slugs = [slug for _, slug in sorted(chapters)]
        for n, slug in enumerate(slugs):
            page = parse(built_site.output / "guide" / slug / "index.html")
            nav = [href for tag, _, href in page.links if tag == "a"]
            if n + 1 < len(slugs):
                assert f"../../guide/{slugs[n + 1]}/" in nav
            if n > 0:
                assert f"../../guide/{slugs[n - 1]}/" in nav
        assert [guide_index.index(f"guide/{s}/") for s in slugs] == sorted(guide_index.index(f"guide/{s}/") for s in slugs)
    # The guide for officials comes first; the registry staff's chapters after it, under their own heading.
    assert guide_index.index("For registry staff") > max(guide_index.index(f"guide/{s}/") for _, s in parts["guide"])


def test_case_study_chapter_lists_every_case_from_the_registry(built_site: BuiltSite) -> None:
    page = (built_site.output / "guide" / "case-studies" / "index.html").read_text(encoding="utf-8")
    for case_id in public_ids(built_site.output)["cases"]:
        assert f"../../cases/{case_id}/" in page


def test_home_map_data_search_feeds_and_about_pages_exist(built_site: BuiltSite) -> None:
    for path in (
        "index.html",
        "map/index.html",
        "data/index.html",
        "search/index.html",
        "feeds/index.html",
        "about/index.html",
        "guide/index.html",
        "pagefind/site/pagefind.js",
        "pagefind/assets-0/pagefind-entry.json",
        "pagefind/cases-0/pagefind-entry.json",
    ):
        assert (built_site.output / path).is_file(), path
    data_page = (built_site.output / "data" / "index.html").read_text(encoding="utf-8")
    for download in (
        "assets.csv",
        "assets.json",
        "assets.geojson",
        "agreements.csv",
        "cases.json",
        "public.db",
        "datapackage.json",
        "ODC-By 1.0",
        "CC BY-SA 4.0",
    ):
        assert download in data_page
    for kind in KINDS.values():
        for f in kind.public_fields:
            assert f"<code>{f.name}</code>" in data_page
    assert "MedTOWN" in (built_site.output / "index.html").read_text(encoding="utf-8")


def test_feeds_parse(built_site: BuiltSite) -> None:
    for name in ("agreements", "expiring"):
        feed = ET.parse(built_site.output / "feeds" / f"{name}.atom.xml").getroot()
        assert feed.tag == f"{ATOM}feed"
        assert feed.find(f"{ATOM}updated") is not None and feed.find(f"{ATOM}id") is not None
        for entry in feed.findall(f"{ATOM}entry"):
            link = entry.find(f"{ATOM}link")
            if link is not None:
                assert (built_site.output / "feeds" / link.get("href", "") / "index.html").resolve().is_file()
    changes = ET.parse(built_site.output / "feeds" / "agreements.atom.xml").getroot().findall(f"{ATOM}entry")
    assert changes, "the example's agreements should appear in the changes feed"


def test_record_pages_carry_schema_org_json_ld(built_site: BuiltSite) -> None:
    expected = {"assets": "Place", "actors": "Organization", "agreements": "Legislation", "cases": "CreativeWork", "assessments": "Review"}
    for kind, ids in public_ids(built_site.output).items():
        for record_id in ids:
            blocks = parse(built_site.output / kind / record_id / "index.html").jsonld
            assert len(blocks) == 1
            data = json.loads(blocks[0])
            assert data["@context"] == "https://schema.org" and data["@type"] == expected[kind]
            assert data["identifier"] == record_id


def test_no_external_script_style_or_font_anywhere(built_site: BuiltSite) -> None:
    """Only map tiles may come from elsewhere; everything a page loads is a local copy."""
    problems = []
    for path in sorted(built_site.output.rglob("*")):
        if path.suffix == ".html":
            for tag, attr, url in Page(path.read_text(encoding="utf-8")).links:
                if tag in ("script", "link", "img", "iframe", "source", "video", "audio", "embed") and re.match(r"^(https?:)?//", url):
                    rel = dict(Page(path.read_text(encoding="utf-8")).tags).get("link", {}) if tag == "link" else {}
                    if tag == "link" and rel.get("rel") in ("alternate", "canonical"):
                        continue
                    problems.append(f"{path.relative_to(built_site.output)}: <{tag} {attr}={url}>")
            text = path.read_text(encoding="utf-8")
            problems += [f"{path.name}: @import {m}" for m in re.findall(r"@import\s+(?:url\()?['\"]?(?:https?:)?//[^'\")\s]+", text)]
        if path.suffix in (".css", ".html"):
            for url in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^'\")\s]+)", path.read_text(encoding="utf-8", errors="replace")):
                problems.append(f"{path.relative_to(built_site.output)}: url({url})")
        if path.suffix == ".js":
            text = path.read_text(encoding="utf-8", errors="replace")
            for url in re.findall(r"['\"]((?:https?:)?//[^'\"\s]+\.(?:js|css|woff2?|ttf|otf)(?:\?[^'\"]*)?)['\"]", text):
                problems.append(f"{path.relative_to(built_site.output)}: loads {url}")
    assert not problems, "\n".join(problems[:20])


def test_pages_declare_language_direction_landmarks_and_ordered_headings(built_site: BuiltSite) -> None:
    for path in html_files(built_site.output):
        page = parse(path)
        html_tag = next(a for t, a in page.tags if t == "html")
        assert html_tag.get("lang") and html_tag.get("dir") in ("ltr", "rtl"), path
        if any(t == "meta" and a.get("http-equiv") == "refresh" for t, a in page.tags):
            continue  # a redirect from an old address: a line and a link, no page to find one's way in
        tags = [t for t, _ in page.tags]
        assert {"header", "main", "footer", "nav"} <= set(tags), path
        assert "main" in page.ids and any(t == "a" and a.get("href") == "#main" for t, a in page.tags), path
        assert page.headings.count(1) == 1, f"{path}: one h1 per page"
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, f"{path.relative_to(built_site.output)}: heading h{after} follows h{before}"
        for tag, attrs in page.tags:
            if tag == "iframe":
                assert attrs.get("title"), f"{path}: iframe without a title"
            if tag == "img":
                assert attrs.get("alt") is not None, f"{path}: img without alt"


def test_site_works_under_any_subpath_because_no_url_is_root_absolute(built_site: BuiltSite) -> None:
    for path in list(html_files(built_site.output)) + list(built_site.output.glob("theme/**/*.css")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?:href|src|action)=\"/(?!/)", text), path
        assert not re.search(r"url\(['\"]?/(?!/)", text), path


def _malicious_registry(db: Path) -> None:
    from registry.operations.examples import init_registry

    registry, _ = init_registry(db, example=True)
    asset_id = registry.conn.execute("SELECT id FROM assets ORDER BY id").fetchone()[0]
    agreement_id = registry.conn.execute("SELECT id FROM agreements ORDER BY id").fetchone()[0]
    update_record(
        registry,
        "assets",
        asset_id,
        {
            "name": "Evil </script><script>alert('name')</script>",
            "description": "Hello <script>alert('x')</script> <img src=x onerror=alert(1)> [click](javascript:alert(2)) "
            '<a href="https://ok.example/" onclick="alert(3)">ok</a> <iframe src="https://evil.example/"></iframe>',
        },
    )
    update_record(registry, "agreements", agreement_id, {"commitments": "<style>body{display:none}</style>**kept** <svg onload=alert(4)>"})
    registry.close()


def test_markdown_and_text_from_records_cannot_run_code(tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    _malicious_registry(db)
    output = tmp_path / "output"
    build_test_site(db, output, search=False)
    conn = sqlite3.connect(output / "data" / "public.db")
    asset_id = conn.execute("SELECT id FROM assets WHERE name LIKE 'Evil%'").fetchone()[0]
    conn.close()
    for path in html_files(output):
        # JSON-LD holds the raw text, escaped as JSON (checked below); everything else is HTML.
        text = re.sub(r'<script type="application/ld\+json">.*?</script>', "", path.read_text(encoding="utf-8"), flags=re.S)
        for needle in ("<script>alert", "onerror", "onclick", "onload", "javascript:", "evil.example", "<style>body"):
            assert needle not in text, f"{path.relative_to(output)} contains {needle}"
    page = parse(output / "assets" / asset_id / "index.html")
    scripts = [a for t, a in page.tags if t == "script"]
    assert len(scripts) == 1 and scripts[0].get("type") == "application/ld+json"
    assert json.loads(page.jsonld[0])["name"] == "Evil </script><script>alert('name')</script>"
    assert "https://ok.example/" in (output / "assets" / asset_id / "index.html").read_text(encoding="utf-8")


def test_two_builds_of_the_same_registry_are_identical(built_site: BuiltSite, tmp_path: Path) -> None:
    output = tmp_path / "again"
    build_test_site(built_site.db, output)
    first, second = tree(built_site.output), tree(output)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, differ[:10]


def test_rebuild_after_one_edit_rewrites_only_affected_pages_and_equals_a_clean_build(example_registry: Path, tmp_path: Path) -> None:
    incremental = tmp_path / "incremental"
    first = build_test_site(example_registry, incremental)
    assert first.skipped == 0
    unchanged = build_test_site(example_registry, incremental)
    assert unchanged.rendered == [] and not unchanged.removed
    assert unchanged.search_shards == [], "no record changed, so every search bundle is kept, not indexed again"
    registry = open_registry(example_registry, by="tester")
    asset_id = registry.conn.execute("SELECT id FROM assets ORDER BY id").fetchone()[0]
    update_record(registry, "assets", asset_id, {"description": "A new paragraph about this place."})
    registry.close()
    before = {p: p.stat().st_mtime_ns for p in incremental.rglob("*.html")}
    report = build_test_site(example_registry, incremental)
    assert report.search_shards == ["assets-0"], "only the edited record's search bundle is indexed again"
    html = {p for p in report.rendered if p.endswith(".html")}
    # The asset's page, the home page's latest changes, and the data page's file sizes.
    affected = {f"assets/{asset_id}/index.html", "index.html", "data/index.html"}
    assert f"assets/{asset_id}/index.html" in html
    assert html <= affected, html
    touched = {str(p.relative_to(incremental)) for p, mtime in before.items() if p.stat().st_mtime_ns != mtime}
    assert touched <= affected | {p for p in touched if p.startswith("map/")}, touched
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean)
    assert tree(incremental) == tree(clean)


def test_removed_record_leaves_no_page_behind(example_registry: Path, tmp_path: Path) -> None:
    from registry.operations.records import add_record, remove_record

    registry = open_registry(example_registry, by="tester")
    add_record(
        registry, "actors", {"id": "act-short-lived", "name": "Short-lived collective", "kind": "informal_collective", "city": "Zzyzx"}
    )
    registry.close()
    output = tmp_path / "output"
    build_test_site(example_registry, output, search=False)
    assert (output / "actors" / "act-short-lived" / "index.html").is_file()
    assert (output / "actors" / "city" / "zzyzx" / "index.html").is_file()
    registry = open_registry(example_registry, by="tester")
    remove_record(registry, "actors", "act-short-lived")
    registry.close()
    report = build_test_site(example_registry, output, search=False)
    assert "actors/act-short-lived/index.html" in report.removed
    assert not (output / "actors" / "act-short-lived").exists()
    assert not (output / "actors" / "city" / "zzyzx").exists(), "an emptied filter page must go too"
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean, search=False)
    assert tree(output) == tree(clean)


def test_commons_build_command_builds_and_says_how_to_view(runner, example_registry: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from registry.cli import cli

    output = tmp_path / "site"
    result = runner.invoke(
        cli,
        ["--db", str(example_registry), "build", "--output", str(output), "--no-search", "--datasette-url", "https://data.example.org/"],
    )
    assert result.exit_code == 0, result.output
    assert "commons preview" in result.output and "http.server" in result.output
    from registry.cli.site import BUILD_STEPS

    announced = [line.removesuffix("…") for line in result.output.splitlines() if line.endswith("…")]
    assert announced and set(announced) <= set(BUILD_STEPS.values()), "every step the build starts is said in words"
    asset_id = public_ids(output)["assets"][0]
    asset = (output / "assets" / asset_id / "index.html").read_text(encoding="utf-8")
    assert f"https://data.example.org/public/assets/{asset_id}" in asset
    missing = runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "build", "--output", str(output)])
    assert missing.exit_code == 1 and "init --example" in missing.output


def test_build_py_is_the_same_command(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, str(root / "build.py"), "--help"], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0 and "--output" in result.stdout and "--db" in result.stdout


def test_copying_the_output_elsewhere_keeps_it_whole(built_site: BuiltSite, tmp_path: Path) -> None:
    """A partner copies output/ to any host: nothing in it points back to where it was built."""
    copy = tmp_path / "deep" / "sub" / "site"
    shutil.copytree(built_site.output, copy)
    for path in html_files(copy):
        assert str(built_site.output) not in path.read_text(encoding="utf-8")


def test_a_new_day_rechecks_every_page_and_matches_a_clean_build(example_registry: Path, tmp_path: Path) -> None:
    """Staleness and the time left on agreements depend on the date: a build on another day checks every page."""
    import datetime as dt

    output = tmp_path / "output"
    build_test_site(example_registry, output, search=False)
    later = dt.date(2031, 1, 1)
    report = build_test_site(example_registry, output, search=False, today=later)
    assert report.rendered, "pages whose words depend on the date must change"
    assert any(p.startswith("agreements/") for p in report.rendered), "the time left on agreements changed"
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean, search=False, today=later)
    assert tree(output) == tree(clean)


def test_force_renders_every_page_but_rewrites_no_identical_file(example_registry: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    build_test_site(example_registry, output, search=False)
    before = {p: p.stat().st_mtime_ns for p in output.rglob("*.html")}
    report = build_test_site(example_registry, output, search=False, force=True)
    assert len(report.rendered) >= len(public_ids(output)["assets"])
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in before.items())


def test_template_strings_are_translated_once_at_compile_time() -> None:
    """A catalogue applies to `_()` and `{% trans %}`; literal ones are looked up when compiled, not per page."""
    import gettext

    from jinja2 import Environment

    class Shouting(gettext.NullTranslations):
        lookups = 0

        @staticmethod
        def shout(message: str) -> str:
            return re.sub(r"%\(\w+\)s|[^%]+", lambda m: m.group(0) if m.group(0).startswith("%(") else m.group(0).upper(), message)

        def gettext(self, message: str) -> str:
            Shouting.lookups += 1
            return self.shout(message)

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return self.shout(singular if n == 1 else plural)

    env = Environment(autoescape=True, extensions=["registry.site.i18n.CompiledTranslations"])
    catalogue = Shouting()
    env.site_translations = catalogue  # type: ignore[attr-defined]
    env.install_gettext_translations(catalogue, newstyle=False)  # type: ignore[attr-defined]
    template = env.from_string(
        '{{ _("Sources") }}|{% trans %}Skip to content{% endtrans %}|{% trans name="<b>" %}Map of {{ name }}{% endtrans %}|'
        "{% trans count=n %}{{ count }} place{% pluralize %}{{ count }} places{% endtrans %}|{{ _(label) }}"
    )
    compiled = Shouting.lookups
    text = template.render(n=2, label="Kind")
    assert text == "SOURCES|SKIP TO CONTENT|MAP OF &lt;b&gt;|2 PLACES|KIND"
    for _ in range(3):
        template.render(n=2, label="Kind")
    assert Shouting.lookups == compiled + 4, "only `_(variable)` is looked up at render time"


def test_every_interface_string_in_templates_goes_through_gettext() -> None:
    """Arabic and French must be a catalogue away: no bare English text in templates or their attributes."""
    allowed = {"CSV", "JSON", "GeoJSON", "ODC-By", "MB", "kB", "B", "public.db", "datapackage.json", "Atom", "iCalendar"}
    templates = Path(__file__).resolve().parent.parent / "theme" / "templates"
    for path in sorted(templates.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{% trans.*?%\}.*?\{% endtrans %\}|\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}|<script.*?</script>", "", text, flags=re.S)
        bare_attributes = re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*[A-Za-z][^"]*)"', text)
        assert not bare_attributes, f"{path.name}: untranslated attribute text {bare_attributes}"
        words = set(re.findall(r"[A-Za-z][A-Za-z.\-]*", re.sub(r"<[^>]+>|&[a-z]+;", " ", text)))
        assert words <= allowed, f"{path.name}: text outside gettext: {sorted(words - allowed)}"


def test_renaming_an_actor_updates_every_page_that_names_it(example_registry: Path, tmp_path: Path) -> None:
    """An asset's page lists its agreements' parties: a party's new name must reach it, two links away."""
    from registry.operations.links import unlink_records

    output = tmp_path / "output"
    build_test_site(example_registry, output, search=False)
    registry = open_registry(example_registry, by="tester")
    actor_id, agreement_id, asset_id = registry.conn.execute(
        "SELECT p.actor_id, a.id, a.asset_id FROM agreement_parties p JOIN agreements a ON a.id = p.agreement_id "
        "WHERE a.asset_id IS NOT NULL ORDER BY a.id, p.actor_id"
    ).fetchone()
    update_record(registry, "actors", actor_id, {"name": "A Renamed Collective"})
    case = registry.conn.execute("SELECT case_study_id, asset_id FROM case_study_assets ORDER BY 1, 2").fetchone()
    if case:
        unlink_records(registry, "cases", case[0], "assets", case[1])
    registry.close()
    report = build_test_site(example_registry, output, search=False)
    for page in (f"assets/{asset_id}/index.html", f"agreements/{agreement_id}/index.html", f"actors/{actor_id}/index.html"):
        assert page in report.rendered
        assert "A Renamed Collective" in (output / page).read_text(encoding="utf-8")
    if case:
        assert f"cases/{case[0]}/index.html" in report.rendered and f"assets/{case[1]}/index.html" in report.rendered
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean, search=False)
    assert tree(output) == tree(clean)


def test_rendering_in_worker_processes_gives_the_same_site(built_site: BuiltSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large builds render in forked workers; the example is small, so lower the bar to exercise that path."""
    import sys

    from registry.site import output as site_output

    if not sys.platform.startswith("linux"):
        pytest.skip("workers are forked on Linux only")
    monkeypatch.setattr(site_output, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(site_output, "CHUNK", 7)
    parallel = tmp_path / "parallel"
    report = build_test_site(built_site.db, parallel, workers=2)
    assert len(report.rendered) > 100
    assert tree(parallel) == tree(built_site.output)


def test_maps_are_not_drawn_again_when_no_place_or_name_changed_but_are_after_a_move(example_registry: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    build_test_site(example_registry, output, search=False)
    map_files = sorted(p for p in (output / "map").rglob("*") if p.is_file())
    before = {p: p.stat().st_mtime_ns for p in map_files}
    registry = open_registry(example_registry, by="tester")
    asset_id = registry.conn.execute("SELECT id FROM assets WHERE lat IS NOT NULL ORDER BY id").fetchone()[0]
    update_record(registry, "assets", asset_id, {"description": "Only the words changed."})
    registry.close()
    build_test_site(example_registry, output, search=False)
    assert {p: p.stat().st_mtime_ns for p in map_files} == before, "a description is not on the maps"
    registry = open_registry(example_registry, by="tester")
    update_record(registry, "assets", asset_id, {"lat": 40.9, "lon": 14.3})
    registry.close()
    build_test_site(example_registry, output, search=False)
    assert (output / "map" / "data" / "assets.json").stat().st_mtime_ns != before[output / "map" / "data" / "assets.json"]
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean, search=False)
    assert tree(output) == tree(clean)


def test_search_page_merges_exactly_the_bundles_on_disk_even_when_a_kind_splits_into_buckets(
    example_registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.site import search_records as search

    output = tmp_path / "output"
    build_test_site(example_registry, output)
    monkeypatch.setattr(search, "SHARD_SIZE", 5)  # the example's 51 actors now need 11 bundles
    report = build_test_site(example_registry, output)
    on_disk = sorted(p.name for p in (output / "pagefind").iterdir())
    assert sum(name.startswith("actors-") for name in on_disk) == 11
    page = (output / "search" / "index.html").read_text(encoding="utf-8")
    merged = re.search(r'data-record-bundles="([^"]*)"', page)
    assert merged is not None
    listed = sorted(Path(p).name for p in merged.group(1).split())
    assert sorted(["site", *listed]) == on_disk
    assert "actors-0" in report.search_shards and "site" not in report.search_shards, "the guide's bundle did not change"
    monkeypatch.setattr(search, "SHARD_SIZE", 2000)
    build_test_site(example_registry, output)
    assert sorted(p.name for p in (output / "pagefind").iterdir()) == [
        "actors-0",
        "agreements-0",
        "assets-0",
        "cases-0",
        "site",
    ]


def test_downloads_of_an_unchanged_kind_are_kept_and_a_changed_or_deleted_one_is_written_again(
    example_registry: Path, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    build_test_site(example_registry, output, search=False)
    data = output / "data"
    stamps = {p.name: p.stat().st_mtime_ns for p in data.iterdir() if p.suffix in (".csv", ".json", ".geojson")}
    registry = open_registry(example_registry, by="tester")
    asset_id = registry.conn.execute("SELECT id FROM assets ORDER BY id").fetchone()[0]
    update_record(registry, "assets", asset_id, {"description": "Changed for the downloads."})
    registry.close()
    (data / "actors.csv").unlink()
    build_test_site(example_registry, output, search=False)
    now = {p.name: p.stat().st_mtime_ns for p in data.iterdir() if p.suffix in (".csv", ".json", ".geojson")}
    assert now.keys() == stamps.keys()
    assert now["assets.csv"] != stamps["assets.csv"] and "Changed for the downloads." in (data / "assets.csv").read_text(encoding="utf-8")
    assert now["agreements.csv"] == stamps["agreements.csv"] and now["cases.json"] == stamps["cases.json"]
    assert now["actors.csv"] != stamps["actors.csv"], "a deleted download is written again"
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean, search=False)
    assert tree(output) == tree(clean)
