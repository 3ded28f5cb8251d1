"""Records as JSON text: an array with one compact record per line, for exports, listings and downloads."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from registry.formats.pieces import Pieces


def json_pieces(records: Sequence[Mapping[str, Any]], columns: list[str]) -> Pieces:
    """A JSON array with one compact record per line (diffs show one line per changed record), a piece per line.

    Each item goes through json's C encoder; `indent=` would use the pure-Python
    one, which took 5 s for 100k records.
    """
    return Pieces("[\n", [json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) for r in records], ",\n", "\n]\n", "[]\n")
