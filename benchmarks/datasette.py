"""Datasette at 100k and 1M records: p50/p95 of every canned query in metadata.json, beside SQLite alone.

The registry is written with bulk SQL (benchmarks.synthetic.write_registry),
then published with `commons publish`, so public.db has exactly the tables,
indexes and full-text search a real one has. Datasette runs in this process
with the settings `commons serve` uses (registry.serve.datasette_app) and is
asked through `ds.client`, so the figures are Datasette's own work without
network noise. Canned queries run with their default (empty) parameters, as a
journalist's first click does. The reference is the same SQL through sqlite3
on the same file: the gap is what Datasette adds.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
import time
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
    from registry.serve import load_metadata

    public_db, generated, published, peak = make_public_db(ctx, size)
    metadata = load_metadata(PROJECT / "metadata.json")
    figures = DatasetteFigures(size, generated, published, peak, public_db.stat().st_size / 2**20)
    served = asyncio.run(_time_datasette(public_db, metadata, requests))
    from registry.serve import PUBLIC_SETTINGS

    limit = int(PUBLIC_SETTINGS["max_returned_rows"])
    for name, sql in canned_queries(metadata).items():
        status, rows, truncated, times, error = served[name]
        figures.queries[name] = QueryFigures(status, rows, truncated, times, _time_sqlite(public_db, sql, requests, limit), error)
        ctx.note(f"    {name}: p50 {figures.queries[name].p50:.1f} ms, p95 {figures.queries[name].p95:.1f} ms ({status})")
    for path in public_db.parent.parent.glob("registry.db*"):
        path.unlink()
    return figures


async def _time_datasette(
    public_db: Path, metadata: dict[str, Any], requests: int
) -> dict[str, tuple[int, int, bool, list[float], str | None]]:
    from registry.serve import datasette_app

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
