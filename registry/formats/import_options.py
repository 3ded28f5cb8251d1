"""What one import is asked to do beyond reading its files: values for every row, ids from names, a sheet, updates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImportOptions:
    """`commons import --set/--id-from/--sheet/--update`, for every file of one import.

    `assignments` fill the fields a row leaves empty (its own values win);
    `id_from` names the field whose value, slugged, gives a row without an id
    its id; `update` lets rows whose id is taken update that record instead of
    being refused.
    """

    assignments: Mapping[str, str] = field(default_factory=dict)
    id_from: str | None = None
    sheet: str | None = None
    update: bool = False


NO_OPTIONS = ImportOptions()
