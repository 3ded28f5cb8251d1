"""The map page: the overview map and, beside it, every mapped record listed by city, for readers without the map."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.model.kinds import KINDS
from registry.model.slugs import slugify
from registry.site.pages.indexes import NOT_GIVEN, facet_named, facet_values
from registry.site.pages.list_rows import row
from registry.site.pages.planning import PageBuild, Planned
from registry.site.pagination import largest


def plan(build: PageBuild) -> Iterator[Planned]:
    yield build.page("map/index.html", "map_page", map_view(build))


def map_view(build: PageBuild) -> dict[str, Any]:
    """What the overview map shows, as lists: places by city per kind; past a page's worth, links to the city pages (the largest
    cities' when there are more than a page's worth of them, then a link to every city)."""
    limit = build.site.rows_per_page
    sections = []
    for kind in (k.name for k in KINDS.values() if k.map_layer is not None):
        title = KINDS[kind].title_field
        located = [r for r in build.data.records[kind].values() if r.get("lat") is not None and r.get("lon") is not None]
        facet = facet_named(kind, "city")
        cities = {city.slug: city.label for city in facet_values(build.data, kind, facet, build.words)} if facet else {}
        groups: dict[str, dict[str, Any]] = {}
        for record in sorted(located, key=lambda r: (str(r.get(title) or "").casefold(), r["id"])):
            city = str(record.get("city") or "")
            slug = slugify(city) if city else ""
            group = groups.setdefault(
                slug,
                {"label": cities.get(slug, city) or None, "url": f"{kind}/city/{slug or NOT_GIVEN}/", "rows": [], "count": 0},
            )
            group["count"] += 1
            if len(located) <= limit:
                group["rows"].append(row(kind, record, build.words))
        ordered = [groups[k] for k in sorted(groups, key=lambda k: (k == "", (groups[k]["label"] or "").casefold()))]
        shown = largest(ordered, limit, lambda group: int(group["count"]))
        more = {"url": f"{kind}/city/", "count": len(cities)} if facet and len(shown) < len(ordered) else None
        sections.append({"kind": kind, "kind_title": build.words.kind_title(kind), "count": len(located), "groups": shown, "more": more})
    return {"sections": sections, "count": sum(s["count"] for s in sections)}
