"""The import pipeline: files of any format read, checked and inserted, all or nothing.

Exports round-trip: what `commons export` or `commons list --json/--csv` writes,
`commons import` reads back to the same records (a located record without a
country gains the one its point falls in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from registry.formats.columns import parse_columns
from registry.formats.filling import check_options
from registry.formats.import_checks import NOTHING_IMPORTED, Batch, Row, check_batches, read_and_check
from registry.formats.import_options import NO_OPTIONS, ImportOptions
from registry.formats.limits import DEFAULT_LIMITS, ImportLimits, check_file_size
from registry.formats.rows import kind_of_file, read_rows
from registry.formats.spatial import GIS_SUFFIXES, TABLE_SUFFIXES, read_spatial_rows
from registry.model.declaration import Kind
from registry.model.errors import RegistryError, ValidationError
from registry.model.kinds import KINDS, dependency_order, get_kind
from registry.operations.duplicates import PlaceIndex, candidate
from registry.operations.forked import Forked
from registry.operations.inserting import duplicate_warnings, insert_many, stored_near
from registry.operations.updating import RecordUpdate, apply_updates
from registry.store.database import Registry, transaction

# New records from which the duplicate check runs in a child process: below it the whole check takes less than a fork.
DUPLICATES_BESIDE_FROM = 1000


@dataclass
class ImportResult:
    """What an import did (or would do, on a dry run)."""

    kind: str
    added: int = 0
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    path: Path | None = None
    updates: list[RecordUpdate] = field(default_factory=list)
    unchanged: int = 0
    countries_filled: int = 0

    @property
    def updated(self) -> int:
        return len(self.updates)


def files_to_import(
    paths: Sequence[str | Path], kind_name: str | None = None, *, notify: Callable[[str], None] | None = None
) -> list[tuple[str, Path]]:
    """The files to import, each with its kind, ordered so records come before those that name them.

    With a kind, every path is a file of that kind. Without one, each file's name
    says its kind (assets.csv, agreements.json ...), and a folder stands for the
    files in it named so; `notify` hears of the others it leaves out.
    """
    readable = (*TABLE_SUFFIXES, ".json", *GIS_SUFFIXES)
    kind = get_kind(kind_name) if kind_name is not None else None
    chosen: list[tuple[Kind, Path]] = []
    problems: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            if kind is not None:
                problems.append(
                    f"{path} is a folder: give the {kind.name} file itself, or leave out the kind to import every file in it named after one"
                )
                continue
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in readable)
            found = [(k, p) for p in inside if (k := kind_of_file(p)) is not None]
            if not found:
                problems.append(f"{path} holds no file named after a kind: name them {_kind_file_names()} (or .json, .tsv, .geojson ...)")
            elif notify is not None:
                for p in inside:
                    if kind_of_file(p) is None:
                        notify(f"left out {p}: its name is not a kind ({', '.join(KINDS)})")
            chosen += found
        elif not path.is_file():
            problems.append(f"no file at {path}")
        elif kind is not None:
            chosen.append((kind, path))
        elif (named := kind_of_file(path)) is not None:
            chosen.append((named, path))
        else:
            problems.append(
                f"{path.name}: its name does not say which kind of records it holds: name it after its kind"
                f" ({_kind_file_names()}; .json and GIS files too), or give the kind: commons import assets {path}"
            )
    if problems:
        raise ValidationError(problems + ["nothing was imported"] if len(paths) > 1 else problems)
    if not chosen:
        raise ValidationError(["no files to import"])
    seen: set[Path] = set()
    for _, path in chosen:
        if path.resolve() in seen:
            raise ValidationError([f"{path} is named twice; give each file once"])
        seen.add(path.resolve())
    order = {name: n for n, name in enumerate(dependency_order())}
    chosen.sort(key=lambda pair: order[pair[0].name])  # stable: files of one kind keep their order
    return [(k.name, p) for k, p in chosen]


def _kind_file_names() -> str:
    names = [f"{name}.csv" for name in KINDS]
    return ", ".join(names[:-1]) + " or " + names[-1]


def import_files(
    registry: Registry,
    paths: Sequence[str | Path],
    kind_name: str | None = None,
    *,
    dry_run: bool = False,
    notify: Callable[[str], None] | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
    options: ImportOptions = NO_OPTIONS,
) -> list[ImportResult]:
    """Import several files in one transaction: every row of every file, or nothing.

    Files are read and checked first, all of them, so one run lists every problem
    (import_checks.py; several kinds are checked on two cores); then they are
    inserted in an order where records come before those that name them. GIS
    files and CSVs with coordinates under other names go through the spatial
    reader, whose column guesses are passed to `notify`.
    """
    files = files_to_import(paths, kind_name, notify=notify)
    check_options([get_kind(name) for name in dict.fromkeys(name for name, _ in files)], options.assignments, options.id_from)
    batches = read_and_check(registry.conn, files, options, limits, notify)
    return _write_batches(registry, batches, dry_run=dry_run, options=options)


def import_records(
    registry: Registry,
    kind_name: str,
    path: str | Path,
    *,
    dry_run: bool = False,
    rows: list[Row] | None = None,
    options: ImportOptions = NO_OPTIONS,
) -> ImportResult:
    """Validate every row first, then insert them all in one transaction, or none.

    `rows` lets other readers (the spatial importer) hand over rows they read.
    """
    kind = get_kind(kind_name)
    check_options([kind], options.assignments, options.id_from)
    if rows is None:
        rows = read_rows(Path(path), kind, options.sheet)
    batches = [Batch(kind, Path(path), rows)]
    check_batches(registry.conn, batches, options)
    return _write_batches(registry, batches, dry_run=dry_run, options=options)[0]


def _write_batches(registry: Registry, batches: list[Batch], *, dry_run: bool, options: ImportOptions = NO_OPTIONS) -> list[ImportResult]:
    """Write checked batches in one transaction, all or nothing; their likely duplicates are checked beside (see below)."""
    results = [
        ImportResult(b.kind.name, warnings=list(b.warnings), dry_run=dry_run, path=b.path, countries_filled=b.countries_filled)
        for b in batches
    ]
    duplicates = _start_duplicate_check(registry, batches)
    try:
        with transaction(registry) as txn:
            for batch, result in zip(batches, results, strict=True):
                try:
                    apply_updates(txn, batch.kind, batch.updates)
                    insert_many(txn, batch.kind, batch.cleaned)
                except RegistryError as exc:
                    problems = exc.problems if isinstance(exc, ValidationError) else [str(exc)]
                    if not options.update and any(" already exists; " in problem for problem in problems):
                        problems.append(
                            "to update the records whose ids exist instead, import with --update (see what changes with --dry-run)"
                        )
                    raise ValidationError(problems + [NOTHING_IMPORTED]) from None
                result.added = len(batch.cleaned)
                result.updates = [u for u in batch.updates if u.changes]
                result.unchanged = len(batch.updates) - result.updated
            for result, warnings in zip(results, duplicates.result(), strict=True):
                result.warnings += warnings
            if dry_run:
                raise _DryRunDone(results)
    finally:
        duplicates.close()
    return results


def _start_duplicate_check(registry: Registry, batches: list[Batch]) -> Forked[list[list[str]]]:
    """Each file's likely-duplicate warnings, worked out in a child process while the rows are written.

    The check is pure Python over records already in memory, so on a second
    core it costs the import nothing but the fork. What it compares with in the
    registry is read here first (a child must not use this process's SQLite
    connection): the stored records near the new ones, those the import updates
    as they will be after it. Each kind's index grows file by file, so a second
    file of a kind is checked against the first, as it would be once written.
    """
    indexes: dict[str, PlaceIndex] = {}
    for name in dict.fromkeys(batch.kind.name for batch in batches):
        kind = get_kind(name)
        new = [item for batch in batches if batch.kind.name == name for item in batch.cleaned]
        updated = {u.record_id: u.values for batch in batches if batch.kind.name == name for u in batch.updates}
        index = indexes[name] = PlaceIndex()
        for stored in stored_near(registry.conn, kind, new):
            index.add(candidate(kind, updated.pop(stored.id)) if stored.id in updated else stored)
        for values in updated.values():  # updated records the first cut by their old place left out
            index.add(candidate(kind, values))
    check = partial(_duplicate_warnings, batches, indexes)
    return Forked(check, "the duplicate check", beside=sum(len(batch.cleaned) for batch in batches) >= DUPLICATES_BESIDE_FROM)


def _duplicate_warnings(batches: list[Batch], indexes: dict[str, PlaceIndex]) -> list[list[str]]:
    return [duplicate_warnings(batch.kind, batch.cleaned, indexes[batch.kind.name]) for batch in batches]


class _DryRunDone(Exception):
    def __init__(self, results: list[ImportResult]):
        self.results = results


def import_or_preview(
    registry: Registry,
    kind_name: str,
    path: str | Path,
    *,
    dry_run: bool = False,
    rows: list[Row] | None = None,
    options: ImportOptions = NO_OPTIONS,
) -> ImportResult:
    """Run an import; a dry run does every check and insert, then rolls everything back."""
    try:
        return import_records(registry, kind_name, path, dry_run=dry_run, rows=rows, options=options)
    except _DryRunDone as done:
        return done.results[0]


def import_or_preview_files(
    registry: Registry,
    paths: Sequence[str | Path],
    kind_name: str | None = None,
    *,
    dry_run: bool = False,
    notify: Callable[[str], None] | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
    options: ImportOptions = NO_OPTIONS,
) -> list[ImportResult]:
    """`import_files`, where a dry run does every check and insert of every file, then rolls everything back."""
    try:
        return import_files(registry, paths, kind_name, dry_run=dry_run, notify=notify, limits=limits, options=options)
    except _DryRunDone as done:
        return done.results


def import_spatial(
    registry: Registry,
    kind_name: str,
    path: str | Path,
    *,
    dry_run: bool = False,
    layer: str | None = None,
    columns: tuple[str, ...] = (),
    crs: str | None = None,
    notify: Callable[[str], None] | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
    options: ImportOptions = NO_OPTIONS,
) -> ImportResult:
    """Import a GIS file, a CSV or a sheet with coordinates: read, report guesses, then all rows or none."""
    check_file_size(Path(path), limits)
    check_options([get_kind(kind_name)], options.assignments, options.id_from)
    spatial = read_spatial_rows(
        Path(path), kind_name, layer=layer, columns=parse_columns(columns), crs=crs, limits=limits, sheet=options.sheet
    )
    for note in spatial.notes:
        if notify is not None:
            notify(note)
    return import_or_preview(registry, kind_name, path, dry_run=dry_run, rows=spatial.rows, options=options)
