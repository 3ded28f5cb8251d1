"""Maps for the public site: an overview, one page serving every record's small map, and case studies.

The site builder calls :func:`render_site_maps` with a connection to the
*public* copy (public.db), so no private column can ever reach a map. Pages
are written to ``output/map/``; a record page embeds
``map/record.html#assets/<id>`` (or ``#actors/<id>``, ``#cases/<id>``) in an
iframe, and popup links open the record's page at ``../assets/<id>/`` in the
parent window.
"""

from __future__ import annotations

import pathlib
import sqlite3
from collections.abc import Sequence
from typing import Any

__all__ = ["render_site_maps"]


def render_site_maps(
    conn: sqlite3.Connection,
    output: pathlib.Path,
    settings: dict,
    languages: Sequence[Any] = (),
    cache: pathlib.Path | None = None,
    columns: Sequence[Any] | None = None,
) -> list[pathlib.Path]:
    """Write map/overview.html, map/record.html, map/cases.html, their data and scripts under *output*.

    `languages` (`registry.maps.render.MapLanguage`) says which languages get
    map pages, and where; the data is written once for all of them.
    `cache`, a file outside the site, keeps the pages' frames, so an edit that
    changes only the data does not draw the pages again. `columns`, each
    layer's records as `registry.maps.data.read_columns` reads them, spare a
    second reading when the caller has them. Returns every file the maps need (written now or already up to date). The
    work lives in :mod:`registry.maps.render`, imported here only when called,
    so importing this package costs nothing at CLI start-up.
    """
    from registry.maps.render import render_site_maps as _render

    return _render(conn, output, settings, languages, cache, columns)
