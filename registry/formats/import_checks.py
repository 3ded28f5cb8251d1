"""An import's files read and every row checked, before anything is written; on two cores, the kinds split in two.

Reading a CSV and checking each value against its field is Python, a third of
a large import's time. Files of different kinds are checked independently
(a record's id must be unique within its kind; references are checked when
the rows are written), so with several kinds and enough rows the kinds are
shared between this process and a forked child, by size, and each side reads
and checks its own. The child sends back the checked rows; what the user is
told is the same either way: the problems of every file, in the order of the
files (reading problems first), and the notes the readers left. With
`--update` or `--id-from`, whose checks read the registry, and for GIS files,
whose reader is a library of its own, everything is checked here.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from registry.formats.filling import fill_countries, make_ids, with_assignments
from registry.formats.import_options import ImportOptions
from registry.formats.limits import ImportLimits, check_file_size, check_record_count
from registry.formats.rows import read_rows
from registry.formats.spatial import is_spatial_import, read_spatial_rows
from registry.model.declaration import Kind
from registry.model.errors import RegistryError, ValidationError
from registry.model.kinds import get_kind
from registry.model.rules import clean_record, country_warnings
from registry.operations.forked import Forked
from registry.operations.inserting import all_ids
from registry.operations.updating import RecordUpdate, merged_record, record_update, stored_rows

Row = tuple[str, dict[str, Any]]
Spatial = Callable[[int], bool]  # whether the file at a position needs the spatial reader

MAX_PROBLEMS_SHOWN = 20

NOTHING_IMPORTED = "nothing was imported; fix these rows and run the import again"

# Bytes of files from which the kinds are checked in two processes: below it a fork costs more than it saves.
SHARED_FROM_BYTES = 1_000_000


@dataclass
class Batch:
    """One file's rows on their way in: as read, then as checked (new records and updates), with the warnings they earned."""

    kind: Kind
    path: Path
    rows: list[Row]
    cleaned: list[Row] = field(default_factory=list)
    updates: list[RecordUpdate] = field(default_factory=list)
    countries_filled: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Checked:
    """What one side found in one file, in a form a child can send back."""

    position: int
    read_problems: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cleaned: list[Row] = field(default_factory=list)
    updates: list[RecordUpdate] = field(default_factory=list)
    countries_filled: int = 0
    warnings: list[str] = field(default_factory=list)


def read_and_check(
    conn: sqlite3.Connection,
    files: list[tuple[str, Path]],
    options: ImportOptions,
    limits: ImportLimits,
    notify: Callable[[str], None] | None,
) -> list[Batch]:
    """Every file read and every row checked; raise ValidationError naming every problem (reading problems alone, when any)."""
    # Whether each file needs the spatial reader, asked once per file when first needed (for a sheet, its header means
    # opening its workbook); a child forked after the sharing keeps the answers the sharing got.
    spatial: Spatial = functools.cache(lambda n: is_spatial_import(files[n][1], files[n][0], sheet=options.sheet))
    here, there = _shares(files, options, spatial)
    child = Forked(partial(_read_and_check_share, None, files, there, options, limits, spatial), "checking the files") if there else None
    try:
        found = _read_and_check_share(conn, files, here, options, limits, spatial)
        if child is not None:
            found += child.result()
    finally:
        if child is not None:
            child.close()
    found.sort(key=lambda checked: checked.position)
    for checked in found:
        for note in checked.notes:
            if notify is not None:
                notify(note)
    read_problems = [problem for checked in found for problem in checked.read_problems]
    if read_problems:
        raise ValidationError(read_problems + ["nothing was imported"] if len(files) > 1 else read_problems)
    problems = [problem for checked in found for problem in checked.problems]
    if problems:
        raise ValidationError(capped(problems) + [NOTHING_IMPORTED])
    return [
        Batch(get_kind(name), path, [], c.cleaned, c.updates, c.countries_filled, c.warnings)
        for (name, path), c in zip(files, found, strict=True)
    ]


def check_batches(conn: sqlite3.Connection, batches: list[Batch], options: ImportOptions) -> None:
    """Check the rows of batches already read (the spatial importer's), all in this process; raise naming every problem."""
    problems: list[str] = []
    seen: dict[str, dict[str, str]] = {}
    for batch in batches:
        problems += _check_batch(conn, batch, options, seen.setdefault(batch.kind.name, {}))
    if problems:
        raise ValidationError(capped(problems) + [NOTHING_IMPORTED])
    for batch in batches:
        fill_in_countries(batch)


