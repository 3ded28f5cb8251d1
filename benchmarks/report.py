"""The one table a run prints: each figure beside its same-run reference, the ratio, the target and whether it is met.

Each target applies at the size it was set for (the build and the rebuild at
10k and 100k, page weight, the browser and memory at 100k, Datasette at 1M),
in both shapes of registry, and at every size for those with no size (import,
map bytes). A row whose target does not apply at its size shows "—". Each
registry's rows begin with how busy the machine was while they were measured.
The table is Markdown: `python -m benchmarks --readme` writes it into the
README's Performance section as printed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .datasette import DatasetteFigures
from .measure import median
from .results import Results, SizeResult

YES, NO, NONE = "✓", "✗", "—"
# The speed plan's targets for Datasette at 1M records: a canned query, and a journalist's table page as HTML.
QUERY_P95_MS = 20.0
PAGE_P95_MS = 100.0


@dataclass
class Row:
    """One line of the table."""

    records: str
    measure: str
    ours: str
    reference: str
    ratio: str
    target: str
    met: bool | None

    @property
    def verdict(self) -> str:
        return NONE if self.met is None else (YES if self.met else NO)


@dataclass
class Target:
    """A goal checked in this run."""

    name: str
    records: str
    value: float
    limit: float
    unit: str
    met: bool


def _n(records: int) -> str:
    return f"{records:,}"


def _ms(value: float) -> str:
    """Milliseconds with the precision that means something: 0.04, 7.5, 2,086."""
    if value < 0.1:
        return f"{value:.3f}"
    return f"{value:.2f}" if value < 1 else f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def _error(text: str | None) -> str:
    """Datasette's error page as its first sentence, without markup."""
    plain = re.sub(r"<[^>]+>", " ", text or "").split(".")[0]
    return " ".join(plain.split())[:60]


def _target(size: int, at: int | None, text: str, check: Callable[[], bool]) -> tuple[str, bool | None]:
    """The target's text and verdict when it applies at this size, else blanks."""
    if at is not None and size != at:
        return NONE, None
    return text, check()


SHAPE_WORDS = {"spread": "spread over fifteen cities", "one-city": "all in one city"}
PAGE_LIMIT = 150 * 1024  # bytes: the heaviest HTML page a phone should download, at 100k records


def label(s: SizeResult) -> str:
    """The records column: the count, and the shape when every record is in one city."""
    return _n(s.records) + (" in one city" if s.shape == "one-city" else "")


def machine_line(m: dict[str, Any]) -> str:
    """The machine in one line, printed beside every run's table."""
    return f"{m['nproc']} cores, {m['memory_gb']} GB, {m['cpu']}; Python {m['python']}, SQLite {m['sqlite']}, {m.get('hugo', 'Hugo not installed')}"


def _full_build_row(s: SizeResult, targets: list[Target]) -> Row:
    """Our full build against Hugo alone and Hugo + Pagefind on the same record pages, runs interleaved."""
    b, ref, n = s.build, s.references, label(s)
    hugo, with_search = ref.hugo, ref.hugo_pagefind
    checks: list[tuple[str, float, float]] = []  # (what, ratio, limit)
    if hugo and s.records in (10_000, 100_000):
        checks.append(("full build vs Hugo", b.full / hugo, 1.0))
    if with_search and s.records == 10_000:
        checks.append(("full build vs Hugo + Pagefind", b.full / with_search, 0.6))
    for name, ratio, limit in checks:
        targets.append(Target(name, n, ratio, limit, "×", ratio <= limit))
    text = " · ".join(f"≤ {limit:.1f}× {name.split(' vs ')[1]}" for name, _, limit in checks) or NONE
    if s.records == 10_000 and not hugo:
        text = "≤ 1.0× Hugo (Hugo not installed)"
    references = [f"Jinja2 {ref.jinja2:.1f} s", f"Hugo {hugo:.1f} s" if hugo else "Hugo not installed"]
    ratios = [f"{b.full / hugo:.2f}× Hugo" if hugo else "", f"{b.full / ref.jinja2:.1f}× Jinja2"]
    if with_search:
        references.insert(2, f"Hugo + Pagefind {with_search:.1f} s")
        ratios.insert(1, f"{b.full / with_search:.2f}× Hugo + Pagefind")
    return Row(
        n,
        f"full build, search included ({b.record_pages:,} record pages, {b.files:,} files; median of {len(b.full_seconds)})",
        f"{b.full:.1f} s",
        " · ".join(references),
        " · ".join(r for r in ratios if r),
        text,
        all(ratio <= limit for _, ratio, limit in checks) if checks else None,
    )


