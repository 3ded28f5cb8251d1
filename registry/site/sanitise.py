"""Turning record text written by staff and importers into HTML that cannot run code.

Record fields come from spreadsheets and other people's data, so their Markdown
is rendered and then cleaned by an allow-list (nh3): no scripts, no event
handlers, no images or frames that would load from elsewhere, and links only to
http(s) or relative addresses. Everything else on a page is autoescaped.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from markupsafe import Markup

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

_local = threading.local()


def _converter() -> Any:
    """One Markdown converter per thread: building it costs more than converting a paragraph."""
    md = getattr(_local, "md", None)
    if md is None:
        import markdown

        md = markdown.Markdown(extensions=["markdown.extensions.sane_lists", "markdown.extensions.tables"], output_format="html")
        _local.md = md
    return md


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


def markdown_html(text: str | None) -> Markup:
    """Render Markdown from a record and sanitise it; the only path by which record text becomes HTML."""
    if not text:
        return Markup("")
    md = _converter()
    md.reset()
    return Markup(clean_html(_lower_headings(md.convert(str(text)))))


def safe_url(value: str | None) -> str | None:
    """An http(s) address, or None: a `javascript:` or malformed link never reaches an href."""
    if not value:
        return None
    text = str(value).strip()
    return text if SAFE_URL_RE.match(text) else None
