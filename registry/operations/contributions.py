"""Staff review of what the public sent: receive it, see it beside the registry, accept it as a record or an edit, or reject it.

Accepting writes to the registry with the same rules and the same change log as
`add` and `edit`; each entry it writes says which contribution it came from and
the staff member who reviewed it. The contributor's contact details stay in the
contributions file; the registry keeps only the credit they agreed to.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.model.contributions import FORMAT, MAX_BYTES, Contribution, read_contribution_text, suggested_id
from registry.model.errors import Conflict, NotFound, ValidationError
from registry.model.kinds import KINDS, get_kind
from registry.model.rules import clean_record, reference_problems
from registry.operations.inserting import all_ids, possible_duplicates
from registry.operations.records import get_record, insert_clean, suggest_id, update_in
from registry.store.contributions import ContributionStore, Received, get_contribution, record_review, store_contribution
from registry.store.database import Registry, Txn, fetch_row, record_exists, transaction


@dataclass
class Accepted:
    """What accepting did: the record it made or changed, the fields it changed, and warnings to read."""

    kind: str
    record_id: str
    created: bool
    changed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def via(number: int) -> str:
    """How the change log names a contribution."""
    return f"contribution {number}"


def read_contribution_file(path: Path) -> Contribution:
    """A contribution saved from the site or an e-mail holding one, checked; a file far too big is refused unread."""
    size = path.stat().st_size
    if size > 4 * MAX_BYTES:
        raise ValidationError([f"{path}: {size:,} bytes; a contribution is at most {MAX_BYTES // 1000} KB, so this is not one"])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError([f"{path}: not UTF-8 text; save the contribution again from the site, or the e-mail as plain text"]) from None
    try:
        return read_contribution_text(text)
    except ValidationError as exc:
        raise ValidationError([f"{path}: {problem}" for problem in exc.problems]) from None


def is_contribution_file(path: Path) -> bool:
    """Whether a JSON file is a contribution saved from the site (a questionnaire's answers, say), so `commons import` can pass it on for review."""
    if path.suffix.lower() != ".json" or not path.is_file() or path.stat().st_size > 4 * MAX_BYTES:
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError, OSError):  # not JSON, or JSON Python will not read: the importer says why
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def check_target(registry: Registry, contribution: Contribution) -> None:
    """A reported change must be about a record the registry holds, and a suggestion may name only records it holds."""
    kind = get_kind(contribution.kind)
    if (
        contribution.action == "change"
        and contribution.record_id is not None
        and fetch_row(registry.conn, kind, contribution.record_id) is None
    ):
        raise NotFound(
            f"record: there is no {kind.singular} {contribution.record_id!r}{suggest_id(registry, kind, contribution.record_id)}"
        )
    problems = reference_problems(kind, contribution.fields, lambda k, i: record_exists(registry.conn, KINDS[k], i), "the suggested ")
    if problems:
        raise ValidationError(problems)


def receive_contribution(store: ContributionStore, registry: Registry, contribution: Contribution, channel: str) -> tuple[int, bool]:
    """Keep a checked contribution for review: its number, and False when the same one was already received."""
    check_target(registry, contribution)
    return store_contribution(store, contribution, channel)


def add_contribution_files(store: ContributionStore, registry: Registry, paths: Sequence[Path]) -> list[tuple[Path, int, bool]]:
    """Receive saved contributions; every file is checked before any is kept, so a bad one adds none."""
    read = [(path, read_contribution_file(path)) for path in paths]
    for path, contribution in read:
        try:
            check_target(registry, contribution)
        except NotFound as exc:
            raise NotFound(f"{path}: {exc}") from None
        except ValidationError as exc:
            raise ValidationError([f"{path}: {problem}" for problem in exc.problems]) from None
    return [(path, *store_contribution(store, contribution, "file")) for path, contribution in read]


def review_notes(registry: Registry, received: Received) -> list[str]:
    """What staff should know before deciding: what a change would replace, and records a suggestion may duplicate."""
    contribution = received.contribution
    kind = get_kind(contribution.kind)
    notes: list[str] = []
    if contribution.action == "change" and contribution.record_id:
        row = fetch_row(registry.conn, kind, contribution.record_id)
        if row is None:
            return [f"the {kind.singular} {contribution.record_id!r} is no longer in the registry"]
        for name, value in contribution.fields.items():
            now = row.get(name)
            notes.append(f"{name}: now {now!r}, proposed {value!r}" if str(now or "") != value else f"{name}: already {now!r}")
    else:
        values = {k: v for k, v in contribution.fields.items() if v}
        try:
            cleaned = clean_record(kind, {**values, "id": suggested_id(kind, values)}, check_country=False)
        except ValidationError:
            return notes
        notes += [w.removeprefix("warning: ") for w in possible_duplicates(registry.conn, kind, [("", cleaned.values)])]
    return notes


