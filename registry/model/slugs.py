"""Slugs: the readable ASCII name a value (a city, a kind) takes in an address, in any script.

The site's filter pages live at these names (assets/city/wroclaw/), so a slug
must keep every letter a reader would type: Unidecode spells Wrocław, Città,
Ελευσίνα, صفاقس or 北京 in Latin letters where Unicode decomposition would drop
the ł and the Greek, Arabic and Chinese entirely.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable

from unidecode import unidecode

SLUG_MAX = 60
HASH_LENGTH = 8


@functools.lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """A folder name for a value: its Latin transliteration when there is one, else its own letters, else a hash.

    A script Unidecode does not know keeps its own letters (lowercased, NFKC);
    a value with no letters at all (only emoji or punctuation) is `unnamed-`
    and a hash of the value, so two of them never share a page. A long value
    is cut and given a short hash of the whole, so the name stays within
    file-system limits (255 bytes) and two long values never collide.
    """
    slug = _ascii_words(unidecode(text))
    if not slug:
        slug = _own_letters(text)
    if not slug:
        return f"unnamed-{_digest(text)}"
    return _capped(slug, text)


def shared_slugs(values: Iterable[str]) -> dict[str, list[str]]:
    """Distinct values that share a slug, and so a page: one place spelled two ways (Città, Citta), or two
    places that a transliteration cannot tell apart (苏州 and 宿州 are both Su Zhou)."""
    by_slug: dict[str, set[str]] = {}
    for value in values:
        by_slug.setdefault(slugify(value), set()).add(value)
    return {slug: sorted(found) for slug, found in sorted(by_slug.items()) if len(found) > 1}


def legacy_slug(text: str) -> str:
    """The slug older versions gave a value, which dropped letters with no ASCII decomposition (Wrocław: 'wrocaw').

    It exists only for what those versions published and must not change: the
    addresses the site redirects to the new ones, and the site's token in feed
    and calendar ids (`site/feed_ids.py`). Never use it to name anything new.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _ascii_words(folded) or _own_letters(text) or "unnamed"
    return _capped(slug, text)


def _ascii_words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _own_letters(text: str) -> str:
    return re.sub(r"[\W_]+", "-", unicodedata.normalize("NFKC", text).lower()).strip("-")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _capped(slug: str, text: str) -> str:
    if len(slug.encode("utf-8")) <= SLUG_MAX:
        return slug
    kept = slug.encode("utf-8")[: SLUG_MAX - HASH_LENGTH - 1].decode("utf-8", "ignore").rstrip("-")
    return f"{kept}-{_digest(text)}"
