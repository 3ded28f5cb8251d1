"""Datasette at 100k and 1M records: p50/p95 of every canned query in metadata.json, beside SQLite alone.

The registry is written with bulk SQL (benchmarks.synthetic.write_registry),
then published with `commons publish`, so public.db has exactly the tables,
indexes and full-text search a real one has. Datasette runs in this process
with the settings `commons serve` uses (registry.serve.datasette_app) and is
asked through `ds.client`, so the figures are Datasette's own work without
network noise. Canned queries run with their default (empty) parameters, as a
journalist's first click does. The reference is the same SQL through sqlite3
on the same file: the gap is what Datasette adds.

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

from .context import PROJECT, Context
from .measure import median, percentile, run

NAMED = re.compile(r"(?<![:\w]):(\w+)")


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
class DatasetteFigures:
    """Every canned query at one registry size, and what making the public copy cost."""

    records: int
    generate_seconds: float
    publish_seconds: float
    publish_peak_mb: float
    public_db_mb: float
    queries: dict[str, QueryFigures] = field(default_factory=dict)

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
    from registry.publishing.datasette import datasette_app

    ds = datasette_app(public_db, metadata)
    await ds.invoke_startup()
    results: dict[str, tuple[int, int, bool, list[float], str | None]] = {}
    for name in canned_queries(metadata):
        url = f"/public/{name}.json"
        await ds.client.get(url)  # warm-up: SQLite's page cache and Datasette's query plan
        times: list[float] = []
        response: Any = None
        for _ in range(requests):
            start = time.perf_counter()
            response = await ds.client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        error = body.get("error") if response.status_code != 200 else None
        results[name] = (response.status_code, len(body.get("rows", [])), bool(body.get("truncated")), times, error)
    return results


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
    """Time every canned query on an existing public.db: the same measurement as `python -m benchmarks`, minus making the file."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.datasette",
        description="Time every canned query of metadata.json on an existing public.db (p50/p95 through Datasette, and sqlite3 alone).",
    )
    p.add_argument("public_db", type=Path, help="a public.db made by `commons publish` (e.g. kept by `python -m benchmarks --keep`)")
    p.add_argument("--requests", type=int, default=20, help="requests per canned query (default 20)")
    p.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = p.parse_args(argv)
    if not args.public_db.is_file():
        p.error(f"no file at {args.public_db}")
    if args.public_db.name != "public.db":
        p.error("Datasette names a database after its file and metadata.json describes `public`: the file must be named public.db")
    queries = time_canned_queries(args.public_db, args.requests, lambda line: print(line, file=sys.stderr, flush=True))
    print("| query | status | rows | p50 ms | p95 ms | sqlite3 p50 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, q in queries.items():
        print(f"| {name} | {q.status} | {q.rows}{'+' if q.truncated else ''} | {q.p50:.1f} | {q.p95:.1f} | {q.sqlite_p50:.1f} |")
    if args.json:
        figures = {
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
        args.json.write_text(json.dumps({"public_db": str(args.public_db), "queries": figures}, indent=1) + "\n", encoding="utf-8")
    return 0 if all(q.status == 200 for q in queries.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
