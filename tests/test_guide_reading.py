"""The guide reads as a guide: what each chapter holds, where to go next, its terms explained, its model agreement downloadable."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import BuiltSite

from registry.model.errors import RegistryError
from registry.site.glossary import load_glossary

ROOT = Path(__file__).resolve().parent.parent
CHAPTER_SOURCES = sorted((ROOT / "content" / "guide").glob("*.md"))
GLOSSARY = load_glossary(ROOT / "content" / "glossary.toml")


def header(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^(\w+):\s*(.+)$", path.read_text(encoding="utf-8").split("\n\n", 1)[0], re.M))


CHAPTERS = {header(p)["Slug"]: header(p) for p in CHAPTER_SOURCES}
PRACTICAL = sorted(slug for slug, meta in CHAPTERS.items() if meta.get("Practical") == "yes")


class ChapterText(HTMLParser):
    """A chapter page's own text outside headings, links and code, and the glossary links it makes."""

    SKIPPED = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "nav", "script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.in_article = 0
        self.skipping = 0
        self.text: list[str] = []
        self.glossary_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "article":
            self.in_article += 1
        if tag == "a" and "glossary-term" in (values.get("class") or ""):
            self.glossary_links.append(values.get("href") or "")
        if tag in self.SKIPPED or (tag == "section" and values.get("class") == "next-steps"):
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.in_article -= 1
        if tag in self.SKIPPED or tag == "section":
            self.skipping = max(0, self.skipping - 1)

    def handle_data(self, data: str) -> None:
        if self.in_article and not self.skipping:
            self.text.append(data)


def read_chapter(site: BuiltSite, slug: str) -> tuple[str, ChapterText]:
    html = (site.output / "guide" / slug / "index.html").read_text(encoding="utf-8")
    parsed = ChapterText()
    parsed.feed(html)
    return html, parsed


def test_the_guide_has_practical_chapters_a_glossary_and_a_model_agreement() -> None:
    assert {"setting-up-a-commons-lab", "legal-instruments", "drafting-an-agreement"} <= set(PRACTICAL)
    assert len(GLOSSARY) >= 30
    assert (ROOT / "content" / "documents" / "model-agreement.md").is_file()


@pytest.mark.parametrize("slug", sorted(CHAPTERS))
def test_every_chapter_lists_its_sections_and_points_to_the_practical_chapters(built_site: BuiltSite, slug: str) -> None:
    html, _ = read_chapter(built_site, slug)
    anchors = re.findall(r'<h2 id="([^"]+)">', html.split('<nav class="in-this-chapter"', 1)[1].split("</nav>", 1)[1])
    listed = re.findall(r'<li><a href="#([^"]+)">', html.split('<nav class="in-this-chapter"', 1)[1].split("</nav>", 1)[0])
    content_anchors = [a for a in anchors if a not in ("next-steps", "registry-cases")]
    assert listed == content_anchors and len(listed) >= 2
    next_steps = html.split('<section class="next-steps"', 1)[1].split("</section>", 1)[0]
    for practical in PRACTICAL:
        assert (f'href="../../guide/{practical}/"' in next_steps) == (practical != slug)
    assert 'href="../../guide/glossary/"' in next_steps


@pytest.mark.parametrize("slug", sorted(CHAPTERS))
def test_every_glossary_term_a_chapter_uses_links_to_the_glossary(built_site: BuiltSite, slug: str) -> None:
    _, page = read_chapter(built_site, slug)
    text = " ".join(page.text).replace("\u2019", "'")
    for term in GLOSSARY:
        written = [s for s in term.spellings if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text, re.I)]
        if written:
            assert f"../glossary/#{term.id}" in page.glossary_links, f"{slug} uses {written[0]!r} but does not link it to the glossary"
    assert len(page.glossary_links) == len(set(page.glossary_links)), "only a term's first use is linked"


def test_the_glossary_page_explains_every_term(built_site: BuiltSite) -> None:
    html = (built_site.output / "guide" / "glossary" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<dt id="([^"]+)">', html) == [t.id for t in GLOSSARY]
    assert html.count("<dd>") == len(GLOSSARY)


def test_a_malformed_glossary_is_refused_with_the_entry_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(
        '[[term]]\nid = "Civic Use"\nterm = "civic use"\ndefinition = "x"\n\n[[term]]\nid = "sse"\nterm = ""\n', encoding="utf-8"
    )
    with pytest.raises(RegistryError) as refused:
        load_glossary(path)
    assert "term 1: id 'Civic Use' must be a lowercase slug" in str(refused.value)
    assert "term 2: term must be the words" in str(refused.value) and "term 2: definition is missing" in str(refused.value)


