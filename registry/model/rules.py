"""Record rules: whether a whole record is acceptable, with the words that say why not.

This is the one place the rules live. The CLI, the importers, the store and the
tests all call `clean_record`, so a value refused by `commons add` is refused by
`commons import` with the same words.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import ValidationError, suggest
from registry.model.kinds import KINDS
from registry.model.values import coerce_value


@dataclass
class Cleaned:
    """A record that passed the rules, with the warnings it still deserves."""

    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def describe(kind: Kind, record_id: Any, where: str = "") -> str:
    """The prefix every message about a record starts with, so users know which one."""
    rid = f" {record_id!r}" if record_id not in (None, "") else ""
    return f"{where}{kind.singular}{rid}"


def clean_record(
    kind: Kind,
    raw: Mapping[str, Any],
    *,
    partial: bool = False,
    where: str = "",
    check_country: bool = True,
) -> Cleaned:
    """Validate and normalise a record; raise ValidationError listing every problem found.

    `partial` is for edits: only the given fields are checked, and required fields
    may be absent (they already hold values). Cross-field rules run on the merged
    record, which the store passes in for edits.
    """
    problems: list[str] = []
    who = describe(kind, raw.get("id"), where)
    raw, folding = fold_translations(kind, raw)
    problems += [f"{who}: {problem}" for problem in folding]
    known = kind.field_name_set
    for name in raw:
        if name not in known:
            problems.append(
                f"{who}: unknown field {name!r}{suggest(name, kind.field_names)}; fields of {kind.name}: {', '.join(kind.field_names)}"
            )
    values: dict[str, Any] = {}
    for f in kind.fields:
        if f.name not in raw:
            if f.required and not partial:
                problems.append(f"{who}: field {f.name!r} is required ({f.description})")
            continue
        value = raw[f.name]
        if value is None or (isinstance(value, str) and value.strip() == "") or value == []:
            if f.required:
                problems.append(f"{who}: field {f.name!r} is required and cannot be empty ({f.description})")
            values[f.name] = None
            continue
        try:
            values[f.name] = coerce_value(f, value)
        except ValueError as exc:
            problems.append(f"{who}: field {f.name!r}: {exc}")
    if values.get("id") in kind.list_folders:
        problems.append(_taken_address(kind, values["id"], who))
    warnings: list[str] = []
    if not problems and not partial:  # an edit's few fields are checked together with the rest of the record
        problems.extend(_cross_field_problems(kind, values, who))
    if problems:
        raise ValidationError(problems)
    if check_country:
        warnings.extend(country_warnings(values, who))
    return Cleaned(values, warnings)


def fold_translations(kind: Kind, raw: Mapping[str, Any], existing: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Move `field@code` values (name@it, description@es) into the record's translations; an empty one removes it.

    `existing` is the record's stored translations, for edits: a new text adds
    to them instead of replacing them all. Returns the record and the problems.
    """
    given = {k: v for k, v in raw.items() if "@" in k}
    if not given:
        return dict(raw), []
    record = {k: v for k, v in raw.items() if "@" not in k}
    merged: dict[str, dict[str, Any]] = {
        code: dict(texts) for code, texts in _as_translations(record.get("translations", existing)).items()
    }
    problems = []
    for key, value in given.items():
        name, _, code = key.partition("@")
        if name not in kind.translatable_fields:
            allowed = ", ".join(kind.translatable_fields)
            problems.append(f"field {key!r}: only these fields of {kind.name} can be given in other languages: {allowed}")
            continue
        merged.setdefault(code, {})[name] = value
    record["translations"] = merged
    return record, problems


def _as_translations(value: Any) -> dict[str, dict[str, Any]]:
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return {str(k): dict(v) for k, v in value.items() if isinstance(v, dict)} if isinstance(value, dict) else {}


def _taken_address(kind: Kind, record_id: str, who: str) -> str:
    taken = ", ".join(sorted(kind.list_folders))
    return (
        f"{who}: field 'id': {record_id!r} is the address of a list of {kind.title or kind.name} on the site"
        f" (as are {taken}); choose another id, e.g. '{record_id}-1'"
    )


def _cross_field_problems(kind: Kind, values: Mapping[str, Any], who: str) -> list[str]:
    problems = []
    has_lat, has_lon = values.get("lat") is not None, values.get("lon") is not None
    if has_lat != has_lon and "lat" in kind.field_name_set and ("lat" in values or "lon" in values):
        problems.append(f"{who}: fields 'lat' and 'lon' go together: give both or neither")
    for check in kind.checks:
        problems.extend(check(values, who))
    return problems


def country_warnings(values: Mapping[str, Any], who: str, found: str | None = None) -> list[str]:
    """Warn when a point falls outside its record's country: most often lat and lon swapped."""
    lat, lon, country = values.get("lat"), values.get("lon"), values.get("country")
    if lat is None or lon is None or not country:
        return []
    found = found or country_at(lat, lon)
    if found and found != country:
        swapped = country_at(lon, lat) if -90 <= lon <= 90 else None
        hint = " — lat and lon look swapped" if swapped == country else " — check the coordinates or the country"
        return [f"warning: {who}: point ({lat}, {lon}) falls in {found}, not {country}{hint}"]
    return []


def country_at(lat: float, lon: float) -> str | None:
    """The ISO code of the country whose nearest known town is closest to the point."""
    return countries_at([(lat, lon)])[0]


def countries_at(points: list[tuple[float, float]]) -> list[str | None]:
    """Country codes for many points in one lookup; imports check thousands at once.

    The shipped grid answers for points away from borders; reverse_geocode (about a
    second to load) is asked only for the others, with the same answers.
    """
    from registry.model.country_grid import countries_at as lookup

    return lookup(points) if points else []


ReferenceExists = Callable[[str, str], bool]


def reference_problems(kind: Kind, values: Mapping[str, Any], exists: ReferenceExists, where: str = "") -> list[str]:
    """Every field that names another record must name one that exists."""
    problems = []
    for f in kind.fields:
        if f.ref and values.get(f.name) and not exists(f.ref, values[f.name]):
            problems.append(
                f"{describe(kind, values.get('id'), where)}: field {f.name!r}: there is no {KINDS[f.ref].singular} {values[f.name]!r}; add it first or fix the id"
            )
    return problems


def is_stale(last_verified: str | None, today: dt.date | None = None) -> bool:
    """A record not checked against reality for a year is stale.

    A check dated after `today` counts as fresh: a site built as of an earlier
    day (a fixed date in tests, a rebuilt archive) still shows it as checked.
    """
    if not last_verified:
        return True
    today = today or dt.date.today()
    return (today - dt.date.fromisoformat(last_verified[:10])).days > 365
