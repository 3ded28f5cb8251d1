"""Records as CSV text: one column per field, lists joined, the same for export and downloads."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from registry.model.declaration import Kind


def records_to_csv(kind: Kind, records: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """CSV with a header of field names; list fields joined by commas and translations as JSON, as import reads them."""
    columns = columns or kind.field_names
    out = io.StringIO()
    # A plain writer with one list per row: DictWriter's per-row checks doubled the time of a 100k-record publish.
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    lists = {f.name for f in kind.fields if f.type in ("enum_list", "translations")} & set(columns)
    if lists:
        writer.writerows([_csv_value(record.get(c)) for c in columns] for record in records)
    else:
        # csv writes None as an empty field itself: no per-value call for kinds without list fields.
        writer.writerows([record.get(c) for c in columns] for record in records)
    return out.getvalue()


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):  # texts by language: JSON in one cell, as import reads it back
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value
