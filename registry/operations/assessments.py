"""Scoring a case study or an agreement on a framework: one assessment per record, framework and date.

`commons assess` adds the day's assessment, or changes the criteria given when
one is already there, so a group can score a few criteria at a time. Every
criterion not yet scored is stored as "unknown", so an assessment always says
what it does not know.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.model.assessments import ASSESSED_BY, assessment_id
from registry.model.errors import ValidationError, suggest
from registry.model.frameworks import UNKNOWN, Framework, get_framework
from registry.model.kinds import KINDS, get_kind
from registry.operations.records import Outcome, add_record, get_record, update_record
from registry.store.database import Registry, decode_row, fetch_row


@dataclass
class Scoring:
    """What a group says about some criteria of one framework: scores, reasons and evidence, by criterion id."""

    scores: Mapping[str, str]
    why: Mapping[str, str]
    sources: Mapping[str, str]
    source_for_all: str = ""  # a source given once, for every criterion scored without its own


def about(kind_name: str) -> str:
    """The assessment field naming a record of this kind; a clear error for a kind that is never assessed."""
    if kind_name not in ASSESSED_BY:
        raise ValidationError([f"{get_kind(kind_name).name} are not assessed; assess one of: {', '.join(ASSESSED_BY)}"])
    return ASSESSED_BY[kind_name]


def scored_entries(framework: Framework, scoring: Scoring) -> dict[str, dict[str, Any]]:
    """The criteria given, checked against the framework by name, as the scores field stores them."""
    problems = []
    named = {*scoring.scores, *scoring.why, *scoring.sources}
    for cid in sorted(named):
        if cid not in framework.criterion_ids:
            problems.append(
                f"criterion {cid!r} is not in {framework.id}{suggest(cid, list(framework.criterion_ids))}; "
                f"its criteria: {', '.join(framework.criterion_ids)}"
            )
    for cid in sorted(set(scoring.why) | set(scoring.sources)):
        if cid not in scoring.scores and cid in framework.criterion_ids:
            problems.append(f"criterion {cid!r} has a reason or source but no score; give --set {cid}=SCORE (or {UNKNOWN})")
    if problems:
        raise ValidationError(problems)
    entries: dict[str, dict[str, Any]] = {}
    for cid in framework.criterion_ids:
        if cid not in scoring.scores:
            continue
        entry: dict[str, Any] = {"score": scoring.scores[cid]}
        if scoring.why.get(cid):
            entry["why"] = scoring.why[cid]
        source = scoring.sources.get(cid) or (scoring.source_for_all if scoring.scores[cid] != UNKNOWN else "")
        if source:
            entry["source"] = source
        entries[cid] = entry
    return entries


def assess_record(
    registry: Registry,
    kind_name: str,
    record_id: str,
    framework_id: str,
    scoring: Scoring,
    *,
    assessed_on: str | None = None,
    assessor: str | None = None,
    summary: str | None = None,
) -> tuple[Outcome, bool]:
    """Add the record's assessment for the day, or change the criteria given in it; return it and whether it is new."""
    field_name = about(kind_name)
    get_record(registry, kind_name, record_id)  # NotFound, with a suggestion, before anything else
    framework = get_framework(framework_id)
    when = assessed_on or dt.date.today().isoformat()
    entries = scored_entries(framework, scoring)
    kind = KINDS["assessments"]
    new_id = assessment_id({field_name: record_id, "framework": framework.id, "assessed_on": when})
    row = fetch_row(registry.conn, kind, new_id)
    if row is None:
        if not assessor:
            raise ValidationError(
                ["field 'assessor' is required for a new assessment: give --assessor with the organisation or group that assessed"]
            )
        scores = {cid: entries.get(cid, {"score": UNKNOWN}) for cid in framework.criterion_ids}
        values = {
            "id": new_id,
            "framework": framework.id,
            field_name: record_id,
            "assessed_on": when,
            "assessor": assessor,
            "scores": scores,
            "lang": "en",
        }
        if summary:
            values["summary"] = summary
        return add_record(registry, "assessments", values), True
    current = decode_row(kind, row)
    merged = {cid: entry for cid, entry in (current.get("scores") or {}).items()}
    merged.update(entries)
    changes: dict[str, Any] = {"scores": {cid: merged.get(cid, {"score": UNKNOWN}) for cid in framework.criterion_ids}}
    if assessor:
        changes["assessor"] = assessor
    if summary is not None:
        changes["summary"] = summary
    return update_record(registry, "assessments", new_id, changes), False


def assessments_of(registry: Registry, kind_name: str, record_id: str) -> list[dict[str, Any]]:
    """A record's assessments, oldest first, framework by framework."""
    kind = KINDS["assessments"]
    cursor = registry.conn.execute(
        f"SELECT * FROM assessments WHERE [{about(kind_name)}] = ? ORDER BY framework, assessed_on",
        [record_id],
    )
    columns = [d[0] for d in cursor.description]
    return [decode_row(kind, dict(zip(columns, row, strict=True))) for row in cursor]
