"""A record's timeline entered by hand: past steps with their dates and the source that proves each.

Editing a status adds a step dated the day of the edit; history that happened
before the registry existed (an occupation in 2012, a resolution in 2016) is
entered here, dated by a year, a month or a day, with the act or article that
records it. Only kinds that keep a timeline (`timeline=True`) have one.
"""

from __future__ import annotations

from typing import Any

from registry.model.declaration import Field, Kind
from registry.model.errors import NotFound, ValidationError
from registry.model.kinds import get_kind
from registry.model.values import coerce_value
from registry.operations.details import asset_timeline
from registry.operations.links import source_number
from registry.store.database import Registry, Txn, record_exists, transaction


def _timeline_kind(kind_name: str) -> Kind:
    kind = get_kind(kind_name)
    if not kind.timeline:
        raise ValidationError([f"{kind.name} keep no timeline; only assets do (commons timeline add assets ID …)"])
    return kind


def _require_record(txn: Txn, kind: Kind, record_id: str) -> None:
    if not record_exists(txn.conn, kind, record_id):
        raise NotFound(f"there is no {kind.singular} {record_id!r}")


def add_step(
    registry: Registry,
    kind_name: str,
    record_id: str,
    on: str,
    status: str,
    source: str | None = None,
    document: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Add a dated step; the record's own status is not changed (a past step is history, not the present)."""
    kind = _timeline_kind(kind_name)
    problems = []
    checked: dict[str, Any] = {}
    for name, ftype, value, choices in (
        ("on", "partial_date", on, None),
        ("status", "enum", status, kind.field("status").choices),
        ("document", "text", document, None),
        ("note", "text", note, None),
    ):
        if value is None or value == "":
            continue
        try:
            checked[name] = coerce_value(Field(name, ftype, "", choices=choices), value)
        except ValueError as exc:
            problems.append(f"--{name} {value!r}: {exc}")
    if problems:
        raise ValidationError(problems)
    with transaction(registry) as txn:
        _require_record(txn, kind, record_id)
        source_id = source_number(txn, source) if source else None
        step_id = (txn.conn.execute("SELECT coalesce(max(id), 0) FROM asset_events").fetchone()[0] or 0) + 1
        step = {
            "id": step_id,
            "asset_id": record_id,
            "happened_on": checked["on"],
            "status": checked["status"],
            "document": checked.get("document"),
            "note": checked.get("note"),
            "source_id": source_id,
        }
        txn.insert("asset_events", step, str(step_id))
    return step


def list_steps(registry: Registry, kind_name: str, record_id: str) -> list[dict[str, Any]]:
    """A record's steps in date order, undated first."""
    kind = _timeline_kind(kind_name)
    if not record_exists(registry.conn, kind, record_id):
        raise NotFound(f"there is no {kind.singular} {record_id!r}")
    return asset_timeline(registry.conn, record_id)


def remove_step(registry: Registry, kind_name: str, record_id: str, step_id: int) -> dict[str, Any]:
    """Remove one step of a record's timeline, logged so the change log keeps what it said."""
    kind = _timeline_kind(kind_name)
    with transaction(registry) as txn:
        _require_record(txn, kind, record_id)
        cursor = txn.conn.execute("SELECT * FROM asset_events WHERE id = ? AND asset_id = ?", [step_id, record_id])
        columns = [d[0] for d in cursor.description]
        row = cursor.fetchone()
        if row is None:
            raise NotFound(
                f"{kind.singular} {record_id!r} has no step {step_id}; its steps are listed by: commons timeline list {kind.name} {record_id}"
            )
        before = dict(zip(columns, row, strict=True))
        txn.delete("asset_events", {"id": step_id}, before, str(step_id))
    return before
