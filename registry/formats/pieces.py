"""A file of records as pieces: its head, one text per record, the separator between records, its tail.

The site rewrites each kind's downloads after an edit. With every record's text
a piece of its own, a rebuild replaces only the edited records' pieces in the
last file instead of writing 100k records again (publishing/downloads.py).
The CSV, JSON and GeoJSON writers are their pieces joined, so a spliced file
and a freshly written one are the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pieces:
    """A file's text cut at its records: `head` + `sep`.join(`items`) + `tail`, or `empty` when there are none."""

    head: str
    items: list[str]
    sep: str = ""
    tail: str = ""
    empty: str | None = None  # the whole text of a file without records, where it is not head + tail

    def text(self) -> str:
        if not self.items and self.empty is not None:
            return self.empty
        return self.head + self.sep.join(self.items) + self.tail

    def frame(self) -> tuple[bytes, bytes, bytes]:
        """Head, separator and tail as the file's UTF-8 bytes: what joins or splices records already encoded."""
        return self.head.encode("utf-8"), self.sep.encode("utf-8"), self.tail.encode("utf-8")


PieceWriter = Callable[[Sequence[Mapping[str, Any]], list[str]], Pieces]
