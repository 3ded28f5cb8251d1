"""Start-up: how long `commons --help` and `commons list assets` on the example take, beside a bare interpreter.

Each is the median of several cold runs; the bare `python -c pass` is the floor
no Python command can go under on this machine.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from .context import Context
from .measure import median, run

RUNS = 7


@dataclass
class StartupFigures:
    """Median seconds of each command, and of a bare interpreter."""

    help: float
    list_assets: float
    python: float
    samples: dict[str, list[float]]


def measure_startup(ctx: Context) -> StartupFigures:
    """Time the two commands a staff member types first, on the embedded example."""
    folder = ctx.folder("startup")
    db = folder / "example.db"
    for stale in folder.glob("example.db*"):
        stale.unlink()
    run([*ctx.commons, "--db", str(db), "init", "--example"], env=ctx.env)
    runs = 3 if ctx.quick else RUNS
    commands = {
        "help": [*ctx.commons, "--help"],
        "list_assets": [*ctx.commons, "--db", str(db), "list", "assets"],
        "python": [sys.executable, "-c", "pass"],
    }
    samples = {name: [run(command, env=ctx.env).seconds for _ in range(runs)] for name, command in commands.items()}
    figures = StartupFigures(median(samples["help"]), median(samples["list_assets"]), median(samples["python"]), samples)
    ctx.note(f"  start-up: --help {figures.help:.2f}s, list assets {figures.list_assets:.2f}s (python -c pass {figures.python:.2f}s)")
    return figures
