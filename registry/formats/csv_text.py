"""Records as CSV text: one column per field, lists joined, the same for export and downloads.

A cell that a spreadsheet would run as a formula (=, +, -, @, tab, return) is
written after an apostrophe; our importer takes the apostrophe off again, and
the JSON files and the database keep the exact text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from registry.model.declaration import Kind


def records_to_csv(kind: Kind, records: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """CSV with a header of field names; list fields joined by commas and translations as JSON, as import reads them."""
    return rows_to_csv(columns or kind.field_names, records)


def rows_to_csv(columns: list[str], records: Iterable[Mapping[str, Any]]) -> str:
    """CSV of any rows with the given columns, written as records are: formulas neutralised, lists joined."""
    out = io.StringIO()
    # A plain writer with one list per row: DictWriter's per-row checks doubled the time of a 100k-record publish.
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_csv_value(record.get(c)) for c in columns] for record in records)
    return out.getvalue()


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
