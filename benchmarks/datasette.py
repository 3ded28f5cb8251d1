"""Datasette at 100k and 1M records: p50/p95 of every canned query in metadata.json, beside SQLite alone,
and of the table pages a journalist opens first (JOURNALIST_PAGES), as HTML and as JSON.

The registry is written with bulk SQL (benchmarks.synthetic.write_registry),
then published with `commons publish`, so public.db has exactly the tables,
indexes and full-text search a real one has. Datasette runs in this process
with the settings and start-up `commons serve` uses (registry.publishing.datasette) and is
asked through `ds.client`, so the figures are Datasette's own work without
network noise. Canned queries run with their default (empty) parameters, as a
journalist's first click does. The reference is the same SQL through sqlite3
on the same file: the gap is what Datasette adds.

The table pages are the assets table as a journalist meets it: the page
itself (rows, count and the facets metadata.json asks for), a facet asked in
the address, a filter on a real status, and full-text searches for a common
and a rare word. The words come from the synthetic generator: every asset's
description is 40-160 words drawn from its 35-word vocabulary, so COMMON_WORD
is in nearly every asset; an asset's name ends in its own number, so
RARE_WORD is in the name of asset 31415 alone (from 100k records up; at
smaller sizes it matches nothing, which is still a search to time). Each page
is timed as the HTML a browser gets and as its .json.

To time the queries again on a public.db already made (e.g. one kept with
`--keep`, after changing metadata.json or adding an index to it by hand),
without generating and publishing 1M records again:

    python -m benchmarks.datasette PATH/TO/public.db [--requests 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from .context import PROJECT, Context
from .measure import median, percentile, run

NAMED = re.compile(r"(?<![:\w]):(\w+)")

COMMON_WORD = "garden"
RARE_WORD = "31415"
# A journalist's first pages of the largest table, by name: the address, without `.json`.
JOURNALIST_PAGES = {
    "table": "/public/assets",
    "facet": "/public/assets?_facet=status",
    "filter": "/public/assets?status=occupied",
    "search_common": f"/public/assets?_search={COMMON_WORD}",
    "search_rare": f"/public/assets?_search={RARE_WORD}",
}


@dataclass
class QueryFigures:
    """One canned query's latencies through Datasette and through sqlite3, in milliseconds."""

    status: int
    rows: int
    truncated: bool
    datasette_ms: list[float]
    sqlite_ms: list[float]
    error: str | None = None

    @property
    def p50(self) -> float:
        return median(self.datasette_ms)

    @property
    def p95(self) -> float:
        return percentile(self.datasette_ms, 0.95)

    @property
    def sqlite_p50(self) -> float:
        return median(self.sqlite_ms)


@dataclass
class PageFigures:
    """One table page's latencies as HTML and as JSON, in milliseconds, and what its JSON held."""

    path: str
    status: int
    json_status: int
    rows: int
    count: int | None
    timed_out: list[str]
    html_ms: list[float]
    json_ms: list[float]

    @property
    def p50(self) -> float:
        return median(self.html_ms)

    @property
    def p95(self) -> float:
        return percentile(self.html_ms, 0.95)

    @property
    def json_p50(self) -> float:
        return median(self.json_ms)

    @property
    def json_p95(self) -> float:
        return percentile(self.json_ms, 0.95)


@dataclass
class DatasetteFigures:
    """Every canned query at one registry size, and what making the public copy cost."""

    records: int
    generate_seconds: float
    publish_seconds: float
    publish_peak_mb: float
    public_db_mb: float
    queries: dict[str, QueryFigures] = field(default_factory=dict)
    pages: dict[str, PageFigures] = field(default_factory=dict)
    startup_seconds: float = 0.0  # Datasette's start-up before the pages, which counts every default facet

    @property
    def worst_p95(self) -> tuple[str, float]:
        name = max(self.queries, key=lambda q: self.queries[q].p95)
        return name, self.queries[name].p95


def canned_queries(metadata: dict[str, Any]) -> dict[str, str]:
    """Name and SQL of each canned query of the public database."""
    return {name: query["sql"] for name, query in metadata["databases"]["public"].get("queries", {}).items()}


def make_public_db(ctx: Context, size: int) -> tuple[Path, float, float, float]:
    """Write a registry of `size` records with bulk SQL, then `commons publish` it; returns (public.db, generate s, publish s, publish MB)."""
    folder = ctx.folder(f"datasette-{size}")
    db = folder / "registry.db"
    for stale in folder.glob("registry.db*"):
        stale.unlink()
    made = run(
        [
            sys.executable,
            "-c",
            f"from pathlib import Path; from benchmarks.synthetic import write_registry; write_registry(Path({str(db)!r}), {size})",
        ],
        env=ctx.env,
    )
    ctx.note(f"  datasette {size}: registry written in {made.seconds:.0f}s")
    published = run([*ctx.commons, "--db", str(db), "publish", "-o", str(folder / "public")], env=ctx.env)
    ctx.note(f"  datasette {size}: published in {published.seconds:.0f}s ({published.peak_tree_mb:.0f} MB)")
    return folder / "public" / "public.db", made.seconds, published.seconds, published.peak_tree_mb


