"""Running a command and measuring it: wall time, the largest process's peak memory, and the whole tree's.

`commons build` runs Pagefind as a child while its own Python process still
holds the site in memory, and renders pages in forked workers, so the figure
that matters for a small server is the sum over the process tree, counted as
proportional set size (shared pages once); the largest single process is kept
too. Both come from sampling /proc, never from wait4's ru_maxrss: a child's
ru_maxrss starts from its parent's resident size at the fork, so once the
benchmark itself held a 100k-record import in memory, every command after it
"peaked" at the benchmark's own 1.2 GB.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
SAMPLE_SECONDS = 0.05


class CommandFailed(RuntimeError):
    """A measured command exited non-zero: the benchmark stops rather than report a broken figure."""


@dataclass
class Run:
    """One measured command."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    max_rss_mb: float
    peak_tree_mb: float
    peak_by_process_mb: dict[str, float] = field(default_factory=dict)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found


def _rss_bytes(pid: int) -> int:
    """A process's proportional set size: pages shared with forked render workers count once, not once per worker."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _name(pid: int) -> str | None:
    """The process's command name, or None once it has exited."""
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
            return f.read().strip() or "?"
    except OSError:
        return None


def _sum_by_name(by_pid: dict[int, tuple[str, int]]) -> dict[str, int]:
    by_name: dict[str, int] = {}
    for name, rss in by_pid.values():
        by_name[name] = by_name.get(name, 0) + rss
    return by_name


def tree_rss_by_pid(root: int) -> dict[int, tuple[str, int]]:
    """Each process of a tree right now, its name and memory (Linux /proc; empty elsewhere)."""
    by_pid: dict[int, tuple[str, int]] = {}
    pending, seen = [root], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        # The name first: a process that exits between the two reads is left out rather than counted as "?".
        name = _name(pid)
        rss = _rss_bytes(pid) if name else 0
        if name and rss:
            by_pid[pid] = (name, rss)
        pending += _children(pid)
    return by_pid


class _TreeSampler(threading.Thread):
    """Polls the process tree's resident memory until told to stop, keeping the peak in total and per process name."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.largest = 0  # the most any one process held
        self.peaks: dict[str, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            by_pid = tree_rss_by_pid(self.pid)
            sample = _sum_by_name(by_pid)
            self.peak = max(self.peak, sum(sample.values()))
            self.largest = max([self.largest, *(rss for _, rss in by_pid.values())])
            for name, rss in sample.items():
                self.peaks[name] = max(self.peaks.get(name, 0), rss)
            self.done.wait(SAMPLE_SECONDS)


def run(
    command: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None, check: bool = True, stdin: str | None = None
) -> Run:
    """Run a command to completion, timing it and sampling its memory; raise CommandFailed on a non-zero exit when `check`."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, tempfile.TemporaryFile("w+") as inp:
        if stdin is not None:
            inp.write(stdin)
            inp.seek(0)
        start = time.perf_counter()
        proc = subprocess.Popen(list(command), cwd=cwd, env=dict(env) if env else None, stdout=out, stderr=err, stdin=inp, text=True)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        _, status, _ = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        peaks = {name: rss / 2**20 for name, rss in sorted(sampler.peaks.items(), key=lambda item: -item[1])}
        result = Run(seconds, proc.returncode, out.read(), err.read(), sampler.largest / 2**20, sampler.peak / 2**20, peaks)
    if check and result.returncode != 0:
        raise CommandFailed(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-2000:] or result.stdout[-2000:]}")
    return result


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: with 20 samples p95 is the 19th, so one outlier does not define it."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered) - 1e-9)))
    return ordered[rank - 1]
