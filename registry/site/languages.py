"""The languages a site is built in: English, and every language with a catalogue in locale/.

A lab adds a language by adding `locale/<code>/LC_MESSAGES/commons.po` (and,
if it wants, translated chapters in `content/translations/<code>/`); no code
names the languages. Names and writing direction come from Babel's CLDR data.
"""

from __future__ import annotations

import functools
import gettext
import io
from dataclasses import dataclass
from pathlib import Path

from registry.model.errors import ValidationError, suggest

DOMAIN = "commons"
SOURCE_LANGUAGE = "en"  # the language the messages and chapters are written in


@dataclass(frozen=True)
class Language:
    """A language of the site: its code, its own name for itself, and which way it is written."""

    code: str
    name: str  # as a heading or a menu entry: 'Español'
    direction: str
    inline: str = ""  # as within a sentence, as CLDR writes it: 'español', 'English'


@functools.cache
def language(code: str) -> Language:
    """A language by its code (es, ar, pt-BR), named in itself: 'español', 'العربية'."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        raise ValidationError([f"{code!r} is not a language code Babel knows; use codes like es, it, fr, ar"]) from None
    name = locale.get_display_name(locale) or code
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    return Language(code, name[:1].upper() + name[1:], direction, name)


@functools.cache
def open_graph_locale(code: str) -> str:
    """A language as Open Graph names locales, language_TERRITORY: its own territory, or the one CLDR finds most likely."""
    from babel import Locale
    from babel.core import get_global

    locale = Locale.parse(code.replace("-", "_"))
    if not locale.territory:
        likely = get_global("likely_subtags").get(locale.language)
        locale = Locale.parse(likely) if likely else locale
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


@functools.cache
def language_name(code: str, in_language: str) -> str:
    """A language's name as readers of another language call it: 'italiano' in Italian, 'Italian' in English."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(code.replace("-", "_")).get_display_name(Locale.parse(in_language.replace("-", "_"))) or code)
    except (ValueError, UnknownLocaleError):
        return code


def catalogue_path(locale_dir: Path, code: str) -> Path:
    return locale_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogued_languages(locale_dir: Path) -> list[str]:
    """English, then every language that has a catalogue, alphabetically."""
    found = sorted(p.name for p in locale_dir.iterdir() if catalogue_path(locale_dir, p.name).is_file()) if locale_dir.is_dir() else []
    return [SOURCE_LANGUAGE, *(code for code in found if code != SOURCE_LANGUAGE)]


def site_languages(locale_dir: Path, default: str, chosen: list[str] | None = None) -> tuple[str, ...]:
    """The languages to build, the default first: all that have a catalogue, or those chosen (`--lang es,it`)."""
    available = catalogued_languages(locale_dir)
    for code in [default, *(chosen or [])]:
        if code not in available:
            raise ValidationError(
                [
                    f"no catalogue for {code!r}: languages available are {', '.join(available)}{suggest(code, available)}; "
                    f"a new language needs {catalogue_path(locale_dir, code)}"
                ]
            )
    others = [c for c in (chosen if chosen is not None else available) if c != default]
    return (default, *others)


def translations(locale_dir: Path, code: str) -> gettext.NullTranslations:
    """The catalogue of a language, read from its .po file (English, or a language without one, passes through)."""
    path = catalogue_path(locale_dir, code)
    if not path.is_file():
        return gettext.NullTranslations()
    stat = path.stat()
    return _compiled(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _compiled(path: Path, mtime: int, size: int) -> gettext.NullTranslations:
    """The .po compiled in memory, as `pybabel compile` would write it; fuzzy messages are left out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with path.open("rb") as po:
        catalog = read_po(po)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def catalogue_digest(locale_dir: Path, code: str) -> str:
    """What a language's catalogue holds, as a short hash: templates compiled with it are kept only while it holds."""
    import hashlib

    path = catalogue_path(locale_dir, code)
    return hashlib.blake2b(path.read_bytes() if path.is_file() else b"", digest_size=8).hexdigest()
