"""The feeds page and what it offers: Atom feeds of the latest changes (of every kind, and of each), of agreements
about to expire or lapsed, and a calendar of the dates terms end and renewals take effect.

Written with ElementTree and icalendar so every value is escaped; dates come
from the change log and the records themselves, never from the clock, so a feed
only changes when the registry does. Links are relative to the feed without a
public address, so the feeds work under any subpath like the rest of the site,
and absolute with one (`--site-url`), which readers need once a feed is copied
or shared. Ids never depend on the address (`registry/site/feed_ids.py`).
"""

from __future__ import annotations

import datetime as dt
import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from registry.model import vocab
from registry.model.kinds import KINDS
from registry.publishing.files import digest
from registry.site import feed_ids
from registry.site.calendars import calendar_file, calendar_inputs, term_calendar
from registry.site.data import FEED_CHANGES, SiteData
from registry.site.pages.indexes import expiring_rows, lapsed_rows
from registry.site.pages.planning import PageBuild, Planned
from registry.site.views import record_url
from registry.site.words import UNTRANSLATED, Words, local_date

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPOCH = "1970-01-01T00:00:00Z"
Ngettext = Callable[[str, str, int], str]

ALL_KINDS = "changes"  # the feed of every kind's changes; each kind's feed is named after the kind
EXPIRING = "expiring"


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def expiring_summary(kind: str, date: str, days: int, ngettext: Ngettext = _english_plural) -> str:
    """One expiring agreement's line, with the days left in the plural form the language asks for."""
    template = ngettext("%(kind)s expiring on %(date)s (%(days)d day left).", "%(kind)s expiring on %(date)s (%(days)d days left).", days)
    return template % {"kind": kind, "date": date, "days": days}


def feed_file(name: str) -> str:
    """A feed's file in feeds/: the agreements' changes have been at agreements.atom.xml since the first feed."""
    return f"{name}.atom.xml"


@dataclass(frozen=True)
class FeedSite:
    """What every feed says about the site: its name, language, words, and where its pages are."""

    name: str
    site_url: str | None
    words: Words = UNTRANSLATED

    def link(self, path: str) -> str:
        """A page's address from a feed: absolute under the public address, else relative to feeds/."""
        return f"{self.site_url}{path}" if self.site_url else f"../{path}"


def _timestamp(value: str | None) -> str:
    """Atom wants RFC 3339 date-times; the registry holds ISO dates or UTC timestamps."""
    if not value:
        return EPOCH
    return value if "T" in value else f"{value}T00:00:00Z"


def _feed(site: FeedSite, name: str, title: str, updated: str, alternate: str) -> ET.Element:
    """The feed element with what Atom requires: id, title, updated, author, and a link to itself."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: site.words.code})
    ET.SubElement(feed, f"{{{ATOM_NS}}}id").text = feed_ids.feed_id(site.name, name)
    ET.SubElement(feed, f"{{{ATOM_NS}}}title").text = f"{site.name}: {title}"
    ET.SubElement(feed, f"{{{ATOM_NS}}}updated").text = updated
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    ET.SubElement(author, f"{{{ATOM_NS}}}name").text = site.name
    ET.SubElement(
        feed, f"{{{ATOM_NS}}}link", {"rel": "self", "type": "application/atom+xml", "href": site.link(f"feeds/{feed_file(name)}")}
    )
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "alternate", "type": "text/html", "href": site.link(alternate)})
    return feed


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: str
    href: str | None  # the record's page, while it exists
    text: str
    category: tuple[str, str] | None = None  # (term, label)


def _entry(feed: ET.Element, entry: Entry) -> None:
    """An entry; one whose record is gone has no page to link, so its words are its content, as Atom then asks."""
    element = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    ET.SubElement(element, f"{{{ATOM_NS}}}id").text = entry.id
    ET.SubElement(element, f"{{{ATOM_NS}}}title").text = entry.title
    ET.SubElement(element, f"{{{ATOM_NS}}}updated").text = entry.updated
    if entry.category:
        ET.SubElement(element, f"{{{ATOM_NS}}}category", {"term": entry.category[0], "label": entry.category[1]})
    if entry.href:
        ET.SubElement(element, f"{{{ATOM_NS}}}link", {"rel": "alternate", "type": "text/html", "href": entry.href})
        ET.SubElement(element, f"{{{ATOM_NS}}}summary").text = entry.text
    else:
        ET.SubElement(element, f"{{{ATOM_NS}}}content", {"type": "text"}).text = entry.text


def _serialise(feed: ET.Element) -> str:
    ET.register_namespace("", ATOM_NS)
    ET.indent(feed)
    return ET.tostring(feed, encoding="unicode", xml_declaration=False).join(('<?xml version="1.0" encoding="utf-8"?>\n', "\n"))


def _action(words: Words, action: str) -> str:
    """What a change did, in the words the home page's latest changes use."""
    _ = words.gettext
    return {"insert": _("added"), "update": _("changed"), "delete": _("removed"), "restore": _("restored")}.get(action, action)


