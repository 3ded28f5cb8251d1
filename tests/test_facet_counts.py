"""Default facets counted once at Datasette's start-up: the same answers as Datasette's own counts, without counting per request."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette

from registry.publishing import facet_counts
from registry.publishing.datasette import datasette_app, load_metadata, unsafe_plugins

ROOT = Path(__file__).resolve().parents[1]

# Pages whose facets the start-up counts answer: the table, an extra facet, one filter on a value rows hold.
COUNTED_PAGES = [
    "/public/assets.json",
    "/public/assets.json?_facet=status",
    "/public/assets.json?status=occupied",
    "/public/assets.json?status__exact=unused&_sort=city",
    "/public/assets.json?_facet_size=2",
    "/public/actors.json?city=Napoli",
    "/public/agreements.json?term_state=lapsed",
    "/public/changes.json",
    "/public/case_studies.json",
]
# Pages Datasette still counts itself: a search, two filters, `_where`, a later page, a filter on a column
# that is not a default facet, a facet under a filter outside the indexed ones, a value no row holds.
OTHER_PAGES = [
    "/public/assets.json?_search=garden",
    "/public/assets.json?status=occupied&kind=garden",
    "/public/assets.json?_where=status%20%3D%20%27occupied%27",
    "/public/assets.json?owner=municipal",
    "/public/changes.json?action=insert",
    "/public/case_studies.json?level=3",
    "/public/assets.json?kind=no-such-kind",
]


@pytest.fixture
async def ds(scaled_public: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(facet_counts, "FEWEST_ROWS", 1)  # every filter value of the small synthetic copy is kept
    served = datasette_app(scaled_public, load_metadata(ROOT / "metadata.json"))
    await served.invoke_startup()
    return served


async def facets(ds: Any, path: str) -> tuple[int, Any, Any]:
    response = await ds.client.get(path)
    body = response.json()
    return response.status_code, body.get("facet_results"), body.get("facets_timed_out")


async def datasettes_own(ds: Any, path: str) -> tuple[int, Any, Any]:
    """The page's facets as Datasette counts them, with the start-up counts set aside."""
    counts = facet_counts.COUNTS.pop(ds)
    try:
        return await facets(ds, path)
    finally:
        facet_counts.COUNTS[ds] = counts


@pytest.mark.parametrize("path", COUNTED_PAGES + OTHER_PAGES)
async def test_facets_are_the_counts_datasette_itself_gives(ds: Any, path: str) -> None:
    ours = await facets(ds, path)
    assert ours[0] == 200
    assert ours == await datasettes_own(ds, path)


@pytest.fixture
def planted(ds: Any) -> Iterator[dict[str, Any]]:
    """Every start-up count replaced by a value no row holds, so a page that reads them shows it."""
    saved = facet_counts.COUNTS[ds]
    planted: dict[str, Any] = {}
    for table, counts in saved["public"].items():
        fake = facet_counts.TableCounts(counts.whole_sql, {c: [("planted", 1)] for c in counts.whole}, counts.indexed)
        fake.filtered = {f: {v: {c: [("planted", 1)] for c in counts.indexed} for v in by} for f, by in counts.filtered.items()}
        planted[table] = fake
    facet_counts.COUNTS[ds] = {"public": planted}
    yield planted
    facet_counts.COUNTS[ds] = saved


@pytest.mark.parametrize("path", COUNTED_PAGES)
async def test_a_journalists_first_pages_read_the_start_up_counts_instead_of_counting(ds: Any, planted: Any, path: str) -> None:
    _, results, _ = await facets(ds, path)
    shown = {name: [v["value"] for v in facet["results"]] for name, facet in results.items() if facet["type"] == "column"}
    assert shown and all(values == ["planted"] for values in shown.values()), shown


@pytest.mark.parametrize("path", OTHER_PAGES)
async def test_pages_of_any_other_shape_are_counted_by_datasette(ds: Any, planted: Any, path: str) -> None:
    _, results, _ = await facets(ds, path)
    assert all("planted" not in [v["value"] for v in facet["results"]] for facet in results.values())


async def test_a_filter_value_held_by_few_rows_is_counted_by_datasette(scaled_public: Path) -> None:
    served = datasette_app(scaled_public, load_metadata(ROOT / "metadata.json"))
    await served.invoke_startup()
    counts = facet_counts.COUNTS[served]["public"]["assets"]
    held = {value: sum(n for _, n in by["status"]) for value, by in counts.filtered["status"].items()}
    assert all(n >= facet_counts.FEWEST_ROWS for n in held.values())
    rare = "/public/assets.json?status=occupied"  # a few hundred rows in this copy
    assert "occupied" not in counts.filtered["status"]
    assert await facets(served, rare) == await datasettes_own(served, rare)


def test_only_columns_compared_as_stored_text_are_counted_under_a_filter(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (a TEXT, b INTEGER, c, d VARCHAR(10), e NUMERIC)")
    conn.execute("CREATE TABLE folded (a TEXT COLLATE NOCASE)")
    compared = {c: facet_counts.text_compared(conn, "t", c) for c in "abcde"}
    # `b = '3'` matches the integer 3 and `folded.a = 'x'` matches 'X': a lookup by the stored value would miss them.
    assert compared == {"a": True, "b": False, "c": True, "d": True, "e": False}
    assert not facet_counts.text_compared(conn, "folded", "a")


async def test_a_database_that_can_change_is_never_counted(scaled_public: Path, tmp_path: Path) -> None:
    writable = tmp_path / "public.db"
    writable.write_bytes(scaled_public.read_bytes())
    facet_counts.install()
    served = Datasette(files=[str(writable)], metadata=load_metadata(ROOT / "metadata.json"))
    await served.invoke_startup()
    assert facet_counts.COUNTS[served]["public"] == {}


def test_the_counting_plugin_is_ours_not_a_risky_one(ds: Any) -> None:
    assert facet_counts.PLUGIN_NAME not in unsafe_plugins()
