"""Documents a lab downloads and adapts, each as written (Markdown) and as an editable OpenDocument text (.odt).

Each Markdown file in content/documents (the model agreement) is published in
the page's language where a translation exists, else in English, at
documents/<name>.md and documents/<name>.odt beside the chapters that link it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

from registry.formats.odt import markdown_to_odt
from registry.publishing.files import digest
from registry.site.pages.planning import PageBuild, Planned
from registry.site.translated_content import split_header

FOLDER = "documents"


def _document(path: Path) -> tuple[str, str]:
    """A document's title (from its header, else its first heading) and its Markdown text without the header."""
    header, body = split_header(path.read_text(encoding="utf-8"))
    title = dict((k.lower(), v.strip()) for k, v in header).get("title") or next(
        (line.lstrip("# ").strip() for line in body.splitlines() if line.startswith("# ")), path.stem
    )
    return title, body.lstrip("\n")


def plan(build: PageBuild) -> Iterator[Planned]:
    folder = build.site.content / FOLDER
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        title, body = _document(path)
        key = digest(FOLDER, title, body, build.site.language)
        yield Planned(f"{FOLDER}/{path.name}", key, functools.partial(str, body), listed=False)
        yield Planned(f"{FOLDER}/{path.stem}.odt", key, functools.partial(markdown_to_odt, body, title, build.site.language), listed=False)
