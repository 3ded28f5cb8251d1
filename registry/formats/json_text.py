"""Records as JSON text: an array for export, one record per line for downloads."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any


def records_to_json(records: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """A JSON list of records, keys in field order."""
    rows = [{c: r.get(c) for c in columns} if columns else dict(r) for r in records]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def json_array_by_line(items: list[dict[str, Any]]) -> str:
    """A JSON array with one compact item per line: diffs show one line per changed record.

    Each item goes through json's C encoder; `indent=` would use the pure-Python
    one, which took 5 s for 100k records.
    """
    if not items:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]\n"
