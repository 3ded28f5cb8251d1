"""What a page tells search engines and link previews about itself: a short description in plain text.

Search engines show about 160 characters of a `<meta name="description">`, and
link previews (Open Graph) the same; a longer text is cut at a word, not in
the middle of one, so the preview never ends in half a word.
"""

from __future__ import annotations

from markupsafe import Markup

from registry.site.sanitise import html_text

DESCRIPTION_LENGTH = 160
ELLIPSIS = "…"


def trim_words(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """Text on one line, at most `limit` characters: cut after the last whole word that fits, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS) + 1]
    space = cut.rfind(" ")
    # A single word longer than half the room is cut where it must be rather than dropped whole.
    cut = cut[:space] if space > limit // 2 else cut[:-1]
    return cut.rstrip(" ,;:.–—-") + ELLIPSIS


def meta_description(value: str | Markup | None) -> str:
    """A page's description for its meta and Open Graph tags: HTML (a chapter's summary, a lede) loses its tags."""
    if not value:
        return ""
    text = html_text(str(value)) if isinstance(value, Markup) else str(value)
    return trim_words(text)
