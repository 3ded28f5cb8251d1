"""What every measurement shares: where to work, how to call `commons`, how hard to try."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def commons_command() -> list[str]:
    """The installed `commons` script beside this Python, else the package run as a module."""
    script = Path(sys.executable).with_name("commons")
    if script.is_file():
        return [str(script)]
    found = shutil.which("commons")
    return [found] if found else [sys.executable, "-m", "registry"]


def compile_package() -> None:
    """Byte-compile the package once, as pip does when it installs one.

    A machine that sets PYTHONDONTWRITEBYTECODE (some do) would
    otherwise compile about eighty modules from source in every timed command:
    0.09 s a build, which an installed copy never pays, nor the references.
    """
    import compileall

    compileall.compile_dir(PROJECT / "registry", quiet=1)


@dataclass
class Context:
    """One benchmark run: a scratch folder, a fixed build date, and whether to take shortcuts (--quick)."""

    work: Path
    quick: bool = False
    epoch: int = 0
    commons: list[str] = field(default_factory=commons_command)
    log: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """The environment for every command: a fixed build date (so a rebuild and a clean build can be compared) and a fixed user."""
        env = dict(os.environ)
        env["SOURCE_DATE_EPOCH"] = str(self.epoch)
        env["COMMONS_USER"] = "benchmark"
        env.pop("COMMONS_DB", None)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT), env.get("PYTHONPATH", "")) if p)
        return env

    def repeats(self, size: int, small: int = 3) -> int:
        """How many samples to take of something that costs about `size` records' worth of work."""
        if self.quick:
            return 1
        return small if size <= 10_000 else 1

    def folder(self, *parts: str) -> Path:
        path = self.work.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def note(self, message: str) -> None:
        """Progress on stderr, so a long run shows where it is; the table alone goes to stdout."""
        print(message, file=sys.stderr, flush=True)
        self.log.append(message)
