"""The search page: the guide's bundle in the page's language, and the records' bundles every language shares."""

from __future__ import annotations

from collections.abc import Iterator

from registry.model.kinds import KINDS
from registry.site.pages.planning import PageBuild, Planned
from registry.site.search_index import BUNDLE, SITE_SHARD
from registry.site.search_records import record_bundle_names


def plan(build: PageBuild) -> Iterator[Planned]:
    if not build.site.search:
        return
    counts = {kind: len(records) for kind, records in build.data.records.items()}
    view = {
        "site_bundle": f"{BUNDLE}/{SITE_SHARD}/",
        "record_bundles": [f"{BUNDLE}/{name}/" for name in record_bundle_names(counts)],
        "kinds": [(kind, build.words.kind_title(kind)) for kind, count in counts.items() if count and KINDS[kind].searched],
    }
    yield build.page("search/index.html", "search", view)