def _already_applied(registry: Registry, number: int) -> tuple[str, str] | None:
    """The record an acceptance wrote before it could be marked accepted (an interrupted accept), if any."""
    row = registry.conn.execute(
        "SELECT table_name, record_id FROM changes WHERE via = ? AND via IS NOT NULL AND table_name != 'credits' ORDER BY id LIMIT 1",
        [via(number)],
    ).fetchone()
    if row is None:
        return None
    kind = next(k for k in KINDS.values() if k.table == row[0])
    return kind.name, row[1]


def _unique_id(registry: Registry, table: str, wanted: str) -> str:
    taken = all_ids(registry.conn, table)
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def _credit(txn: Txn, kind_name: str, record_id: str, number: int, action: str, contribution: Contribution) -> None:
    row = {
        "record_kind": kind_name,
        "record_id": record_id,
        "contribution": number,
        "action": action,
        "organisation": contribution.contributor.credited_as,
        "accepted_on": dt.date.fromisoformat(txn.at[:10]).isoformat(),
    }
    cursor = txn.conn.execute(
        "INSERT INTO credits (record_kind, record_id, contribution, action, organisation, accepted_on) VALUES (?, ?, ?, ?, ?, ?)",
        list(row.values()),
    )
    txn.log("insert", "credits", str(cursor.lastrowid), None, {"id": cursor.lastrowid, **row})


def accept_contribution(
    registry: Registry,
    store: ContributionStore,
    number: int,
    *,
    edits: Mapping[str, Any] | None = None,
    skip: Sequence[str] = (),
    into: str | None = None,
) -> Accepted:
    """Make a pending contribution a record (a suggestion) or an edit (a change, or a suggestion merged `into` a record).

    `edits` are the reviewer's own values, applied over the contributor's;
    `skip` leaves contributed fields out. Every change-log entry it writes names
    the contribution; the contribution is then marked accepted by the reviewer.
    """
    received = get_contribution(store, number)
    if received.status != "pending":
        raise Conflict(f"contribution {number} was already {received.status} by {received.reviewed_by}; nothing to do")
    applied = _already_applied(registry, number)
    if applied is not None:
        record_review(store, number, "accepted", registry.by, result=applied)
        return Accepted(
            applied[0],
            applied[1],
            created=False,
            warnings=[f"contribution {number} had already been written to the registry; now marked accepted"],
        )
    contribution = received.contribution
    unknown = [name for name in skip if name not in contribution.fields]
    if unknown:
        raise ValidationError(
            [
                f"--skip {name}: contribution {number} gives no such field; it gives: {', '.join(contribution.fields) or 'none'}"
                for name in unknown
            ]
        )
    values: dict[str, Any] = {k: v for k, v in contribution.fields.items() if k not in skip}
    values.update(edits or {})
    target = into or contribution.record_id
    registry.via = via(number)
    try:
        accepted = (
            _add_record(registry, number, contribution, values)
            if target is None
            else _edit_record(registry, number, contribution, target, values)
        )
    finally:
        registry.via = None
    record_review(store, number, "accepted", registry.by, result=(accepted.kind, accepted.record_id))
    return accepted


def _add_record(registry: Registry, number: int, contribution: Contribution, values: dict[str, Any]) -> Accepted:
    """A suggestion as a new record, in the language it was written in, with an id from its name unless the reviewer gave one."""
    kind = get_kind(contribution.kind)
    values = {k: v for k, v in values.items() if v not in ("", None)}
    if "lang" in kind.field_name_set and contribution.language and "lang" not in values:
        values["lang"] = contribution.language
    record_id = str(values.get("id") or _unique_id(registry, kind.table, suggested_id(kind, values)))
    cleaned = clean_record(kind, {**values, "id": record_id})
    with transaction(registry) as txn:
        warnings = cleaned.warnings + insert_clean(txn, kind, cleaned.values)
        _credit(txn, kind.name, record_id, number, "suggest", contribution)
    return Accepted(kind.name, record_id, created=True, changed=sorted(cleaned.values), warnings=warnings)


def _edit_record(registry: Registry, number: int, contribution: Contribution, target: str, values: dict[str, Any]) -> Accepted:
    """A reported change (or a suggestion merged into a record) as an edit; credited only when it changed something."""
    kind = get_kind(contribution.kind)
    before = get_record(registry, kind.name, target)
    values.pop("id", None)
    with transaction(registry) as txn:
        outcome = update_in(txn, kind, target, values)
        if outcome.changed:
            _credit(txn, kind.name, target, number, "change", contribution)
    accepted = Accepted(
        kind.name,
        target,
        created=False,
        changed=sorted(k for k in values if outcome.record.get(k) != before.get(k)),
        warnings=outcome.warnings,
    )
    if not outcome.changed:
        accepted.warnings.append(f"contribution {number} changes nothing: the {kind.singular} already holds these values")
    return accepted


def reject_contribution(store: ContributionStore, number: int, reason: str, by: str) -> Received:
    """Decline a pending contribution, saying why; it stays in the contributions file with the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(["--reason: say why the contribution is rejected (e.g. --reason 'already in the registry as nap-asilo')"])
    return record_review(store, number, "rejected", by, reason=reason)
