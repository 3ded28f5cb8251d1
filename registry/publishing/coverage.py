"""What the registry covers, in place and time, and when each table last changed: facts a data catalogue states.

Read from the public copy in one pass per table: the box around its points,
the span of its dates (partial dates sort as text: "2016" < "2016-05"), and the
first and last change of each table in the public change log.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from registry.model.declaration import Field
from registry.publishing.downloads import download_tables


@dataclass(frozen=True)
class Coverage:
    """Where and when a dataset's records are: a bounding box (west, south, east, north) and a span of dates."""

    bbox: tuple[float, float, float, float] | None = None
    start: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, as the records give it
    end: str | None = None


@dataclass(frozen=True)
class RegistryFacts:
    """What the catalogue needs from the public copy besides the package: change dates and coverage per dataset."""

    issued: str | None = None  # the first change in the public change log
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # dataset -> (first, last change)
    coverage: dict[str, Coverage] = field(default_factory=dict)  # dataset -> coverage; "" for the whole registry


def registry_facts(conn: sqlite3.Connection) -> RegistryFacts:
    """Read the change dates and the places and dates of each downloadable table from the public copy."""
    tables = download_tables()
    dataset_of = {t.table: t.name for t in tables}
    spans = conn.execute("SELECT table_name, min(changed_at), max(changed_at) FROM changes GROUP BY table_name").fetchall()
    changed = {dataset_of[table]: (first, last) for table, first, last in spans if table in dataset_of}
    coverages = {t.name: _table_coverage(conn, t.table, t.fields) for t in tables}
    coverages[""] = _union(coverages.values())
    first = min((first for first, _ in changed.values()), default=None)
    return RegistryFacts(first, changed, coverages)


def _table_coverage(conn: sqlite3.Connection, table: str, fields: Iterable[Field]) -> Coverage:
    """The box around a table's points and the span of its dates, in one pass over it."""
    places = {f.type: f.name for f in fields if f.type in ("lat", "lon")}
    dated = [f.name for f in fields if f.type in ("date", "partial_date", "year")]
    lat, lon = places.get("lat"), places.get("lon")
    where = f"[{lat}] IS NOT NULL AND [{lon}] IS NOT NULL"
    parts = [f"min(CASE WHEN {where} THEN [{c}] END), max(CASE WHEN {where} THEN [{c}] END)" for c in (lon, lat) if lat and lon]
    parts += [f"min(NULLIF([{c}], '')), max(NULLIF([{c}], ''))" for c in dated]
    if not parts:
        return Coverage()
    row = conn.execute(f"SELECT {', '.join(parts)} FROM [{table}]").fetchone()
    bbox = None
    if lat and lon:
        west, east, south, north, *row = row
        bbox = (float(west), float(south), float(east), float(north)) if west is not None else None
    # Partial dates sort as text: "2016" < "2016-05" < "2016-05-03", and a year before any later date.
    dates = [str(v) for v in row if v is not None]
    return Coverage(bbox, min(dates) if dates else None, max(dates) if dates else None)


def _union(coverages: Iterable[Coverage]) -> Coverage:
    coverages = list(coverages)
    boxes = [c.bbox for c in coverages if c.bbox]
    starts = [c.start for c in coverages if c.start]
    ends = [c.end for c in coverages if c.end]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)) if boxes else None
    return Coverage(bbox, min(starts) if starts else None, max(ends) if ends else None)
