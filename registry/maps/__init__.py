"""Maps for the public site: overview, per-record and case-study maps.

The site builder calls :func:`render_site_maps` with a connection to the
*public* copy (public.db) so that no private column can ever reach a map.
"""

from __future__ import annotations

import pathlib
import sqlite3

__all__ = ["render_site_maps"]


def render_site_maps(conn: sqlite3.Connection, output: pathlib.Path, settings: dict) -> list[pathlib.Path]:
    """Write map/overview.html, map/record.html, map/cases.html and their data under *output*.

    Returns the list of files written (or already up to date).  Implementation
    lives in :mod:`registry.maps.render`; imported lazily so CLI start-up stays fast.
    """
    from registry.maps.render import render_site_maps as _render

    return _render(conn, output, settings)
