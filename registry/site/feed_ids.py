"""Identifiers of feeds, feed entries and calendar events that never change, whatever the site's address or slugs.

A feed reader or a calendar knows an entry by its id alone: a new id is a new
entry, shown again, and a calendar keeps both the old event and the new. So the
ids are `urn:` names made of the site's name and the record or change they are
about, never of the public address (`--site-url` may be added, changed or
dropped), and never of `slugify`, whose folding of letters may improve (Wrocław
once became `wrocaw`, later `wroclaw`): the token below is frozen as it was
when the first feeds were published.
"""

from __future__ import annotations

from registry.model.slugs import legacy_slug


def site_token(site_name: str) -> str:
    """The site's name as the ids have always spelt it: accents and letters outside ASCII dropped, words joined by '-'.

    This is the slug older versions made (`legacy_slug`), kept frozen: do not
    replace it with `slugify`, or every subscriber's entries would come back as new ones.
    """
    return legacy_slug(site_name)


def feed_id(site_name: str, feed: str) -> str:
    """A feed's id: `urn:commons-lab:<site>:feed:<name>`, e.g. the agreements' changes or the expiring agreements."""
    return f"urn:commons-lab:{site_token(site_name)}:feed:{feed}"


def change_entry_id(site_name: str, kind: str, change_id: int) -> str:
    """One change-log entry's id, the same in its kind's feed and in the feed of every kind."""
    return f"{feed_id(site_name, kind)}:change:{change_id}"


def expiring_entry_id(site_name: str, record_id: str, ends_on: str) -> str:
    """An expiring agreement's entry: a new end date is news again, so the date is part of it."""
    return f"{feed_id(site_name, 'expiring')}:{record_id}:{ends_on}"


def lapsed_entry_id(site_name: str, record_id: str, ends_on: str) -> str:
    """A lapsed agreement's entry in the expiring feed: a new entry beside the one that said it was expiring."""
    return f"{feed_id(site_name, 'expiring')}:{record_id}:{ends_on}:lapsed"


def renewal_uid(site_name: str, kind: str, record_id: str, term_id: int) -> str:
    """A renewal's calendar event: one per recorded term, so the day a term took effect stays one event."""
    return f"urn:commons-lab:{site_token(site_name)}:calendar:{kind}:{record_id}:term:{term_id}"


def event_uid(site_name: str, kind: str, record_id: str, field: str) -> str:
    """A calendar event's UID: one per record and date field, so a moved date moves the event instead of adding one."""
    return f"urn:commons-lab:{site_token(site_name)}:calendar:{kind}:{record_id}:{field}"
