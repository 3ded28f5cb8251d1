"""Index pages of each kind and their filter pages, which work without JavaScript.

Filtering is done by pages, one per value of a facet (assets/status/recognised/,
cases/policy-area/housing/), so a link is a filter and the page count grows with
the number of values, not with combinations of them. Each value's list is cut
into numbered pages (`site/pagination.py`). The index lists every record in
anchored groups while they fit on one page; past that it links to the groups'
pages instead, and records with no value for a facet get a page of their own
(`<facet>/_none/`), so every record stays one link away. A facet's list of
its values (assets/city/) is numbered pages too, and where a page shows a
free-text facet's values beside other things (the index's groups, its filter
links) it shows the page's worth held by the most records and links to that
list: thousands of cities still make light pages.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from registry.formats.writers import FORMATS
from registry.model import declaration
from registry.model.declaration import Facet
from registry.model.kinds import KINDS
from registry.model.slugs import slugify
from registry.model.terms import IN_FORCE_STATES, term_state
from registry.site.data import SiteData
from registry.site.pages.list_rows import list_columns, row, row_fields
from registry.site.pages.planning import PageBuild, Planned
from registry.site.pagination import ROWS_PER_PAGE, ListPage, largest, page_links, paginate
from registry.site.words import UNTRANSLATED, Words

EXPIRING_DAYS = 365
# The address word of the page listing records with no value for a facet: a slug never makes an underscore.
NOT_GIVEN = "_none"


def record_values(record: dict[str, Any], facet: Facet) -> list[str]:
    """A record's values for a facet, as text: none, one, or each item of a list field."""
    value = record.get(facet.field)
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@dataclass
class FacetValue:
    """One value of a facet: its label, its page and the records that have it."""

    slug: str
    label: str
    ids: list[str]


def facet_values(data: SiteData, kind: str, facet: Facet, w: Words = UNTRANSLATED) -> list[FacetValue]:
    """The values present, in vocabulary order (or alphabetically for free text), each with its records.

    Values that share a slug (Città and Citta, Wrocław and Wroclaw) share a page: most likely one
    place spelled two ways. Its label names every spelling, the most used first, so the page
    shows what it joined; `commons check` names such values too, for the ones that are not.
    """
    spec = KINDS[kind]
    labels = spec.field(facet.field).choices
    spellings: dict[str, dict[str, int]] = {}
    ids: dict[str, list[str]] = {}
    for record in data.records[kind].values():
        for value in record_values(record, facet):
            slug = slugify(value)
            counts = spellings.setdefault(slug, {})
            counts[value] = counts.get(value, 0) + 1
            listed = ids.setdefault(slug, [])
            if not listed or listed[-1] != record["id"]:  # a list field may hold two spellings of one value
                listed.append(record["id"])
    found = []
    for slug, counts in spellings.items():
        ordered = sorted(counts, key=lambda value: (-counts[value], value))
        label = " / ".join(w.label(spec, facet.field, value) if labels else value for value in ordered)
        found.append(FacetValue(slug, label, ids[slug]))
    if labels:
        order = {slugify(v): n for n, v in enumerate(labels)}
        return sorted(found, key=lambda v: (order.get(v.slug, len(order)), v.slug))
    return sorted(found, key=lambda v: (v.label.casefold(), v.slug))


def facet_named(kind: str, name: str) -> Facet | None:
    """One of the kind's declared facets, by its name in addresses (`city`); None when it declares no such facet."""
    return next((facet for facet in KINDS[kind].facets if facet.name == name), None)


def _facet_nav(
    kind: str,
    facets: list[tuple[Facet, list[FacetValue]]],
    current: tuple[str, str] | None = None,
    *,
    full: bool = True,
    per_page: int = ROWS_PER_PAGE,
    w: Words = UNTRANSLATED,
) -> list[dict[str, Any]]:
    """Filter links for each facet. On a value page (`full=False`) counts and free-text values are left
    out: they would change the page whenever any record changed, and a city list can be long. Elsewhere
    a free-text facet lists its `per_page` most held values and links to its own paged list for the rest."""
    nav = []
    for facet, values in facets:
        if not values:
            continue
        vocabulary = KINDS[kind].field(facet.field).choices is not None
        listed = full or vocabulary
        shown = values if vocabulary else largest(values, per_page, _held_by)
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
                    for v in shown
                ]
                if listed
                else [],
                "more": len(values) if listed and len(shown) < len(values) else None,
                "current_label": next((v.label for v in values if current == (facet.name, v.slug)), None),
            }
        )
    return nav


