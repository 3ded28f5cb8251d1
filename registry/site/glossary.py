"""The glossary: the guide's terms and what they mean, and a link to each from its first use in every chapter.

The terms are data (content/glossary.toml, and a translation of it per
language), so the glossary page and the links come from one list: a term's
`term` and `forms` are the words it is written with in running text, matched
as whole words whatever their case. Only the first use in a chapter is linked,
and never inside a heading, a link or code, so a chapter does not turn blue.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape

from registry.model.errors import RegistryError

GLOSSARY_FILE = "glossary.toml"
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Tags whose text is never linked: headings, links and code; and where tags and text alternate in HTML.
NO_LINK_TAGS = frozenset({"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "abbr"})
TAG_RE = re.compile(r"(<[^>]+>)")
TAG_NAME_RE = re.compile(r"^</?([a-zA-Z0-9]+)")


@dataclass(frozen=True)
class Term:
    """One entry: its anchor, how it is written, and what it means (Markdown)."""

    id: str
    term: str
    forms: tuple[str, ...]
    definition: str

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every way it is written, longest first, so "civic and collective use" wins over "civic use"."""
        return tuple(sorted({self.term, *self.forms}, key=len, reverse=True))


def load_glossary(path: Path) -> list[Term]:
    """The terms of a glossary file, in its order; a malformed file is refused with the entry and the fix."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML ({exc}); fix the line it names") from None
    terms: list[Term] = []
    problems: list[str] = []
    for n, entry in enumerate(data.get("term", []), start=1):
        where = f"{path.name}, term {n}"
        term_id, term, definition = entry.get("id"), entry.get("term"), entry.get("definition")
        forms = entry.get("forms", [])
        if not isinstance(term_id, str) or not ID_RE.match(term_id):
            problems.append(f"{where}: id {term_id!r} must be a lowercase slug, e.g. 'civic-use'")
        if not isinstance(term, str) or not term.strip():
            problems.append(f"{where}: term must be the words as written in the chapters")
        if not isinstance(definition, str) or not definition.strip():
            problems.append(f"{where}: definition is missing")
        if not isinstance(forms, list) or not all(isinstance(f, str) and f.strip() for f in forms):
            problems.append(f"{where}: forms must be a list of other spellings")
        if not problems:
            terms.append(Term(str(term_id), str(term).strip(), tuple(f.strip() for f in forms), str(definition).strip()))
    seen: set[str] = set()
    for t in terms:
        if t.id in seen:
            problems.append(f"{path.name}: id {t.id!r} is used twice; give each term its own")
        seen.add(t.id)
    if problems:
        raise RegistryError("\n".join(problems))
    return terms


# Markdown writes a typed apostrophe as a typographic one, often as an entity: "d'uso" is "d&rsquo;uso" in the HTML.
APOSTROPHE = "(?:'|\u2019|&rsquo;|&#8217;)"


def _spelling(text: str) -> str:
    return APOSTROPHE.join(re.escape(part) for part in re.split("['\u2019]", text))


def _pattern(term: Term) -> re.Pattern[str]:
    words = "|".join(_spelling(s) for s in term.spellings)
    return re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.IGNORECASE)


def link_terms(html: str, terms: list[Term], href: str) -> tuple[str, set[str]]:
    """The chapter's HTML with each term's first use linked to `href#id`, and the ids linked."""
    patterns = [(t, _pattern(t)) for t in terms]
    linked: set[str] = set()
    inside = 0  # how deep we are in tags whose text is never linked
    parts = TAG_RE.split(html)
    for i, part in enumerate(parts):
        if part.startswith("<"):
            name = TAG_NAME_RE.match(part)
            if name and name.group(1).lower() in NO_LINK_TAGS and not part.endswith("/>"):
                inside += -1 if part.startswith("</") else 1
            continue
        if inside > 0 or not part.strip():
            continue
        found = sorted(
            (m.start(), -len(m.group(0)), m.end(), term)
            for term, pattern in patterns
            if term.id not in linked and (m := pattern.search(part)) is not None
        )
        pieces, position = [], 0
        for start, _, end, term in found:
            if start < position:  # overlaps a term linked just before it; its next use is linked instead
                continue
            pieces += [part[position:start], f'<a class="glossary-term" href="{escape(href)}#{term.id}">{part[start:end]}</a>']
            position = end
            linked.add(term.id)
        parts[i] = "".join(pieces) + part[position:]
    return "".join(parts), linked