def _field_titles(words: Words, kind: str, names: list[str]) -> str:
    spec = KINDS[kind]
    return ", ".join(words.gettext(spec.field(n).title) if n in spec.field_name_set else n for n in names)


def change_entry(data: SiteData, site: FeedSite, change: dict[str, Any]) -> Entry:
    """One change to a record, named as the record is named in this language; the same entry in every feed it is in."""
    words, kind = site.words, change["kind"]
    title = data.change_title(change)
    action = _action(words, change["action"])
    text = f"{words.kind_title(kind)} — {action}: {title}"
    if change["fields"]:
        text += f" ({_field_titles(words, kind, change['fields'])})"
    exists = data.get(kind, change["record_id"]) is not None
    return Entry(
        feed_ids.change_entry_id(site.name, kind, change["id"]),
        f"{action[:1].upper()}{action[1:]}: {title}",
        _timestamp(change["changed_at"]),
        site.link(record_url(kind, change["record_id"])) if exists else None,
        text,
        (kind, words.kind_title(kind)),
    )


def changes_feed(data: SiteData, site: FeedSite, kind: str | None = None) -> str:
    """The latest changes to records of one kind, or of every kind (kind None), newest first, from the public change log."""
    _ = site.words.gettext
    changes = data.recent_changes if kind is None else data.kind_changes.get(kind, [])
    updated = _timestamp(changes[0]["changed_at"]) if changes else EPOCH
    if kind is None:
        feed = _feed(site, ALL_KINDS, _("Latest changes"), updated, "")
    else:
        feed = _feed(site, kind, _("%(kind)s — latest changes") % {"kind": site.words.kind_title(kind)}, updated, f"{kind}/")
    for change in changes:
        _entry(feed, change_entry(data, site, change))
    return _serialise(feed)


def lapsed_entry(data: SiteData, site: FeedSite, row: dict[str, Any]) -> Entry:
    """A lapsed agreement: news on the day after its term ended (or its last change, if later), with what to do."""
    words = site.words
    _ = words.gettext
    agreement = data.records["agreements"][row["id"]]
    ends_on = str(agreement["expires_on"])
    lapsed_on = (dt.date.fromisoformat(ends_on) + dt.timedelta(days=1)).isoformat()
    stamp = max(_timestamp(data.last_changed.get(("agreements", row["id"]))), _timestamp(lapsed_on))
    kind = _(vocab.label(vocab.AGREEMENT_KINDS, agreement.get("kind")))
    date = local_date(ends_on, words.code)
    status = _(vocab.label(vocab.AGREEMENT_STATUSES, agreement.get("status")))
    return Entry(
        feed_ids.lapsed_entry_id(site.name, row["id"], ends_on),
        _("Lapsed on %(date)s: %(title)s") % {"date": date, "title": row["title"]},
        stamp,
        site.link(row["url"]),
        _("%(kind)s whose term ended on %(date)s while its status still says %(status)s: it needs renewing, or its status updating.")
        % {"kind": kind, "date": date, "status": status},
    )


