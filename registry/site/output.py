"""Rendering and writing many pages fast: every core busy, each file written once, identical bytes left alone.

A full build of a large registry spends its time rendering templates and
writing files, both of which split cleanly by page. On Linux the planned pages
are shared with worker processes by fork (no pickling of templates or views);
each worker renders and writes its share and reports what it wrote. Elsewhere,
or for a few pages, it all runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

PARALLEL_MIN_FILES = 1500
CHUNK = 250

# (path relative to the output, size, mtime_ns, whether its bytes changed)
Written = tuple[str, int, int, bool]


class Renderable(Protocol):
    """A file to write: where it goes (relative to the output) and how to make its text."""

    @property
    def path(self) -> str: ...

    @property
    def make(self) -> Callable[[], str]: ...


def write_text(path: Path, text: str) -> bool:
    """Write a file unless it already holds these bytes; a new file is written in place, an existing one replaced atomically."""
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as existing:
            if existing.read() == data:
                return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fresh:
            fresh.write(data)
        return True
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as replacement:
        replacement.write(data)
    os.replace(tmp, path)
    return True


def _render(plans: Sequence[Renderable], output: Path) -> list[Written]:
    written = []
    for plan in plans:
        target = output / plan.path
        changed = write_text(target, plan.make())
        stat = os.stat(target)
        written.append((plan.path, stat.st_size, stat.st_mtime_ns, changed))
    return written


# Set just before the worker pool forks, so workers inherit the plans instead of receiving them pickled.
_SHARED: tuple[Sequence[Renderable], Path] | None = None


def _render_slice(bounds: tuple[int, int]) -> list[Written]:
    if _SHARED is None:  # pragma: no cover - only when a pool is used without fork
        raise RuntimeError("worker started without shared plans")
    plans, output = _SHARED
    return _render(plans[bounds[0] : bounds[1]], output)


def default_workers() -> int:
    """One worker per core, at most four: past that the disk, not the CPU, is the limit."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def render_all(
    plans: Sequence[Renderable],
    output: Path,
    workers: int,
    progress: Callable[[Iterable[Any], int, str], Iterator[Any]],
    label: str,
) -> list[Written]:
    """Render and write every plan; returns what was written for each file, in plan order."""
    global _SHARED
    chunks = [(start, min(start + CHUNK, len(plans))) for start in range(0, len(plans), CHUNK)]
    parallel = workers > 1 and len(plans) >= PARALLEL_MIN_FILES and sys.platform.startswith("linux")
    results: list[list[Written]] = []
    if not parallel:
        for bounds in progress(chunks, len(chunks), label):
            results.append(_render(plans[bounds[0] : bounds[1]], output))
        return [item for chunk in results for item in chunk]
    _SHARED = (plans, output)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for chunk in progress(pool.imap(_render_slice, chunks), len(chunks), label):
                results.append(chunk)
    finally:
        _SHARED = None
    return [item for chunk in results for item in chunk]
