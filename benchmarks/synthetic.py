"""Synthetic registries for measuring: realistic text lengths, links between kinds, Mediterranean points.

Records are written as CSV files per kind so the import path itself can be
measured; links and citations are added afterwards through the store in bulk.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

from registry.model import vocab

# Cities around the Mediterranean: (name, country, lat, lon).
CITIES = [
    ("Napoli", "IT", 40.85, 14.27),
    ("Barcelona", "ES", 41.39, 2.17),
    ("Marseille", "FR", 43.30, 5.37),
    ("Athina", "GR", 37.98, 23.73),
    ("Tunis", "TN", 36.81, 10.18),
    ("Valencia", "ES", 39.47, -0.38),
    ("Palermo", "IT", 38.12, 13.36),
    ("Lisboa", "PT", 38.72, -9.14),
    ("Beirut", "LB", 33.89, 35.50),
    ("Amman", "JO", 31.95, 35.93),
    ("Sfax", "TN", 34.74, 10.76),
    ("Genova", "IT", 44.41, 8.93),
    ("Thessaloniki", "GR", 40.64, 22.94),
    ("Malaga", "ES", 36.72, -4.42),
    ("Bari", "IT", 41.12, 16.87),
]
_VOCABULARY = (
    "community garden cooperative assembly municipal building civic use commons neighbourhood collective "
    "agreement resolution culture housing energy workshop library school market square water care "
    "volunteers residents association mutual aid solidarity economy public space restoration"
)
WORDS = _VOCABULARY.split()

# A registry's shape: "spread" over the fifteen cities (a network's registry), or
# "one-city" (a city's own registry, every place in Naples), where the city,
# status and kind lists grow with the registry instead of being split fifteen ways.
SHAPES = {"spread": CITIES, "one-city": CITIES[:1]}


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
    # choices() draws all words in one call: a 1M-record registry holds ~100M words.
    return " ".join(rng.choices(WORDS, k=words)).capitalize() + "."


def _point(rng: random.Random, cities: list[tuple[str, str, float, float]]) -> tuple[str, str, float, float]:
    city, country, lat, lon = rng.choice(cities)
    return city, country, round(lat + rng.gauss(0, 0.05), 6), round(lon + rng.gauss(0, 0.05), 6)


TABLES = {"assets": "assets", "actors": "actors", "agreements": "agreements", "cases": "case_studies"}


def generate(total: int, seed: int = 7, shape: str = "spread") -> dict[str, tuple[list[str], list[list[object]]]]:
    """The header and rows of each kind for a registry of about `total` records in a shape; same seed, same rows.

    Shared by the CSV writer (to measure the import path) and the bulk SQL writer
    (to make 1M-record registries for Datasette without waiting for an import).
    """
    rng = random.Random(seed)
    sizes = Sizes.of(total)
    cities = SHAPES[shape]
    kinds: dict[str, tuple[list[str], list[list[object]]]] = {}

    statuses, asset_kinds = list(vocab.ASSET_STATUSES), list(vocab.ASSET_KINDS)
    rows: list[list[object]] = []
    for n in range(sizes.assets):
        city, country, lat, lon = _point(rng, cities)
        rows.append(
            [
                f"asset-{n}",
                f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {n}",
                rng.choice(asset_kinds),
                rng.choice(statuses),
                city,
                country,
                lat,
                lon,
                _text(rng, rng.randint(40, 160)),
                f"{2000 + n % 25}",
            ]
        )
    kinds["assets"] = (["id", "name", "kind", "status", "city", "country", "lat", "lon", "description", "since"], rows)

    actor_kinds = list(vocab.ACTOR_KINDS)
    rows = []
    for n in range(sizes.actors):
        city, country, lat, lon = _point(rng, cities)
        rows.append(
            [
                f"actor-{n}",
                f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} cooperative {n}",
                rng.choice(actor_kinds),
                city,
                country,
                lat,
                lon,
                _text(rng, rng.randint(30, 120)),
            ]
        )
    kinds["actors"] = (["id", "name", "kind", "city", "country", "lat", "lon", "description"], rows)

    agreement_kinds, agreement_statuses = list(vocab.AGREEMENT_KINDS), list(vocab.AGREEMENT_STATUSES)
    rows = []
    for n in range(sizes.agreements):
        start = 2010 + n % 14
        rows.append(
            [
                f"agreement-{n}",
                f"Agreement on {rng.choice(WORDS)} {n}",
                rng.choice(agreement_kinds),
                rng.choice(agreement_statuses),
                f"asset-{rng.randrange(max(1, sizes.assets))}",
                f"Resolution {n}/{start}",
                f"{start}-0{1 + n % 9}-1{n % 9}",
                f"{start + 5 + n % 20}-12-31",
                _text(rng, rng.randint(40, 120)),
                _text(rng, 30),
            ]
        )
    kinds["agreements"] = (
        ["id", "title", "kind", "status", "asset_id", "instrument", "starts_on", "expires_on", "description", "commitments"],
        rows,
    )

    areas, levels, axes = list(vocab.POLICY_AREAS), list(vocab.LEVELS), list(vocab.DESIGN_DELIVERY)
    rows = []
    for n in range(sizes.cases):
        city, country, lat, lon = _point(rng, cities)
        rows.append(
            [
                f"case-{n}",
                f"Co-producing {rng.choice(WORDS)} in {city} {n}",
                city,
                country,
                lat,
                lon,
                2000 + n % 24,
                ",".join(rng.sample(areas, 2)),
                rng.choice(levels),
                rng.choice(axes),
                rng.choice(axes),
                _text(rng, rng.randint(80, 200)),
                _text(rng, 60),
            ]
        )
    kinds["cases"] = (
        [
            "id",
            "title",
            "city",
            "country",
            "lat",
            "lon",
            "start_year",
            "policy_areas",
            "level",
            "design_by",
            "delivery_by",
            "summary",
            "outcomes",
        ],
        rows,
    )
    return kinds


def write_csvs(directory: Path, total: int, seed: int = 7, shape: str = "spread") -> dict[str, Path]:
    """One CSV per kind for a registry of about `total` records in a shape; same seed, same files."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for kind, (header, rows) in generate(total, seed, shape).items():
        path = directory / f"{kind}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        paths[kind] = path
    return paths