def measure_datasette(ctx: Context, size: int, requests: int) -> DatasetteFigures:
    """Publish a registry of `size` records and time each canned query `requests` times after one warm-up."""
    public_db, generated, published, peak = make_public_db(ctx, size)
    figures = DatasetteFigures(size, generated, published, peak, public_db.stat().st_size / 2**20)
    figures.queries = time_canned_queries(public_db, requests, ctx.note)
    figures.startup_seconds, figures.pages = time_journalist_pages(public_db, requests, ctx.note)
    for path in public_db.parent.parent.glob("registry.db*"):
        path.unlink()
    return figures


def time_canned_queries(public_db: Path, requests: int, note: Callable[[str], None]) -> dict[str, QueryFigures]:
    """Every canned query of the project's metadata.json on `public_db`, through Datasette and through sqlite3."""
    from registry.publishing.datasette import PUBLIC_SETTINGS, load_metadata

    metadata = load_metadata(PROJECT / "metadata.json")
    served = asyncio.run(_time_datasette(public_db, metadata, requests))
    limit = int(PUBLIC_SETTINGS["max_returned_rows"])
    queries: dict[str, QueryFigures] = {}
    for name, sql in canned_queries(metadata).items():
        status, rows, truncated, times, error = served[name]
        queries[name] = QueryFigures(status, rows, truncated, times, _time_sqlite(public_db, sql, requests, limit), error)
        note(f"    {name}: p50 {queries[name].p50:.1f} ms, p95 {queries[name].p95:.1f} ms ({status}, {rows} rows)")
    return queries


async def _time_datasette(
    public_db: Path, metadata: dict[str, Any], requests: int
) -> dict[str, tuple[int, int, bool, list[float], str | None]]:
    from registry.publishing.datasette import datasette_app, start

    ds = datasette_app(public_db, metadata)
    await start(ds)
    results: dict[str, tuple[int, int, bool, list[float], str | None]] = {}
    for name in canned_queries(metadata):
        url = f"/public/{name}.json"
        await ds.client.get(url)  # warm-up: SQLite's page cache and Datasette's query plan
        times: list[float] = []
        response: Any = None
        for _ in range(requests):
            began = time.perf_counter()
            response = await ds.client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        error = body.get("error") if response.status_code != 200 else None
        results[name] = (response.status_code, len(body.get("rows", [])), bool(body.get("truncated")), times, error)
    return results


def time_journalist_pages(public_db: Path, requests: int, note: Callable[[str], None]) -> tuple[float, dict[str, PageFigures]]:
    """Datasette's start-up (seconds) and every page of JOURNALIST_PAGES on `public_db` after it, as HTML and as JSON."""
    from registry.publishing.datasette import load_metadata

    metadata = load_metadata(PROJECT / "metadata.json")
    startup, pages = asyncio.run(_time_pages(public_db, metadata, requests))
    note(f"    Datasette start-up, default facets counted: {startup:.2f} s")
    for name, page in pages.items():
        note(
            f"    page {name}: HTML p50 {page.p50:.1f} ms, p95 {page.p95:.1f} ms; JSON p50 {page.json_p50:.1f} ms, "
            f"p95 {page.json_p95:.1f} ms ({page.status}, {page.count} rows{', facets timed out: ' + ', '.join(page.timed_out) if page.timed_out else ''})"
        )
    return startup, pages


async def _time_pages(public_db: Path, metadata: dict[str, Any], requests: int) -> tuple[float, dict[str, PageFigures]]:
    from registry.publishing.datasette import datasette_app, start

    ds = datasette_app(public_db, metadata)
    started = time.perf_counter()
    await start(ds)
    startup = time.perf_counter() - started
    pages: dict[str, PageFigures] = {}
    for name, path in JOURNALIST_PAGES.items():
        table, _, query = path.partition("?")
        json_path = f"{table}.json" + (f"?{query}" if query else "")
        html_status, html_ms = await _time_get(ds, path, requests)
        json_status, json_ms = await _time_get(ds, json_path, requests)
        body = (await ds.client.get(json_path)).json() if json_status == 200 else {}
        pages[name] = PageFigures(
            path,
            html_status,
            json_status,
            len(body.get("rows", [])),
            body.get("filtered_table_rows_count"),
            _missing_facets(metadata, path, body) if json_status == 200 else [],
            html_ms,
            json_ms,
        )
    return startup, pages


def _missing_facets(metadata: dict[str, Any], path: str, body: dict[str, Any]) -> list[str]:
    """The facets a page asks for (metadata.json's and `_facet=`) that its JSON lacks: Datasette gave up on them at its facet time limit."""
    table, _, query = path.partition("?")
    configured = metadata["databases"]["public"]["tables"].get(table.rsplit("/", 1)[-1], {}).get("facets", [])
    asked = [f["array"] if isinstance(f, dict) else f for f in configured]
    asked += [value for key, value in parse_qsl(query) if key == "_facet"]
    return [f for f in dict.fromkeys(asked) if f not in body.get("facet_results", {})]


