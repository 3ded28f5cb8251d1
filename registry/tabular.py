"""Importing and exporting records as CSV and JSON, all or nothing.

Exports round-trip: what `commons export` or `commons list --json/--csv` writes,
`commons import` reads back to the same records.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bulk import insert_many
from .errors import RegistryError, ValidationError
from .rules import KIND_BY_TABLE, KINDS, Kind, clean_record, countries_at, country_warnings, get_kind
from .store import Registry, transaction

MAX_PROBLEMS_SHOWN = 20
NOTHING_IMPORTED = "nothing was imported; fix these rows and run the import again"

Row = tuple[str, dict[str, Any]]


@dataclass
class ImportResult:
    """What an import did (or would do, on a dry run)."""

    kind: str
    added: int = 0
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    path: Path | None = None


def read_text(path: Path) -> str:
    """Read a text file as UTF-8 (with or without BOM), else Windows-1252, which spreadsheets write.

    Excel's "Unicode text" is UTF-16 with a byte-order mark; read as Windows-1252
    it would turn into NUL-riddled nonsense, so the mark is honoured first.
    """
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValidationError([f"{path.name}: starts as UTF-16 text but is cut short or damaged; save it as UTF-8"]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ValidationError([f"{path.name}: not UTF-8 or Windows-1252 text; save it as UTF-8"]) from None


def read_rows(path: Path, kind: Kind) -> list[tuple[str, dict[str, Any]]]:
    """Rows of a CSV or JSON file, each with where it came from ('line 3: ')."""
    if not path.is_file():
        raise RegistryError(f"no file at {path}")
    suffix = path.suffix.lower()
    text = read_text(path)
    if suffix == ".json":
        return _json_rows(path, text, kind)
    if suffix in (".csv", ".tsv", ".txt"):
        return _csv_rows(path, text, delimiter="\t" if suffix == ".tsv" else None)
    raise ValidationError(
        [f"{path.name}: cannot import {suffix or 'files without an extension'}; use .csv or .json (spatial formats: .geojson, .gpkg, .zip)"]
    )


def _json_rows(path: Path, text: str, kind: Kind) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError([f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]) from None
    except RecursionError:
        raise ValidationError([f"{path.name}: not valid JSON for an import: lists or objects nested too deeply"]) from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise ValidationError([f"{path.name}: not valid JSON for an import: a number is too large"]) from None
    if isinstance(data, dict) and isinstance(data.get(kind.name), list):
        data = data[kind.name]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValidationError([f"{path.name}: expected a JSON list of {kind.name} objects"])
    return [(f"{path.name} item {n}: ", dict(r)) for n, r in enumerate(data, start=1)]


def sniff_delimiter(text: str) -> str:
    """The separator of a CSV: whichever of comma, semicolon and tab the header line uses most.

    csv.Sniffer judges by consistency across lines, so one ragged row (common in
    spreadsheets' semicolon exports) makes it pick a comma and every column name
    comes out glued together. A header names columns and seldom holds the other
    separators outside quotes.
    """
    header = re.sub(r'"[^"]*"', "", text.lstrip("\ufeff").split("\n", 1)[0])
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _csv_rows(path: Path, text: str, delimiter: str | None) -> list[tuple[str, dict[str, Any]]]:
    if delimiter is None:
        delimiter = sniff_delimiter(text)
    # A plain reader and one dict per row: DictReader's per-row work was a tenth of a 10k-row import.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        header = next(reader, None)
        if not header:
            raise ValidationError([f"{path.name}: the file is empty; the first line must name the columns"])
        names = [name.strip() for name in header]
        if len(set(names)) < len(names):
            return _csv_rows_repeated_columns(path, text, delimiter)
        width = len(names)
        for row in reader:
            if len(row) > width:
                raise ValidationError(
                    [f"{path.name} line {reader.line_num}: more values than columns; quote values that contain '{delimiter}'"]
                )
            values = {name: value for name, value in zip(names, row, strict=False) if value != ""}  # short rows: the rest are empty
            if values:
                rows.append((f"{path.name} line {reader.line_num}: ", values))
    except csv.Error as exc:  # e.g. a value longer than the csv module's field limit
        raise ValidationError([f"{path.name} near line {reader.line_num + 1}: cannot read this CSV: {exc}"]) from None
    return rows


def _csv_rows_repeated_columns(path: Path, text: str, delimiter: str) -> list[tuple[str, dict[str, Any]]]:
    """A header naming a column twice is read as it always was, by DictReader (the last such column wins)."""
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            if None in row:
                raise ValidationError(
                    [f"{path.name} line {reader.line_num}: more values than columns; quote values that contain '{delimiter}'"]
                )
            values = {k.strip(): v for k, v in row.items() if k is not None and v not in (None, "")}
            if values:
                rows.append((f"{path.name} line {reader.line_num}: ", values))
    except csv.Error as exc:
        raise ValidationError([f"{path.name} near line {reader.line_num + 1}: cannot read this CSV: {exc}"]) from None
    return rows


def kind_of_file(path: Path) -> Kind | None:
    """The kind a file holds by its name: assets.csv, actors.json, cases.tsv (or case_studies.csv)."""
    stem = path.stem.lower()
    return KINDS.get(stem) or KIND_BY_TABLE.get(stem)


def files_to_import(
    paths: Sequence[str | Path], kind_name: str | None = None, *, notify: Callable[[str], None] | None = None
) -> list[tuple[str, Path]]:
    """The files to import, each with its kind, ordered so records come before those that name them.

    With a kind, every path is a file of that kind. Without one, each file's name
    says its kind (assets.csv, agreements.json ...), and a folder stands for the
    files in it named so; `notify` hears of the others it leaves out.
    """
    from .geo.read import CSV_SUFFIXES, GIS_SUFFIXES

    readable = (*CSV_SUFFIXES, ".json", *GIS_SUFFIXES)
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


def dependency_order() -> list[str]:
    """Every kind after the kinds its fields refer to (agreements name assets)."""
    done: list[str] = []
    while len(done) < len(KINDS):
        for kind in KINDS.values():
            if kind.name not in done and all(f.ref in done or f.ref == kind.name for f in kind.fields if f.ref):
                done.append(kind.name)
                break
        else:  # pragma: no cover - a cycle of references is a programming error
            raise RuntimeError("kinds refer to each other in a cycle")
    return done


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
) -> list[ImportResult]:
    """Import several files in one transaction: every row of every file, or nothing.

    Files are read and checked first, all of them, so one run lists every problem;
    then they are inserted in an order where records come before those that name
    them. GIS files and CSVs with coordinates under other names go through the
    spatial reader, whose column guesses are passed to `notify`.
    """
    files = files_to_import(paths, kind_name, notify=notify)
    batches: list[_Batch] = []
    problems: list[str] = []
    for name, path in files:
        try:
            batches.append(_Batch(get_kind(name), path, _read_any(path, name, notify)))
        except ValidationError as exc:
            problems += exc.problems
        except RegistryError as exc:
            problems.append(str(exc))
    if problems:
        raise ValidationError(problems + ["nothing was imported"] if len(files) > 1 else problems)
    return _import_batches(registry, batches, dry_run=dry_run)


def _read_any(path: Path, kind_name: str, notify: Callable[[str], None] | None) -> list[Row]:
    from .geo.read import is_spatial_import, read_spatial_rows

    if not is_spatial_import(path, kind_name):
        return read_rows(path, get_kind(kind_name))
    spatial = read_spatial_rows(path, kind_name)
    for note in spatial.notes:
        if notify is not None:
            notify(note)
    return spatial.rows


def import_records(
    registry: Registry, kind_name: str, path: str | Path, *, dry_run: bool = False, rows: list[Row] | None = None
) -> ImportResult:
    """Validate every row first, then insert them all in one transaction, or none.

    `rows` lets other readers (the spatial importer) hand over rows they read.
    """
    kind = get_kind(kind_name)
    if rows is None:
        rows = read_rows(Path(path), kind)
    return _import_batches(registry, [_Batch(kind, Path(path), rows)], dry_run=dry_run)[0]


@dataclass
class _Batch:
    """One file's rows on their way in."""

    kind: Kind
    path: Path
    rows: list[Row]
    cleaned: list[Row] = field(default_factory=list)


def _import_batches(registry: Registry, batches: list[_Batch], *, dry_run: bool) -> list[ImportResult]:
    results = [ImportResult(b.kind.name, dry_run=dry_run, path=b.path) for b in batches]
    problems: list[str] = []
    seen: dict[str, dict[str, str]] = {}
    for batch in batches:
        kind, first_at = batch.kind, seen.setdefault(batch.kind.name, {})
        for where, raw in batch.rows:
            try:
                values = clean_record(kind, raw, where=where, check_country=False).values
            except ValidationError as exc:
                problems += exc.problems
                continue
            record_id = values["id"]
            if record_id in first_at:
                problems.append(f"{where}{kind.singular} {record_id!r} appears twice (first at {first_at[record_id].rstrip(': ')})")
                continue
            first_at[record_id] = where
            batch.cleaned.append((where, values))
    if problems:
        raise ValidationError(_capped(problems) + [NOTHING_IMPORTED])
    _check_countries(batches, results)
    with transaction(registry) as txn:
        for batch, result in zip(batches, results, strict=True):
            try:
                result.warnings += insert_many(txn, batch.kind, batch.cleaned)
            except RegistryError as exc:
                problems = exc.problems if isinstance(exc, ValidationError) else [str(exc)]
                raise ValidationError(problems + [NOTHING_IMPORTED]) from None
            result.added = len(batch.cleaned)
        if dry_run:
            raise _DryRunDone(results)
    return results


def _check_countries(batches: list[_Batch], results: list[ImportResult]) -> None:
    """Warn about points outside their record's country, with one lookup for every file."""
    located = [
        (result, batch.kind, where, values)
        for batch, result in zip(batches, results, strict=True)
        for where, values in batch.cleaned
        if values.get("lat") is not None and values.get("lon") is not None and values.get("country")
    ]
    if not located:
        return
    countries = countries_at([(values["lat"], values["lon"]) for _, _, _, values in located])
    for (result, kind, where, values), found in zip(located, countries, strict=True):
        if found != values["country"]:
            result.warnings += country_warnings(values, f"{where}{kind.singular} {values['id']!r}", found)


class _DryRunDone(Exception):
    def __init__(self, results: list[ImportResult]):
        self.results = results


def import_or_preview(
    registry: Registry, kind_name: str, path: str | Path, *, dry_run: bool = False, rows: list[Row] | None = None
) -> ImportResult:
    """Run an import; a dry run does every check and insert, then rolls everything back."""
    try:
        return import_records(registry, kind_name, path, dry_run=dry_run, rows=rows)
    except _DryRunDone as done:
        return done.results[0]


def import_or_preview_files(
    registry: Registry,
    paths: Sequence[str | Path],
    kind_name: str | None = None,
    *,
    dry_run: bool = False,
    notify: Callable[[str], None] | None = None,
) -> list[ImportResult]:
    """`import_files`, where a dry run does every check and insert of every file, then rolls everything back."""
    try:
        return import_files(registry, paths, kind_name, dry_run=dry_run, notify=notify)
    except _DryRunDone as done:
        return done.results


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS_SHOWN:
        return problems
    return problems[:MAX_PROBLEMS_SHOWN] + [f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problems"]


def records_to_csv(kind: Kind, records: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """CSV with a header of field names; list fields joined by commas, as import reads them."""
    columns = columns or kind.field_names
    out = io.StringIO()
    # A plain writer with one list per row: DictWriter's per-row checks doubled the time of a 100k-record publish.
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    lists = {f.name for f in kind.fields if f.type == "enum_list"} & set(columns)
    if lists:
        writer.writerows([_csv_value(record.get(c)) for c in columns] for record in records)
    else:
        # csv writes None as an empty field itself: no per-value call for kinds without list fields.
        writer.writerows([record.get(c) for c in columns] for record in records)
    return out.getvalue()


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else value


def records_to_json(records: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """A JSON list of records, keys in field order."""
    rows = [{c: r.get(c) for c in columns} if columns else dict(r) for r in records]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def export_records(registry: Registry, kind_name: str, fmt: str, *, include_private: bool = True) -> str:
    """A kind's records as CSV or JSON text, for `commons export` and backups by hand."""
    from .records import list_records

    kind = get_kind(kind_name)
    columns = kind.field_names if include_private else [f.name for f in kind.public_fields]
    records = list_records(registry, kind.name)
    if fmt == "csv":
        return records_to_csv(kind, records, columns)
    if fmt == "json":
        return records_to_json(records, columns)
    raise ValidationError([f"--format {fmt!r} is not supported here: use csv or json (geojson and gpkg are spatial exports)"])
