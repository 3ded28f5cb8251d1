"""Reading rows from CSV and JSON files: encodings, delimiters and repeated columns."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from registry.formats.csv_text import restore
from registry.formats.decimals import read_decimal_commas
from registry.formats.sheets import check_sheet_option, is_sheet, read_sheet
from registry.model.declaration import Kind
from registry.model.errors import RegistryError, ValidationError
from registry.model.kinds import KIND_BY_TABLE, KINDS
from registry.model.values import MAX_TEXT

# A UTF-8 encoded character beyond ASCII: two, three or four bytes of the right shape.
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


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
    except UnicodeDecodeError as exc:
        if UTF8_SEQUENCE.search(data):  # some of it is UTF-8 already: decoding all as Windows-1252 would garble that part
            line = data[: exc.start].count(b"\n") + 1
            raise ValidationError(
                [
                    f"{path.name} line {line}: byte 0x{data[exc.start]:02x} is not UTF-8, while other lines are: "
                    "the file mixes two encodings; save it again as UTF-8 (in a spreadsheet: CSV UTF-8)"
                ]
            ) from None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ValidationError([f"{path.name}: not UTF-8 or Windows-1252 text; save it as UTF-8"]) from None


def read_rows(path: Path, kind: Kind, sheet: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Rows of a CSV, JSON or spreadsheet file, each with where it came from ('line 3: ').

    Number fields of a `;`-separated file are read with decimal commas, the way
    the spreadsheets that write such files write numbers.
    """
    if not path.is_file():
        raise RegistryError(f"no file at {path}")
    check_sheet_option(path, sheet)
    suffix = path.suffix.lower()
    if is_sheet(path):
        return read_sheet(path, sheet).rows
    text = read_text(path)
    if suffix == ".json":
        return _json_rows(path, text, kind)
    if suffix in (".csv", ".tsv", ".txt"):
        delimiter = "\t" if suffix == ".tsv" else sniff_delimiter(text)
        rows = _csv_rows(path, text, delimiter)
        return read_decimal_commas(kind, rows) if delimiter == ";" else rows
    raise ValidationError(
        [
            f"{path.name}: cannot import {suffix or 'files without an extension'}; "
            "use .csv, .json, .xlsx or .ods (spatial formats: .geojson, .gpkg, .zip)"
        ]
    )


def table_header(path: Path, sheet: str | None = None) -> list[str]:
    """The column names of a CSV or a spreadsheet's sheet, split the way its rows are read."""
    if is_sheet(path):
        return read_sheet(path, sheet).header
    text = read_text(path)
    first = text.splitlines()[0] if text else ""
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    return [c.strip() for c in next(csv.reader([first], delimiter=delimiter), [])]


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
    record_start = 1  # where the record being read begins (a quoted value may span lines)
    try:
        header = next(reader, None)
        if not header:
            raise ValidationError([f"{path.name}: the file is empty; the first line must name the columns"])
        names = [name.strip() for name in header]
        if len(set(names)) < len(names):
            return _csv_rows_repeated_columns(path, text, delimiter)
        width = len(names)
        record_start = reader.line_num + 1
        for row in reader:
            if len(row) > width:
                raise ValidationError(
                    [f"{path.name} line {record_start}: more values than columns; quote values that contain '{delimiter}'"]
                )
            values = {
                name: restore(value) for name, value in zip(names, row, strict=False) if value != ""
            }  # short rows: the rest are empty
            if values:
                rows.append((f"{path.name} line {record_start}: ", values))
            record_start = reader.line_num + 1
    except csv.Error as exc:  # e.g. a value longer than the csv module's field limit
        raise ValidationError([_unreadable(path, record_start, exc)]) from None
    return rows


def _unreadable(path: Path, line: int, exc: csv.Error) -> str:
    """The csv module's complaint, at the line where the record it could not read begins."""
    if "field larger than field limit" in str(exc):
        return (
            f"{path.name} line {line}: a value is longer than {csv.field_size_limit():,} characters, "
            f"far over the {MAX_TEXT:,} a field may hold; shorten it or check the file's quotes"
        )
    return f"{path.name} line {line}: cannot read this CSV: {exc}"


def _csv_rows_repeated_columns(path: Path, text: str, delimiter: str) -> list[tuple[str, dict[str, Any]]]:
    """A header naming a column twice is read as it always was, by DictReader (the last such column wins)."""
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    record_start = 2
    try:
        for row in reader:
            if None in row:
                raise ValidationError(
                    [f"{path.name} line {reader.line_num}: more values than columns; quote values that contain '{delimiter}'"]
                )
            values = {k.strip(): restore(v) for k, v in row.items() if k is not None and v not in (None, "")}
            if values:
                rows.append((f"{path.name} line {record_start}: ", values))
            record_start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError([_unreadable(path, record_start, exc)]) from None
    return rows


def kind_of_file(path: Path) -> Kind | None:
    """The kind a file holds by its name: assets.csv, actors.json, cases.tsv (or case_studies.csv)."""
    stem = path.stem.lower()
    return KINDS.get(stem) or KIND_BY_TABLE.get(stem)
