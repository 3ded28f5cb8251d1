"""Rows from spreadsheets (.xlsx and .ods) as a city's offices keep them: one sheet, a header row, cells as typed.

A spreadsheet knows what its cells are, so nothing is guessed from text:
numbers stay numbers (a whole number stays whole, so a year is a year and not
2016.0), dates become ISO dates, and a formula is read as the value the
spreadsheet last computed and saved with it, which is what its user saw.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.model.errors import ValidationError, suggest

SHEET_SUFFIXES = (".xlsx", ".ods")

Row = tuple[str, dict[str, Any]]


@dataclass
class Sheet:
    """One sheet read: its name, its column names (the first row) and its rows as values by column."""

    name: str
    header: list[str]
    rows: list[Row]


def is_sheet(path: Path) -> bool:
    return path.suffix.lower() in SHEET_SUFFIXES


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """The named sheet of a workbook (the first when no name is given), its first row naming the columns."""
    names, chosen, cells = _read_xlsx(path, sheet) if path.suffix.lower() == ".xlsx" else _read_ods(path, sheet)
    read = _sheet_rows(path, chosen, cells)
    if not read.rows and sheet is None and len(names) > 1:
        raise ValidationError(
            [
                f"{path.name}: its first sheet {chosen!r} holds no rows under its first line; choose the sheet with --sheet NAME (its sheets: {', '.join(names)})"
            ]
        )
    return read


def check_sheet_option(path: Path, sheet: str | None) -> None:
    """`--sheet` names a sheet of a workbook; given for another kind of file it is a mistake worth saying."""
    if sheet is not None and not is_sheet(path):
        raise ValidationError([f"--sheet {sheet}: {path.name} is not a spreadsheet; --sheet chooses a sheet of an .xlsx or .ods file"])


def _choose(path: Path, names: list[str], sheet: str | None) -> str:
    if not names:
        raise ValidationError([f"{path.name} holds no sheets"])
    if sheet is None:
        return names[0]
    if sheet not in names:
        raise ValidationError(
            [f"--sheet {sheet}: {path.name} has no sheet {sheet!r}{suggest(sheet, names)}; its sheets are: {', '.join(names)}"]
        )
    return sheet


def _read_xlsx(path: Path, sheet: str | None) -> tuple[list[str], str, list[list[Any]]]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only: a formula cell gives the value saved with it, not the formula's text.
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError([f"{path.name}: cannot read it as an Excel workbook ({exc}); save it again as .xlsx"]) from None
    try:
        names = list(workbook.sheetnames)
        chosen = _choose(path, names, sheet)
        rows = [[_plain(value) for value in row] for row in workbook[chosen].iter_rows(values_only=True)]
    finally:
        workbook.close()
    return names, chosen, rows


def _read_ods(path: Path, sheet: str | None) -> tuple[list[str], str, list[list[Any]]]:
    import zipfile
    from xml.parsers.expat import ExpatError

    from odf.opendocument import load
    from odf.table import Table

    try:
        document = load(str(path))
    except (zipfile.BadZipFile, KeyError, ExpatError, ValueError) as exc:
        raise ValidationError([f"{path.name}: cannot read it as an OpenDocument spreadsheet ({exc}); save it again as .ods"]) from None
    tables = {str(t.getAttribute("name")): t for t in document.spreadsheet.getElementsByType(Table)}
    names = list(tables)
    chosen = _choose(path, names, sheet)
    try:
        return names, chosen, _ods_rows(tables[chosen])
    except ValueError as exc:  # a number or date cell whose value attribute is not one
        raise ValidationError(
            [f"{path.name} sheet {chosen!r}: a cell's value cannot be read ({exc}); save the file again as .ods"]
        ) from None


# A sheet's last row or column is often repeated to the end of the grid (a million empty rows):
# a repeat is spelled out up to this many times, far more than any inventory repeats a real row.
MAX_REPEAT = 10_000


def _ods_rows(table: Any) -> list[list[Any]]:
    from odf.table import CoveredTableCell, TableCell, TableRow

    cell_names = (TableCell().qname, CoveredTableCell().qname)
    rows: list[list[Any]] = []
    for row in table.getElementsByType(TableRow):
        cells: list[Any] = []
        for cell in row.childNodes:
            if cell.qname not in cell_names:
                continue
            value = _ods_value(cell)
            repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
            cells += [value] * min(repeat, MAX_REPEAT)
        while cells and cells[-1] is None:
            cells.pop()
        rows += [cells] * min(int(row.getAttribute("numberrowsrepeated") or 1), MAX_REPEAT)
    return rows


def _ods_value(cell: Any) -> Any:
    """A cell's value by its declared type; a formula cell holds the value last computed beside the formula."""
    kind = cell.getAttribute("valuetype")
    if kind in ("float", "percentage", "currency"):
        return _plain(float(str(cell.getAttribute("value"))))
    if kind == "date":
        return _plain(dt.datetime.fromisoformat(str(cell.getAttribute("datevalue"))))
    if kind == "boolean":
        return str(cell.getAttribute("booleanvalue")).lower() == "true"
    if kind == "time":
        return str(cell.getAttribute("timevalue"))
    from odf import teletype
    from odf.text import P

    paragraphs = [teletype.extractText(p) for p in cell.getElementsByType(P)]
    text = "\n".join(paragraphs)
    return text if text.strip() else None


def _plain(value: Any) -> Any:
    """A cell's value as a record value: dates as ISO text, whole numbers as ints, blanks as missing."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _sheet_rows(path: Path, name: str, cells: list[list[Any]]) -> Sheet:
    where = f"{path.name} sheet {name!r}"
    if not cells or not any(v is not None for v in cells[0]):
        raise ValidationError([f"{where}: the first row is empty; it must name the columns"])
    header = ["" if v is None else str(v).strip() for v in cells[0]]
    rows: list[Row] = []
    problems: list[str] = []
    for number, row in enumerate(cells[1:], start=2):
        values: dict[str, Any] = {}
        for column, value in enumerate(row):
            if value is None:
                continue
            if column >= len(header) or not header[column]:
                problems.append(
                    f"{where} row {number}: column {_letters(column)} holds {str(value)[:40]!r} but has no name in the first row"
                )
                continue
            values[header[column]] = value
        if values:
            rows.append((f"{where} row {number}: ", values))
    if problems:
        raise ValidationError(problems[:20] + ["name those columns in the first row, or clear them"])
    return Sheet(name, [h for h in header if h], rows)


def _letters(column: int) -> str:
    """A column's letters as spreadsheets show them: 0 is A, 26 is AA."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
