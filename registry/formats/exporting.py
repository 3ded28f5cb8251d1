"""Exporting a kind's records in any format of the table, private fields included or not."""

from __future__ import annotations

from registry.formats.places import place_columns, with_places
from registry.formats.writers import get_format
from registry.model.kinds import get_kind
from registry.operations.records import list_records
from registry.store.database import Registry


def export_records(registry: Registry, kind_name: str, fmt: str, *, include_private: bool = True) -> str | bytes:
    """A kind's records as the content of a file in the format, for `commons export`."""
    kind = get_kind(kind_name)
    writer = get_format(fmt, kind)
    columns = kind.field_names if include_private else [f.name for f in kind.public_fields]
    records = list_records(registry, kind.name)
    if writer.spatial:
        return writer.write(kind, with_places(registry.conn, kind, records), place_columns(kind, columns))
    return writer.write(kind, records, columns)
