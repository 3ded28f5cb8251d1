"""Agreements by their terms: which end soon, and how long 'soon' is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry.model.errors import ValidationError
from registry.model.terms import IN_FORCE_STATES
from registry.operations.terms import records_in_states
from registry.store.database import Registry


def expiring_agreements(
    registry: Registry, within_days: int = 90, today: dt.date | None = None, *, lapsed: bool = False
) -> list[dict[str, Any]]:
    """Agreements in force whose term ends within the window, and with `lapsed` those whose term ended unrenewed; soonest end first."""
    today = today or dt.date.today()
    until = (today + dt.timedelta(days=within_days)).isoformat()
    found = records_in_states(registry, "agreements", (*IN_FORCE_STATES, *(("lapsed",) if lapsed else ())), today)
    return [
        {key: row[key] for key in ("id", "title", "expires_on", "asset_id", "status", "term_state")}
        for row in found
        if row["expires_on"] and (row["term_state"] == "lapsed" or today.isoformat() <= row["expires_on"] <= until)
    ]


MAX_WINDOW_DAYS = 100 * 365  # agreements are dated; a century ahead covers the longest leasehold


def parse_window(text: str) -> int:
    """Read a window like '90d', '12w', '6m' or '1y' as a number of days."""
    units = {"d": 1, "w": 7, "m": 30, "y": 365}
    value = text.strip().lower()
    if value.isdigit():
        days = int(value)
    elif len(value) >= 2 and value[:-1].isdigit() and value[-1] in units:
        days = int(value[:-1]) * units[value[-1]]
    else:
        raise ValidationError([f"--within {text!r} is not a period: use days like 90d, or 12w, 6m, 1y"])
    if days > MAX_WINDOW_DAYS:
        raise ValidationError([f"--within {text!r} is too far ahead: at most {MAX_WINDOW_DAYS // 365} years (e.g. 100y)"])
    return days
