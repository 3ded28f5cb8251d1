"""The home page: where to start, the counts, the map, the latest changes and the first chapters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.site import jsonld
from registry.site.guide import chapter_list
from registry.site.pages.indexes import facet_named, facet_values
from registry.site.pages.planning import PageBuild, Planned

HOME_CHANGES = 8


def plan(build: PageBuild) -> Iterator[Planned]:
    yield build.page("index.html", "home", home_view(build))


def home_view(build: PageBuild) -> dict[str, Any]:
    data = build.data
    changes = []
    for change in data.recent_changes[:HOME_CHANGES]:
        exists = data.get(change["kind"], change["record_id"]) is not None
        changes.append(
            {
                "date": change["changed_at"][:10],
                "action": change["action"],
                "kind": change["kind"],
                "kind_title": build.words.kind_title(change["kind"]),
                "title": data.change_title(change),
                "url": f"{change['kind']}/{change['record_id']}/" if exists else None,
                "fields": change["fields"],
            }
        )
    facet = facet_named("assets", "city")
    cities = facet_values(data, "assets", facet, build.words) if facet else []
    return {
        "counts": {kind: len(records) for kind, records in data.records.items()},
        "changes": changes,
        "cities": [
            {"label": city.label, "count": len(city.ids), "url": f"assets/city/{city.slug}/"}
            for city in sorted(cities, key=lambda city: -len(city.ids))[:12]
        ],
        "chapters": chapter_list(build.chapters)[:4],
        "jsonld": jsonld.website(build.site.site_name, build.site.site_url, build.site.language),
    }
