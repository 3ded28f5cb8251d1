"""Site builds: a full build into a fresh folder, rebuilds after one edit, and a check that a rebuild equals a clean build.

Everything runs through the `commons` command, so the figures are what a user
waits for (interpreter start-up and imports included). The build's own
per-step line ("publish …s, maps …s, pelican …s, search …s") says where the
time went; the search index's share is taken from it.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from registry.model import vocab
from registry.publishing.files import PUBLIC_COPY

from .context import PROJECT, Context
from .measure import Run, median, run

STEP = re.compile(r"(\w+) ([0-9.]+)s")
SUMMARY = re.compile(r"^Built .* in ([0-9.]+)s: (.*)$", re.MULTILINE)


@dataclass
class BuildFigures:
    """What the builds of one registry size measured."""

    full_seconds: list[float]
    full_steps: dict[str, float]
    rebuild_seconds: list[float]
    rebuild_steps: dict[str, float]
    identical: bool
    differing: list[str]
    max_rss_mb: float
    peak_tree_mb: float
    files: int
    record_pages: int
    output: Path
    rebuild_rendered: list[int] = field(default_factory=list)
    peak_by_process_mb: dict[str, float] = field(default_factory=dict)
    all_languages_seconds: float | None = None  # a full build in every language with a catalogue (median of its rounds)
    one_language_seconds: float | None = None  # a full build in English alone, in the same rounds (median)
    languages: int = 1
    rebuild_by_edit: dict[str, list[float]] = field(default_factory=dict)
    weights: dict[str, tuple[str, int]] = field(default_factory=dict)  # "page", "map data", "file" → (path, bytes)

    @property
    def full(self) -> float:
        return median(self.full_seconds)

    @property
    def rebuild(self) -> float:
        """The slowest sort of edit's median: the target holds for every sort of edit, not on average."""
        medians = [median(times) for times in self.rebuild_by_edit.values() if times]
        return max(medians) if medians else median(self.rebuild_seconds)

    @property
    def search_share(self) -> float:
        """The search index's part of the build's own step total (not of the command's wall time)."""
        return _share(self.full_steps, "search")

    @property
    def rebuild_search_share(self) -> float:
        return _share(self.rebuild_steps, "search")


def _share(steps: dict[str, float], step: str) -> float:
    total = sum(steps.values())
    return steps.get(step, 0.0) / total if total else 0.0


def parse_steps(output: str) -> dict[str, float]:
    """The per-step seconds from the build's summary line; empty when the build printed none."""
    found = SUMMARY.search(output)
    if not found:
        return {}
    return {name: float(seconds) for name, seconds in STEP.findall(found.group(2))}


def build(ctx: Context, db: Path, output: Path, languages: str | None = "en") -> Run:
    """One `commons build` of a registry into a folder (its cache sits beside it, as the CLI puts it).

    In English alone unless `languages` is None: then in every language that has a catalogue.
    """
    chosen = ["--lang", languages] if languages is not None else []
    return run([*ctx.commons, "--db", str(db), "build", "--output", str(output), *chosen], env=ctx.env)


def fresh_output(ctx: Context, size: int, name: str) -> Path:
    """An output folder with no previous build and no cache beside it."""
    parent = ctx.work / str(size) / name
    if parent.exists():
        shutil.rmtree(parent)
    parent.mkdir(parents=True)
    return parent / "output"


# The edits a rebuild is timed after, one of each per round: what staff do most.
EDITS = ("name", "status", "new record", "removed record")


def edit_commands(ctx: Context, db: Path, edit: str, round_: int) -> list[list[str]]:
    """The `commons` commands that make one edit of the given sort (a new record is removed again by the next edit)."""
    base = [*ctx.commons, "--db", str(db)]
    if edit == "name":
        return [[*base, "edit", "assets", f"asset-{round_}", "--set", f"name=Renamed place {round_}"]]
    if edit == "status":
        statuses = sorted(vocab.ASSET_STATUSES)
        return [[*base, "edit", "assets", f"asset-{round_ + 1}", "--set", f"status={statuses[round_ % len(statuses)]}"]]
    new_id = f"asset-added-{round_}"
    if edit == "new record":
        fields = {"id": new_id, "name": f"New place {round_}", "kind": sorted(vocab.ASSET_KINDS)[0], "status": "mapped"}
        fields |= {"city": "Napoli", "country": "IT", "lat": "40.85", "lon": "14.27", "description": "Added between two builds."}
        return [[*base, "add", "assets", *(a for k, v in fields.items() for a in ("--set", f"{k}={v}"))]]
    return [[*base, "remove", "assets", new_id, "--yes"]]


