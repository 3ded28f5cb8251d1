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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bulk import insert_many
from .errors import RegistryError, ValidationError
from .rules import Kind, clean_record, countries_at, country_warnings, get_kind
from .store import Registry, transaction

MAX_PROBLEMS_SHOWN = 20


@dataclass
class ImportResult:
    """What an import did (or would do, on a dry run)."""

    kind: str
    added: int = 0
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False


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
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        if not reader.fieldnames:
            raise ValidationError([f"{path.name}: the file is empty; the first line must name the columns"])
        for row in reader:
            if None in row:
                raise ValidationError(
                    [f"{path.name} line {reader.line_num}: more values than columns; quote values that contain '{delimiter}'"]
                )
            values = {k.strip(): v for k, v in row.items() if k is not None and v not in (None, "")}
            if values:
                rows.append((f"{path.name} line {reader.line_num}: ", values))
    except csv.Error as exc:  # e.g. a value longer than the csv module's field limit
        raise ValidationError([f"{path.name} near line {reader.line_num + 1}: cannot read this CSV: {exc}"]) from None
    return rows


def import_records(
    registry: Registry, kind_name: str, path: str | Path, *, dry_run: bool = False, rows: list[tuple[str, dict[str, Any]]] | None = None
) -> ImportResult:
    """Validate every row first, then insert them all in one transaction, or none.

    `rows` lets other readers (the spatial importer) hand over rows they read.
    """
    kind = get_kind(kind_name)
    if rows is None:
        rows = read_rows(Path(path), kind)
    result = ImportResult(kind.name, dry_run=dry_run)
    cleaned: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for where, raw in rows:
        try:
            ok = clean_record(kind, raw, where=where, check_country=False)
        except ValidationError as exc:
            problems += exc.problems
            continue
        record_id = ok.values["id"]
        if record_id in seen:
            problems.append(f"{where}{kind.singular} {record_id!r} appears twice (first at {seen[record_id].rstrip(': ')})")
            continue
        seen[record_id] = where
        cleaned.append((where, ok.values))
    if problems:
        raise ValidationError(_capped(problems) + ["nothing was imported; fix these rows and run the import again"])
    located = [(w, v) for w, v in cleaned if v.get("lat") is not None and v.get("lon") is not None and v.get("country")]
    # The country lookup loads scipy and 150k towns (about 2 s): only when some row has a point to check.
    countries = countries_at([(v["lat"], v["lon"]) for _, v in located]) if located else []
    for (where, values), found in zip(located, countries, strict=True):
        result.warnings += country_warnings(values, f"{where}{kind.singular} {values['id']!r}", found)
    with transaction(registry) as txn:
        try:
            result.warnings += insert_many(txn, kind, cleaned)
        except RegistryError as exc:
            problems = exc.problems if isinstance(exc, ValidationError) else [str(exc)]
            raise ValidationError(problems + ["nothing was imported; fix these rows and run the import again"]) from None
        result.added = len(cleaned)
        if dry_run:
            raise _DryRunDone(result)
    return result


class _DryRunDone(Exception):
    def __init__(self, result: ImportResult):
        self.result = result


def import_or_preview(
    registry: Registry, kind_name: str, path: str | Path, *, dry_run: bool = False, rows: list[tuple[str, dict[str, Any]]] | None = None
) -> ImportResult:
    """Run an import; a dry run does every check and insert, then rolls everything back."""
    try:
        return import_records(registry, kind_name, path, dry_run=dry_run, rows=rows)
    except _DryRunDone as done:
        return done.result


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
    writer.writerows([_csv_value(record.get(c)) for c in columns] for record in records)
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
