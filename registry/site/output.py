"""Rendering and writing many pages fast: every core busy, each file written once, identical bytes left alone.

A full build of a large registry spends its time rendering templates and
writing files, both of which split cleanly by page. On Linux the planned pages
are shared with worker processes by fork (no pickling of templates or views);
each worker renders and writes its share and reports what it wrote. Elsewhere,
or for a few pages, it all runs in this process.
"""

from __future__ import annotations

import errno
import gc
import multiprocessing
import os
import stat as stat_mode
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

PARALLEL_MIN_FILES = 1500
CHUNK = 250
TASKS_PER_WORKER = 16

# (path relative to the output, size, mtime_ns, whether its bytes changed, the key its maker
# worked out while rendering, or None when the plan knew its key beforehand)
Written = tuple[str, int, int, bool, str | None]


class Renderable(Protocol):
    """A file to write: where it goes (relative to the output) and how to make its text."""

    @property
    def path(self) -> str: ...

    @property
    def make(self) -> Callable[[], str | bytes | tuple[str, str]]: ...


# Files are opened with os.open, not open(): a page costs a few system calls and no Python file objects.
_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_READ = os.O_RDONLY | _FLAGS
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _FLAGS
_TRUNCATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _FLAGS
_MODE = 0o666  # as open() makes files: read-write for all, less the umask


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _holds(fd: int, size: int, data: bytes) -> bool:
    """Whether the open file (of `size` bytes when it was opened) holds exactly `data`."""
    if size != len(data):
        return False
    chunks, wanted = [], size + 1  # one byte more, to notice a file that grew since
    while wanted > 0:
        chunk = os.read(fd, wanted)
        if not chunk:
            break
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks) == data


def _create(path: str, data: bytes) -> os.stat_result | None:
    """Write a new file in place, making its folder when missing; None when the file already exists."""
    try:
        fd = os.open(path, _CREATE, _MODE)
    except FileExistsError:
        return None
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            fd = os.open(path, _CREATE, _MODE)
        except FileExistsError:
            return None
    try:
        _write_all(fd, data)
        return os.fstat(fd)
    finally:
        os.close(fd)


def _update(path: str, data: bytes) -> tuple[bool, os.stat_result] | None:
    """Leave a file that holds these bytes alone, else replace it atomically; None when there is no file."""
    try:
        fd = os.open(path, _READ)
    except FileNotFoundError:
        return None
    try:
        stat = os.fstat(fd)
        if stat_mode.S_ISDIR(stat.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if _holds(fd, stat.st_size, data):
            return False, stat
    finally:
        os.close(fd)
    tmp = path + ".tmp"
    fd = os.open(tmp, _TRUNCATE, _MODE)
    try:
        _write_all(fd, data)
        stat = os.fstat(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return True, stat


def _put(path: str, data: bytes, existing: bool) -> tuple[bool, os.stat_result, bool]:
    """Write `data` unless the file holds it: (whether its bytes changed, its stat, whether it existed).

    `existing` is a guess of whether the file is there, which decides what is tried first: comparing
    with the file, or creating it. A wrong guess costs one failed open, never a wrong result.
    """
    for _ in range(3):
        if existing:
            updated = _update(path, data)
            if updated is not None:
                return updated[0], updated[1], True
        created = _create(path, data)
        if created is not None:
            return True, created, False
        existing = True  # made by someone else between the two calls: compare with it
    raise OSError(f"{path} keeps appearing and disappearing")  # pragma: no cover


def write_text(path: Path, text: str) -> bool:
    """Write a file unless it already holds these bytes; a new file is written in place, an existing one replaced atomically."""
    return _put(os.fspath(path), text.encode("utf-8"), True)[0]


def _render(plans: Sequence[Renderable], output: Path) -> list[Written]:
    written = []
    root = os.fspath(output) + os.sep
    existing = True  # outputs are mostly all there (a rebuild) or all missing (a first build): follow the last file
    for plan in plans:
        made = plan.make()
        # A maker may return (key, text): the hash of what it rendered from, worked out in the worker
        # so that a first build makes each record's view once instead of once to hash and once to render.
        key, text = made if isinstance(made, tuple) else (None, made)
        data = text if isinstance(text, bytes) else text.encode("utf-8")  # a page is text; a document (.odt) is bytes
        changed, stat, existing = _put(root + plan.path, data, existing)
        written.append((plan.path, stat.st_size, stat.st_mtime_ns, changed, key))
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
    # Objects that exist before the fork are moved out of the collector's reach, so the workers'
    # garbage collections do not touch (and so copy) every page of the parent's memory.
    gc.freeze()
    try:
        # A worker is replaced after a few chunks: the parent's pages it touched (and so copied) go with
        # it, which keeps the workers' memory to a few chunks' worth instead of half the registry.
        with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=TASKS_PER_WORKER) as pool:
            for chunk in progress(pool.imap(_render_slice, chunks), len(chunks), label):
                results.append(chunk)
    finally:
        gc.unfreeze()
        _SHARED = None
    return [item for chunk in results for item in chunk]
