"""Index pages of each kind and their filter pages, which work without JavaScript.

Filtering is done by pages, one per value of a facet (assets/status/recognised/,
cases/policy-area/housing/), so a link is a filter and the page count grows with
the number of values, not with combinations of them. The index lists every
record in anchored groups while the list stays readable; past `list_limit` it
links to the groups' pages instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from registry.model import vocab
from registry.model.kinds import KINDS
from registry.site.data import SiteData
from registry.site.views import record_url, years
from registry.site.words import UNTRANSLATED, country_name, slugify


@dataclass(frozen=True)
class Facet:
    """A field the records of a kind can be filtered by, and the words for it."""

    name: str
    field: str
    title: str
    vocabulary: str | None = None


def _city() -> Facet:
    return Facet("city", "city", "City")


FACETS: dict[str, tuple[Facet, ...]] = {
    "assets": (Facet("status", "status", "Status", "ASSET_STATUSES"), Facet("kind", "kind", "Kind", "ASSET_KINDS"), _city()),
    "actors": (Facet("kind", "kind", "Kind", "ACTOR_KINDS"), Facet("governance", "governance", "Governance", "GOVERNANCE_MODELS"), _city()),
    "agreements": (
        Facet("status", "status", "Status", "AGREEMENT_STATUSES"),
        Facet("kind", "kind", "Instrument", "AGREEMENT_KINDS"),
        _city(),
    ),
    "cases": (
        Facet("policy-area", "policy_areas", "Policy area", "POLICY_AREAS"),
        Facet("level", "level", "Co-production level", "LEVELS"),
        _city(),
    ),
}

# How each kind's index groups its full list (the facet whose values become anchored sections).
GROUP_BY = {"assets": "city", "actors": "city", "agreements": "status", "cases": "policy-area"}
EXPIRING_DAYS = 365


def _values(record: dict[str, Any], facet: Facet) -> list[str]:
    value = record.get(facet.field)
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def row(kind: str, record: dict[str, Any], w: SimpleNamespace = UNTRANSLATED) -> dict[str, Any]:
    """One line of a list: enough to recognise the record and choose to open it."""
    base = {"id": record["id"], "url": record_url(kind, record["id"]), "title": record.get(KINDS[kind].title_field) or record["id"]}
    if kind == "assets":
        base.update(
            kind_label=vocab.label(w.ASSET_KINDS, record.get("kind")),
            status_label=vocab.label(w.ASSET_STATUSES, record.get("status")),
            city=record.get("city"),
        )
    elif kind == "actors":
        base.update(kind_label=vocab.label(w.ACTOR_KINDS, record.get("kind")), city=record.get("city"))
    elif kind == "agreements":
        base.update(
            kind_label=vocab.label(w.AGREEMENT_KINDS, record.get("kind")),
            status_label=vocab.label(w.AGREEMENT_STATUSES, record.get("status")),
            expires_on=record.get("expires_on"),
            city=record.get("city"),
        )
    else:
        base.update(
            city=record.get("city"),
            country=country_name(record.get("country")),
            start_year=record.get("start_year"),
            end_year=record.get("end_year"),
            years=years(record),
            level_label=vocab.label(w.LEVELS, record.get("level")) or None,
        )
    return base


@dataclass
class FacetValue:
    """One value of a facet: its label, its page and the records that have it."""

    slug: str
    label: str
    ids: list[str]


def facet_values(data: SiteData, kind: str, facet: Facet, w: SimpleNamespace = UNTRANSLATED) -> list[FacetValue]:
    """The values present, in vocabulary order (or alphabetically for free text), each with its records."""
    found: dict[str, FacetValue] = {}
    labels: dict[str, str] | None = getattr(w, facet.vocabulary) if facet.vocabulary else None
    for record in data.records[kind].values():
        for value in _values(record, facet):
            slug = slugify(value)
            label = vocab.label(labels, value) if labels else value
            entry = found.setdefault(slug, FacetValue(slug, label, []))
            entry.ids.append(record["id"])
    if labels:
        order = {slugify(v): n for n, v in enumerate(labels)}
        return sorted(found.values(), key=lambda v: (order.get(v.slug, len(order)), v.slug))
    return sorted(found.values(), key=lambda v: (v.label.casefold(), v.slug))


def _facet_nav(
    kind: str,
    facets: list[tuple[Facet, list[FacetValue]]],
    current: tuple[str, str] | None = None,
    *,
    full: bool = True,
    w: SimpleNamespace = UNTRANSLATED,
) -> list[dict[str, Any]]:
    """Filter links for each facet. On a value page (`full=False`) counts and free-text values are left
    out: they would change the page whenever any record changed, and a city list can be long."""
    nav = []
    for facet, values in facets:
        if not values:
            continue
        listed = full or facet.vocabulary is not None
        nav.append(
            {
                "name": facet.name,
                "title": w.gettext(facet.title),
                "url": f"{kind}/{facet.name}/",
                "values": [
                    {
                        "label": v.label,
                        "url": f"{kind}/{facet.name}/{v.slug}/",
                        "count": len(v.ids) if full else None,
                        "current": current == (facet.name, v.slug),
                    }
                    for v in values
                ]
                if listed
                else [],
                "current_label": next((v.label for v in values if current == (facet.name, v.slug)), None),
            }
        )
    return nav


def _rows(data: SiteData, kind: str, ids: list[str], w: SimpleNamespace) -> list[dict[str, Any]]:
    title = KINDS[kind].title_field
    records = [data.records[kind][i] for i in ids]
    return [row(kind, r, w) for r in sorted(records, key=lambda r: (str(r.get(title) or "").casefold(), r["id"]))]


def downloads(kind: str) -> dict[str, str | None]:
    """The kind's open-data files, relative to the site root."""
    return {
        "csv": f"data/{kind}.csv",
        "json": f"data/{kind}.json",
        "geojson": f"data/{kind}.geojson" if "lat" in KINDS[kind].field_names else None,
    }


