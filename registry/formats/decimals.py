"""Numbers as Italian, Spanish and French spreadsheets write them in `;`-separated files: 14,2556 and 1.234,56.

Excel and LibreOffice in those languages save CSV with semicolons because the
comma is their decimal mark, and a dot (or a space) groups thousands. A number
is read only when its writing has one meaning; one that could be either
(1.234: a thousand and more, or one and a bit) is refused with its row, field
and the fix, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import ValidationError

NUMBER_TYPES = ("number", "lat", "lon")

# Spaces that group thousands: plain, no-break and narrow no-break (French).
GROUPING_SPACES = re.compile(r"[ \u00a0\u202f]")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")  # 14,2556
DOTS_AND_COMMA = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d+")  # 1.234,56
DOTS_ONLY = re.compile(r"[+-]?\d{1,3}(?:\.\d{3}){2,}")  # 1.234.567: several dots cannot be decimal points
PLAIN = re.compile(r"[+-]?\d+(?:\.\d+)?")
ONE_DOT_THREE_DIGITS = re.compile(r"[+-]?[1-9]\d{0,2}\.\d{3}")  # 1.234: a thousand, or one and a bit?


def read_decimal_comma(text: str, *, degrees: bool = False) -> str:
    """A number written with a decimal comma, as Python writes it: '1.234,56' → '1234.56'.

    Text that is no number of these shapes is returned as it is, for the field's
    own rule to judge. `degrees` is for coordinates: they never reach a
    thousand, so a dot in them is always a decimal point.
    """
    s = GROUPING_SPACES.sub("", text.strip())
    if DECIMAL_COMMA.fullmatch(s):
        return s.replace(",", ".")
    if DOTS_AND_COMMA.fullmatch(s) or DOTS_ONLY.fullmatch(s):
        return s.replace(".", "").replace(",", ".")
    if ONE_DOT_THREE_DIGITS.fullmatch(s) and not degrees:
        whole = s.replace(".", "")
        raise ValueError(
            f"{text.strip()!r} could be {whole} (a dot grouping thousands, as in files with decimal commas) or {s} (a decimal point); "
            f"write it as {whole} or as {s.replace('.', ',')} and import again"
        )
    return s if PLAIN.fullmatch(s) else text


def read_decimal_commas(kind: Kind, rows: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Rows of a file written with decimal commas, their number fields as plain numbers; every ambiguous one refused."""
    numeric = [f for f in kind.fields if f.type in NUMBER_TYPES]
    read: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    for where, values in rows:
        for f in numeric:
            value = values.get(f.name)
            if not isinstance(value, str):
                continue
            try:
                values[f.name] = read_decimal_comma(value, degrees=f.type != "number")
            except ValueError as exc:
                who = f" {values['id']!r}" if isinstance(values.get("id"), str) else ""
                problems.append(f"{where}{kind.singular}{who}: field {f.name!r}: {exc}")
        read.append((where, values))
    if problems:
        raise ValidationError(problems[:20] + ["nothing was imported; fix these numbers and run the import again"])
    return read
