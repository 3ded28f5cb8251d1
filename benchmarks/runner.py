"""`python -m benchmarks`: generate synthetic registries, measure every performance figure beside its reference, print one table.

Run it from the project folder. Progress goes to stderr; the table to stdout;
the figures to JSON (benchmarks/results/latest.json unless --json says
otherwise), rewritten after every stage so a long run can be followed and a
failure late in it keeps what was measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .build import build, fresh_output, measure_builds
from .context import PROJECT, Context, compile_package
from .datasette import measure_datasette
from .importing import prepare_registry
from .machine import LoadWatch, machine
from .maps import browser_missing, measure_bytes, measure_render
from .measure import Run
from .readme import write_readme
from .references import measure_references
from .report import SHAPE_WORDS, build_rows, machine_line, markdown_table, rows_json, summary, targets_json
from .results import Results, SizeResult, to_json
from .startup import measure_startup

DEFAULT_JSON = PROJECT / "benchmarks" / "results" / "latest.json"


def parse_sizes(text: str) -> list[int]:
    """'1000,10k,1M' → [1000, 10000, 1000000]; an empty string means none."""
    sizes = []
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        factor = {"k": 1_000, "m": 1_000_000}.get(part[-1], 1)
        number = part[:-1] if factor > 1 else part
        if not number.isdigit() or int(number) * factor < 10:
            raise argparse.ArgumentTypeError(
                f"{part!r} is not a registry size: give whole numbers of records of at least 10, e.g. 1000,10k"
            )
        sizes.append(int(number) * factor)
    return sizes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=parse_sizes, default=parse_sizes("1000,10000,100000"), help="registry sizes for builds, import and maps")
    p.add_argument(
        "--one-city-sizes",
        type=parse_sizes,
        default=parse_sizes("10000,100000"),
        help="registry sizes with every record in one city (a city's own registry), measured beside the spread-out ones",
    )
    p.add_argument("--datasette-sizes", type=parse_sizes, default=parse_sizes("100000,1000000"), help="registry sizes for Datasette")
    p.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the figures (default: benchmarks/results/latest.json)")
    p.add_argument("--quick", action="store_true", help="one sample of everything: for smoke tests, not for numbers")
    p.add_argument("--requests", type=int, default=None, help="requests per canned query (default 20; 3 with --quick)")
    p.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed afterwards)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder (registries, sites, public.db files)")
    p.add_argument("--readme", action="store_true", help="write the table into README.md's Performance section when the run ends")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    started = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="commons-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ctx = Context(work=work.resolve(), quick=args.quick, epoch=int(time.time()))
    results = Results(
        date=dt.datetime.now().astimezone().isoformat(timespec="minutes"),
        command=" ".join(["python -m benchmarks", *argv]),
        machine=machine(),
    )
    requests = args.requests or (3 if args.quick else 20)
    skip_browser = browser_missing()

    def save() -> str:
        results.seconds = time.perf_counter() - started
        rows, targets = build_rows(results)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(to_json(results, rows_json(rows), targets_json(targets)), indent=1, ensure_ascii=False) + "\n")
        return markdown_table(rows) + "\n\n" + summary(targets)

    compile_package()
    try:
        ctx.note("start-up")
        results.startup = measure_startup(ctx)
        save()
        for shape, sizes in (("spread", args.sizes), ("one-city", args.one_city_sizes)):
            for size in sizes:
                results.sizes.append(measure_size(ctx, shape, size, skip_browser))
                save()
                if not args.keep:
                    shutil.rmtree(ctx.work / str(size), ignore_errors=True)
        for size in args.datasette_sizes:
            ctx.note(f"Datasette at {size:,} records")
            watch = LoadWatch()
            results.datasette.append(measure_datasette(ctx, size, requests))
            results.datasette_loads[size] = watch.stop()
            save()
            if not args.keep:
                shutil.rmtree(ctx.work / f"datasette-{size}", ignore_errors=True)
    finally:
        table = save()
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"Commons Lab benchmarks, {results.date}: {machine_line(results.machine)}")
    print(f"$ {results.command}\n")
    print(table)
    print(f"\nFigures in {args.json} (run took {results.seconds / 60:.0f} min)")
    if args.readme:
        write_readme(PROJECT / "README.md", json.loads(args.json.read_text(encoding="utf-8")), args.json)
        print("README.md's Performance table rewritten from this run")
    return 0


def measure_size(ctx: Context, shape: str, size: int, skip_browser: str | None) -> SizeResult:
    """Every figure of one registry: import, builds and rebuilds, the references interleaved with our builds, the map."""
    ctx.note(f"{size:,} records ({SHAPE_WORDS[shape]})")
    watch = LoadWatch()
    db, imported = prepare_registry(ctx, size, shape)
    # The languages' target is set at 10k; a 100k build in every language would add minutes and no verdict.
    builds = measure_builds(ctx, db, size, every_language=shape == "spread" and size <= 10_000)

    def ours() -> Run:
        return build(ctx, db, fresh_output(ctx, size, "interleaved"))

    references = measure_references(ctx, builds.output / "data" / "public.db", size, ours)
    builds.full_seconds += references.ours_seconds
    map_bytes = measure_bytes(builds.output)
    render = None if skip_browser else measure_render(ctx, builds.output, size)
    return SizeResult(size, imported, builds, references, map_bytes, render, skip_browser, shape, watch.stop())