def capped(problems: list[str]) -> list[str]:
    """At most MAX_PROBLEMS_SHOWN problems, and how many more there were."""
    if len(problems) <= MAX_PROBLEMS_SHOWN:
        return problems
    return problems[:MAX_PROBLEMS_SHOWN] + [f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problems"]


def _shares(files: list[tuple[str, Path]], options: ImportOptions, spatial: Spatial) -> tuple[list[int], list[int]]:
    """The files (by position) checked here and in a child: whole kinds to each side, the larger kinds first to the lighter side."""
    everything = list(range(len(files)))
    sizes: dict[str, int] = {}
    for name, path in files:
        sizes[name] = sizes.get(name, 0) + path.stat().st_size
    if (
        len(sizes) < 2
        or sum(sizes.values()) < SHARED_FROM_BYTES
        or options.update
        or options.id_from is not None
        or any(spatial(n) for n in everything)
    ):
        return everything, []
    here: set[str] = set()
    loads = [0, 0]
    for name in sorted(sizes, key=lambda n: -sizes[n]):
        side = 0 if loads[0] <= loads[1] else 1
        loads[side] += sizes[name]
        if side == 0:
            here.add(name)
    return [n for n in everything if files[n][0] in here], [n for n in everything if files[n][0] not in here]


def _read_and_check_share(
    conn: sqlite3.Connection | None,
    files: list[tuple[str, Path]],
    positions: list[int],
    options: ImportOptions,
    limits: ImportLimits,
    spatial: Spatial,
) -> list[_Checked]:
    """Read and check the files at these positions; a file whose reading failed is not checked, nor countries looked up after a problem."""
    found: list[_Checked] = []
    seen: dict[str, dict[str, str]] = {}
    for position in positions:
        name, path = files[position]
        checked = _Checked(position)
        found.append(checked)
        try:
            batch = Batch(get_kind(name), path, _read_any(path, name, partial(spatial, position), checked.notes, limits, options.sheet))
        except ValidationError as exc:
            checked.read_problems += exc.problems
            continue
        except RegistryError as exc:
            checked.read_problems.append(str(exc))
            continue
        checked.problems = _check_batch(conn, batch, options, seen.setdefault(name, {}))
        if not checked.problems:
            fill_in_countries(batch)
        checked.cleaned, checked.updates = batch.cleaned, batch.updates
        checked.countries_filled, checked.warnings = batch.countries_filled, batch.warnings
    return found


def _read_any(
    path: Path, kind_name: str, is_spatial: Callable[[], bool], notes: list[str], limits: ImportLimits, sheet: str | None
) -> list[Row]:
    check_file_size(path, limits)
    if not is_spatial():
        rows = read_rows(path, get_kind(kind_name), sheet)
        check_record_count(path, len(rows), limits)
        return rows
    spatial = read_spatial_rows(path, kind_name, limits=limits, sheet=sheet)
    notes += spatial.notes
    return spatial.rows


def _check_batch(conn: sqlite3.Connection | None, batch: Batch, options: ImportOptions, first_at: dict[str, str]) -> list[str]:
    """Check every row of a file against the rules: new records to insert, and with --update, records to update; return the problems.

    Rows without an id get one made (--id-from); `--set` values fill what a row
    leaves empty, and for a record being updated, what neither the row nor the
    stored record holds. Only those two options read the registry (`conn`).
    """
    kind, rows = batch.kind, batch.rows
    if options.id_from is not None:
        assert conn is not None, "--id-from is checked where the registry can be read"
        rows = make_ids(kind, rows, options.id_from, set() if options.update else all_ids(conn, kind.table))
    stored: dict[str, Any] = {}
    if options.update:
        assert conn is not None, "--update is checked where the registry can be read"
        stored = stored_rows(conn, kind, [str(raw["id"]) for _, raw in rows if raw.get("id")])
    problems: list[str] = []
    for where, raw in rows:
        existing = stored.get(str(raw.get("id")))
        given = raw if existing is None else merged_record(kind, existing, raw)
        try:
            values = clean_record(kind, with_assignments(given, options.assignments), where=where, check_country=False).values
        except ValidationError as exc:
            problems += exc.problems
            continue
        record_id = values["id"]
        if record_id in first_at:
            problems.append(f"{where}{kind.singular} {record_id!r} appears twice (first at {first_at[record_id].rstrip(': ')})")
            continue
        first_at[record_id] = where
        if existing is None:
            batch.cleaned.append((where, values))
        else:
            batch.updates.append(record_update(kind, where, existing, values))
    return problems


def fill_in_countries(batch: Batch) -> None:
    """Fill in missing countries from the points, and warn about points outside their record's country, in one lookup.

    A record being updated takes part only when its place changes or it has no
    country yet, so a re-import does not repeat warnings about records it leaves alone.
    """
    if "country" not in batch.kind.field_name_set:
        return
    moved = [u for u in batch.updates if not u.values.get("country") or {"lat", "lon", "country"} & set(u.changes)]
    batch.countries_filled, given = fill_countries([values for _, values in batch.cleaned] + [u.values for u in moved])
    where = {id(values): w for w, values in batch.cleaned} | {id(u.values): u.where for u in moved}
    for values, found in given:
        if found and found != values["country"]:
            batch.warnings += country_warnings(values, f"{where[id(values)]}{batch.kind.singular} {values['id']!r}", found)
    refreshed = {u.record_id: record_update(batch.kind, u.where, u.stored, u.values) for u in moved}
    batch.updates = [refreshed.get(u.record_id, u) for u in batch.updates]
