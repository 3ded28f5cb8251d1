"""Record text written in Markdown, as the plain text that other programs' fields expect.

Descriptions are Markdown on our pages, but a profile or a description another
map shows is plain text: `*emphasis*` or `[a link](…)` would be shown as typed.
The text is rendered, every tag dropped (with the content of scripts and
styles), and entities turned back into the characters they stand for; the
result is data to be escaped by whatever writes it, never HTML.
"""

from __future__ import annotations

import html
import re
import threading
from typing import Any

# Characters or line starts Markdown could read as syntax, or that rendering would change; text without
# them is already plain. (A looser test than the site's: here a false alarm costs one rendering.)
_SYNTAX_RE = re.compile(r"[\\`*_\[\]<>|&]|^(?:\s*[#>=+\-]|\s*\d+[.)]|\s{4}|\t)", re.MULTILINE)
_SPACES_RE = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
# The end of a block (a paragraph, heading, list, quote, code or table): a blank line follows it in the text.
_BLOCK_END_RE = re.compile(r"(</(?:p|h[1-6]|ul|ol|blockquote|pre|table)>)")

_local = threading.local()


def markdown_converter() -> Any:
    """One Markdown converter per thread, shared by the site's pages and plain text: building one costs more than a paragraph."""
    md = getattr(_local, "md", None)
    if md is None:
        import markdown

        md = markdown.Markdown(extensions=["markdown.extensions.sane_lists", "markdown.extensions.tables"], output_format="html")
        _local.md = md
    return md


def plain_text(markdown_text: str | None) -> str | None:
    """The words of a Markdown text without its markup, paragraphs kept apart by a blank line; None when nothing is left."""
    if not markdown_text:
        return None
    text = str(markdown_text)
    if _SYNTAX_RE.search(text) is not None:
        import nh3

        md = markdown_converter()
        md.reset()
        blocks = _BLOCK_END_RE.sub(r"\1\n", md.convert(text))
        text = html.unescape(nh3.clean(blocks, tags=set(), strip_comments=True))
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    result = _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()
    return result or None
