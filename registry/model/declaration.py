"""How a kind of record is declared: everything the layers above ask about it, in one place.

A kind's declaration answers the store (table, fields, indexes, search), the
operations (links, checks, timeline, terms), the CLI (summary columns), the
public copy (which fields are public), the site (lists, filters, page, JSON-LD)
and the maps (layer). Code asks the declaration; it never branches on a kind's
name, so a new kind is one new declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Field:
    """One column of a record: its type, whether it is required, and what it means."""

    name: str
    type: str
    description: str
    required: bool = False
    choices: Mapping[str, str] | None = None
    ref: str | None = None
    private: bool = False
    label: str = ""  # its name for people; the name itself, made readable, when not given
    translatable: bool = False  # may be given in other languages: --set name@it=...

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class LinkSpec:
    """A many-to-many link between two kinds, stored in its own table, maybe with a role."""

    table: str
    left_kind: str
    left_column: str
    right_kind: str
    right_column: str
    roles: Mapping[str, str] | None
    description: str


@dataclass(frozen=True)
class Column:
    """A column of the kind's lists on the site: its heading, the field it shows and how.

    `show` is one of: "label" (the field's vocabulary label), "text" (the value
    as stored), "date" (a date, or "Open-ended" when empty), "place" (city and
    country) and "years" (a start and end year).
    """

    title: str
    field: str
    show: str = "text"


LATER_PAGES = "page"  # `<list>/page/<n>/`: the folder of a list's pages after the first
TERM_LISTS = ("expiring", "lapsed")  # a termed kind's lists: ending within a year, and lapsed


@dataclass(frozen=True)
class Facet:
    """A field the kind's records can be filtered by on the site: its address word and heading."""

    name: str
    field: str
    title: str


@dataclass(frozen=True)
class MapLayer:
    """How the kind shows on the maps: its words, its colours and the facts in its popups."""

    label: str
    noun: str
    singular: str
    color: str
    color_by: str | None = None
    color_title: str = ""
    colors: Mapping[str, str] | None = None
    facts: tuple[str, ...] = ()
    years: bool = False
    radius: int = 7
    weight: float = 1.5
    stroke: str = "#ffffff"
    cluster_offset: tuple[int, int] = (0, 0)
    # The title of the layer's own map page (map/<kind>.html), if it has one: its points may lie
    # far apart, so they do not set the overview's first view.
    own_map: str | None = None


@dataclass(frozen=True)
class Term:
    """A kind whose records hold for a term: when it starts and ends, which statuses mean what, and where renewals are kept.

    `starts` are the fields it starts on (the first given wins); `status` the
    field saying whether it holds, and `in_force` its value for a record that holds; `terminated` the statuses that end it for
    good; `lapses_to` the status a lapsed record is given when it is not
    renewed, and from which a renewal brings it back. Every term's history is
    kept in the table `history`, one row per term, keyed by `history_key`.
    """

    starts: tuple[str, ...]
    ends: str
    in_force: str
    terminated: tuple[str, ...] = ()
    lapses_to: str | None = None
    history: str = ""
    history_key: str = ""
    status: str = "status"
    ending_within_days: int = 90  # a term ending this soon is "ending": time to renew it

    def start(self, values: Mapping[str, Any]) -> Any:
        return next((values[name] for name in self.starts if values.get(name)), None)


@dataclass(frozen=True)
class Contributions:
    """What the public may send about a kind's records: the fields its forms offer, and whether it may suggest new ones.

    `suggest` is the call on the kind's index page ("Suggest a place"); empty
    when the public may only report a change to a record that exists.
    """

    fields: tuple[str, ...]
    suggest: str = ""
    # Whether the site's own forms offer it; a kind with a page of its own to fill in (an assessment's questionnaire) says no.
    forms: bool = True


# A rule that looks at a whole record: it gets the cleaned values and the words
# naming the record ("line 3: agreement 'x'"), and returns the problems found.
Check = Callable[[Mapping[str, Any], str], list[str]]


@dataclass(frozen=True)
class Kind:
    """A kind of record, declared once: what it holds, how it links, and how every face shows it."""

    name: str
    table: str
    singular: str
    title_field: str
    fields: tuple[Field, ...]
    search_fields: tuple[str, ...]
    index_fields: tuple[str, ...] = ()
    # Words for people: the heading of its pages, its menu entry, the line under its index heading.
    title: str = ""
    menu: str = ""
    lede: tuple[str, str] = ("{count} record.", "{count} records.")
    description: str = ""  # what one record is, for the data package and the codebook
    links: tuple[LinkSpec, ...] = ()
    checks: tuple[Check, ...] = ()
    # Status changes kept as dated steps. They are stored in asset_events, so
    # only assets have one until timelines are stored for every kind.
    timeline: bool = False
    term: Term | None = None
    chronology: str | None = None  # the date field that orders its records in time, where one does
    summary_columns: tuple[str, ...] = ("id",)
    list_columns: tuple[Column, ...] = ()
    facets: tuple[Facet, ...] = (Facet("city", "city", "City"),)
    group_by: str = "city"
    page: str = "record"
    jsonld_type: str = "Thing"
    map_layer: MapLayer | None = None
    # A kind with no point of its own that stands where another record does: the
    # field naming that record (an agreement is where its asset is). Its GeoJSON
    # takes that record's point and outline.
    place_from: str | None = None
    contributions: Contributions | None = None  # what the public may suggest or correct through the site's forms
    searched: bool = True  # whether the site's search finds its records; an assessment is found through the record it assesses
    # How a record's id is made from its own values when none is given (an assessment's: its record, framework and date).
    id_from: Callable[[Mapping[str, Any]], str] | None = None

    @cached_property
    def list_folders(self) -> frozenset[str]:
        """The words the site's list pages take under the kind's section, which no record may take as its id.

        A record's page is `<section>/<id>/`; its filter pages are `<section>/<facet>/`,
        later pages of its lists `<section>/page/<n>/`, and a termed kind's
        `<section>/expiring/` and `<section>/lapsed/`. An id equal to one of them
        would put a record's page where a list page is.
        """
        return frozenset({facet.name for facet in self.facets} | {LATER_PAGES} | (set(TERM_LISTS) if self.term else set()))

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def field_name_set(self) -> frozenset[str]:
        """The field names as a set, for checking every key of every imported row."""
        return frozenset(f.name for f in self.fields)

    @property
    def public_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.private]

    @property
    def private_field_names(self) -> list[str]:
        return [f.name for f in self.fields if f.private]

    @cached_property
    def has_place(self) -> bool:
        """Whether its records can stand on a map: it has a point (lat, lon)."""
        return "lat" in self.field_name_set and "lon" in self.field_name_set

    @cached_property
    def translatable_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.translatable)

    @property
    def plural_title(self) -> str:
        return self.title or self.name.replace("_", " ").capitalize()
