"""Saying a record was checked against reality: its `last_verified` date, and the source it was checked against.

A record not checked for a year is shown as stale on the site and by `commons
list --stale`. `verify_record` sets the date and, when a source is named,
cites it, in one transaction, so the date and what backs it arrive together.
"""

from __future__ import annotations

import datetime as dt

from registry.model.errors import ValidationError
from registry.model.kinds import get_kind
from registry.operations.links import cite_known_in, source_number
from registry.operations.records import Outcome, update_in
from registry.store.database import Registry, transaction


def verify_record(registry: Registry, kind_name: str, record_id: str, on: str | None = None, source: str | None = None) -> Outcome:
    """Mark a record checked on a date (today when none is given), citing the source checked when one is named.

    `source` is a source's number or its URL, among the sources the registry
    already holds (`commons cite` adds a new one with its title).
    """
    kind = get_kind(kind_name)
    with transaction(registry) as txn:
        day = _checked_on(on, dt.date.fromisoformat(txn.at[:10]))
        outcome = update_in(txn, kind, record_id, {"last_verified": day})
        if source:
            cite_known_in(txn, kind.name, record_id, source_number(txn, source))
    return outcome


def _checked_on(on: str | None, today: dt.date) -> str:
    """The day given, refused when it is not a date or lies in the future: a check cannot happen tomorrow."""
    if on is None:
        return today.isoformat()
    try:
        day = dt.date.fromisoformat(on.strip())
    except ValueError:
        raise ValidationError([f"--on {on!r}: not a date; use YYYY-MM-DD, e.g. {today.isoformat()}"]) from None
    if day > today:
        raise ValidationError([f"--on {on}: that is after today ({today.isoformat()}); give the day the record was checked"])
    return day.isoformat()
