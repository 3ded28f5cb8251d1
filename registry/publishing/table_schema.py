"""Table Schema (Frictionless) for every download: a field type per declared type, keys and references.

One mapping from our field types to Table Schema's, so the data package, its
validation and the codebook agree on what each column holds. Dates that may be
a year, a month or a day are strings with a pattern, not dates: Table Schema
has no partial date, and calling them dates would make a validator refuse
"2012". A CSV cell holds a list joined by commas (`list` with a delimiter);
the JSON files hold a real array.
"""

from __future__ import annotations

from typing import Any

from registry.model.declaration import Field, Kind
from registry.model.relations import Relation
from registry.model.values import PARTIAL_DATE_RE, SLUG_RE

LIST_DELIMITER = ","

# Our type -> (Table Schema type, format, constraints every value meets)
_TYPES: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "text": ("string", None, {}),
    "markdown": ("string", None, {}),
    "ref": ("string", None, {}),
    "slug": ("string", None, {"pattern": SLUG_RE.pattern.strip("^$")}),
    "enum": ("string", None, {}),
    "lat": ("number", None, {"minimum": -90, "maximum": 90}),
    "lon": ("number", None, {"minimum": -180, "maximum": 180}),
    "number": ("number", None, {"minimum": 0}),
    "integer": ("integer", None, {}),
    "year": ("year", None, {}),
    "date": ("date", None, {}),
    "partial_date": ("string", None, {"pattern": PARTIAL_DATE_RE.pattern.strip("^$")}),
    "url": ("string", "uri", {}),
    "email": ("string", "email", {}),
    "country": ("string", None, {"pattern": "[A-Z]{2}"}),
    "opening_hours": ("string", None, {}),
    "geometry": ("geojson", None, {}),
    "language": ("string", None, {}),
    "translations": ("object", None, {}),
    "scores": ("object", None, {}),
}


def table_field(f: Field, tabular_format: str) -> dict[str, Any]:
    """One column as a Table Schema field; `tabular_format` is "csv" or "json", which differ only for lists."""
    described: dict[str, Any] = {"name": f.name, "title": f.name.replace("_", " ").capitalize(), "description": f.description}
    constraints: dict[str, Any] = {}
    if f.type == "enum_list":
        if tabular_format == "csv":
            described.update({"type": "list", "delimiter": LIST_DELIMITER, "itemType": "string"})
        else:
            described["type"] = "array"
    else:
        kind, fmt, extra = _TYPES[f.type]
        described["type"] = kind
        if fmt:
            described["format"] = fmt
        constraints.update(extra)
    if f.type == "enum" and f.choices:
        constraints["enum"] = list(f.choices)
    if f.required:
        constraints["required"] = True
    if constraints:
        described["constraints"] = constraints
    return described


def kind_schema(kind: Kind, tabular_format: str, resource_of: dict[str, str]) -> dict[str, Any]:
    """A kind's records: its public fields, `id` as the key, and a reference for every field naming another record."""
    fields = [table_field(f, tabular_format) for f in kind.public_fields]
    for field in fields:
        if field["name"] == "id":
            field.setdefault("constraints", {})["unique"] = True
    schema: dict[str, Any] = {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}
    keys = _foreign_keys(kind.public_fields, resource_of)
    if keys:
        schema["foreignKeys"] = keys
    return schema


def relation_schema(relation: Relation, tabular_format: str, resource_of: dict[str, str]) -> dict[str, Any]:
    """A link, timeline, source or citation table: its columns, compound key and references."""
    schema: dict[str, Any] = {
        "fields": [table_field(f, tabular_format) for f in relation.fields],
        "primaryKey": list(relation.primary_key),
        "missingValues": [""],
    }
    keys = _foreign_keys(relation.fields, resource_of)
    if keys:
        schema["foreignKeys"] = keys
    return schema


def _foreign_keys(fields: tuple[Field, ...] | list[Field], resource_of: dict[str, str]) -> list[dict[str, Any]]:
    """References to the resource holding the named records; `resource_of` maps a kind or table to its resource."""
    keys = []
    for f in fields:
        if f.ref is not None and f.ref in resource_of:
            keys.append({"fields": [f.name], "reference": {"resource": resource_of[f.ref], "fields": ["id"]}})
    return keys
