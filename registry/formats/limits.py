"""How much one import may read: a file's size, an archive's expanded size, the records it holds.

A 15 MB zipped Shapefile that expanded to 3 million features was refused only
after 222 s and 3.7 GB, and a 1M-row JSON took 2 GB. These limits are checked
before the file is read whole (a zip's directory and a GIS layer's feature
count are read first); each message names the limit and the option that
raises it, for the lab whose real inventory is that large.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from registry.model.errors import ValidationError

MEGABYTE = 1_000_000

# Files that are zip archives inside: zipped Shapefiles, and spreadsheets (an .xlsx or .ods is XML zipped).
ZIPPED_SUFFIXES = (".zip", ".xlsx", ".ods")


@dataclass(frozen=True)
class ImportLimits:
    """The most one import reads; `commons import --max-mb/--max-records` raise them."""

    max_bytes: int = 250 * MEGABYTE
    max_records: int = 250_000


DEFAULT_LIMITS = ImportLimits()


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:,.0f} MB" if size >= 10 * MEGABYTE else f"{size / MEGABYTE:,.1f} MB"


def check_file_size(path: Path, limits: ImportLimits) -> None:
    """Refuse a file, or a zip archive once expanded, larger than the limit, before reading it."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ValidationError(
            [
                f"{path.name} is {_megabytes(size)}, over the {_megabytes(limits.max_bytes)} one import reads; "
                f"raise the limit with --max-mb {size // MEGABYTE + 1} if the file is what you meant"
            ]
        )
    if path.suffix.lower() in ZIPPED_SUFFIXES and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
        if expanded > limits.max_bytes:
            raise ValidationError(
                [
                    f"{path.name} expands to {_megabytes(expanded)}, over the {_megabytes(limits.max_bytes)} one import reads; "
                    f"raise the limit with --max-mb {expanded // MEGABYTE + 1} if the archive is what you meant"
                ]
            )


def check_record_count(path: Path, count: int, limits: ImportLimits, what: str = "records") -> None:
    """Refuse a file holding more records (rows, features) than the limit."""
    if count > limits.max_records:
        raise ValidationError(
            [
                f"{path.name} holds {count:,} {what}, over the {limits.max_records:,} one import takes; "
                f"raise the limit with --max-records {count} if they are all meant to go in"
            ]
        )
