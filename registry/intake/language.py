"""Which language to answer in: the one the form was filled in, else the browser's choice, else English.

The languages are the site's own (English and every catalogue in locale/),
with the same catalogues the site is built from, so an answer reads like the
page the visitor came from.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from registry.site.languages import SOURCE_LANGUAGE, catalogued_languages, language, translations

# A browser sends a handful of languages; a longer header is read only this far.
MAX_ACCEPTED = 20


@dataclass(frozen=True)
class AnswerLanguage:
    """The language of one answer: its code, its writing direction and its catalogue's gettext."""

    code: str
    direction: str
    gettext: Callable[[str], str]


class Languages:
    """The site's languages and their catalogues, read once when the service starts."""

    def __init__(self, locale_dir: Path) -> None:
        self.locale_dir = locale_dir
        self.codes = tuple(catalogued_languages(locale_dir))
        self._by_lower = {code.lower(): code for code in self.codes}
        self._catalogues: dict[str, gettext.NullTranslations] = {code: translations(locale_dir, code) for code in self.codes}

    def choose(self, form_language: str | None, accept_language: str | None) -> AnswerLanguage:
        """The form's language when the site has it, else the best of the browser's, else English."""
        code = self._known(form_language) or self._negotiated(accept_language or "") or SOURCE_LANGUAGE
        return AnswerLanguage(code, language(code).direction, self._catalogues.get(code, gettext.NullTranslations()).gettext)

    def _known(self, code: str | None) -> str | None:
        if not code:
            return None
        lowered = code.strip().lower()
        return self._by_lower.get(lowered) or self._by_lower.get(lowered.split("-")[0])

    def _negotiated(self, header: str) -> str | None:
        from babel.core import negotiate_locale

        found = negotiate_locale(preferred_languages(header), list(self._by_lower), sep="-", aliases={})
        return self._by_lower.get(found.lower()) if found else None


def preferred_languages(header: str) -> Sequence[str]:
    """The language tags of an Accept-Language header, most wanted first; those marked q=0 and '*' left out."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:MAX_ACCEPTED]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        if weight > 0:
            weighted.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(weighted)]
