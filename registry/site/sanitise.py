"""Turning record text written by staff and importers into HTML that cannot run code.

Record fields come from spreadsheets and other people's data, so their Markdown
is rendered and then cleaned by an allow-list (nh3): no scripts, no event
handlers, no images or frames that would load from elsewhere, and links only to
http(s) or relative addresses. Everything else on a page is autoescaped.

Most record text is plain prose with no Markdown in it; such text is turned
into paragraphs directly, the very HTML Markdown and the cleaner would make
(tests/test_markdown_fast_path.py compares the two), some fifteen times faster.

Where record text must be plain (a meta description, JSON-LD), `plain_text` takes
the same path and keeps only the words, so what a search engine shows is what
the page shows, without Markdown's asterisks.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

from registry.publishing.plain_text import markdown_converter
from registry.publishing.plain_text import plain_text as paragraphs

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "del",
    "sup",
    "sub",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "abbr",
    "dl",
    "dt",
    "dd",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": set()}
URL_SCHEMES = {"http", "https"}
SAFE_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

_HEADING_RE = re.compile(r"<(/?)h([1-6])\b")


def _lower_headings(html: str) -> str:
    """A record's own "# Heading" must sit below the page's h1 and section h2s: h1 becomes h3, and so on."""
    return _HEADING_RE.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}", html)


def clean_html(html: str) -> str:
    """Keep only allowed tags, attributes and URL schemes; links get rel=noopener noreferrer."""
    import nh3

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


# What Markdown (with our extensions) could read as syntax, or its whitespace handling or the sanitiser would
# change: syntax characters; tabs, carriage returns and control characters (Markdown's own placeholders are two of
# them); the no-break space (written `&nbsp;` by the sanitiser); an `&` that could start an entity; space at either
# end of a line (code blocks, hard breaks, stripping); and line starts that open headings, quotes, setext
# underlines, lists or rules. Text with none of these is only paragraphs. (Simple patterns and a loop over the
# lines: one pattern with anchored alternatives took 50 µs a description, a fifth of what skipping Markdown saves.)
_SYNTAX_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\\`*_\[\]<>|\u00a0]")
_ENTITY_START_RE = re.compile(r"&[#\w]")
_LINE_START_RE = re.compile(r"[#>=+\-]|\d+[.)]|\s")
_BLANK_LINES_RE = re.compile(r"\n\n+")


def plain_paragraphs(text: str) -> str | None:
    """The HTML of text that holds no Markdown syntax (its paragraphs, escaped), or None when it might hold some.

    For such text Markdown makes one `<p>` per run of non-blank lines, escaping only `&`, and the sanitiser
    keeps that as it is (tests/test_markdown_fast_path.py compares the two on generated text). The result
    can hold no tag but `<p>` and no entity but `&amp;`, so it needs no cleaning.
    """
    if _SYNTAX_RE.search(text) is not None or ("&" in text and _ENTITY_START_RE.search(text) is not None):
        return None
    for line in text.split("\n"):
        if line and (line[-1].isspace() or _LINE_START_RE.match(line) is not None):
            return None
    paragraphs = _BLANK_LINES_RE.split(text.strip("\n"))
    if not paragraphs[0]:
        return None
    return "\n".join(["<p>" + p.replace("&", "&amp;") + "</p>" for p in paragraphs])


def markdown_html(text: str | None) -> Markup:
    """Render Markdown from a record and sanitise it; the only path by which record text becomes HTML."""
    if not text:
        return Markup("")
    text = str(text)
    plain = plain_paragraphs(text)
    if plain is not None:
        return Markup(plain)
    return Markup(full_markdown_html(text))


def full_markdown_html(text: str) -> str:
    """Markdown rendered by Python-Markdown, headings lowered, then cleaned by the allow-list."""
    md = markdown_converter()
    md.reset()
    return clean_html(_lower_headings(md.convert(text)))


def safe_url(value: str | None) -> str | None:
    """An http(s) address, or None: a `javascript:` or malformed link never reaches an href."""
    if not value:
        return None
    text = str(value).strip()
    return text if SAFE_URL_RE.match(text) else None


def plain_text(text: str | None) -> str:
    """Record Markdown as the words a reader sees, on one line: for meta descriptions and JSON-LD.

    The conversion is the publishing layer's (`publishing/plain_text.py`), which
    profiles use with their paragraphs kept; here the lines are joined.
    """
    return " ".join((paragraphs(text) or "").split())


def html_text(markup: str) -> str:
    """The text of HTML on one line: tags dropped (scripts and styles with their content), entities decoded."""
    import nh3

    return " ".join(html.unescape(nh3.clean(markup, tags=set(), strip_comments=True)).split())
