"""What one benchmark run measured, and its JSON form (benchmarks/results/latest.json).

The JSON keeps every sample, not only medians, so a later reader can judge the
noise; figures are in seconds, milliseconds, megabytes (2**20 bytes) and bytes
as their names say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .build import BuildFigures
from .datasette import DatasetteFigures, pages_json
from .importing import ImportFigures
from .machine import Load
from .maps import MapBytes, MapRender
from .references import ReferenceFigures
from .startup import StartupFigures


@dataclass
class SizeResult:
    """Everything measured on one synthetic registry size."""

    records: int
    imported: ImportFigures
    build: BuildFigures
    references: ReferenceFigures
    map_bytes: MapBytes
    map_render: MapRender | None
    map_render_skipped: str | None = None
    shape: str = "spread"  # synthetic.SHAPES: "spread" over fifteen cities, or "one-city"
    load: Load | None = None

    @property
    def key(self) -> str:
        """The size's key in the JSON: its record count, with the shape when it is not the spread-out one."""
        return str(self.records) if self.shape == "spread" else f"{self.records} {self.shape}"


@dataclass
class Results:
    """A whole run: when, where, with what, and the figures."""

    date: str
    command: str
    machine: dict[str, Any]
    sizes: list[SizeResult] = field(default_factory=list)
    startup: StartupFigures | None = None
    datasette: list[DatasetteFigures] = field(default_factory=list)
    datasette_loads: dict[int, Load] = field(default_factory=dict)
    seconds: float = 0.0


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _rs(values: list[float] | None, digits: int = 3) -> list[float] | None:
    return None if values is None else [round(v, digits) for v in values]


def load_json(load: Load | None) -> dict[str, Any] | None:
    if load is None:
        return None
    return {
        "load_average_before": _r(load.load_before, 2),
        "load_average_after": _r(load.load_after, 2),
        "other_processes_cores": _r(load.other_cores, 3),
        "busy": load.busy,
        "seconds": _r(load.seconds, 1),
    }


