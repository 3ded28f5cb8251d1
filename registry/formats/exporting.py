"""Exporting a kind's records in any of the formats, private fields included or not."""

from __future__ import annotations

from registry.formats.csv_text import records_to_csv
from registry.formats.json_text import records_to_json
from registry.model.errors import ValidationError
from registry.model.kinds import get_kind
from registry.store.database import Registry


def export_records(registry: Registry, kind_name: str, fmt: str, *, include_private: bool = True) -> str:
    """A kind's records as CSV or JSON text, for `commons export` and backups by hand."""
    from registry.operations.records import list_records

    kind = get_kind(kind_name)
    columns = kind.field_names if include_private else [f.name for f in kind.public_fields]
    records = list_records(registry, kind.name)
    if fmt == "csv":
        return records_to_csv(kind, records, columns)
    if fmt == "json":
        return records_to_json(records, columns)
    raise ValidationError([f"--format {fmt!r} is not supported here: use csv or json (geojson and gpkg are spatial exports)"])
