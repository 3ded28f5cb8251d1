"""The site in the partners' languages: a folder per language, alternates that exist, chapters translated or said not to be."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SITE_LANGUAGES, BuiltSite, build_test_site

from registry.cli import cli
from registry.site.translated_content import chapter_states, source_hash

ROOT = Path(__file__).resolve().parent.parent
ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">')


def html_pages(site: BuiltSite) -> list[Path]:
    return sorted(p for p in site.output.rglob("*.html") if "map" not in p.relative_to(site.output).parts)


def test_every_language_but_the_default_has_its_own_folder_with_the_same_pages(multilingual_site: BuiltSite) -> None:
    english = {p.relative_to(multilingual_site.output).as_posix() for p in (multilingual_site.output / "assets").rglob("index.html")}
    for code in SITE_LANGUAGES[1:]:
        folder = multilingual_site.output / code
        assert {f"assets/{p.relative_to(folder / 'assets').as_posix()}" for p in (folder / "assets").rglob("index.html")} == english
        assert (folder / "guide" / "levels-of-co-production" / "index.html").is_file()
        assert (folder / "feeds" / "agreements.atom.xml").is_file()
    assert not (multilingual_site.output / "en").exists()  # the default language is at the root


def test_every_pages_alternates_lead_to_pages_that_exist(multilingual_site: BuiltSite) -> None:
    checked = 0
    for page in html_pages(multilingual_site):
        text = page.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text:
            continue  # a redirect from an old address, which search engines are told not to index
        found = dict(ALTERNATE.findall(text))
        assert set(found) == {*SITE_LANGUAGES, "x-default"}, page
        for href in found.values():
            target = (page.parent / href).resolve()
            assert (target / "index.html" if href.endswith("/") or href.endswith("../") else target).is_file(), (page, href)
        checked += 1
    assert checked > 500


JSON_LINK = re.compile(r'<a href="([^"]+\.json)" type="application/json">')


def test_a_records_json_is_written_once_and_every_language_links_to_it(multilingual_site: BuiltSite) -> None:
    output = multilingual_site.output
    documents = sorted(output.glob("assets/*/*.json"))
    assert documents
    for code in SITE_LANGUAGES[1:]:
        assert not list((output / code).glob("assets/*/*.json")), code  # no copy per language
        for document in documents:
            page = output / code / document.parent.relative_to(output) / "index.html"
            (href,) = JSON_LINK.findall(page.read_text(encoding="utf-8"))
            assert (page.parent / href).resolve() == document.resolve(), (page, href)


def test_pages_say_their_language_and_direction(multilingual_site: BuiltSite) -> None:
    for code, direction in (("ar", "rtl"), ("fr", "ltr"), ("es", "ltr")):
        html = (multilingual_site.output / code / "index.html").read_text(encoding="utf-8")
        assert f'<html lang="{code}" dir="{direction}">' in html
    assert '<html lang="en" dir="ltr">' in (multilingual_site.output / "index.html").read_text(encoding="utf-8")


def test_french_pages_use_french_words_and_dates(multilingual_site: BuiltSite) -> None:
    page = (multilingual_site.output / "fr" / "agreements" / "agr-bcn-la-borda-leasehold" / "index.html").read_text(encoding="utf-8")
    assert "Sources" in page and "Dernière vérification" in page or "Jamais" in page
    assert re.search(r'<time datetime="2090-11-30">30 nov\. 2090</time>', page), "a French date"
    assert "Expires" not in page


def test_a_translated_chapter_is_shown_and_an_untranslated_one_says_it_is_english(multilingual_site: BuiltSite) -> None:
    spanish = (multilingual_site.output / "es" / "guide" / "levels-of-co-production" / "index.html").read_text(encoding="utf-8")
    assert "translation-notice" not in spanish and "coproducción" in spanish
    portuguese = (multilingual_site.output / "pt" / "guide" / "levels-of-co-production" / "index.html").read_text(encoding="utf-8")
    assert 'class="notice translation-notice"' in portuguese and 'lang="en" dir="ltr"' in portuguese
    assert "Levels of co-production" in portuguese


def test_the_case_studies_chapter_keeps_its_registry_list_in_every_language(multilingual_site: BuiltSite) -> None:
    for code in ("es", "ar"):
        page = (multilingual_site.output / code / "guide" / "case-studies" / "index.html").read_text(encoding="utf-8")
        assert 'id="registry-cases"' in page


@pytest.fixture
def content_with_a_stale_translation(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    english = content / "guide" / "02-levels-of-co-production.md"
    english.write_text(english.read_text(encoding="utf-8") + "\nA new closing paragraph.\n", encoding="utf-8")
    return content


def test_a_translation_of_an_older_english_text_is_marked_stale(content_with_a_stale_translation: Path) -> None:
    states = {s.path: s.state for s in chapter_states(content_with_a_stale_translation, "es")}
    assert states["guide/02-levels-of-co-production.md"] == "stale"
    assert states["guide/01-what-is-co-production.md"] == "current"
    assert source_hash(content_with_a_stale_translation / "guide" / "01-what-is-co-production.md") == source_hash(
        ROOT / "content" / "guide" / "01-what-is-co-production.md"
    )


def test_a_stale_translation_says_so_on_its_page_and_in_the_build_report(
    content_with_a_stale_translation: Path, example_registry: Path, tmp_path: Path
) -> None:
    report = build_test_site(
        example_registry, tmp_path / "site", languages=("en", "es"), content=content_with_a_stale_translation, search=False
    )
    assert any("es: the translation of guide/02-levels-of-co-production.md" in note for note in report.notes)
    page = (tmp_path / "site" / "es" / "guide" / "levels-of-co-production" / "index.html").read_text(encoding="utf-8")
    notice = re.search(r'<p class="notice translation-notice">(.*?)</p>', page, re.S)
    assert notice and 'href="../../../guide/levels-of-co-production/"' in notice.group(1)


def test_commons_check_lists_no_stale_translation_in_the_shipped_content(example_registry: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(example_registry), "check"])
    assert result.exit_code == 0, result.output
    assert "stale translation" not in result.output


def test_building_a_language_without_a_catalogue_is_refused_with_the_fix(example_registry: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(example_registry), "build", "-o", str(tmp_path / "site"), "--lang", "xx"])
    assert result.exit_code != 0
    assert "no catalogue for 'xx'" in result.output and "LC_MESSAGES/commons.po" in result.output


def test_the_expiring_feed_counts_days_as_each_language_does() -> None:
    from registry.site.languages import translations
    from registry.site.pages.feeds import expiring_summary

    assert expiring_summary("Concession", "2027-01-01", 1) == "Concession expiring on 2027-01-01 (1 day left)."
    assert expiring_summary("Concession", "2027-01-01", 3) == "Concession expiring on 2027-01-01 (3 days left)."
    for code in ("es", "it", "fr", "pt", "el"):
        ngettext = translations(ROOT / "locale", code).ngettext
        one, three = (expiring_summary("X", "2027-01-01", n, ngettext) for n in (1, 3))
        assert one != three and "1" in one and "3" in three, code
    arabic = translations(ROOT / "locale", "ar").ngettext
    forms = {n: expiring_summary("X", "2027-01-01", n, arabic).replace(str(n), "N") for n in (0, 2, 3, 11)}
    assert len(set(forms.values())) == 4, forms  # zero, the dual, a few (3-10) and many (11-99) read differently
