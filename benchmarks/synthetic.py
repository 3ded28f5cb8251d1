"""Synthetic registries for measuring: realistic text lengths, links between kinds, Mediterranean points.

Records are written as CSV files per kind so the import path itself can be
measured; links and citations are added afterwards through the store in bulk.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from registry import vocab

# Cities around the Mediterranean: (name, country, lat, lon).
CITIES = [
    ("Napoli", "IT", 40.85, 14.27), ("Barcelona", "ES", 41.39, 2.17), ("Marseille", "FR", 43.30, 5.37),
    ("Athina", "GR", 37.98, 23.73), ("Tunis", "TN", 36.81, 10.18), ("Valencia", "ES", 39.47, -0.38),
    ("Palermo", "IT", 38.12, 13.36), ("Lisboa", "PT", 38.72, -9.14), ("Beirut", "LB", 33.89, 35.50),
    ("Amman", "JO", 31.95, 35.93), ("Sfax", "TN", 34.74, 10.76), ("Genova", "IT", 44.41, 8.93),
    ("Thessaloniki", "GR", 40.64, 22.94), ("Malaga", "ES", 36.72, -4.42), ("Bari", "IT", 41.12, 16.87),
]
WORDS = (
    "community garden cooperative assembly municipal building civic use commons neighbourhood collective "
    "agreement resolution culture housing energy workshop library school market square water care "
    "volunteers residents association mutual aid solidarity economy public space restoration"
).split()


@dataclass(frozen=True)
class Sizes:
    """How many records of each kind make a registry of `total` records."""

    assets: int
    actors: int
    agreements: int
    cases: int

    @classmethod
    def of(cls, total: int) -> Sizes:
        assets = total * 45 // 100
        actors = total * 35 // 100
        agreements = total * 15 // 100
        return cls(assets, actors, agreements, max(1, total - assets - actors - agreements))


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _point(rng: random.Random) -> tuple[str, str, float, float]:
    city, country, lat, lon = rng.choice(CITIES)
    return city, country, round(lat + rng.gauss(0, 0.05), 6), round(lon + rng.gauss(0, 0.05), 6)


def write_csvs(directory: Path, total: int, seed: int = 7) -> dict[str, Path]:
    """One CSV per kind for a registry of about `total` records; same seed, same files."""
    rng = random.Random(seed)
    sizes = Sizes.of(total)
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    def write(kind: str, header: list[str], rows: list[list[object]]) -> None:
        path = directory / f"{kind}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        paths[kind] = path

    statuses, asset_kinds = list(vocab.ASSET_STATUSES), list(vocab.ASSET_KINDS)
    rows = []
    for n in range(sizes.assets):
        city, country, lat, lon = _point(rng)
        rows.append([f"asset-{n}", f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {n}", rng.choice(asset_kinds),
                     rng.choice(statuses), city, country, lat, lon, _text(rng, rng.randint(40, 160)), f"{2000 + n % 25}"])
    write("assets", ["id", "name", "kind", "status", "city", "country", "lat", "lon", "description", "since"], rows)

    actor_kinds = list(vocab.ACTOR_KINDS)
    rows = []
    for n in range(sizes.actors):
        city, country, lat, lon = _point(rng)
        rows.append([f"actor-{n}", f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} cooperative {n}", rng.choice(actor_kinds),
                     city, country, lat, lon, _text(rng, rng.randint(30, 120))])
    write("actors", ["id", "name", "kind", "city", "country", "lat", "lon", "description"], rows)

    agreement_kinds, agreement_statuses = list(vocab.AGREEMENT_KINDS), list(vocab.AGREEMENT_STATUSES)
    rows = []
    for n in range(sizes.agreements):
        start = 2010 + n % 14
        rows.append([f"agreement-{n}", f"Agreement on {rng.choice(WORDS)} {n}", rng.choice(agreement_kinds),
                     rng.choice(agreement_statuses), f"asset-{rng.randrange(max(1, sizes.assets))}",
                     f"Resolution {n}/{start}", f"{start}-0{1 + n % 9}-1{n % 9}", f"{start + 5 + n % 20}-12-31",
                     _text(rng, rng.randint(40, 120)), _text(rng, 30)])
    write("agreements", ["id", "title", "kind", "status", "asset_id", "instrument", "starts_on", "expires_on", "description", "commitments"], rows)

    areas, levels, axes = list(vocab.POLICY_AREAS), list(vocab.LEVELS), list(vocab.DESIGN_DELIVERY)
    rows = []
    for n in range(sizes.cases):
        city, country, lat, lon = _point(rng)
        rows.append([f"case-{n}", f"Co-producing {rng.choice(WORDS)} in {city} {n}", city, country, lat, lon,
                     2000 + n % 24, ",".join(rng.sample(areas, 2)), rng.choice(levels), rng.choice(axes), rng.choice(axes),
                     _text(rng, rng.randint(80, 200)), _text(rng, 60)])
    write("cases", ["id", "title", "city", "country", "lat", "lon", "start_year", "policy_areas", "level", "design_by",
                    "delivery_by", "summary", "outcomes"], rows)
    return paths


def add_links(db_path: Path, total: int, seed: int = 7) -> int:
    """Parties for every agreement and actors and assets for every case, written through the log."""
    from registry.store import open_registry, transaction

    rng = random.Random(seed)
    sizes = Sizes.of(total)
    registry = open_registry(db_path, by="benchmark")
    parties = {(f"agreement-{n}", f"actor-{rng.randrange(sizes.actors)}", rng.choice(["co_manager", "municipality"])) for n in range(sizes.agreements)}
    case_actors = {(f"case-{n}", f"actor-{rng.randrange(sizes.actors)}", "partner") for n in range(sizes.cases)}
    case_assets = {(f"case-{n}", f"asset-{rng.randrange(max(1, sizes.assets))}") for n in range(sizes.cases)}
    with transaction(registry) as txn:
        txn.conn.executemany("INSERT OR IGNORE INTO agreement_parties VALUES (?, ?, ?)", sorted(parties))
        txn.conn.executemany("INSERT OR IGNORE INTO case_study_actors VALUES (?, ?, ?)", sorted(case_actors))
        txn.conn.executemany("INSERT OR IGNORE INTO case_study_assets VALUES (?, ?)", sorted(case_assets))
        for table, rows in (("agreement_parties", parties), ("case_study_actors", case_actors), ("case_study_assets", case_assets)):
            txn.log_many("insert", table, [("/".join(r[:2]), None, {"row": list(r)}) for r in sorted(rows)])
    registry.close()
    return len(parties) + len(case_actors) + len(case_assets)