def _rebuild_row(s: SizeResult, targets: list[Target]) -> Row:
    """The rebuild after each sort of edit; the target holds for the slowest."""
    b, n = s.build, label(s)
    each = " · ".join(f"{edit} {median(times):.2f}" for edit, times in b.rebuild_by_edit.items() if times)
    text, met = NONE, None
    if s.records == 100_000:
        text, met = "≤ 3% of full build", b.rebuild / b.full <= 0.03
        targets.append(Target("rebuild share of full build", n, b.rebuild / b.full, 0.03, "share", met))
    elif s.records == 10_000:
        text, met = "≤ 1 s", b.rebuild <= 1.0
        targets.append(Target("rebuild after one edit", n, b.rebuild, 1.0, "s", met))
    return Row(
        n,
        "rebuild after one edit (whole command; slowest sort of edit)",
        f"{b.rebuild:.2f} s ({each} s); equals clean build: {'yes' if b.identical else 'NO'}",
        f"full build {b.full:.1f} s",
        f"{b.rebuild / b.full:.1%} of full",
        text,
        met,
    )


def _weight_row(s: SizeResult, targets: list[Target]) -> Row:
    """The heaviest HTML page, map data file and file of the built site."""
    w, n = s.build.weights, label(s)
    page_path, page_bytes = w.get("page", ("", 0))
    text, met = NONE, None
    if s.records == 100_000:
        text, met = "page ≤ 150 KB", page_bytes <= PAGE_LIMIT
        targets.append(Target("largest HTML page", n, page_bytes / 1024, PAGE_LIMIT / 1024, "KB", met))
    others = " · ".join(f"{sort} {path} {size / 1024:,.0f} KB" for sort, (path, size) in w.items() if sort != "page" and path)
    return Row(n, "largest page and files of the site", f"page {page_path} {page_bytes / 1024:,.0f} KB", others or NONE, NONE, text, met)