def add_links(db_path: Path, total: int, seed: int = 7) -> int:
    """Parties for every agreement and actors and assets for every case, written through the log."""
    from registry.store.database import open_registry, transaction

    rng = random.Random(seed)
    sizes = Sizes.of(total)
    registry = open_registry(db_path, by="benchmark")
    parties = {
        (f"agreement-{n}", f"actor-{rng.randrange(sizes.actors)}", rng.choice(["co_manager", "municipality"]))
        for n in range(sizes.agreements)
    }
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


ASSESSED_ON = ("2024-03-01", "2025-03-01")
ASSESSED_CRITERIA = ("participatory", "consensus_oriented", "accountable", "transparent", "responsive", "effective_efficient")


def _assessments(rng: random.Random, cases: int) -> list[tuple[str, ...]]:
    """A quarter of the case studies assessed twice on one framework, a year apart, with some criteria unknown."""
    rows: list[tuple[str, ...]] = []
    for n in range(0, cases, 4):
        for on in ASSESSED_ON:
            scores = {
                c: {"score": rng.randrange(4), "why": _text(rng, 8), "source": f"https://example.org/evidence/{n}"}
                if rng.random() < 0.7
                else {"score": "unknown"}
                for c in ASSESSED_CRITERIA
            }
            rows.append((f"case-{n}-un-good-governance-{on}", "un-good-governance", f"case-{n}", on, "Benchmark group", json.dumps(scores)))
    return rows


def write_registry(db_path: Path, total: int, seed: int = 7, now: dt.datetime | None = None, shape: str = "spread") -> int:
    """A registry of `total` records written with raw SQL: Datasette needs 1M records, which an import would take long to make.

    The rows are `generate`'s, so they are valid by construction and nothing is
    re-validated. Each record gets one logged insert dated over the last five
    years (so "changed in the last N days" finds a realistic share, not
    everything), each asset a timeline step, about 70% of records a source, a
    quarter of the case studies two assessments, and links as `add_links` makes
    them. Returns the number of records of the generated kinds.
    """
    from registry.store.database import create_registry

    rng = random.Random(seed + 1)
    now = now or dt.datetime.now(dt.UTC)
    registry = create_registry(db_path, by="benchmark")
    conn = registry.conn
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    records = 0
    citations: list[tuple[int, str, str]] = []
    sources = max(1, total // 50)
    for kind, (header, rows) in generate(total, seed, shape).items():
        table = TABLES[kind]
        if kind == "cases":
            at = header.index("policy_areas")
            rows = [[*row[:at], json.dumps(str(row[at]).split(",")), *row[at + 1 :]] for row in rows]
        marks = ", ".join("?" for _ in header)
        conn.executemany(f"INSERT INTO [{table}] ({', '.join(header)}) VALUES ({marks})", rows)
        log = []
        for row in rows:
            changed = now - dt.timedelta(days=rng.randrange(5 * 365), seconds=rng.randrange(86_400))
            after = json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False, sort_keys=True)
            log.append((f"bulk-{kind}", changed.strftime("%Y-%m-%dT%H:%M:%SZ"), "benchmark", "insert", table, row[0], None, after))
            if rng.random() < 0.7:
                citations.append((1 + rng.randrange(sources), kind, str(row[0])))
        conn.executemany(
            "INSERT INTO changes (txn, changed_at, changed_by, action, table_name, record_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            log,
        )
        if kind == "assets":
            status, since = header.index("status"), header.index("since")
            conn.executemany(
                "INSERT INTO asset_events (asset_id, happened_on, status) VALUES (?, ?, ?)", [(r[0], r[since], r[status]) for r in rows]
            )
        records += len(rows)
    conn.executemany(
        "INSERT INTO sources (id, url, title, publisher, year) VALUES (?, ?, ?, ?, ?)",
        [
            (n, f"https://example.org/sources/{n}", f"Source {n}: {_text(rng, 6)}", "Benchmark press", 2000 + n % 25)
            for n in range(1, sources + 1)
        ],
    )
    conn.executemany("INSERT INTO citations (source_id, record_kind, record_id) VALUES (?, ?, ?)", citations)
    conn.executemany(
        "INSERT INTO assessments (id, framework, case_id, assessed_on, assessor, scores, lang) VALUES (?, ?, ?, ?, ?, ?, 'en')",
        _assessments(rng, Sizes.of(total).cases),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    registry.close()
    add_links(db_path, total, seed)
    return records
