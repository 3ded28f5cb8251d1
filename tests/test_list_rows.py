"""A list page is hashed by the values its rows are made from, so those values must be all a row reads."""

from __future__ import annotations

from conftest import BuiltSite

from registry.model.kinds import KINDS
from registry.site.data import load_site_data
from registry.site.pages.list_rows import row, row_fields


def test_a_row_is_made_from_its_row_fields_alone(built_site: BuiltSite) -> None:
    data = load_site_data(built_site.output / "data" / "public.db")
    checked = 0
    for kind in KINDS:
        fields = row_fields(kind)
        for record in data.records[kind].values():
            assert row(kind, record) == row(kind, {f: record.get(f) for f in fields}), (kind, record["id"])
            checked += 1
    assert checked > 100 and all(data.records[kind] for kind in KINDS), "every kind of the example is checked"
