"""The `commons` command: a thin shell over the registry library, one command per function.

Heavy libraries (Pelican, folium, geopandas, Datasette) are imported inside the
commands that need them, so `commons --help` and `commons list` start fast.
"""

from __future__ import annotations

import os
import sys

from registry.cli import agreements, assessments, contributions, data, dumps, duplicates, history, intake, records, site, timeline  # noqa: F401 - importing registers the commands
from registry.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    try:
        cli(prog_name="commons")
    except BrokenPipeError:
        # The reader (e.g. `| head`) has gone; stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
