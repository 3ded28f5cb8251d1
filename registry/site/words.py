"""Small conversions from stored values to what a page says: country names, money, dates.

They return data (numbers, codes, labels), not sentences: the sentences live in
the templates, where gettext can translate them.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
from collections.abc import Callable
from typing import Any

from registry.model import vocab
from registry.model.declaration import Kind
from registry.model.kinds import KINDS


@functools.lru_cache(maxsize=512)
def country_name(code: str | None) -> str | None:
    """The English short name of an ISO 3166-1 alpha-2 code, or the code when unknown."""
    if not code:
        return None
    import pycountry

    found = pycountry.countries.get(alpha_2=code.upper())
    return str(getattr(found, "common_name", None) or found.name) if found else code


def money(value: float | None, code: str = "en") -> str | None:
    """Euros with the language's separators and no needless decimals; None when unknown."""
    if value is None:
        return None
    from babel.numbers import format_decimal

    pattern = "#,##0" if float(value).is_integer() else "#,##0.00"
    return str(format_decimal(value, format=pattern, locale=babel_locale(code)))


@functools.cache
def babel_locale(code: str) -> Any:
    """Babel's locale for a language code of the site."""
    from babel import Locale

    return Locale.parse(code.replace("-", "_"))


def local_date(value: str | None, code: str) -> str:
    """A date as people of the language write it: a year stays a year, a month is named, a day in full (medium length).

    The registry keeps dates as ISO text (YYYY, YYYY-MM or YYYY-MM-DD); pages keep that in
    `<time datetime>` and show this.
    """
    if not value:
        return ""
    from babel.dates import format_date, format_skeleton

    text = str(value)
    try:
        if len(text) == 4:
            return text
        if len(text) == 7:
            return format_skeleton("yMMM", dt.date.fromisoformat(text + "-01"), locale=babel_locale(code))
        return format_date(dt.date.fromisoformat(text[:10]), format="medium", locale=babel_locale(code))
    except ValueError:
        return text


def local_number(value: Any, code: str) -> str:
    """A number with the language's digits and separators."""
    if value is None or value == "":
        return ""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=babel_locale(code)))


class Words:
    """The words pages print, in the build's language: vocabulary labels, kind titles, gettext itself.

    Pages print labels as they are; translating each vocabulary once here rather
    than in templates costs one lookup per label per build instead of one per
    label per page. Kinds are asked when a page needs them, so a kind declared
    after start-up has its words too.
    """

    def __init__(self, catalogue: gettext.NullTranslations, code: str = "en") -> None:
        self.code = code
        self.gettext: Callable[[str], str] = catalogue.gettext
        self.ngettext: Callable[[str, str, int], str] = catalogue.ngettext
        self._labels: dict[tuple[str, str], dict[str, str]] = {}
        for name in dir(vocab):
            value = getattr(vocab, name)
            if name.isupper() and isinstance(value, dict):
                setattr(self, name, {k: self.gettext(v) if isinstance(v, str) else v for k, v in value.items()})

    def __getattr__(self, name: str) -> Any:  # the vocabularies set in __init__, for type checkers
        raise AttributeError(name)

    def kind_title(self, kind_name: str) -> str:
        """The heading of a kind's pages: 'Commons assets'."""
        return self.gettext(KINDS[kind_name].plural_title)

    def label(self, kind: Kind, field_name: str, value: Any) -> str:
        """The label of a field's stored value, translated; the value itself when the vocabulary does not know it."""
        if value is None:
            return ""
        labels = self._labels.get((kind.name, field_name))
        if labels is None:
            labels = {k: self.gettext(v) for k, v in (kind.field(field_name).choices or {}).items()}
            self._labels[(kind.name, field_name)] = labels
        return labels.get(value, value)


UNTRANSLATED = Words(gettext.NullTranslations())
