"""The search page, which loads the search bundles that exist for the records' shards and the guide."""

from __future__ import annotations

from collections.abc import Iterator

from registry.site.pages.planning import PageBuild, Planned
from registry.site.search_index import BUNDLE, bundle_names


def plan(build: PageBuild) -> Iterator[Planned]:
    if not build.site.search:
        return
    counts = {kind: len(records) for kind, records in build.data.records.items()}
    yield build.page("search/index.html", "search", {"bundles": [f"{BUNDLE}/{name}/" for name in bundle_names(counts)]})