async def _time_get(ds: Any, path: str, requests: int) -> tuple[int, list[float]]:
    """The status of `path` and the time of each of `requests` requests after one warm-up."""
    status = (await ds.client.get(path)).status_code
    times: list[float] = []
    for _ in range(requests):
        start = time.perf_counter()
        status = (await ds.client.get(path)).status_code
        times.append((time.perf_counter() - start) * 1000)
    return status, times


def _time_sqlite(public_db: Path, sql: str, requests: int, limit: int) -> list[float]:
    """The same SQL with empty parameters through sqlite3, fetching at most what Datasette fetches."""
    params = {name: "" for name in NAMED.findall(sql)}
    conn = sqlite3.connect(f"file:{public_db}?immutable=1", uri=True)
    try:
        start = time.perf_counter()
        conn.execute(sql, params).fetchmany(limit + 1)
        # SQLite has no time limit here: a query Datasette cuts off at 2 s is sampled only thrice.
        times = []
        for _ in range(requests if time.perf_counter() - start < 1.0 else min(requests, 3)):
            start = time.perf_counter()
            conn.execute(sql, params).fetchmany(limit + 1)
            times.append((time.perf_counter() - start) * 1000)
        return times
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    """Time every canned query and journalist's page on an existing public.db: `python -m benchmarks`'s measurement, minus making the file."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.datasette",
        description="Time every canned query of metadata.json and a journalist's first table pages on an existing public.db "
        "(p50/p95 through Datasette, and sqlite3 alone for the queries).",
    )
    p.add_argument("public_db", type=Path, help="a public.db made by `commons publish` (e.g. kept by `python -m benchmarks --keep`)")
    p.add_argument("--requests", type=int, default=20, help="requests per canned query and per page (default 20)")
    p.add_argument("--only", choices=("queries", "pages"), help="time only the canned queries, or only the table pages")
    p.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = p.parse_args(argv)
    if not args.public_db.is_file():
        p.error(f"no file at {args.public_db}")
    if args.public_db.name != "public.db":
        p.error("Datasette names a database after its file and metadata.json describes `public`: the file must be named public.db")
    note = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    queries = time_canned_queries(args.public_db, args.requests, note) if args.only != "pages" else {}
    pages = time_journalist_pages(args.public_db, args.requests, note)[1] if args.only != "queries" else {}
    print(markdown(queries, pages))
    if args.json:
        figures = {"public_db": str(args.public_db), "queries": queries_json(queries), "pages": pages_json(pages)}
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0 if all(q.status == 200 for q in queries.values()) and all(pg.status == 200 for pg in pages.values()) else 1


def markdown(queries: dict[str, QueryFigures], pages: dict[str, PageFigures]) -> str:
    """The figures as Markdown tables: canned queries, then pages."""
    lines = []
    if queries:
        lines += ["| query | status | rows | p50 ms | p95 ms | sqlite3 p50 ms |", "| --- | --- | --- | --- | --- | --- |"]
        for name, q in queries.items():
            lines.append(f"| {name} | {q.status} | {q.rows}{'+' if q.truncated else ''} | {q.p50:.1f} | {q.p95:.1f} | {q.sqlite_p50:.1f} |")
    if pages:
        lines += ["", "| page | address | status | count | HTML p50 ms | HTML p95 ms | JSON p50 ms | JSON p95 ms | facets timed out |"]
        lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, pg in pages.items():
            lines.append(
                f"| {name} | {pg.path} | {pg.status} | {pg.count} | {pg.p50:.1f} | {pg.p95:.1f} | {pg.json_p50:.1f} | {pg.json_p95:.1f} | "
                f"{', '.join(pg.timed_out) or '-'} |"
            )
    return "\n".join(lines)


def queries_json(queries: dict[str, QueryFigures]) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "status": q.status,
            "rows": q.rows,
            "truncated": q.truncated,
            "p50_ms": q.p50,
            "p95_ms": q.p95,
            "sqlite_p50_ms": q.sqlite_p50,
        }
        for name, q in queries.items()
    }


def pages_json(pages: dict[str, PageFigures]) -> dict[str, dict[str, Any]]:
    """Each page's figures as plain JSON, rounded to 0.01 ms, shared by this entry point and the benchmark's results."""
    return {
        name: {
            "path": pg.path,
            "status": pg.status,
            "json_status": pg.json_status,
            "rows": pg.rows,
            "count": pg.count,
            "facets_timed_out": pg.timed_out,
            "p50_ms": round(pg.p50, 2),
            "p95_ms": round(pg.p95, 2),
            "json_p50_ms": round(pg.json_p50, 2),
            "json_p95_ms": round(pg.json_p95, 2),
            "samples_ms": [round(t, 2) for t in pg.html_ms],
            "json_samples_ms": [round(t, 2) for t in pg.json_ms],
        }
        for name, pg in pages.items()
    }


if __name__ == "__main__":
    sys.exit(main())
