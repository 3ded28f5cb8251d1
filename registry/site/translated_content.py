"""The guide's chapters and pages in each language: the translation where there is one, else the English with a notice.

English chapters are in `content/guide/` and `content/pages/`, documents to
download in `content/documents/`; a translation
is the same file name under `content/translations/<code>/`, with a
`Source-Hash:` line saying which version of the English it follows (the first
12 hex digits of the English file's SHA-256). When the English changes, the
hash no longer matches and the translated page says it may be out of date;
`commons build` and `commons check` list those chapters. Each language's build
reads a staged folder that holds, for every English file, what that language
shows, with an `Edition:` line (current, stale or missing) for the templates
(Pelican keeps `Translation:` for a meaning of its own).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from registry.publishing.files import write_if_changed

FOLDERS = ("guide", "pages", "documents")
TRANSLATIONS = "translations"
GLOSSARY_FILE = "glossary.toml"  # the glossary's terms; a language shows its translation of them, else the English
HEADER_LINE = re.compile(r"^([A-Za-z][\w-]*):\s*(.*)$")
# What a translation may say for itself; every other line of the header (slug, order, registry...) is the English one.
TRANSLATED_KEYS = ("title", "summary")


@dataclass(frozen=True)
class ChapterStatus:
    """Where a chapter stands in one language: its file, and whether its translation is current, stale or missing."""

    language: str
    path: str  # e.g. guide/01-what-is-co-production.md
    state: str

    def describe(self) -> str:
        if self.state == "stale":
            return f"{self.language}: the translation of {self.path} follows an older English text; update it and its Source-Hash"
        return f"{self.language}: {self.path} has no translation; the English is shown"


def source_hash(path: Path) -> str:
    """The version of an English file a translation says it follows."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def split_header(text: str) -> tuple[list[tuple[str, str]], str]:
    """A Markdown file's metadata lines (key, value) and its body."""
    header: list[tuple[str, str]] = []
    lines = text.splitlines(keepends=True)
    for n, line in enumerate(lines):
        found = HEADER_LINE.match(line.rstrip("\n"))
        if not found:
            return header, "".join(lines[n:])
        header.append((found.group(1), found.group(2)))
    return header, ""


def english_files(content: Path) -> list[Path]:
    return [p for folder in FOLDERS for p in sorted((content / folder).glob("*.md"))]


def chapter_states(content: Path, language: str) -> list[ChapterStatus]:
    """Each English file's state in a language."""
    states = []
    for english in english_files(content):
        relative = english.relative_to(content).as_posix()
        translated = content / TRANSLATIONS / language / relative
        if not translated.is_file():
            states.append(ChapterStatus(language, relative, "missing"))
            continue
        header, _ = split_header(translated.read_text(encoding="utf-8"))
        follows = dict((k.lower(), v.strip()) for k, v in header).get("source-hash", "")
        states.append(ChapterStatus(language, relative, "current" if follows == source_hash(english) else "stale"))
    return states


def stale_translations(content: Path) -> list[ChapterStatus]:
    """Translated chapters that follow an older English text, in every language that has translations."""
    folder = content / TRANSLATIONS
    languages = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    return [s for code in languages for s in chapter_states(content, code) if s.state == "stale"]


def stage_content(content: Path, language: str, target: Path) -> list[ChapterStatus]:
    """Write what a language shows into `target` (files rewritten only when they change); return the chapters not current."""
    states = chapter_states(content, language)
    keep = set()
    for status in states:
        english = content / status.path
        english_header, english_body = split_header(english.read_text(encoding="utf-8"))
        header, body = english_header, english_body
        if status.state != "missing":
            translated_header, body = split_header((content / TRANSLATIONS / language / status.path).read_text(encoding="utf-8"))
            own = {k.lower(): v for k, v in translated_header if k.lower() in TRANSLATED_KEYS}
            header = [(k, own.get(k.lower(), v)) for k, v in english_header]
        lines = [f"{k}: {v}\n" for k, v in header if k.lower() not in ("lang", "source-hash")]
        lines.append(f"Edition: {status.state}\n")
        staged = target / status.path
        write_if_changed(staged, "".join(lines) + body)
        keep.add(staged)
    glossary = content / TRANSLATIONS / language / GLOSSARY_FILE
    if not glossary.is_file():
        glossary = content / GLOSSARY_FILE
    if glossary.is_file():
        write_if_changed(target / GLOSSARY_FILE, glossary.read_text(encoding="utf-8"))
    for old in target.rglob("*.md"):
        if old not in keep:
            old.unlink()
    return [s for s in states if s.state != "current"]
