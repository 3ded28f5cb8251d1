"""The guide's contents page: the chapters in reading order. The chapters themselves are Pelican's pages."""

from __future__ import annotations

from collections.abc import Iterator

from registry.site.guide import chapter_list
from registry.site.pages.planning import PageBuild, Planned


def plan(build: PageBuild) -> Iterator[Planned]:
    yield build.page("guide/index.html", "guide_index", {"chapters": chapter_list(build.chapters)})