def expiring_feed(data: SiteData, site: FeedSite, today: dt.date) -> str:
    """Agreements in force ending within a year, soonest first, then those that lapsed, latest first.

    An expiring entry is dated by its agreement's last change; a lapsed one by
    the day it lapsed, so a reader sees it as news then, as a new entry beside
    the one that said it was expiring.
    """
    words = site.words
    _ = words.gettext
    rows = expiring_rows(data, "agreements", today)
    stamps = [_timestamp(data.last_changed.get(("agreements", r["id"]))) for r in rows]
    lapsed = [lapsed_entry(data, site, r) for r in reversed(lapsed_rows(data, "agreements", today))]
    changes = data.kind_changes.get("agreements", [])
    dated = stamps + [entry.updated for entry in lapsed]
    updated = max(dated) if dated else (_timestamp(changes[0]["changed_at"]) if changes else EPOCH)
    feed = _feed(site, EXPIRING, _("Agreements expiring within a year, and lapsed ones"), updated, "agreements/")
    for row, stamp in zip(rows, stamps, strict=True):
        agreement = data.records["agreements"][row["id"]]
        kind = _(vocab.label(vocab.AGREEMENT_KINDS, agreement.get("kind")))
        date = local_date(row["expires_on"], words.code)
        entry = Entry(
            feed_ids.expiring_entry_id(site.name, row["id"], row["expires_on"]),
            _("Expires %(date)s: %(title)s") % {"date": date, "title": row["title"]},
            stamp,
            site.link(row["url"]),
            expiring_summary(kind, date, row["days_left"], words.ngettext),
        )
        _entry(feed, entry)
    for entry in lapsed:
        _entry(feed, entry)
    return _serialise(feed)


@dataclass(frozen=True)
class FeedFile:
    """A feed or calendar in feeds/: its title on the feeds page, the hash of what it is made from, how to write it."""

    name: str
    title: str
    key: str
    make: Callable[[], str]


def _atom(name: str, title: str, text: str) -> FeedFile:
    return FeedFile(name, title, digest("feed", text), functools.partial(str, text))


def feed_files(build: PageBuild, site: FeedSite) -> dict[str, list[FeedFile]]:
    """Every feed and calendar, by what they follow: changes, expiries, end dates.

    Atom feeds are short (FEED_CHANGES entries) and made every build; a
    calendar holds every end date, so it is hashed by its inputs and written
    only when they change.
    """
    words, data = build.words, build.data
    _ = words.gettext
    return {
        "changes": [
            _atom(feed_file(ALL_KINDS), _("Every kind of record"), changes_feed(data, site)),
            *(_atom(feed_file(kind), words.kind_title(kind), changes_feed(data, site, kind)) for kind in KINDS),
        ],
        "expiring": [
            _atom(feed_file(EXPIRING), _("Agreements expiring within a year, and lapsed ones"), expiring_feed(data, site, build.today))
        ],
        "calendars": [
            FeedFile(
                calendar_file(kind),
                words.kind_title(kind),
                digest("calendar", kind, site.name, site.site_url, words.code, calendar_inputs(data, kind)),
                functools.partial(term_calendar, data, kind, site.name, site.site_url, words),
            )
            for kind, spec in KINDS.items()
            if spec.term is not None
        ],
    }


def plan(build: PageBuild) -> Iterator[Planned]:
    """The feeds page, and the feeds themselves."""
    site = FeedSite(build.site.site_name, build.site.site_url, build.words)
    files = feed_files(build, site)
    view: dict[str, Any] = {
        group: [{"file": f.name, "title": f.title, "address": site.link(f"feeds/{f.name}") if site.site_url else None} for f in found]
        for group, found in files.items()
    }
    view["length"] = FEED_CHANGES
    yield build.page("feeds/index.html", "feeds_page", view)
    for found in files.values():
        for f in found:
            yield Planned(f"feeds/{f.name}", f.key, f.make)