def size_rows(s: SizeResult, targets: list[Target]) -> list[Row]:
    b, ref, imp, mb, mr = s.build, s.references, s.imported, s.map_bytes, s.map_render
    n = label(s)
    rows: list[Row] = []
    if s.load is not None:
        rows.append(Row(n, f"machine during these runs ({SHAPE_WORDS[s.shape]})", s.load.describe(), NONE, NONE, NONE, None))

    rows.append(_full_build_row(s, targets))
    if b.all_languages_seconds is not None and b.one_language_seconds and b.languages > 1:
        ratio = b.all_languages_seconds / b.one_language_seconds
        text, met = _target(s.records, 10_000, "≤ 4× one language", lambda: ratio <= 4.0)
        rows.append(
            Row(
                n,
                f"full build in all {b.languages} languages",
                f"{b.all_languages_seconds:.1f} s",
                f"one language {b.one_language_seconds:.1f} s (same rounds)",
                f"{ratio:.1f}× one language",
                text,
                met,
            )
        )
        if met is not None:
            targets.append(Target("all languages vs one", n, ratio, 4.0, "×", met))

    rows.append(_rebuild_row(s, targets))
    search, rsearch = b.full_steps.get("search", 0.0), b.rebuild_steps.get("search", 0.0)
    steps = ", ".join(f"{k} {v:.1f}" for k, v in b.rebuild_steps.items())
    rows.append(
        Row(
            n,
            "search index (Pagefind) share",
            f"{b.search_share:.0%} of full ({search:.1f} s); {b.rebuild_search_share:.0%} of rebuild ({rsearch:.1f} s)",
            f"rebuild steps (s): {steps}",
            NONE,
            "reported",
            None,
        )
    )

    if b.weights:
        rows.append(_weight_row(s, targets))

    limit = 1.5 if s.records == 100_000 else 3.0
    met = imp.ratio <= limit
    targets.append(Target("import vs raw executemany", n, imp.ratio, limit, "×", met))
    rows.append(
        Row(
            n,
            f"import ({imp.rows:,} rows, one command)",
            f"{imp.rows_per_second:,.0f} rows/s; in-process {imp.library_seconds:.2f} s",
            f"raw executemany {imp.raw_rows_per_second:,.0f} rows/s",
            f"{imp.ratio:.1f}× raw time · in-process {imp.library_ratio:.1f}×",
            f"≤ {limit:g}×",
            met,
        )
    )

    met = mb.gzipped_per_point <= 60
    targets.append(Target("overview map bytes per point gzipped", n, mb.gzipped_per_point, 60.0, "B", met))
    rows.append(
        Row(
            n,
            f"overview map bytes ({mb.points:,} points)",
            f"{mb.raw_per_point:.0f} B/point raw · {mb.gzipped_per_point:.1f} B/point gzipped",
            NONE,
            NONE,
            "≤ 60 B/point gzipped",
            met,
        )
    )

    if mr is None:
        rows.append(Row(n, "overview first render (Chromium)", f"skipped: {s.map_render_skipped}", NONE, NONE, NONE, None))
    else:
        text, met = _target(s.records, 100_000, "≤ 1.5 s, heap ≤ 150 MB", lambda: mr.rendered <= 1500 and mr.heap <= 150)
        if met is not None:
            targets.append(Target("overview first render", n, mr.rendered / 1000, 1.5, "s", mr.rendered <= 1500))
            targets.append(Target("overview JS heap", n, mr.heap, 150.0, "MB", mr.heap <= 150))
        rows.append(
            Row(
                n,
                "overview first render (Chromium)",
                f"{mr.rendered:,.0f} ms · JS heap {mr.heap:.0f} MB",
                f"data loaded at {min(mr.loaded_ms):,.0f} ms",
                NONE,
                text,
                met,
            )
        )

    text, met = _target(s.records, 100_000, "< 1 GB", lambda: b.peak_tree_mb < 1024)
    if met is not None:
        targets.append(Target("build peak memory", n, b.peak_tree_mb, 1024.0, "MB", met))
    hugo_mb = f"Hugo {ref.hugo_peak_mb:.0f} MB · " if ref.hugo_peak_mb else ""
    if ref.hugo_pagefind_peak_mb:
        hugo_mb += f"Hugo + Pagefind {ref.hugo_pagefind_peak_mb:.0f} MB · "
    rows.append(
        Row(
            n,
            "build peak memory (process tree)",
            f"{b.peak_tree_mb:,.0f} MB (" + " · ".join(f"{name} {mb:,.0f}" for name, mb in list(b.peak_by_process_mb.items())[:2]) + ")",
            f"{hugo_mb}Jinja2 {ref.jinja2_peak_mb:.0f} MB",
            f"{b.peak_tree_mb / ref.hugo_peak_mb:.1f}× Hugo" if ref.hugo_peak_mb else NONE,
            text,
            met,
        )
    )
    return rows


