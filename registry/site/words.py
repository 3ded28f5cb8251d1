"""Small conversions from stored values to what a page says: slugs, country names, terms, money.

They return data (numbers, codes, labels), not sentences: the sentences live in
the templates, where gettext can translate them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from registry.model import vocab

SLUG_MAX = 60


@functools.lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """A folder name for a value such as a city: ASCII when the script allows, else its own letters.

    A long value is cut and given a short hash of the whole, so the name stays
    within file-system limits (255 bytes) and two long values never collide.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if not slug:
        slug = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFKC", text).lower()).strip("-")
    slug = slug or "unnamed"
    if len(slug.encode("utf-8")) > SLUG_MAX:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
        slug = slug.encode("utf-8")[: SLUG_MAX - 9].decode("utf-8", "ignore").rstrip("-") + "-" + digest
    return slug


@functools.lru_cache(maxsize=512)
def country_name(code: str | None) -> str | None:
    """The English short name of an ISO 3166-1 alpha-2 code, or the code when unknown."""
    if not code:
        return None
    import pycountry

    found = pycountry.countries.get(alpha_2=code.upper())
    return str(getattr(found, "common_name", None) or found.name) if found else code


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from start to end (negative when end is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def term(agreement: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Where an agreement stands in its term: not started, running (and for how long still), ended, open-ended."""
    starts = agreement.get("starts_on") or agreement.get("adopted_on")
    expires = agreement.get("expires_on")
    start_date = dt.date.fromisoformat(starts) if starts else None
    end_date = dt.date.fromisoformat(expires) if expires else None
    info: dict[str, Any] = {"starts_on": starts, "expires_on": expires, "years": None, "months": None, "length_years": None}
    if start_date and end_date:
        info["length_years"] = round(months_between(start_date, end_date) / 12, 1)
    if start_date and start_date > today:
        info["state"] = "not_started"
    elif end_date is None:
        info["state"] = "open_ended"
    elif end_date < today:
        info["state"] = "ended"
    else:
        left = max(months_between(today, end_date), 0)
        info.update(state="running", years=left // 12, months=left % 12, days=(end_date - today).days)
    return info


def money(value: float | None) -> str | None:
    """Euros with thousands separators and no needless decimals; None when unknown."""
    if value is None:
        return None
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


KIND_TITLES = {"assets": "Commons assets", "actors": "Actors", "agreements": "Agreements", "cases": "Case studies"}


def translated_vocabulary(gettext: Callable[[str], str]) -> SimpleNamespace:
    """Every vocabulary of `registry.vocab` with its labels and explanations translated once for the build.

    Pages print labels as they are; translating here rather than in templates
    costs one lookup per label per build instead of one per label per page.
    """
    words = SimpleNamespace(gettext=gettext, KIND_TITLES={k: gettext(v) for k, v in KIND_TITLES.items()})
    for name in dir(vocab):
        value = getattr(vocab, name)
        if name.isupper() and isinstance(value, dict):
            setattr(words, name, {k: gettext(v) if isinstance(v, str) else v for k, v in value.items()})
    return words


def _identity(text: str) -> str:
    return text


UNTRANSLATED = translated_vocabulary(_identity)