def _rows_as_paged(data: SiteData, kind: str, ids: list[str], w: Words) -> list[dict[str, Any]]:
    """One page of a list, in the order it was paged in."""
    return [row(kind, data.records[kind][i], w) for i in ids]


def not_given(data: SiteData, kind: str, values: list[FacetValue]) -> list[str]:
    """The records with no value for a facet, by id."""
    given = {i for v in values for i in v.ids}
    return sorted(i for i in data.records[kind] if i not in given)


def _rows(data: SiteData, kind: str, ids: list[str], w: Words) -> list[dict[str, Any]]:
    title = KINDS[kind].title_field
    records = [data.records[kind][i] for i in ids]
    return [row(kind, r, w) for r in sorted(records, key=lambda r: (str(r.get(title) or "").casefold(), r["id"]))]


def suggest_call(kind: str, w: Words) -> str | None:
    """The call to suggest a record of the kind ("Suggest a place"), for its lists to link to its form; None when it takes no suggestions."""
    offered = KINDS[kind].contributions
    return w.gettext(offered.suggest) if offered is not None and offered.forms and offered.suggest else None


def downloads(kind: str) -> dict[str, str | None]:
    """The kind's open-data files, relative to the site root."""
    spec = KINDS[kind]
    return {f.name: f"data/{kind}{f.suffix}" if f.applies_to(spec) else None for f in FORMATS if f.download}


def _held_by(value: FacetValue) -> int:
    return len(value.ids)


@dataclass
class IndexPage:
    """A page to write: where, with which template, and how to make what it shows (made again when it is written).

    `make_key`, when given, makes what the page is hashed by instead of its
    view: cheaper, and changing exactly when the view may.
    """

    path: str
    template: str
    make_view: Callable[[], dict[str, Any]]
    make_key: Callable[[], Any] | None = None