def build_rows(results: Results) -> tuple[list[Row], list[Target]]:
    """Every row of the table, and the targets they were checked against."""
    targets: list[Target] = []
    rows: list[Row] = []
    for s in results.sizes:
        rows += size_rows(s, targets)
    st = results.startup
    if st is not None:
        for name, seconds in (("start-up: commons --help", st.help), ("start-up: commons list assets", st.list_assets)):
            met = seconds <= 0.3
            targets.append(Target(name, "example", seconds, 0.3, "s", met))
            rows.append(
                Row("example", name, f"{seconds:.2f} s", f"python -c pass {st.python:.2f} s", f"{seconds / st.python:.1f}×", "≤ 0.3 s", met)
            )
    for d in results.datasette:
        n = _n(d.records)
        load = results.datasette_loads.get(d.records)
        if load is not None:
            rows.append(Row(n, "machine during these runs (Datasette)", load.describe(), NONE, NONE, NONE, None))
        rows.append(
            Row(
                n,
                "commons publish (public.db + downloads)",
                f"{d.publish_seconds:.0f} s · {d.publish_peak_mb:,.0f} MB",
                NONE,
                NONE,
                NONE,
                None,
            )
        )
        for name, q in d.queries.items():
            applies = d.records == 1_000_000
            query_met = (q.status == 200 and q.p95 <= QUERY_P95_MS) if applies else None
            if query_met is not None:
                targets.append(Target(f"Datasette {name} p95", n, q.p95, QUERY_P95_MS, "ms", query_met))
            shown = f"p50 {_ms(q.p50)} ms · p95 {_ms(q.p95)} ms"
            if q.status != 200:
                shown += f" (HTTP {q.status}: {_error(q.error)})"
            rows.append(
                Row(
                    n,
                    f"Datasette `{name}`",
                    shown,
                    f"SQLite p50 {_ms(q.sqlite_p50)} ms",
                    f"{q.p50 / q.sqlite_p50:.1f}× SQLite" if q.sqlite_p50 > 0 else NONE,
                    f"p95 ≤ {QUERY_P95_MS:.0f} ms" if applies else NONE,
                    query_met,
                )
            )
        rows += page_rows(d, targets)
    return rows, targets


def page_rows(d: DatasetteFigures, targets: list[Target]) -> list[Row]:
    """A journalist's table pages at one size: HTML p50/p95 beside the same page's JSON, held to PAGE_P95_MS at 1M."""
    n = _n(d.records)
    rows = []
    if d.pages:
        startup = f"{d.startup_seconds:.2f} s"
        rows.append(Row(n, "Datasette start-up (counts every default facet once)", startup, NONE, NONE, NONE, None))
    for name, pg in d.pages.items():
        applies = d.records == 1_000_000
        met = (pg.status == 200 and pg.p95 <= PAGE_P95_MS) if applies else None
        if met is not None:
            targets.append(Target(f"Datasette page {name} p95", n, pg.p95, PAGE_P95_MS, "ms", met))
        shown = f"HTML p50 {_ms(pg.p50)} ms · p95 {_ms(pg.p95)} ms"
        if pg.status != 200:
            shown += f" (HTTP {pg.status})"
        if pg.timed_out:
            shown += f" (facets timed out: {', '.join(pg.timed_out)})"
        rows.append(
            Row(
                n,
                f"Datasette page `{pg.path}`",
                shown,
                f"JSON p50 {_ms(pg.json_p50)} ms · p95 {_ms(pg.json_p95)} ms",
                f"{pg.p50 / pg.json_p50:.1f}× JSON" if pg.json_p50 > 0 else NONE,
                f"p95 ≤ {PAGE_P95_MS:.0f} ms" if applies else NONE,
                met,
            )
        )
    return rows


def markdown_table(rows: list[Row]) -> str:
    """The rows as a Markdown table, columns padded so it also reads well in a terminal."""
    header = ["records", "measure", "ours", "reference (same run)", "ours / reference", "target", "met"]
    cells = [[r.records, r.measure, r.ours, r.reference, r.ratio, r.target, r.verdict] for r in rows]
    widths = [max(len(header[i]), *(len(c[i]) for c in cells)) if cells else len(header[i]) for i in range(len(header))]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(widths[i]) for i, v in enumerate(values)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(c) for c in cells)])


def rows_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [{**asdict(r), "met": r.met} for r in rows]


def targets_json(targets: list[Target]) -> list[dict[str, Any]]:
    return [{**asdict(t), "value": round(t.value, 4)} for t in targets]


def summary(targets: list[Target]) -> str:
    missed = [t for t in targets if not t.met]
    if not targets:
        return "No target applies at these sizes."
    if not missed:
        return f"All {len(targets)} targets met."
    return f"{len(targets) - len(missed)} of {len(targets)} targets met; missed: " + "; ".join(
        f"{t.name} at {t.records} ({_amount(t.value, t.unit)} vs {_amount(t.limit, t.unit)})" for t in missed
    )


def _amount(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value:.0%}"
    if unit == "×":
        return f"{value:.1f}×"
    if unit in ("MB", "ms"):
        return f"{value:,.0f} {unit}"
    return f"{value:.2f} {unit}" if unit == "s" else f"{value:.1f} {unit}"