def test_the_model_agreement_downloads_as_markdown_and_as_an_editable_document(built_site: BuiltSite) -> None:
    from odf import teletype
    from odf.opendocument import load
    from odf.text import H

    source = (ROOT / "content" / "documents" / "model-agreement.md").read_text(encoding="utf-8")
    markdown = (built_site.output / "documents" / "model-agreement.md").read_text(encoding="utf-8")
    assert markdown.strip() == source.split("\n\n", 1)[1].strip() if source.startswith("Title:") else source.strip()
    document = load(io.BytesIO((built_site.output / "documents" / "model-agreement.odt").read_bytes()))
    headings = [teletype.extractText(h) for h in document.getElementsByType(H)]
    expected = [line.lstrip("#").strip().replace("**", "").replace("*", "") for line in markdown.splitlines() if line.startswith("#")]
    assert headings == expected and len(headings) >= 10
    text = teletype.extractText(document.text)
    assert "lawyers" in text, "the document says it is a starting point to adapt with the city's lawyers"
    drafting = (built_site.output / "guide" / "drafting-an-agreement" / "index.html").read_text(encoding="utf-8")
    for name in ("model-agreement.md", "model-agreement.odt"):
        assert f'href="../../documents/{name}"' in drafting


def test_a_chapter_keeps_its_words_where_this_registry_lacks_the_record_it_links() -> None:
    from registry.site.guide import unlink_missing_records

    html = '<p>See <a href="../../agreements/agr-a/">the pact</a>, <a href="../../assets/b/#map">the garden</a> and <a href="../legal-instruments/">the instruments</a>.</p>'
    kept = unlink_missing_records(html, lambda kind, record_id: (kind, record_id) == ("assets", "b"))
    assert (
        kept == '<p>See the pact, <a href="../../assets/b/#map">the garden</a> and <a href="../legal-instruments/">the instruments</a>.</p>'
    )


def test_a_term_with_an_apostrophe_is_found_however_markdown_wrote_it() -> None:
    from registry.site.glossary import Term, link_terms

    terms = [Term("cession-of-use", "cessione d'uso", (), "x"), Term("participatory-budgeting", "citizens' budget", (), "x")]
    html, linked = link_terms("<p>La cessione d&rsquo;uso e il citizens\u2019 budget.</p>", terms, "../glossary/")
    assert linked == {"cession-of-use", "participatory-budgeting"}
    assert '<a class="glossary-term" href="../glossary/#cession-of-use">cessione d&rsquo;uso</a>' in html


def test_a_chapter_linked_before_is_taken_as_it_was_and_a_changed_glossary_links_it_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from collections import ChainMap
    from types import SimpleNamespace

    from registry.site import guide
    from registry.site.glossary import Term

    def chapter() -> SimpleNamespace:
        content = "<p>A pact of collaboration.</p>"
        return SimpleNamespace(section="guide/", slug="one", order="1", _content=content, content="", get_content=lambda: "")

    terms = [Term("pact", "pact of collaboration", (), "x")]
    previous: dict[str, str] = {}
    (fresh,) = guide.order_chapters([chapter()], terms, linked=previous)
    assert 'href="../glossary/#pact"' in fresh._content

    def no_linking(*args: object) -> tuple[str, set[str]]:
        raise AssertionError("a chapter linked with the same glossary before was linked again")

    monkeypatch.setattr(guide, "link_terms", no_linking)
    kept: dict[str, str] = {}
    (again,) = guide.order_chapters([chapter()], terms, linked=ChainMap(kept, previous))
    assert again._content == fresh._content and kept == previous
    with pytest.raises(AssertionError, match="linked again"):
        guide.order_chapters([chapter()], [Term("pact", "collaboration", (), "x")], linked=ChainMap({}, kept))


def test_each_part_of_the_editable_document_declares_only_the_namespaces_it_uses() -> None:
    # odfpy declares on every part the namespaces its process has met so far (after an import has read a
    # spreadsheet, the manifest of the next document declares the table namespace too), so two documents
    # made from the same text differed. Each part's root is rewritten to declare what it uses, sorted.
    from registry.formats.odt import declare_used_namespaces

    manifest = (
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        b'<manifest:manifest xmlns:table="urn:table" xmlns:manifest="urn:manifest" xmlns:office="urn:office">'
        b'<manifest:file-entry manifest:full-path="/"/></manifest:manifest>'
    )
    assert declare_used_namespaces(manifest) == (
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        b'<manifest:manifest xmlns:manifest="urn:manifest"><manifest:file-entry manifest:full-path="/"/></manifest:manifest>'
    )


def test_the_editable_document_is_the_same_bytes_however_many_a_build_writes() -> None:
    from registry.formats.odt import markdown_to_odt

    text = (ROOT / "content" / "documents" / "model-agreement.md").read_text(encoding="utf-8")
    first = markdown_to_odt(text, "Model", "en")
    markdown_to_odt("# Another\n\n*text* with **bold**\n\n1. one\n2. two\n", "Other", "it")
    assert markdown_to_odt(text, "Model", "en") == first
