"""Atom feeds of the registry: new and changed agreements, and agreements about to expire.

Written with ElementTree so every value is escaped; dates come from the change
log and the agreements themselves, never from the clock, so a feed only changes
when the registry does. Links are relative to the feed, which Atom allows, so the
feeds work under any subpath like the rest of the site.
"""

from __future__ import annotations

import datetime as dt
import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

from registry.model import vocab
from registry.publishing.files import digest
from registry.site.data import SiteData
from registry.site.pages.indexes import expiring_rows
from registry.site.pages.planning import PageBuild, Planned
from registry.site.views import record_url

ATOM_NS = "http://www.w3.org/2005/Atom"
EPOCH = "1970-01-01T00:00:00Z"
Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def _same(text: str) -> str:
    return text


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def expiring_summary(kind: str, date: str, days: int, ngettext: Ngettext = _english_plural) -> str:
    """One expiring agreement's line, with the days left in the plural form the language asks for."""
    template = ngettext("%(kind)s expiring on %(date)s (%(days)d day left).", "%(kind)s expiring on %(date)s (%(days)d days left).", days)
    return template % {"kind": kind, "date": date, "days": days}


ACTIONS = {"insert": "New agreement", "update": "Agreement changed", "delete": "Agreement removed", "restore": "Agreement restored"}
FEEDS = {
    "agreements": ("agreements.atom.xml", "New and changed agreements"),
    "expiring": ("expiring.atom.xml", "Agreements expiring within a year"),
}


def _feed(feed_id: str, title: str, self_href: str, site_name: str, updated: str) -> ET.Element:
    """The feed element with what Atom requires: id, title, updated, author, and a link to itself."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    ET.SubElement(feed, f"{{{ATOM_NS}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM_NS}}}title").text = f"{site_name}: {title}"
    ET.SubElement(feed, f"{{{ATOM_NS}}}updated").text = updated
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    ET.SubElement(author, f"{{{ATOM_NS}}}name").text = site_name
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "self", "href": self_href})
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "alternate", "href": "../agreements/"})
    return feed


def _entry(feed: ET.Element, entry_id: str, title: str, updated: str, href: str | None, summary: str) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    ET.SubElement(entry, f"{{{ATOM_NS}}}id").text = entry_id
    ET.SubElement(entry, f"{{{ATOM_NS}}}title").text = title
    ET.SubElement(entry, f"{{{ATOM_NS}}}updated").text = updated
    if href:
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "alternate", "href": href})
    ET.SubElement(entry, f"{{{ATOM_NS}}}summary").text = summary


def _serialise(feed: ET.Element) -> str:
    ET.register_namespace("", ATOM_NS)
    ET.indent(feed)
    return ET.tostring(feed, encoding="unicode", xml_declaration=False).join(('<?xml version="1.0" encoding="utf-8"?>\n', "\n"))


def _feed_id(site_url: str | None, site_name: str, name: str) -> str:
    return f"{site_url}feeds/{FEEDS[name][0]}" if site_url else f"urn:commons-lab:{_token(site_name)}:feed:{name}"


def _token(text: str) -> str:
    from registry.site.words import slugify

    return slugify(text)


def _timestamp(value: str | None) -> str:
    """Atom wants RFC 3339 date-times; the registry holds ISO dates or UTC timestamps."""
    if not value:
        return EPOCH
    return value if "T" in value else f"{value}T00:00:00Z"


def agreements_feed(data: SiteData, site_name: str, site_url: str | None, gettext: Gettext = _same) -> str:
    """New and changed agreements, newest first, from the public change log."""
    _ = gettext
    changes: list[dict[str, Any]] = data.agreement_changes
    updated = _timestamp(changes[0]["changed_at"]) if changes else EPOCH
    feed = _feed(_feed_id(site_url, site_name, "agreements"), _(FEEDS["agreements"][1]), FEEDS["agreements"][0], site_name, updated)
    for change in changes:
        exists = data.get("agreements", change["record_id"]) is not None
        what = _(ACTIONS.get(change["action"], change["action"]))
        fields = ", ".join(change["fields"])
        summary = f"{what}: {change['title']}" + (f" ({_('changed')}: {fields})" if fields else "")
        _entry(
            feed,
            f"{_feed_id(site_url, site_name, 'agreements')}:change:{change['id']}",
            f"{what}: {change['title']}",
            _timestamp(change["changed_at"]),
            "../" + record_url("agreements", change["record_id"]) if exists else None,
            summary,
        )
    return _serialise(feed)


def expiring_feed(
    data: SiteData,
    site_name: str,
    site_url: str | None,
    today: dt.date,
    gettext: Gettext = _same,
    ngettext: Ngettext = _english_plural,
) -> str:
    """Active agreements ending within a year, soonest first; an entry is dated by its agreement's last change."""
    _ = gettext
    rows = expiring_rows(data, "agreements", today)
    stamps = [_timestamp(data.last_changed.get(("agreements", r["id"]))) for r in rows]
    latest_change = _timestamp(data.agreement_changes[0]["changed_at"]) if data.agreement_changes else EPOCH
    updated = max(stamps) if stamps else latest_change
    feed = _feed(_feed_id(site_url, site_name, "expiring"), _(FEEDS["expiring"][1]), FEEDS["expiring"][0], site_name, updated)
    for row, stamp in zip(rows, stamps, strict=True):
        agreement = data.records["agreements"][row["id"]]
        kind = vocab.label(vocab.AGREEMENT_KINDS, agreement.get("kind"))
        _entry(
            feed,
            f"{_feed_id(site_url, site_name, 'expiring')}:{row['id']}:{row['expires_on']}",
            _("Expires %(date)s: %(title)s") % {"date": row["expires_on"], "title": row["title"]},
            stamp,
            "../" + row["url"],
            expiring_summary(_(kind), row["expires_on"], row["days_left"], ngettext),
        )
    return _serialise(feed)


def plan(build: PageBuild) -> Iterator[Planned]:
    """The feeds page, and the feeds themselves."""
    site, gettext = build.site, build.words.gettext
    feeds = [{"name": k, "file": f, "title": gettext(t)} for k, (f, t) in FEEDS.items()]
    yield build.page("feeds/index.html", "feeds_page", {"feeds": feeds})
    feed_texts = {
        "agreements": agreements_feed(build.data, site.site_name, site.site_url, gettext),
        "expiring": expiring_feed(build.data, site.site_name, site.site_url, site.today, gettext, build.words.ngettext),
    }
    for name, text in feed_texts.items():
        yield Planned(f"feeds/{FEEDS[name][0]}", digest("feed", text), functools.partial(str, text))