@dataclass
class IndexPage:
    """A page to write: where, with which template, showing what."""

    path: str
    template: str
    view: dict[str, Any]


def index_pages(data: SiteData, kind: str, today: dt.date, list_limit: int, w: SimpleNamespace = UNTRANSLATED) -> Iterator[IndexPage]:
    """The kind's index, a page per facet listing its values, and a page per facet value."""
    facets = [(facet, facet_values(data, kind, facet, w)) for facet in FACETS[kind]]
    total = len(data.records[kind])
    group_facet, group_values = next((f, v) for f, v in facets if f.name == GROUP_BY[kind])
    grouped_ids = {i for v in group_values for i in v.ids}
    rest = [i for i in data.records[kind] if i not in grouped_ids]
    groups = [
        {
            "anchor": f"{group_facet.name}-{v.slug}",
            "label": v.label,
            "count": len(v.ids),
            "url": f"{kind}/{group_facet.name}/{v.slug}/",
            "rows": _rows(data, kind, v.ids, w) if total <= list_limit else [],
        }
        for v in group_values
    ]
    if rest:
        groups.append(
            {
                "anchor": f"{group_facet.name}-none",
                "label": None,
                "count": len(rest),
                "url": None,
                "rows": _rows(data, kind, rest, w)[:list_limit],
            }
        )
    view: dict[str, Any] = {
        "kind": kind,
        "kind_title": w.KIND_TITLES[kind],
        "count": total,
        "facets": _facet_nav(kind, facets, w=w),
        "group_title": w.gettext(group_facet.title),
        "groups": groups,
        "listed": total <= list_limit,
        "downloads": downloads(kind),
    }
    if kind == "agreements":
        view["expiring"] = expiring_rows(data, today, w=w)
    yield IndexPage(f"{kind}/index.html", "kind_index", view)
    for facet, values in facets:
        if not values:
            continue
        nav = _facet_nav(kind, facets, w=w)
        yield IndexPage(
            f"{kind}/{facet.name}/index.html",
            "facet_list",
            {
                "kind": kind,
                "kind_title": w.KIND_TITLES[kind],
                "facet": {"name": facet.name, "title": w.gettext(facet.title)},
                "facets": nav,
                "values": next(f["values"] for f in nav if f["name"] == facet.name),
                "downloads": downloads(kind),
            },
        )
        for value in values:
            yield IndexPage(
                f"{kind}/{facet.name}/{value.slug}/index.html",
                "facet",
                {
                    "kind": kind,
                    "kind_title": w.KIND_TITLES[kind],
                    "facet": {"name": facet.name, "title": w.gettext(facet.title)},
                    "value": value.label,
                    "count": len(value.ids),
                    "rows": _rows(data, kind, value.ids, w),
                    "facets": _facet_nav(kind, facets, (facet.name, value.slug), full=False, w=w),
                    "downloads": downloads(kind),
                },
            )


def expiring_rows(data: SiteData, today: dt.date, days: int = EXPIRING_DAYS, w: SimpleNamespace = UNTRANSLATED) -> list[dict[str, Any]]:
    """Active agreements that end within the period, soonest first: what a community must renew."""
    until = (today + dt.timedelta(days=days)).isoformat()
    now = today.isoformat()
    found = [
        a
        for a in data.records["agreements"].values()
        if a.get("status") == "active" and a.get("expires_on") and now <= a["expires_on"] <= until
    ]
    return [
        {**row("agreements", a, w), "days_left": (dt.date.fromisoformat(a["expires_on"]) - today).days}
        for a in sorted(found, key=lambda a: (a["expires_on"], a["id"]))
    ]
