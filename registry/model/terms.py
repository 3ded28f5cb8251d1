"""Where a record stands in its term: the one rule every face of the registry asks.

An agreement whose end date has passed while its status still says "active"
has lapsed: nobody renewed it, nor recorded that it ended. The state is never
stored by hand; it is derived here from the record's status and dates, as of a
day, and the page, `commons list`/`show`, `check`, `agreements expiring`, the
public copy (a column computed as of the publishing day), Datasette and the
feeds all call `term_state` (the public copy through SQLite, see
`state_function`). What the statuses mean comes from the kind's `Term`, so a
new kind with a term gets the same states with no code.

The states (`vocab.TERM_STATES`), first match wins:
- terminated: its status is one that ends the term for good (revoked, expired, suspended);
- pending: its status is not yet the one in force (a draft, a proposal), or its term starts later;
- lapsed: in force by its status, but its end date has passed;
- ending: in force, and it ends within the term's `ending_within_days`;
- renewed: in force on a term that follows an earlier one;
- in_force: in force, and none of the above.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from registry.model.declaration import Term

STATES = ("pending", "in_force", "renewed", "ending", "lapsed", "terminated")
IN_FORCE_STATES = ("in_force", "renewed", "ending")  # the states of a record whose term holds on the day asked


def _state(term: Term, status: Any, start: Any, end: Any, renewed: bool, today: str, ending_by: str) -> str:
    """The rule itself, on ISO date text: every caller goes through here, Python or SQLite."""
    if status in term.terminated:
        return "terminated"
    if status != term.in_force or (start and str(start) > today):
        return "pending"
    if end and str(end) < today:
        return "lapsed"
    if end and str(end) <= ending_by:
        return "ending"
    return "renewed" if renewed else "in_force"


def _ending_by(term: Term, today: dt.date) -> str:
    return (today + dt.timedelta(days=term.ending_within_days)).isoformat()


def term_state(term: Term, values: Mapping[str, Any], today: dt.date, renewed: bool = False) -> str:
    """A record's term state as of `today`; `renewed` says its current term follows an earlier one (its history has two or more)."""
    return _state(
        term, values.get(term.status), term.start(values), values.get(term.ends), renewed, today.isoformat(), _ending_by(term, today)
    )


def state_function(term: Term, today: dt.date) -> Callable[..., str]:
    """`term_state` as a function of columns, for SQLite to call on every row of a copy.

    It takes the status, each of `term.starts` in order, the end date, and the
    number of terms in the record's history: the columns, not a dict, so a
    million rows cost a call each and nothing more.
    """
    now, ending_by, starts = today.isoformat(), _ending_by(term, today), len(term.starts)

    def state(status: Any, *columns: Any) -> str:
        start = next((value for value in columns[:starts] if value), None)
        return _state(term, status, start, columns[starts], (columns[starts + 1] or 0) > 1, now, ending_by)

    return state


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from start to end (negative when end is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def term_facts(term: Term, values: Mapping[str, Any], today: dt.date, history: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """What a page says of a record's term: its state, the current term's dates and length, what remains, and every term before.

    With a history, the current term is its last one: a renewal's start is the
    term's start. The numbers are data; the sentences are in the templates.
    """
    renewed = len(history) > 1
    starts = (history[-1].get("starts_on") if renewed else None) or term.start(values)
    expires = values.get(term.ends)
    start_date, end_date = _day(starts), _day(expires)
    facts: dict[str, Any] = {
        "state": term_state(term, values, today, renewed),
        "starts_on": starts,
        "expires_on": expires,
        "open_ended": end_date is None,
        "years": None,
        "months": None,
        "days": None,
        "length_years": None,
        "history": [dict(row) for row in history],
    }
    if start_date and end_date:
        facts["length_years"] = round(months_between(start_date, end_date) / 12, 1)
    if end_date and end_date >= today and not (start_date and start_date > today):
        left = max(months_between(today, end_date), 0)
        facts.update(years=left // 12, months=left % 12, days=(end_date - today).days)
    return facts
