"""The machine a run measured on, and whether anything else was using it while it did.

Figures from a shared 2-core machine only compare when nothing else ran: a
run's table says, for each stage, the load average before and after and how
many cores other processes used meanwhile. That last figure is the machine's
busy CPU time (from /proc/stat) minus this run's own and its children's
(getrusage), over the stage's wall time; above `BUSY_CORES` the stage is
marked busy in the table, so nobody reads its ratios as quiet-machine figures.
"""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .context import PROJECT
from .references import hugo_version

BUSY_CORES = 0.25  # other processes' average use above which a stage's figures are marked "busy"


def cpu_model() -> str | None:
    """The CPU's model name, as /proc/cpuinfo gives it."""
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return platform.processor() or None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor() or None)


def memory_gb() -> float | None:
    try:
        meminfo = Path("/proc/meminfo").read_text(encoding="ascii")
        return round(int(meminfo.split("MemTotal:")[1].split()[0]) / 2**20, 1)
    except (OSError, IndexError, ValueError):
        return None


def machine() -> dict[str, object]:
    """What the figures depend on: cores, memory, CPU, and the versions of the tools measured."""
    return {
        "nproc": os.cpu_count(),
        "memory_gb": memory_gb(),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "hugo": hugo_version() or "not installed",
        "code": code_version(),
    }


def code_version() -> dict[str, object] | None:
    """The commit measured and the files changed since it: figures only compare between identical code."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT, capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain"], cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"path": str(PROJECT), "commit": head, "changed_files": sorted(line[3:] for line in status.splitlines())}


def _busy_cpu_seconds() -> float | None:
    """CPU seconds every process on the machine has used since boot (user, nice, system, irq, softirq, steal)."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """This process's CPU seconds and those of every child it has waited for (the measured commands)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Load:
    """How loaded the machine was around one stage of the run."""

    load_before: float
    load_after: float
    other_cores: float | None  # average cores used by processes outside this run; None where /proc/stat is missing
    seconds: float

    @property
    def busy(self) -> bool:
        return self.other_cores is not None and self.other_cores > BUSY_CORES

    def describe(self) -> str:
        other = "other processes not measured" if self.other_cores is None else f"other processes {self.other_cores:.2f} cores"
        verdict = "BUSY: read these ratios with care" if self.busy else "quiet"
        return f"load {self.load_before:.1f} → {self.load_after:.1f}; {other}: {verdict}"


class LoadWatch:
    """Start before a stage, `stop()` after it: the stage's Load."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.load = os.getloadavg()[0]
        self.busy = _busy_cpu_seconds()
        self.own = _own_cpu_seconds()

    def stop(self) -> Load:
        seconds = time.perf_counter() - self.started
        busy = _busy_cpu_seconds()
        other = None
        if busy is not None and self.busy is not None and seconds > 0:
            other = max(0.0, (busy - self.busy) - (_own_cpu_seconds() - self.own)) / seconds
        return Load(self.load, os.getloadavg()[0], other, seconds)