def _held(view: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    return lambda: view


def index_pages(data: SiteData, kind: str, today: dt.date, per_page: int = ROWS_PER_PAGE, w: Words = UNTRANSLATED) -> Iterator[IndexPage]:
    """The kind's index, a page per facet listing its values, and the numbered pages of each facet value's records."""
    facets = [(facet, facet_values(data, kind, facet, w)) for facet in KINDS[kind].facets]
    yield IndexPage(f"{kind}/index.html", "kind_index", _held(_index_view(data, kind, facets, today, per_page, w)))
    for facet, values in facets:
        if values:
            yield from _facet_pages(data, kind, facets, facet, values, per_page, w)
    if KINDS[kind].term is not None:
        yield from _term_pages(data, kind, today, per_page, w)


FacetsFound = list[tuple[Facet, list[FacetValue]]]


def _index_view(data: SiteData, kind: str, facets: FacetsFound, today: dt.date, per_page: int, w: Words) -> dict[str, Any]:
    """A kind's index: its records in anchored groups (by the facet it declares), each linking to its own page."""
    spec = KINDS[kind]
    total = len(data.records[kind])
    group_facet, group_values = next((f, v) for f, v in facets if f.name == spec.group_by)
    rest = not_given(data, kind, group_values)
    listed = total <= per_page
    shown = largest(group_values, per_page, _held_by)
    groups = [
        {
            "anchor": f"{group_facet.name}-{v.slug}",
            "label": v.label,
            "count": len(v.ids),
            "url": f"{kind}/{group_facet.name}/{v.slug}/",
            "rows": _rows(data, kind, v.ids, w) if listed else [],
        }
        for v in shown
    ]
    if rest:
        groups.append(
            {
                "anchor": f"{group_facet.name}-none",
                "label": None,
                "count": len(rest),
                "url": None if listed else f"{kind}/{group_facet.name}/{NOT_GIVEN}/",
                "rows": _rows(data, kind, rest, w) if listed else [],
            }
        )
    view: dict[str, Any] = {
        "kind": kind,
        "kind_title": w.kind_title(kind),
        "lede": w.ngettext(*spec.lede, total).format(count=total),
        "list": list_columns(kind, w),
        "count": total,
        "facets": _facet_nav(kind, facets, per_page=per_page, w=w),
        "group_title": w.gettext(group_facet.title),
        "groups": groups,
        # Past a page's worth of groups, the largest are shown and the rest are on the facet's own list.
        "groups_more": {"url": f"{kind}/{group_facet.name}/", "count": len(group_values)} if len(shown) < len(group_values) else None,
        "listed": listed,
        "downloads": downloads(kind),
        "suggest": suggest_call(kind, w),
    }
    if spec.term is not None:
        for name, rows_of in TERM_LISTS.items():
            rows = rows_of(data, kind, today, w=w)
            view[name] = rows[:per_page]
            view[f"{name}_count"] = len(rows)
    return view


def _term_pages(data: SiteData, kind: str, today: dt.date, per_page: int, w: Words) -> Iterator[IndexPage]:
    """A termed kind's records expiring within a year, and those lapsed, each a list of numbered pages in its own order."""
    titles = {"expiring": w.gettext("Expiring within a year"), "lapsed": w.gettext("Lapsed")}
    for name, rows_of in TERM_LISTS.items():
        rows = {r["id"]: r for r in rows_of(data, kind, today, w=w)}
        if not rows:
            continue
        view = {"kind": kind, "kind_title": w.kind_title(kind), "name": name, "title": titles[name], "list": list_columns(kind, w)}
        yield from _paged_in_given_order(f"{kind}/{name}/", "term_list", view, "rows", rows, per_page)


def _paged_in_given_order(
    base: str, template: str, view: dict[str, Any], shown_as: str, entries: dict[str, Any], per_page: int
) -> Iterator[IndexPage]:
    """A list whose order is its point (soonest first, a facet's values), in numbered pages, each with its part as `shown_as`."""
    for page in paginate(base, list(entries), per_page, in_given_order=True):
        part = [entries[key] for key in page.ids]
        yield IndexPage(page.path, template, _held({**view, shown_as: part, "count": len(entries), "pages": page_links(page, base)}))


def _facet_pages(
    data: SiteData, kind: str, facets: FacetsFound, facet: Facet, values: list[FacetValue], per_page: int, w: Words
) -> Iterator[IndexPage]:
    """A facet's list of its values, in numbered pages, and the numbered pages of each value's records and of those with none."""
    title = {"name": facet.name, "title": w.gettext(facet.title)}
    yield from _facet_list_pages(kind, facet, title, values, per_page, w)
    lists = [(value.slug, value.label, value.ids) for value in values]
    rest = not_given(data, kind, values)
    if rest:
        lists.append((NOT_GIVEN, w.gettext("Not given"), rest))
    for slug, label, ids in lists:
        base = f"{kind}/{facet.name}/{slug}/"
        for page in paginate(base, ids, per_page):
            shown = FacetShown(kind, title, label, len(ids), slug, facets)
            yield IndexPage(
                page.path,
                "facet",
                functools.partial(_facet_page_view, data, shown, page, base, w),
                functools.partial(_facet_page_key, data, shown, page, base, w),
            )


def _facet_list_pages(
    kind: str, facet: Facet, title: dict[str, str], values: list[FacetValue], per_page: int, w: Words
) -> Iterator[IndexPage]:
    """Every value of a facet with its count, `per_page` to a page in the facet's order (a city list can run to thousands)."""
    entries = {v.slug: {"label": v.label, "url": f"{kind}/{facet.name}/{v.slug}/", "count": len(v.ids)} for v in values}
    view = {"kind": kind, "kind_title": w.kind_title(kind), "facet": title, "downloads": downloads(kind), "suggest": suggest_call(kind, w)}
    yield from _paged_in_given_order(f"{kind}/{facet.name}/", "facet_list", view, "values", entries, per_page)


@dataclass
class FacetShown:
    """Which facet value a page of a filter lists, and how many records have it."""

    kind: str
    facet: dict[str, str]
    label: str
    count: int
    slug: str
    facets: FacetsFound


def _facet_page_view(data: SiteData, shown: FacetShown, page: ListPage, base: str, w: Words) -> dict[str, Any]:
    """One numbered page of a facet value's records: made when it is written, never held."""
    return _facet_page(shown, page, base, w, _rows_as_paged(data, shown.kind, page.ids, w))


def _facet_page_key(data: SiteData, shown: FacetShown, page: ListPage, base: str, w: Words) -> dict[str, Any]:
    """What a numbered facet page is hashed by: its view with the values each row is made from in place of the row.

    The same words and labels make the same rows from the same values (the
    words and the code are in every page's fingerprint), and making every row
    of the edited kind's list pages only to hash them took a second of a
    100k-record rebuild.
    """
    records, fields = data.records[shown.kind], row_fields(shown.kind)
    return _facet_page(shown, page, base, w, [[records[i].get(f) for f in fields] for i in page.ids])


def _facet_page(shown: FacetShown, page: ListPage, base: str, w: Words, rows: list[Any]) -> dict[str, Any]:
    kind = shown.kind
    return {
        "kind": kind,
        "kind_title": w.kind_title(kind),
        "list": list_columns(kind, w),
        "facet": shown.facet,
        "value": shown.label,
        "count": shown.count,
        "rows": rows,
        "pages": page_links(page, base),
        "facets": _facet_nav(kind, facets=shown.facets, current=(shown.facet["name"], shown.slug), full=False, w=w),
        "downloads": downloads(kind),
        "suggest": suggest_call(kind, w),
    }


def expiring_rows(data: SiteData, kind: str, today: dt.date, days: int = EXPIRING_DAYS, w: Words = UNTRANSLATED) -> list[dict[str, Any]]:
    """Records in force whose term ends within the period, soonest first: what a community must renew."""
    term = KINDS[kind].term
    if term is None:
        return []
    until = (today + dt.timedelta(days=days)).isoformat()
    found = [r for r in _in_states(data, kind, today, IN_FORCE_STATES) if r.get(term.ends) and today.isoformat() <= r[term.ends] <= until]
    return [{**row(kind, r, w), "days_left": (dt.date.fromisoformat(r[term.ends]) - today).days} for r in found]


def lapsed_rows(data: SiteData, kind: str, today: dt.date, w: Words = UNTRANSLATED) -> list[dict[str, Any]]:
    """Records whose term ended while their status says they are in force, longest lapsed first: renew them, or say they ended."""
    term = KINDS[kind].term
    if term is None:
        return []
    return [
        {**row(kind, r, w), "days_since": (today - dt.date.fromisoformat(r[term.ends])).days}
        for r in _in_states(data, kind, today, ("lapsed",))
    ]


# The lists a kind with a term has beside its filters: what must be renewed soon, and what has lapsed.
TERM_LISTS: dict[str, Callable[..., list[dict[str, Any]]]] = dict(zip(declaration.TERM_LISTS, (expiring_rows, lapsed_rows), strict=True))


def _in_states(data: SiteData, kind: str, today: dt.date, states: tuple[str, ...]) -> list[dict[str, Any]]:
    """A termed kind's records whose term state (`model/terms.py`, as of today) is one of `states`, by end date."""
    term = KINDS[kind].term
    if term is None:
        return []
    found = [r for r in data.records[kind].values() if term_state(term, r, today, len(data.term_history(kind, r["id"])) > 1) in states]
    return sorted(found, key=lambda r: (str(r.get(term.ends) or ""), r["id"]))


def plan(build: PageBuild) -> Iterator[Planned]:
    """Each kind's index and filter pages; on an incremental build, only those of the kinds that changed."""
    for kind in build.data.records:
        if build.kinds is None or kind in build.kinds:
            for page in index_pages(build.data, kind, build.today, build.site.rows_per_page, build.words):
                yield build.page_made(page.path, page.template, page.make_view, f"{kind}/", make_key=page.make_key)
