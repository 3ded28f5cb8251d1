"""Records as CSV text: one column per field, lists joined, the same for export and downloads.

A cell that a spreadsheet would run as a formula (=, +, -, @, tab, return) is
written after an apostrophe; our importer takes the apostrophe off again, and
the JSON files and the database keep the exact text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from registry.formats.pieces import Pieces
from registry.model.declaration import Kind


def records_to_csv(kind: Kind, records: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """CSV with a header of field names; list fields joined by commas and translations as JSON, as import reads them."""
    return rows_to_csv(columns or kind.field_names, records)


def rows_to_csv(columns: list[str], records: Iterable[Mapping[str, Any]]) -> str:
    """CSV of any rows with the given columns, written as records are: formulas neutralised, lists joined."""
    return csv_pieces(list(records), columns).text()


def csv_pieces(records: Sequence[Mapping[str, Any]], columns: list[str]) -> Pieces:
    """The header line, then each record's line (a value with line breaks stays quoted inside its record's piece)."""
    out = io.StringIO()
    # A plain writer with one list per row: DictWriter's per-row checks doubled the time of a 100k-record publish.
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    head = out.getvalue()
    items = []
    for record in records:
        out.seek(0)
        out.truncate()
        writer.writerow([_csv_value(record.get(c)) for c in columns])
        items.append(out.getvalue())
    return Pieces(head, items)


# What a spreadsheet takes for the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula, written as text: a leading apostrophe, as OWASP recommends."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """The exact text of a cell `neutralise` wrote, for imports of our own CSV files."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _csv_value(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, list):
        return neutralise(",".join(str(v) for v in value))
    if isinstance(value, dict):  # texts by language: JSON in one cell, as import reads it back
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value
