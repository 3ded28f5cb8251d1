"""iCalendar files of the dates records' terms end (agreements' expiries) and of the days their renewals took effect.

One all-day event per record with an end date, and one per renewal (each term
after the first in its history), written with the `icalendar` library, which
escapes every text and folds long lines as RFC 5545 asks. An end date's UID is
made of the record and the field (`feed_ids.event_uid`), so a moved end date
moves the event; a renewal's of the record and the term's number
(`feed_ids.renewal_uid`). Each DTSTAMP is the record's last change in the log,
never the clock: the same registry gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry.model import vocab
from registry.model.declaration import Kind
from registry.model.kinds import KINDS
from registry.site import feed_ids
from registry.site.data import SiteData
from registry.site.views import record_url
from registry.site.words import UNTRANSLATED, Words, local_date

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
REMINDER = dt.timedelta(days=-30)  # RFC 5545 durations have no months: a month before is 30 days before
REFRESH = dt.timedelta(days=1)


def calendar_file(kind: str) -> str:
    """A kind's calendar in feeds/: agreements.ics."""
    return f"{kind}.ics"


def date_fields(spec: Kind) -> tuple[str, ...]:
    """The date fields of a kind that become events: the end of its term."""
    return (spec.term.ends,) if spec.term is not None else ()


def shown_fields(spec: Kind) -> tuple[str, ...]:
    """Every field an event shows: its title, its date, its status (for the reminder), its city and list columns."""
    return (spec.title_field, *date_fields(spec), "status", "city", *(column.field for column in spec.list_columns))


def calendar_inputs(data: SiteData, kind: str) -> list[Any]:
    """What a kind's calendar is made from, quick to gather and hash.

    The iCalendar writer costs about a millisecond an event (10 s for 10,000
    agreements, in every language), so a build writes the file again only
    when these change.
    """
    spec = KINDS[kind]
    dates, names = date_fields(spec), shown_fields(spec)
    return [
        (
            record["id"],
            [record.get(name) for name in names],
            data.last_changed.get((kind, record["id"])),
            data.term_history(kind, record["id"]),
        )
        for record in data.records[kind].values()
        if any(record.get(name) for name in dates) or data.term_history(kind, record["id"])
    ]


def _stamp(value: str | None) -> dt.datetime:
    """A change-log time (UTC, ISO) as the event's DTSTAMP; the epoch for a record the log does not know."""
    if not value:
        return EPOCH
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return EPOCH
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _description(spec: Kind, record: dict[str, Any], words: Words, link: str | None) -> str:
    """The record's list columns as lines ('Status: Active'), in the site's language, and its page."""
    _ = words.gettext
    lines = []
    for column in spec.list_columns:
        value = record.get(column.field)
        if value in (None, "", []):
            continue
        if column.show == "label":
            shown = words.label(spec, column.field, value)
        elif column.show == "date":
            shown = local_date(value, words.code)
        elif column.show == "term":
            shown = vocab.label(words.TERM_STATES, value)
        else:
            shown = str(value)
        lines.append(f"{_(column.title)}: {shown}")
    if link:
        lines.append(link)
    return "\n".join(lines)


def term_calendar(data: SiteData, kind: str, site_name: str, site_url: str | None, words: Words = UNTRANSLATED) -> str:
    """Every end date of a kind's records as an all-day event, with a reminder a month before for those in force, and each renewal.

    Events link to the record's page only with a public address: a calendar
    has no page to resolve a relative link against.
    """
    from icalendar import Alarm, Calendar, Event

    _ = words.gettext
    spec = KINDS[kind]
    heading = _("%(kind)s — end dates and renewals") % {"kind": words.kind_title(kind)}
    name = " ".join(f"{site_name}: {heading}".split())  # one line: a calendar's name cannot hold a line break
    calendar = Calendar()
    calendar.add("prodid", f"-//Commons Lab//{kind} end dates//{words.code.upper()}")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "P1D")  # the same, in the older property some apps read
    if site_url:
        calendar.add("source", f"{site_url}feeds/{calendar_file(kind)}", parameters={"VALUE": "URI"})
    title_field = spec.title_field
    in_force = spec.term.in_force if spec.term is not None else None
    for field in date_fields(spec):
        label = _(spec.field(field).title)
        for record in sorted(data.records[kind].values(), key=lambda r: (str(r.get(field) or ""), r["id"])):
            day = _day(record.get(field))
            if day is None:
                continue
            title = str(record.get(title_field) or record["id"])
            link = f"{site_url}{record_url(kind, record['id'])}" if site_url else None
            stamp = _stamp(data.last_changed.get((kind, record["id"])))
            event = Event()
            event.add("uid", feed_ids.event_uid(site_name, kind, record["id"], field))
            event.add("dtstamp", stamp)
            event.add("last-modified", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
            event.add("summary", f"{label}: {title}")
            event.add("description", _description(spec, record, words, link))
            event.add("transp", "TRANSPARENT")
            if record.get("city"):
                event.add("location", str(record["city"]))
            if link:
                event.add("url", link, parameters={"VALUE": "URI"})
            if in_force and record.get("status") == in_force:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", f"{label}: {title}")
                alarm.add("trigger", REMINDER)
                event.add_component(alarm)
            calendar.add_component(event)
    for event in _renewal_events(data, kind, site_name, site_url, words):
        calendar.add_component(event)
    return str(calendar.to_ical().decode("utf-8"))


def _renewal_events(data: SiteData, kind: str, site_name: str, site_url: str | None, words: Words) -> list[Any]:
    """An event on the day each renewal took effect: every term after the first in a record's history, by date."""
    from icalendar import Event

    _ = words.gettext
    spec = KINDS[kind]
    found = []
    for record in sorted(data.records[kind].values(), key=lambda r: r["id"]):
        for term in data.term_history(kind, record["id"])[1:]:
            day = _day(term.get("starts_on"))
            if day is not None:
                found.append((day, record, term))
    events = []
    for day, record, term in sorted(found, key=lambda found: (found[0], found[1]["id"], found[2]["id"])):
        title = str(record.get(spec.title_field) or record["id"])
        link = f"{site_url}{record_url(kind, record['id'])}" if site_url else None
        stamp = _stamp(data.last_changed.get((kind, record["id"])))
        event = Event()
        event.add("uid", feed_ids.renewal_uid(site_name, kind, record["id"], int(term["id"])))
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", _("Renewed: %(title)s") % {"title": title})
        lines = [_("Renewed until %(date)s") % {"date": local_date(term.get("ends_on"), words.code)} if term.get("ends_on") else ""]
        lines += [str(term["instrument"]) if term.get("instrument") else "", link or ""]
        event.add("description", "\n".join(line for line in lines if line))
        event.add("transp", "TRANSPARENT")
        if record.get("city"):
            event.add("location", str(record["city"]))
        if link:
            event.add("url", link, parameters={"VALUE": "URI"})
        events.append(event)
    return events
