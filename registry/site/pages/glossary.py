"""The glossary page: each term the guide uses and what it means, the target of the chapters' term links."""

from __future__ import annotations

from collections.abc import Iterator

from registry.site.pages.planning import PageBuild, Planned

PATH = "guide/glossary/index.html"


def plan(build: PageBuild) -> Iterator[Planned]:
    if build.glossary:
        view = {"terms": [{"id": t.id, "term": t.term, "definition": t.definition} for t in build.glossary]}
        yield build.page(PATH, "glossary", view)
