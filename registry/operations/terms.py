"""Terms of records that hold for a while (agreements): their history, their renewal, and the records in a given state.

A renewal records a new term and keeps the one it follows: the first renewal
also writes the term the record was made for, so the history reads from the
first term to the current one, whose end is the record's own end date. The
record's end date (and its status, when it had been set to the lapsed status)
changes in the same transaction as the history, with both in the change log.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from registry.model.declaration import Field, Kind, Term
from registry.model.errors import NotFound, ValidationError
from registry.model.kinds import get_kind
from registry.model.terms import state_function
from registry.model.values import coerce_value
from registry.operations.details import term_history
from registry.operations.links import source_number
from registry.operations.records import suggest_id
from registry.store.database import Registry, fetch_row, transaction


def termed_kind(kind_name: str) -> tuple[Kind, Term]:
    """A kind and its term; refused for a kind whose records hold for no term."""
    kind = get_kind(kind_name)
    if kind.term is None or not kind.term.history:
        raise ValidationError([f"{kind.name} hold for no term: only kinds with a term (agreements) can be renewed"])
    return kind, kind.term


def term_state_sql(conn: sqlite3.Connection, kind: Kind, today: dt.date, row: str, history_schema: str = "") -> str:
    """A SQL expression giving the term state of each row of `row` (a table or alias), by `model.terms` itself.

    The rule is registered on the connection as a SQLite function, so a query
    or the public copy asks the same Python function as the pages do, once a
    row. `history_schema` is where the term histories are ("registry." when
    the registry is attached to another database).
    """
    term = kind.term
    if term is None:
        return "NULL"
    name = f"term_state_{kind.name}"
    conn.create_function(name, len(term.starts) + 3, state_function(term, today), deterministic=True)
    columns = ", ".join(f"{row}.[{column}]" for column in (term.status, *term.starts, term.ends))
    history = "0"
    if term.history:
        history = f"(SELECT count(*) FROM {history_schema}[{term.history}] h WHERE h.[{term.history_key}] = {row}.[id])"
    return f"{name}({columns}, {history})"


def records_in_states(registry: Registry, kind_name: str, states: tuple[str, ...], today: dt.date) -> list[dict[str, Any]]:
    """A kind's records whose term state (as of `today`) is one of `states`, soonest end first, each with its state."""
    kind = get_kind(kind_name)
    if kind.term is None:
        return []
    state = term_state_sql(registry.conn, kind, today, "r")
    marks = ", ".join("?" for _ in states)
    cursor = registry.conn.execute(
        f"SELECT * FROM (SELECT r.*, {state} AS term_state FROM [{kind.table}] r) WHERE term_state IN ({marks}) "
        f"ORDER BY [{kind.term.ends}] IS NULL, [{kind.term.ends}], id",
        list(states),
    )
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def term_states(registry: Registry, kind: Kind, today: dt.date) -> dict[str, str]:
    """The term state of every record of a kind, by id: the column `commons list` adds."""
    if kind.term is None:
        return {}
    state = term_state_sql(registry.conn, kind, today, "r")
    return dict(registry.conn.execute(f"SELECT r.id, {state} FROM [{kind.table}] r"))


@dataclass(frozen=True)
class Renewal:
    """What a renewal did: the record before and after, and the term it recorded."""

    before: dict[str, Any]
    after: dict[str, Any]
    term: dict[str, Any]


def _option(option: str, value: str, kind: str = "date") -> str:
    try:
        return str(coerce_value(Field(option, kind, ""), value))
    except ValueError as exc:
        raise ValidationError([f"--{option} {value!r}: {exc}"]) from None


def _renewal_start(kind: Kind, term: Term, before: dict[str, Any], history: list[dict[str, Any]], ends: str, on: str | None) -> str:
    """The day the renewed term starts, once the renewal is known to make sense; else why not, naming the option."""
    record_id, status = before["id"], before.get(term.status)
    renewable = (term.in_force, *((term.lapses_to,) if term.lapses_to else ()))
    if status not in renewable:
        raise ValidationError(
            [
                f"{kind.singular} {record_id!r} is {status!r}: only one that is {' or '.join(map(repr, renewable))} can be renewed; "
                f"record a new {kind.singular} instead"
            ]
        )
    current_end = before.get(term.ends)
    if not current_end:
        raise ValidationError(
            [
                f"{kind.singular} {record_id!r} is open-ended (no {term.ends}): it has no term to renew; "
                f"give it an end with `commons edit {kind.name} {record_id} --set {term.ends}=YYYY-MM-DD`"
            ]
        )
    if ends <= str(current_end):
        raise ValidationError([f"--until {ends}: the renewed term must end after the current one, which ends on {current_end}"])
    current_start = (history[-1]["starts_on"] if history else None) or term.start(before)
    if on and current_start and on < str(current_start):
        raise ValidationError([f"--on {on} is before the current term starts ({current_start})"])
    starts = on or (dt.date.fromisoformat(str(current_end)) + dt.timedelta(days=1)).isoformat()
    if ends < starts:
        raise ValidationError([f"--until {ends} is before the renewed term starts (--on {starts})"])
    return starts


def renew_term(
    registry: Registry,
    kind_name: str,
    record_id: str,
    until: str,
    on: str | None = None,
    instrument: str | None = None,
    source: str | None = None,
) -> Renewal:
    """Record a new term ending on `until`, starting `on` (the day after the current end when not given).

    Refused, with the registry left as it was, when the record is not in force
    (nor in the status a lapsed record is given), is open-ended, or when the
    new term would end before the current one or before it starts.
    """
    kind, term = termed_kind(kind_name)
    ends = _option("until", until)
    starts_given = _option("on", on) if on else None
    instrument = _option("instrument", instrument, "text") if instrument else None
    with transaction(registry) as txn:
        before = fetch_row(txn.conn, kind, record_id)
        if before is None:
            raise NotFound(f"there is no {kind.singular} {record_id!r}{suggest_id(registry, kind, record_id)}")
        history = term_history(txn.conn, kind, record_id)
        starts = _renewal_start(kind, term, before, history, ends, starts_given)
        source_id = source_number(txn, source) if source else None
        next_id = txn.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM [{term.history}]").fetchone()[0]
        if not history:  # the term it was made for, kept before the first renewal replaces its end
            first = {
                "starts_on": term.start(before),
                "ends_on": before[term.ends],
                "instrument": before.get("instrument"),
                "source_id": None,
            }
            txn.insert(term.history, {"id": next_id, term.history_key: record_id, **first}, str(next_id))
            next_id += 1
        renewed = {
            "id": next_id,
            term.history_key: record_id,
            "starts_on": starts,
            "ends_on": ends,
            "instrument": instrument,
            "source_id": source_id,
        }
        txn.insert(term.history, renewed, str(next_id))
        changes: dict[str, Any] = {term.ends: ends}
        if before.get(term.status) != term.in_force:
            changes[term.status] = term.in_force
        txn.update(kind.table, {"id": record_id}, before, changes, record_id)
    return Renewal(before, {**before, **changes}, renewed)
