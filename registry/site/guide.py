"""The guidebook's chapters in reading order, each knowing its neighbours, its sections and the practical chapters to read next.

Chapters are Pelican pages from content/guide; their `Order` metadata, not
their file names, decides the sequence shown by previous/next links. A
chapter's `Part` puts it in the guide for officials (the default) or in "For
registry staff", each part with its own numbering and its own previous/next
chain; `Practical: yes` marks the chapters every chapter's "What to do next"
ending points to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

from registry.model.kinds import KINDS
from registry.publishing.files import digest, files_digest
from registry.site import glossary as glossary_module
from registry.site.glossary import Term, link_terms

PARTS = ("guide", "staff")
# A chapter's sections: the second-level headings Markdown's toc extension gave an id.
SECTION_RE = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)


def _order(page: Any) -> tuple[int, str]:
    try:
        return int(str(getattr(page, "order", ""))), page.slug
    except ValueError:
        return 10_000, page.slug


def chapter_part(page: Any) -> str:
    """Which part of the guide a chapter belongs to; an unknown part is read as the guide's own."""
    part = str(getattr(page, "part", "") or "guide").strip().lower()
    return part if part in PARTS else "guide"


def chapter_sections(html: str) -> list[tuple[str, Markup]]:
    """The chapter's sections as (anchor, heading), for its "In this chapter" list."""
    return [(anchor, Markup(title.strip())) for anchor, title in SECTION_RE.findall(html)]


# Where the glossary is from a chapter (guide/<slug>/): its own page beside them.
GLOSSARY_FROM_CHAPTER = "../glossary/"


# A link from a chapter (guide/<slug>/) to a record's page: ../../<kind>/<id>/, maybe to a place in it.
RECORD_LINK_RE = re.compile(r'<a href="\.\./\.\./([a-z_]+)/([a-z0-9]+(?:-[a-z0-9]+)*)/(?:#[^"]*)?"[^>]*>(.*?)</a>', re.S)


def unlink_missing_records(html: str, exists: Callable[[str, str], bool]) -> str:
    """A chapter's links to records this registry does not hold, as plain text.

    The guide cites the example's records; a lab that builds its own registry
    without them keeps the chapter's words and loses only the dead links.
    """

    def keep_or_unlink(found: re.Match[str]) -> str:
        kind, record_id, words = found.groups()
        return found.group(0) if kind not in KINDS or exists(kind, record_id) else words

    return RECORD_LINK_RE.sub(keep_or_unlink, html)


def _set_content(page: Any, html: str) -> None:
    """Give a chapter new HTML; Pelican keeps the text it rendered before, so that copy is dropped."""
    page._content = html
    cache = getattr(page.get_content, "cache", {})
    for key in [k for k in cache if k and k[0] is page]:
        del cache[key]


def order_chapters(
    pages: list[Any],
    glossary: list[Term] | None = None,
    record_exists: Callable[[str, str], bool] | None = None,
    linked: MutableMapping[str, str] | None = None,
) -> list[Any]:
    """The guide's pages in reading order, part by part, each with its number, neighbours, sections and next steps,
    its first use of each glossary term linked, and its links to records this registry lacks made plain text.

    `linked` remembers chapters with their terms linked, by a hash of the chapter and the glossary: linking
    every chapter took a quarter of a second of each build, though chapters rarely change between builds.
    """
    chapters = sorted((p for p in pages if getattr(p, "section", "") == "guide/"), key=lambda p: (PARTS.index(chapter_part(p)), *_order(p)))
    practical = [p for p in chapters if str(getattr(p, "practical", "")).strip().lower() == "yes"]
    for part in PARTS:
        in_part = [p for p in chapters if chapter_part(p) == part]
        for n, page in enumerate(in_part):
            page.number = n + 1
            page.prev_chapter = in_part[n - 1] if n > 0 else None
            page.next_chapter = in_part[n + 1] if n + 1 < len(in_part) else None
    for page in chapters:
        html = page._content
        if record_exists is not None:
            html = unlink_missing_records(html, record_exists)
        if glossary:
            html = _with_terms_linked(html, glossary, linked)
        _set_content(page, html)
        page.sections = chapter_sections(page.content)
        page.next_steps = [p for p in practical if p is not page]
    return chapters


def _with_terms_linked(html: str, glossary: list[Term], linked: MutableMapping[str, str] | None) -> str:
    """A chapter with its first use of each term linked, taken from `linked` when this chapter and glossary were linked before."""
    if linked is None:
        return link_terms(html, glossary, GLOSSARY_FROM_CHAPTER)[0]
    key = digest(files_digest([Path(glossary_module.__file__)]), GLOSSARY_FROM_CHAPTER, html, [vars(term) for term in glossary])
    # Assigned even when found, so a ChainMap of this build's and the last build's keeps only what is still used.
    linked[key] = linked[key] if key in linked else link_terms(html, glossary, GLOSSARY_FROM_CHAPTER)[0]
    return linked[key]


def chapter_list(chapters: list[Any]) -> list[dict[str, Any]]:
    """The chapters as plain data for the guide's contents page and the home page."""
    return [
        {
            "number": getattr(p, "number", n + 1),
            "title": p.title,
            "url": p.url,
            "summary": str(getattr(p, "summary", "") or ""),
            "part": chapter_part(p),
        }
        for n, p in enumerate(chapters)
    ]
