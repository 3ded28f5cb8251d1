"""`commons serve`: Datasette on the public copy, read-only whatever is asked of it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from processes import read_line, stop

from registry.cli import cli
from registry.operations.examples import example_data
from registry.publishing.datasette import PUBLIC_SETTINGS, datasette_app, load_metadata
from registry.publishing.publish import publish_registry
from registry.publishing.request_guards import public_asgi
from registry.store.database import open_registry

ROOT = Path(__file__).resolve().parents[1]
METADATA_PATH = ROOT / "metadata.json"

WRITE_ENDPOINTS = [
    "/-/create",
    "/public/-/create",
    "/public/assets/-/insert",
    "/public/assets/-/upsert",
    "/public/assets/nap-asilo/-/update",
    "/public/assets/nap-asilo/-/delete",
    "/public/assets/-/drop",
    "/public/assets",
    "/public",
    "/public/agreements_expiring",
    "/-/messages",
    "/-/permissions",
    "/-/allow-debug",
    "/-/auth-token",
]

WRITING_SQL = [
    "insert into assets (id, name) values ('intruder', 'x')",
    "update assets set name = 'changed'",
    "delete from assets",
    "drop table assets",
    "create table intruder (x)",
    "with x as (select 1) insert into assets (id) select 'intruder'",
    "with x as (select 1) update assets set name = 'changed'",
    "attach database '{tmp}/attached.db' as other",
    "select * from assets; attach database '{tmp}/attached.db' as other",
    "vacuum into '{tmp}/copy.db'",
    "select load_extension('{tmp}/evil')",
    "pragma writable_schema = 1",
    "select * from pragma_journal_mode('delete')",
    "replace into assets (id) values ('intruder')",
]


@pytest.fixture(scope="module")
def public_db(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve")
    registry = open_registry(example_master, migrate=False)
    try:
        return publish_registry(registry, folder / "public").database
    finally:
        registry.close()


@pytest.fixture(scope="module")
def ds(public_db: Path) -> Any:
    return datasette_app(public_db, load_metadata(METADATA_PATH))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_datasette_serves_the_copy_immutable_with_the_public_settings(ds: Any) -> None:
    await ds.invoke_startup()
    databases = (await ds.client.get("/-/databases.json")).json()
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("public", False)]
    settings = (await ds.client.get("/-/settings.json")).json()
    for name, value in PUBLIC_SETTINGS.items():
        assert settings[name] == value, name
    assert settings["suggest_facets"] is False


@pytest.mark.parametrize("path", WRITE_ENDPOINTS)
async def test_datasette_itself_refuses_posts(ds: Any, public_db: Path, path: str) -> None:
    before = digest(public_db)
    await ds.invoke_startup()
    response = await ds.client.post(path, json={"row": {"id": "intruder", "name": "x"}, "rows": [{"id": "intruder"}], "table": "intruder"})
    assert not 200 <= response.status_code < 300  # /-/messages answers 302: it only sets a cookie
    assert digest(public_db) == before


@pytest.mark.parametrize("path", WRITE_ENDPOINTS)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_served_app_answers_every_write_with_405(ds: Any, public_db: Path, path: str, method: str) -> None:
    before = digest(public_db)
    await ds.invoke_startup()
    transport = httpx.ASGITransport(app=public_asgi(ds.app()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.request(method, path, json={"row": {"id": "intruder"}})
        assert response.status_code == 405
        assert (await client.get("/public/assets.json")).status_code == 200
    assert digest(public_db) == before


@pytest.mark.parametrize("sql", WRITING_SQL)
async def test_sql_that_writes_attaches_or_loads_extensions_is_refused(ds: Any, public_db: Path, tmp_path: Path, sql: str) -> None:
    before = digest(public_db)
    await ds.invoke_startup()
    response = await ds.client.get("/public.json?" + httpx.QueryParams({"sql": sql.format(tmp=tmp_path)}).__str__())
    body = response.json()
    assert response.status_code == 400 or body.get("ok") is False, body
    assert digest(public_db) == before
    assert list(tmp_path.iterdir()) == []
    count = (await ds.client.get("/public.json?sql=select+count(*)+as+n+from+assets&_shape=array")).json()
    assert count == [{"n": len(example_data()["assets"])}]


async def test_read_only_sql_is_allowed_but_capped(ds: Any) -> None:
    await ds.invoke_startup()
    many = "with recursive n(x) as (select 1 union all select x + 1 from n where x < 5000) select x from n"
    body = (await ds.client.get("/public.json?" + str(httpx.QueryParams({"sql": many})))).json()
    assert len(body["rows"]) == PUBLIC_SETTINGS["max_returned_rows"] and body["truncated"] is True
    joined = "select a.name, count(*) as n from assets a join agreements g on g.asset_id = a.id group by a.id"
    assert (await ds.client.get("/public.json?" + str(httpx.QueryParams({"sql": joined})))).json()["rows"]


async def test_slow_sql_is_stopped_at_the_time_limit(public_db: Path) -> None:
    fast = datasette_app(public_db, {}, {"sql_time_limit_ms": 50})
    await fast.invoke_startup()
    endless = "with recursive n(x) as (select 1 union all select x + 1 from n) select count(*) from n"
    response = await fast.client.get("/public.json?" + str(httpx.QueryParams({"sql": endless})))
    assert response.status_code == 400
    assert "too long" in response.text.lower() or "interrupted" in response.text.lower()


async def test_unknown_addresses_answer_404_not_500(ds: Any) -> None:
    await ds.invoke_startup()
    for path in ["/no/such/page/at/all", "/nope", "/public/nope", "/public/assets/no-such-asset"]:
        assert (await ds.client.get(path)).status_code == 404, path


async def test_the_public_copy_can_be_downloaded(ds: Any, public_db: Path) -> None:
    await ds.invoke_startup()
    response = await ds.client.get("/public.db")
    assert response.status_code == 200 and response.content == public_db.read_bytes()


# The command ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(example_registry: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "registry",
        "--db",
        str(example_registry),
        "serve",
        "--port",
        str(port),
        "-o",
        str(tmp_path / "public"),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = read_line(process.stdout, timeout=60)
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            process.kill()
            pytest.fail(f"`commons serve` announced no URL: {line!r} {process.stderr.read() if process.stderr else ''}")
        assert int(match.group(1)) == port
        yield match.group(0), process
    finally:
        stop(process)


def test_commons_serve_answers_over_http_and_refuses_writes(server: tuple[str, subprocess.Popen[str]], tmp_path: Path) -> None:
    url, process = server
    with httpx.Client(base_url=url, timeout=10) as client:
        assets = client.get("/public/assets.json", params={"_shape": "array", "_size": "max"})
        assert assets.status_code == 200
        assert sorted(a["id"] for a in assets.json()) == sorted(a["id"] for a in example_data()["assets"])
        assert "internal_notes" not in assets.json()[0]
        matrix = client.get("/public/bovaird_matrix.json", params={"_shape": "array"})
        assert matrix.status_code == 200 and len(matrix.json()) == 9
        assert client.get("/public/assets", params={"_search": "Filangieri"}).status_code == 200
        assert client.post("/public/assets/-/insert", json={"row": {"id": "intruder"}}).status_code == 405
        refused = client.get("/public.json", params={"sql": "insert into assets (id) values ('intruder')"})
        assert refused.status_code == 400
    assert (tmp_path / "public" / "public.db").is_file()
    assert process.poll() is None
    process.terminate()
    assert process.wait(timeout=15) in (0, -15)


def test_serve_without_publishing_needs_an_existing_copy(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "serve", "--no-publish", "-o", str(tmp_path / "public")])
    assert result.exit_code == 1
    assert "no public copy" in result.output and "commons publish" in result.output
    assert "Traceback" not in result.output


def test_serve_on_a_busy_port_says_so(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["--db", str(example_registry), "serve", "--port", str(port), "-o", str(tmp_path / "public")])
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}" in result.output and "--port" in result.output


def test_serve_with_broken_metadata_names_the_file(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    broken = tmp_path / "metadata.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(example_registry), "serve", "--metadata", str(broken), "-o", str(tmp_path / "public")])
    assert result.exit_code == 1
    assert str(broken) in result.output and "not valid JSON" in result.output


def test_help_stays_fast_without_importing_datasette() -> None:
    code = "import sys, registry.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('datasette', 'uvicorn', 'sqlite_utils')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# Docs -------------------------------------------------------------------------


def setting_flag(name: str, value: object) -> str:
    shown = {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) else value
    return f"--setting {name} {shown}"


def test_deployment_docs_use_the_same_settings_and_metadata() -> None:
    docs = (ROOT / "docs" / "datasette.md").read_text(encoding="utf-8")
    for name, value in PUBLIC_SETTINGS.items():
        assert setting_flag(name, value) in docs, f"docs/datasette.md does not pass {setting_flag(name, value)}"
    for needed in ("datasette package public.db", "datasette publish cloudrun", "datasette publish fly", "datasette publish vercel"):
        assert needed in docs, needed
    assert "datasette serve -i public.db" in docs and "-m metadata.json" in docs
    assert "datasette-cluster-map==" + cluster_map_pin() in docs


def cluster_map_pin() -> str:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'"datasette-cluster-map==([^"]+)"', pyproject)
    assert found, "datasette-cluster-map is not pinned in pyproject.toml"
    return found.group(1)


def test_the_docs_recipe_serves_several_cities_side_by_side(public_db: Path, tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "datasette.md").read_text(encoding="utf-8")
    recipe = re.search(r"## Several cities side by side.*?```python\n(.*?)```", docs, re.DOTALL)
    assert recipe, "docs/datasette.md lost its recipe for several cities"
    shutil.copyfile(METADATA_PATH, tmp_path / "metadata.json")
    subprocess.run([sys.executable, "-c", recipe.group(1)], cwd=tmp_path, check=True)
    metadata = json.loads((tmp_path / "metadata-cities.json").read_text(encoding="utf-8"))
    for city in ("naples", "bologna"):
        shutil.copyfile(public_db, tmp_path / f"{city}.db")

    async def check() -> None:
        from datasette.app import Datasette

        both = Datasette(immutables=[str(tmp_path / "naples.db"), str(tmp_path / "bologna.db")], metadata=metadata)
        await both.invoke_startup()
        for city in ("naples", "bologna"):
            rows = (await both.client.get(f"/{city}/bovaird_matrix.json?_shape=array")).json()
            assert len(rows) == 9, city
            assets = (await both.client.get(f"/{city}/assets.json?_shape=objects&_size=1")).json()
            assert set(assets["facet_results"]) >= {"city", "kind", "status"}, city

    asyncio.run(check())
