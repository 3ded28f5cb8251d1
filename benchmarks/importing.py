"""Import speed: `commons import` of the synthetic CSVs against a raw `executemany` of the same rows.

Both sides run as commands from a cold start, into a registry with the same
schema (indexes and full-text triggers included), so the ratio shows what
validation, the duplicate and country checks and the change log cost over
SQLite itself. The import is one command for the whole dataset, as a user
would run it (`commons import FOLDER`: four files, one transaction). The raw
side is this module run as a script.

A second figure leaves out what a command pays before its first row (starting
Python, importing the registry): the library's `import_files` timed inside a
process, against the raw side's own time inside its process.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .context import Context
from .measure import run
from .synthetic import TABLES, add_links, write_csvs

ORDER = ("assets", "actors", "agreements", "cases")  # agreements name assets, so assets come first
ONE_COMMAND = "+".join(ORDER)  # per_kind's key: one command imports every kind


@dataclass
class ImportFigures:
    """Rows per second through `commons import` and through raw executemany, per kind and in total."""

    rows: int
    seconds: float
    raw_seconds: float
    raw_insert_seconds: float
    per_kind: dict[str, float] = field(default_factory=dict)
    peak_mb: float = 0.0
    library_seconds: float = 0.0  # tabular.import_files inside a process: no start-up, no imports

    @property
    def library_ratio(self) -> float:
        """The library's import against raw executemany, both timed inside their process."""
        return self.library_seconds / self.raw_insert_seconds

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def raw_rows_per_second(self) -> float:
        return self.rows / self.raw_seconds

    @property
    def ratio(self) -> float:
        """How many times longer the validated, logged import takes than the raw one."""
        return self.seconds / self.raw_seconds


def prepare_registry(ctx: Context, size: int, shape: str = "spread") -> tuple[Path, ImportFigures]:
    """Write the CSVs, import them with one `commons import` (timed), then add links; the raw reference runs beside it."""
    folder = ctx.folder(str(size), "registry")
    csvs = write_csvs(folder / "csv", size, shape=shape)
    rows = sum(_count_rows(csvs[kind]) for kind in ORDER)
    for stale in folder.glob("*.db*"):
        stale.unlink()
    db, library_db, raw_db = folder / "registry.db", folder / "library.db", folder / "raw.db"
    for made in (db, library_db, raw_db):
        run([*ctx.commons, "--db", str(made), "init"], env=ctx.env)
    done = run([*ctx.commons, "--db", str(db), "import", str(folder / "csv")], env=ctx.env)
    add_links(db, size)

    library = run([sys.executable, "-m", "benchmarks.importing", "--library", str(library_db), str(folder / "csv")], env=ctx.env)
    raw = run([sys.executable, "-m", "benchmarks.importing", str(raw_db), *(str(csvs[k]) for k in ORDER)], env=ctx.env)
    raw_insert = float(json.loads(raw.stdout)["seconds"])
    library_db.unlink()
    raw_db.unlink()
    figures = ImportFigures(
        rows,
        done.seconds,
        raw.seconds,
        raw_insert,
        {ONE_COMMAND: done.seconds},
        done.peak_tree_mb,
        float(json.loads(library.stdout)["seconds"]),
    )
    ctx.note(
        f"  import {size}: {figures.rows_per_second:,.0f} rows/s vs raw {figures.raw_rows_per_second:,.0f} rows/s ({figures.ratio:.1f}x);"
        f" in process {figures.library_seconds:.2f} s vs raw {figures.raw_insert_seconds:.2f} s ({figures.library_ratio:.1f}x)"
    )
    return db, figures


def _count_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def raw_import(db: Path, csvs: list[Path]) -> float:
    """Read the CSVs and insert every row with executemany in one transaction; no checks, no log. Returns seconds."""
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    for path in csvs:
        table = TABLES[path.stem]
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            values = list(reader)
        if "policy_areas" in header:  # stored as a JSON list, as the importer does
            at = header.index("policy_areas")
            for row in values:
                row[at] = json.dumps(row[at].split(","))
        marks = ", ".join("?" for _ in header)
        conn.executemany(f"INSERT INTO [{table}] ({', '.join(header)}) VALUES ({marks})", values)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def library_import(db: Path, paths: list[Path]) -> float:
    """Import the files with the library call `commons import` makes, timed from opening the registry to closing it.

    Closing folds the write-ahead log back into the file, as the raw side's close does.
    """
    from registry.formats.importing import import_files
    from registry.store.database import open_registry

    start = time.perf_counter()
    registry = open_registry(db, by="benchmark")
    import_files(registry, paths)
    registry.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="The raw reference import: executemany of CSV rows into an existing registry.")
    parser.add_argument("db", type=Path)
    parser.add_argument("csvs", type=Path, nargs="+")
    parser.add_argument("--library", action="store_true", help="import with the registry library instead, timed inside this process")
    args = parser.parse_args()
    seconds = library_import(args.db, args.csvs) if args.library else raw_import(args.db, args.csvs)
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
