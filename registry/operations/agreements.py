"""Agreements by their terms: which end soon, and how long 'soon' is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry.model.errors import ValidationError
from registry.store.database import Registry


def expiring_agreements(registry: Registry, within_days: int = 90, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Active agreements whose term ends within the window, soonest first."""
    today = today or dt.date.today()
    until = today + dt.timedelta(days=within_days)
    cursor = registry.conn.execute(
        "SELECT id, title, expires_on, asset_id, status FROM agreements"
        " WHERE status = 'active' AND expires_on IS NOT NULL AND expires_on BETWEEN ? AND ? ORDER BY expires_on, id",
        [today.isoformat(), until.isoformat()],
    )
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


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
