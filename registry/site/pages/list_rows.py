"""One line of a list, and the head of a kind's lists: what every list page, the map page's lists and the guide's case list show."""

from __future__ import annotations

from typing import Any

from registry.model import vocab
from registry.model.kinds import KINDS
from registry.site.views import record_url, years
from registry.site.words import UNTRANSLATED, Words, country_name


def row(kind: str, record: dict[str, Any], w: Words = UNTRANSLATED) -> dict[str, Any]:
    """One line of a list: enough to recognise the record and choose to open it, in the kind's declared columns.

    Each column's value is also kept under its own name (`status_label`,
    `city`, `years`...), for the lists that show one or two of them.
    """
    spec = KINDS[kind]
    base: dict[str, Any] = {
        "id": record["id"],
        "url": record_url(kind, record["id"]),
        "title": record.get(spec.title_field) or record["id"],
    }
    cells = []
    for column in spec.list_columns:
        value: Any
        if column.show == "label":
            value = w.label(spec, column.field, record.get(column.field)) or None
            base[f"{column.field}_label"] = value
        elif column.show == "place":
            city, country = record.get("city"), country_name(record.get("country"))
            base.update(city=city, country=country)
            value = ", ".join(part for part in (city, country) if part) or None
        elif column.show == "years":
            value = years(record)
            base.update(years=value, start_year=record.get("start_year"), end_year=record.get("end_year"))
        elif column.show == "term":
            value = vocab.label(w.TERM_STATES, record.get(column.field)) or None
            base.update(term_state=record.get(column.field), term_label=value)
        else:
            value = record.get(column.field)
            base[column.field] = value
        cells.append({"show": column.show, "value": value})
    base["cells"] = cells
    return base


def list_columns(kind: str, w: Words = UNTRANSLATED) -> dict[str, Any]:
    """The head of a kind's lists: the title column's heading, then each declared column's."""
    spec = KINDS[kind]
    return {
        "heading": w.gettext("Name") if spec.title_field == "name" else w.gettext("Title"),
        "columns": [w.gettext(column.title) for column in spec.list_columns],
    }


def row_fields(kind: str) -> list[str]:
    """The record's fields a row is made from (with the words): equal values make equal rows, so a list page is hashed by them."""
    spec = KINDS[kind]
    fields = ["id", spec.title_field]
    for column in spec.list_columns:
        fields += {"place": ["city", "country"], "years": ["start_year", "end_year"]}.get(column.show, [column.field])
    return fields