def measure_builds(ctx: Context, db: Path, size: int, every_language: bool = True) -> BuildFigures:
    """Full build, rounds of one rebuild after each sort of edit in the same folder, then a clean build to compare with."""
    output = fresh_output(ctx, size, "site")
    first = build(ctx, db, output)
    ctx.note(f"  full build {size}: {first.seconds:.1f}s, {first.peak_tree_mb:.0f} MB")
    rebuilds: list[Run] = []
    by_edit: dict[str, list[float]] = {edit: [] for edit in EDITS}
    rendered: list[int] = []
    for round_ in range(ctx.repeats(size)):
        for edit in EDITS:
            for command in edit_commands(ctx, db, edit, round_):
                run(command, env=ctx.env)
            again = build(ctx, db, output)
            rebuilds.append(again)
            by_edit[edit].append(again.seconds)
            rendered.append(_changed_files(again.stdout))
            ctx.note(f"  rebuild after one edit ({edit}) {size}: {again.seconds:.2f}s ({rendered[-1]} files rewritten)")
    clean_output = fresh_output(ctx, size, "clean")
    clean = build(ctx, db, clean_output)
    ctx.note(f"  clean build {size}: {clean.seconds:.1f}s")
    differing = compare_trees(output, clean_output)
    figures = BuildFigures(
        full_seconds=[first.seconds, clean.seconds],
        full_steps=parse_steps(first.stdout),
        rebuild_seconds=[r.seconds for r in rebuilds],
        rebuild_steps=parse_steps(sorted(rebuilds, key=lambda r: r.seconds)[len(rebuilds) // 2].stdout),
        identical=not differing,
        differing=differing[:20],
        max_rss_mb=max(first.max_rss_mb, clean.max_rss_mb),
        peak_tree_mb=max(first.peak_tree_mb, clean.peak_tree_mb),
        files=sum(len(files) for _, _, files in os.walk(output)),
        record_pages=count_record_pages(output),
        output=output,
        rebuild_rendered=rendered,
        peak_by_process_mb=max((first, clean), key=lambda r: r.peak_tree_mb).peak_by_process_mb,
        rebuild_by_edit=by_edit,
        weights=weigh_output(output),
    )
    shutil.rmtree(clean_output.parent)
    if every_language:
        _measure_every_language(ctx, db, size, figures)
    return figures


def _measure_every_language(ctx: Context, db: Path, size: int, figures: BuildFigures) -> None:
    """A full build in every language against one in English alone, each into a fresh folder, interleaved in rounds.

    The ratio is of the two medians: against the run's first English build, a
    single sample taken minutes earlier, it moved by a third between runs.
    """
    every_runs: list[float] = []
    one_runs: list[float] = []
    catalogues = {p.name for p in (PROJECT / "locale").iterdir() if p.is_dir()}
    for _ in range(ctx.repeats(size, small=2)):
        one_output = fresh_output(ctx, size, "one-language")
        one_runs.append(build(ctx, db, one_output).seconds)
        shutil.rmtree(one_output.parent)
        every_output = fresh_output(ctx, size, "languages")
        every_runs.append(build(ctx, db, every_output, languages=None).seconds)
        figures.languages = 1 + sum(1 for p in every_output.iterdir() if p.name in catalogues and (p / "index.html").is_file())
        shutil.rmtree(every_output.parent)
        ctx.note(f"  full build in {figures.languages} languages {size}: {every_runs[-1]:.1f}s, in English alone {one_runs[-1]:.1f}s")
    figures.all_languages_seconds = median(every_runs)
    figures.one_language_seconds = median(one_runs)


def weigh_output(output: Path) -> dict[str, tuple[str, int]]:
    """The largest HTML page, the largest map data file and the largest file of a built site: (path, bytes) each."""
    largest: dict[str, tuple[str, int]] = {"page": ("", 0), "map data": ("", 0), "file": ("", 0)}
    for folder, _, names in os.walk(output):
        for name in names:
            path = Path(folder) / name
            size, shown = path.stat().st_size, path.relative_to(output).as_posix()
            sorts = ["file"]
            if name.endswith(".html"):
                sorts.append("page")
            if shown.startswith("map/data/"):
                sorts.append("map data")
            for sort in sorts:
                if size > largest[sort][1]:
                    largest[sort] = (shown, size)
    return largest


def _changed_files(stdout: str) -> int:
    found = re.search(r"Built (\d+) changed files", stdout)
    return int(found.group(1)) if found else -1


PUBLIC_DB = PUBLIC_COPY  # compared by content: the same schema and rows, as its SQL dump says


def compare_trees(left: Path, right: Path) -> list[str]:
    """Relative paths that exist on one side only or differ; empty when the trees are the same.

    Every file must be byte-identical, except the public database, which may be
    updated in place after an edit and so must hold what a clean build's holds
    (its SQL dump equal), not the same bytes.
    """
    differing: list[str] = []
    left_files = {p.relative_to(left).as_posix() for p in left.rglob("*") if p.is_file()}
    right_files = {p.relative_to(right).as_posix() for p in right.rglob("*") if p.is_file()}
    differing += sorted(left_files ^ right_files)
    for name in sorted(left_files & right_files):
        same = same_content(left / name, right / name) if name == PUBLIC_DB else filecmp.cmp(left / name, right / name, shallow=False)
        if not same:
            differing.append(name)
    return differing


def same_content(left: Path, right: Path) -> bool:
    """Whether two SQLite files hold the same schema and rows: their SQL dumps are equal."""
    from registry.publishing.public_update import content_dump

    return filecmp.cmp(left, right, shallow=False) or content_dump(left) == content_dump(right)


RECORD_SECTIONS = ("assets", "actors", "agreements", "cases")


def count_record_pages(output: Path) -> int:
    """Record pages are <section>/<id>/index.html whose id is a record's (index and filter pages live elsewhere)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{output / 'data' / 'public.db'}?mode=ro", uri=True)
    try:
        total = 0
        for section, table in zip(RECORD_SECTIONS, ("assets", "actors", "agreements", "case_studies"), strict=True):
            ids = [row[0] for row in conn.execute(f"SELECT id FROM [{table}]")]
            total += sum((output / section / i / "index.html").is_file() for i in ids)
        return total
    finally:
        conn.close()