def size_json(s: SizeResult) -> dict[str, Any]:
    b, ref, imp, mb, mr = s.build, s.references, s.imported, s.map_bytes, s.map_render
    return {
        "records": s.records,
        "shape": s.shape,
        "machine_load": load_json(s.load),
        "build": {
            "full_s": _r(b.full),
            "full_samples_s": _rs(b.full_seconds),
            "full_steps_s": b.full_steps,
            "search_share_of_full": _r(b.search_share),
            "rebuild_s": _r(b.rebuild),
            "rebuild_samples_s": _rs(b.rebuild_seconds),
            "rebuild_by_edit_s": {edit: _rs(times) for edit, times in b.rebuild_by_edit.items()},
            "largest": {sort: {"path": path, "bytes": size} for sort, (path, size) in b.weights.items()},
            "rebuild_steps_s": b.rebuild_steps,
            "search_share_of_rebuild": _r(b.rebuild_search_share),
            "rebuild_files_rewritten": b.rebuild_rendered,
            "rebuild_share_of_full": _r(b.rebuild / b.full),
            "rebuild_identical_to_clean_build": b.identical,
            "rebuild_differing_files": b.differing,
            "peak_memory_mb": _r(b.peak_tree_mb, 1),
            "largest_process_mb": _r(b.max_rss_mb, 1),
            "peak_by_process_mb": {name: _r(mb, 1) for name, mb in b.peak_by_process_mb.items()},
            "output_files": b.files,
            "record_pages": b.record_pages,
            "languages": b.languages,
            "all_languages_full_s": _r(b.all_languages_seconds) if b.all_languages_seconds is not None else None,
            "one_language_full_s": _r(b.one_language_seconds) if b.one_language_seconds is not None else None,
            "all_languages_vs_one": _r(b.all_languages_seconds / b.one_language_seconds)
            if b.all_languages_seconds and b.one_language_seconds
            else None,
        },
        "references": {
            "pages": ref.pages,
            "jinja2_s": _r(ref.jinja2),
            "jinja2_samples_s": _rs(ref.jinja2_seconds),
            "jinja2_peak_memory_mb": _r(ref.jinja2_peak_mb, 1),
            "hugo": ref.hugo_version or "not installed",
            "hugo_s": _r(ref.hugo),
            "hugo_samples_s": _rs(ref.hugo_seconds),
            "hugo_peak_memory_mb": _r(ref.hugo_peak_mb, 1),
            "hugo_pagefind_s": _r(ref.hugo_pagefind),
            "hugo_pagefind_samples_s": _rs(ref.hugo_pagefind_seconds),
            "hugo_pagefind_peak_memory_mb": _r(ref.hugo_pagefind_peak_mb, 1),
            "build_vs_hugo": _r(b.full / ref.hugo) if ref.hugo else None,
            "build_vs_hugo_pagefind": _r(b.full / ref.hugo_pagefind) if ref.hugo_pagefind else None,
            "build_vs_jinja2": _r(b.full / ref.jinja2),
        },
        "import": {
            "rows": imp.rows,
            "seconds": _r(imp.seconds),
            "per_kind_s": {k: _r(v) for k, v in imp.per_kind.items()},
            "rows_per_s": _r(imp.rows_per_second, 1),
            "raw_seconds": _r(imp.raw_seconds),
            "raw_insert_only_s": _r(imp.raw_insert_seconds),
            "raw_rows_per_s": _r(imp.raw_rows_per_second, 1),
            "vs_raw": _r(imp.ratio),
            "library_s": _r(imp.library_seconds),
            "library_vs_raw_insert_only": _r(imp.library_ratio),
            "peak_memory_mb": _r(imp.peak_mb, 1),
        },
        "overview_map": {
            "points": mb.points,
            "raw_bytes": mb.raw,
            "gzipped_bytes": mb.gzipped,
            "raw_bytes_per_point": _r(mb.raw_per_point, 2),
            "gzipped_bytes_per_point": _r(mb.gzipped_per_point, 2),
            "files": {name: {"raw": r, "gzipped": g} for name, (r, g) in mb.files.items()},
            "first_render_ms": _r(mr.rendered, 1) if mr else None,
            "first_render_samples_ms": _rs(mr.rendered_ms, 1) if mr else None,
            "data_loaded_ms": _r(min(mr.loaded_ms), 1) if mr else None,
            "names_loaded_ms": _r(min(mr.named_ms), 1) if mr else None,
            "js_heap_mb": _r(mr.heap, 1) if mr else None,
            "browser": mr.browser if mr else None,
            "skipped": s.map_render_skipped,
        },
    }


def datasette_json(d: DatasetteFigures) -> dict[str, Any]:
    return {
        "records": d.records,
        "generate_registry_s": _r(d.generate_seconds),
        "publish_s": _r(d.publish_seconds),
        "publish_peak_memory_mb": _r(d.publish_peak_mb, 1),
        "public_db_mb": _r(d.public_db_mb, 1),
        "queries": {
            name: {
                "status": q.status,
                "rows": q.rows,
                "truncated": q.truncated,
                "error": q.error,
                "p50_ms": _r(q.p50, 2),
                "p95_ms": _r(q.p95, 2),
                "samples_ms": _rs(q.datasette_ms, 2),
                "sqlite_p50_ms": _r(q.sqlite_p50, 2),
                "vs_sqlite": _r(q.p50 / q.sqlite_p50, 2) if q.sqlite_p50 > 0 else None,
            }
            for name, q in d.queries.items()
        },
        "pages": pages_json(d.pages),
        "startup_seconds": _r(d.startup_seconds, 3),
    }


def to_json(results: Results, rows: list[dict[str, Any]], targets: list[dict[str, Any]]) -> dict[str, Any]:
    """The run as plain JSON: figures by size, start-up, Datasette, then the table's rows and the targets."""
    st = results.startup
    return {
        "date": results.date,
        "command": results.command,
        "machine": results.machine,
        "run_seconds": _r(results.seconds, 1),
        "sizes": {s.key: size_json(s) for s in results.sizes},
        "startup": None
        if st is None
        else {
            "help_s": _r(st.help),
            "list_assets_s": _r(st.list_assets),
            "python_s": _r(st.python),
            "samples_s": {k: _rs(v) for k, v in st.samples.items()},
        },
        "datasette": {
            str(d.records): {**datasette_json(d), "machine_load": load_json(results.datasette_loads.get(d.records))}
            for d in results.datasette
        },
        "table": rows,
        "targets": targets,
    }
