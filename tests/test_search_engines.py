"""What search engines and link previews read: sitemaps, robots.txt, canonical links, descriptions, Open Graph and JSON-LD."""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import BuiltSite, build_example_copy, build_test_site
from test_site import Page, html_files, parse, public_ids

from registry.site.build import NO_SITE_URL
from registry.site.data import load_site_data
from registry.site.page_meta import DESCRIPTION_LENGTH, meta_description, trim_words
from registry.site.sanitise import plain_text

SITE_URL = "https://commons.example.org/lab/"
LANGUAGES = ("en", "es")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SCHEMAS = Path(__file__).resolve().parent / "vendor" / "sitemap"
EMPHASIS = re.compile(r"(?<![\w*])\*{1,2}[^*\s][^*]*\*{1,2}|(?<![\w_])_{1,2}[^_\s][^_]*_{1,2}(?!\w)")


@pytest.fixture(scope="module")
def public_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The example built as its public copy would be: with its address, in two languages."""
    return build_example_copy(example_master, tmp_path_factory.mktemp("public"), site_url=SITE_URL, languages=LANGUAGES, search=False)


def language_url(code: str) -> str:
    return SITE_URL if code == LANGUAGES[0] else f"{SITE_URL}{code}/"


def pages_of(site: BuiltSite, code: str) -> Iterator[tuple[Path, str]]:
    """Each HTML page of one language, with its address from that language's root."""
    folder = site.output if code == LANGUAGES[0] else site.output / code
    for path in html_files(folder):
        relative = path.relative_to(folder).as_posix()
        if code == LANGUAGES[0] and relative.split("/", 1)[0] in LANGUAGES[1:]:
            continue
        if 'http-equiv="refresh"' in path.read_text(encoding="utf-8"):
            continue  # a redirect from an old address: noindex, out of the sitemap, canonical to its target
        yield path, relative.removesuffix("index.html")


def meta(page: Page) -> dict[str, list[str]]:
    """The page's meta tags by name or property, and its canonical links."""
    found: dict[str, list[str]] = {}
    for tag, attrs in page.tags:
        if tag == "meta" and (attrs.get("name") or attrs.get("property")):
            found.setdefault(str(attrs.get("name") or attrs.get("property")), []).append(str(attrs.get("content")))
        if tag == "link" and attrs.get("rel") == "canonical":
            found.setdefault("canonical", []).append(str(attrs.get("href")))
    return found


def json_ld(path: Path) -> list[Any]:
    return [json.loads(block) for block in parse(path).jsonld]


def walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) in a JSON document, at any depth."""
    yield key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)


def sitemap_schema() -> Any:
    import xmlschema

    xhtml, xml = "http://www.w3.org/1999/xhtml", "http://www.w3.org/XML/1998/namespace"
    return xmlschema.XMLSchema(
        str(SCHEMAS / "sitemap.xsd"),
        locations=[(xhtml, str(SCHEMAS / "xhtml1-strict.xsd")), (xml, str(SCHEMAS / "xml.xsd"))],
        allow="local",
    )


def test_each_languages_sitemap_passes_the_sitemaps_org_schema_with_absolute_addresses(public_site: BuiltSite) -> None:
    schema = sitemap_schema()
    for code in LANGUAGES:
        path = public_site.output / ("" if code == LANGUAGES[0] else code) / "sitemap.xml"
        errors = [str(e.reason) for e in schema.iter_errors(str(path))]
        assert not errors, (path, errors[:3])
        locs = [loc.text or "" for loc in ET.parse(path).getroot().iter(f"{SITEMAP}loc")]
        pages = {language_url(code) + address for _, address in pages_of(public_site, code)}
        assert set(locs) == pages, "the sitemap lists every page of its language, and nothing else"
        for loc in locs:
            parts = urlsplit(loc)
            assert parts.scheme == "https" and parts.netloc == "commons.example.org" and loc.startswith(language_url(code)), loc


def test_a_record_pages_lastmod_is_the_day_its_record_last_changed(public_site: BuiltSite) -> None:
    changed = load_site_data(public_site.output / "data" / "public.db").last_changed
    root = ET.parse(public_site.output / "sitemap.xml").getroot()
    dated = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")}
    checked = 0
    for kind, ids in public_ids(public_site.output).items():
        for record_id in ids:
            assert dated.pop(f"{SITE_URL}{kind}/{record_id}/") == changed[(kind, record_id)][:10]
            checked += 1
    assert checked > 50
    assert set(dated.values()) == {None}, "pages that are not a record's carry no invented date"


def test_robots_txt_at_the_root_names_every_languages_sitemap(public_site: BuiltSite) -> None:
    robots = (public_site.output / "robots.txt").read_text(encoding="utf-8")
    named = re.findall(r"^Sitemap: (\S+)$", robots, re.M)
    assert named == [f"{language_url(code)}sitemap.xml" for code in LANGUAGES]
    for url in named:
        assert (public_site.output / url.removeprefix(SITE_URL)).is_file()
    assert re.search(r"^User-agent: \*$", robots, re.M) and not re.search(r"^Disallow: /", robots, re.M)
    assert not (public_site.output / "es" / "robots.txt").exists(), "crawlers read robots.txt only at the root"


def test_every_page_names_itself_canonical_and_describes_itself_for_previews(public_site: BuiltSite) -> None:
    checked = 0
    for code in LANGUAGES:
        others = {"en_US", "es_ES"} - {"en_US" if code == "en" else "es_ES"}
        for path, address in pages_of(public_site, code):
            found = meta(parse(path))
            own = language_url(code) + address
            assert found.get("canonical") == [own], (path, found.get("canonical"))
            assert found.get("og:url") == [own], path
            (description,) = found["description"]
            assert description.strip() and len(description) <= DESCRIPTION_LENGTH, (path, description)
            assert found["og:description"] == [description], path
            for prop in ("og:title", "og:type", "og:site_name"):
                assert len(found.get(prop, [])) == 1 and found[prop][0].strip(), (path, prop)
            assert found["og:locale"] == ["en_US" if code == "en" else "es_ES"] and set(found["og:locale:alternate"]) == others
            checked += 1
    assert checked > 200


def test_a_records_description_is_its_own_text_in_plain_words(public_site: BuiltSite) -> None:
    conn = sqlite3.connect(public_site.output / "data" / "public.db")
    asset_id, description = conn.execute("SELECT id, description FROM assets WHERE description LIKE '%*%' ORDER BY id").fetchone()
    conn.close()
    found = meta(parse(public_site.output / "assets" / asset_id / "index.html"))
    assert found["description"] == [trim_words(plain_text(description))]
    assert "*" not in found["description"][0] and found["description"][0][:20] in plain_text(description)


def test_chapters_are_described_by_their_summary(public_site: BuiltSite) -> None:
    source = (Path(__file__).resolve().parent.parent / "content" / "guide" / "02-levels-of-co-production.md").read_text(encoding="utf-8")
    summary = re.search(r"^Summary: (.+)$", source, re.M)
    assert summary
    found = meta(parse(public_site.output / "guide" / "levels-of-co-production" / "index.html"))
    assert found["description"] == [trim_words(summary.group(1))] and found["og:type"] == ["article"]


def json_ld_files(site: BuiltSite) -> Iterator[tuple[Path, Any]]:
    for path in html_files(site.output):
        for block in json_ld(path):
            yield path, block


@pytest.mark.parametrize("which", ["public", "without address"])
def test_json_ld_is_plain_text_without_nulls(which: str, public_site: BuiltSite, built_site: BuiltSite) -> None:
    site = public_site if which == "public" else built_site
    conn = sqlite3.connect(site.output / "data" / "public.db")
    marked = conn.execute("SELECT count(*) FROM assets WHERE description LIKE '%*%'").fetchone()[0]
    conn.close()
    assert marked, "the example should hold Markdown emphasis in some descriptions, or this test could not fail"
    blocks = 0
    for path, block in json_ld_files(site):
        blocks += 1
        for key, value in walk(block):
            assert value is not None and value != "" and value != [] and value != {}, (path, key)
            if key in ("description", "abstract", "name") and isinstance(value, str):
                assert not EMPHASIS.search(value), (path, key, value[:80])
    assert blocks > 100


def test_json_ld_names_each_record_by_its_address_only_when_the_site_has_one(public_site: BuiltSite, built_site: BuiltSite) -> None:
    for kind, ids in public_ids(public_site.output).items():
        for record_id in ids[:5]:
            (block,) = json_ld(public_site.output / kind / record_id / "index.html")
            assert block["@id"] == block["url"] == f"{SITE_URL}{kind}/{record_id}/"
            (spanish,) = json_ld(public_site.output / "es" / kind / record_id / "index.html")
            assert spanish["@id"] == f"{SITE_URL}es/{kind}/{record_id}/"
            (local,) = json_ld(built_site.output / kind / record_id / "index.html")
            assert "@id" not in local and "url" not in local and local["identifier"] == record_id


def test_agreements_apply_from_their_start_date(public_site: BuiltSite) -> None:
    conn = sqlite3.connect(public_site.output / "data" / "public.db")
    rows = conn.execute("SELECT id, starts_on FROM agreements WHERE starts_on IS NOT NULL ORDER BY id").fetchall()
    conn.close()
    assert rows
    for agreement_id, starts_on in rows:
        (block,) = json_ld(public_site.output / "agreements" / agreement_id / "index.html")
        assert block["legislationDateOfApplicability"] == starts_on and "legislationDateVersion" not in block


def test_vocabulary_terms_are_links_to_their_entry_in_the_codebook(public_site: BuiltSite) -> None:
    codebook = parse(public_site.output / "data" / "index.html").ids
    terms = set()
    for _, block in json_ld_files(public_site):
        if block.get("@type") in ("Place", "Legislation", "CreativeWork"):
            terms.update(value for key, value in walk(block) if key in ("additionalType", "@id") and "#" in str(value))
    assert any("#assets-kind-" in t for t in terms) and any("#agreements-kind-" in t for t in terms)
    assert any("#cases-policy_areas-" in t for t in terms)
    for term in terms:
        page, anchor = term.split("#", 1)
        assert page == f"{SITE_URL}data/" and anchor in codebook, term


def test_the_data_page_describes_every_download_as_a_dataset(public_site: BuiltSite) -> None:
    (catalog,) = json_ld(public_site.output / "data" / "index.html")
    assert catalog["@type"] == "DataCatalog" and catalog["@id"] == f"{SITE_URL}data/"
    datasets = {d["identifier"]: d for d in catalog["dataset"]}
    assert {"assets", "actors", "agreements", "cases"} <= set(datasets)
    for dataset in datasets.values():
        assert dataset["@type"] == "Dataset" and dataset["isAccessibleForFree"] is True
        assert dataset["license"].startswith("https://") and dataset["name"] and dataset["description"]
        assert dataset["publisher"]["name"] and dataset["creator"]["url"] == SITE_URL
        assert dataset["distribution"], dataset["identifier"]
        for download in dataset["distribution"]:
            assert download["@type"] == "DataDownload" and download["encodingFormat"]
            assert download["contentUrl"].startswith(f"{SITE_URL}data/")
            assert (public_site.output / download["contentUrl"].removeprefix(SITE_URL)).is_file()
    box = datasets["assets"]["spatialCoverage"]["geo"]["box"]
    south, west, north, east = map(float, box.split())
    assert -90 <= south <= north <= 90 and -180 <= west <= east <= 180
    assert re.fullmatch(r"\d{4}/(\d{4}|\.\.)", datasets["cases"]["temporalCoverage"])


def test_the_home_page_describes_the_website(public_site: BuiltSite) -> None:
    (site,) = json_ld(public_site.output / "index.html")
    assert site["@type"] == "WebSite" and site["url"] == SITE_URL and site["name"] and site["inLanguage"] == "en"


def test_without_an_address_the_build_leaves_out_what_needs_one_and_says_so(built_site: BuiltSite) -> None:
    assert NO_SITE_URL in built_site.report.notes
    assert not (built_site.output / "sitemap.xml").exists() and not (built_site.output / "robots.txt").exists()
    for path in html_files(built_site.output):
        found = meta(parse(path))
        assert "canonical" not in found and "og:url" not in found, path
        assert found.get("description") or found.get("robots") == ["noindex"], path  # a redirect is not for previews


def test_commons_build_prints_what_it_leaves_out_without_an_address(runner, example_registry: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from registry.cli import cli

    output = tmp_path / "site"
    args = ["--db", str(example_registry), "build", "--output", str(output), "--no-search", "--lang", "en"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0 and NO_SITE_URL in result.output
    again = runner.invoke(cli, [*args, "--site-url", SITE_URL])
    assert again.exit_code == 0 and NO_SITE_URL not in again.output
    assert (output / "sitemap.xml").is_file() and (output / "robots.txt").is_file()
    relative = runner.invoke(cli, args)
    assert relative.exit_code == 0 and not (output / "sitemap.xml").exists(), "a later build without an address removes the sitemap"


def test_a_rebuild_after_an_edit_dates_the_record_and_equals_a_clean_build(example_registry: Path, tmp_path: Path) -> None:
    from test_site import tree

    from registry.operations.records import update_record
    from registry.store.database import open_registry

    options: dict[str, Any] = {"search": False, "site_url": SITE_URL, "languages": LANGUAGES}
    incremental = tmp_path / "incremental"
    build_test_site(example_registry, incremental, **options)
    unchanged = build_test_site(example_registry, incremental, **options)
    assert unchanged.rendered == [] and not unchanged.removed, "an unchanged site keeps its sitemaps and robots.txt as they are"
    registry = open_registry(example_registry, by="tester")
    asset_id = registry.conn.execute("SELECT id FROM assets ORDER BY id").fetchone()[0]
    update_record(registry, "assets", asset_id, {"description": "A *new* paragraph about this place."})
    registry.close()
    report = build_test_site(example_registry, incremental, **options)
    assert "robots.txt" not in report.rendered
    changed = load_site_data(incremental / "data" / "public.db").last_changed[("assets", asset_id)][:10]
    assert f"<loc>{SITE_URL}assets/{asset_id}/</loc>\n    <lastmod>{changed}</lastmod>" in (incremental / "sitemap.xml").read_text(
        encoding="utf-8"
    )
    assert meta(parse(incremental / "assets" / asset_id / "index.html"))["description"] == ["A new paragraph about this place."]
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean, **options)
    assert tree(incremental) == tree(clean)


HOSTILE = 'Quote " lt < amp & end </script><script>alert(1)</script>'


def test_hostile_text_stays_escaped_in_meta_and_open_graph_tags(example_registry: Path, tmp_path: Path) -> None:
    from registry.operations.records import update_record
    from registry.store.database import open_registry

    registry = open_registry(example_registry, by="tester")
    asset_id = registry.conn.execute("SELECT id FROM assets ORDER BY id").fetchone()[0]
    update_record(registry, "assets", asset_id, {"name": HOSTILE, "description": f"*Start* {HOSTILE}"})
    registry.close()
    output = tmp_path / "output"
    build_test_site(example_registry, output, search=False, site_url=SITE_URL)
    text = (output / "assets" / asset_id / "index.html").read_text(encoding="utf-8")
    head = text.split("</head>", 1)[0]
    assert "<script>alert" not in head and head.count("</script>") == 1, "only the JSON-LD element closes a script"
    found = meta(Page(text))
    assert found["og:title"] == [HOSTILE]
    assert found["description"] == found["og:description"] == [trim_words(f"Start {HOSTILE.split('</script>')[0]}")]
    assert 'content="Quote &#34; lt &lt; amp &amp; end' in head


def test_descriptions_are_cut_at_a_word_with_an_ellipsis() -> None:
    from markupsafe import Markup

    long = "word " * 60
    cut = trim_words(long)
    assert len(cut) <= DESCRIPTION_LENGTH and cut.endswith("word…")
    assert trim_words("short text") == "short text"
    assert trim_words("x" * 400).endswith("…") and len(trim_words("x" * 400)) == DESCRIPTION_LENGTH
    assert meta_description(Markup("<p>A <em>summary</em> &amp; more</p>")) == "A summary & more"
    assert meta_description("<b> stays as text") == "<b> stays as text"
    assert plain_text("Some *emphasis*, __strong__ and a [link](https://example.org).") == "Some emphasis, strong and a link."
