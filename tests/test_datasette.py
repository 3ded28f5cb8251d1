"""What a journalist sees in Datasette: canned queries, descriptions, facets, search and maps.

Every test goes through a real Datasette on a real public copy of the example,
with the project's metadata.json. Expected rows are worked out in Python from the
registry's records, never by running the canned SQL a second way.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from registry.model import vocab
from registry.model.errors import RegistryError
from registry.model.kinds import KINDS, LINKS
from registry.operations.examples import example_data
from registry.operations.records import add_record, list_records, update_record
from registry.publishing.assessment_tables import ASSESSMENT_TABLES
from registry.publishing.datasette import datasette_app, load_metadata
from registry.publishing.public_copy import FACETED, public_tables
from registry.publishing.publish import publish_registry
from registry.publishing.summaries import SUMMARY_TABLES

ROOT = Path(__file__).resolve().parents[1]
METADATA_PATH = ROOT / "metadata.json"
RECORD_TABLES = ("assets", "actors", "agreements", "case_studies")
COMMONS_STATUSES = ("occupied", "recognised", "under_agreement")
LOTS = 21  # mapped assets in one district: more than the 20 names "Assets by status and district" shows


@dataclass
class Published:
    """The example, nudged so time-dependent questions have answers, and its public copy."""

    registry: Path
    database: Path
    today: dt.date
    soon: str
    later: str
    suspended: str
    backdated_table: str
    lapsed: str = ""


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=day.year + year, month=month + 1, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


@pytest.fixture(scope="module")
def published(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Published:
    from registry.store.database import open_registry

    folder = tmp_path_factory.mktemp("datasette")
    path = folder / "registry.db"
    shutil.copyfile(example_master, path)
    registry = open_registry(path, by="tester")
    today = utc_today()
    open_ended = [a for a in list_records(registry, "agreements") if a["status"] == "active" and not a["expires_on"] and a["asset_id"]]
    soon, later, suspended, lapsed = open_ended[0]["id"], open_ended[1]["id"], open_ended[2]["id"], open_ended[3]["id"]
    update_record(registry, "agreements", soon, {"expires_on": (today + dt.timedelta(days=182)).isoformat(), "rent_eur_per_year": 1200})
    update_record(registry, "agreements", later, {"expires_on": (today + dt.timedelta(days=548)).isoformat(), "rent_eur_per_year": 0})
    update_record(registry, "agreements", suspended, {"status": "suspended"})
    update_record(registry, "agreements", lapsed, {"expires_on": (today - dt.timedelta(days=30)).isoformat()})
    add_record(
        registry,
        "assets",
        {
            "id": "test-occupied-square",
            "name": "Occupied square",
            "kind": "square",
            "status": "occupied",
            "city": "Napoli",
            "district": "Test district",
        },
    )
    for n in range(LOTS, 0, -1):
        add_record(
            registry,
            "assets",
            {
                "id": f"test-lot-{n:02}",
                "name": f"Vacant lot {n:02}",
                "kind": "land",
                "status": "mapped",
                "city": "Napoli",
                "district": "Test district",
            },
        )
    # Naples assessed again on a later date, so there is a change between two assessments to show.
    from registry.operations.assessments import Scoring, assess_record

    assess_record(
        registry,
        "cases",
        "cs-naples-commons",
        "un-good-governance",
        Scoring(
            {"transparent": "3", "rule_of_law": "1"},
            {"transparent": "All acts online", "rule_of_law": "Contested"},
            {},
            "https://example.org/r",
        ),
        assessed_on="2027-01-15",
        assessor="Test group",
    )
    # As if every change to actors had been made two months ago.
    two_months_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    registry.conn.execute("UPDATE changes SET changed_at = ? WHERE table_name = 'actors'", [two_months_ago])
    database = publish_registry(registry, folder / "public").database
    registry.close()
    return Published(path, database, today, soon, later, suspended, "actors", lapsed)


@pytest.fixture(scope="module")
def metadata() -> dict[str, Any]:
    return load_metadata(METADATA_PATH)


@pytest.fixture(scope="module")
def ds(published: Published, metadata: dict[str, Any]) -> Any:
    return datasette_app(published.database, metadata)


def records(published: Published, kind: str) -> list[dict[str, Any]]:
    from registry.store.database import open_registry

    registry = open_registry(published.registry, migrate=False)
    try:
        return list_records(registry, kind)
    finally:
        registry.close()


def registry_rows(published: Published, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(published.registry)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def public_columns(published: Published, table: str) -> list[str]:
    conn = sqlite3.connect(published.database)
    try:
        return [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
    finally:
        conn.close()


async def get_json(ds: Any, path: str, **params: str) -> Any:
    await ds.invoke_startup()
    url = path + ("?" + urlencode(params) if params else "")
    response = await ds.client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:500]}"
    return response.json()


async def run_query(ds: Any, name: str, **params: str) -> list[dict[str, Any]]:
    return await get_json(ds, f"/public/{name}.json", _shape="array", **params)  # type: ignore[no-any-return]


# Canned queries ---------------------------------------------------------------

TESTED_QUERIES = {
    "agreements_expiring",
    "lapsed_agreements",
    "commons_without_active_agreement",
    "assets_by_status_and_district",
    "agreements_per_co_manager",
    "actors_by_kind_and_city",
    "case_studies_by_policy_area_and_level",
    "bovaird_matrix",
    "records_changed_recently",
    "records_without_source",
    "asset_timeline",
    "agreement_costs",
    "records_never_assessed",
    "weakest_criteria",
    "assessment_change",
}


def test_every_canned_query_has_a_test_and_there_are_at_least_eight(metadata: dict[str, Any]) -> None:
    queries = metadata["databases"]["public"]["queries"]
    assert set(queries) == TESTED_QUERIES
    assert len(queries) >= 8
    for name, query in queries.items():
        assert query.get("title") and query.get("description"), name
        assert not query.get("write"), f"{name} must be read-only"


@pytest.mark.parametrize("months", ["12", "24", ""])
async def test_agreements_expiring_within_n_months(ds: Any, published: Published, months: str) -> None:
    until = add_months(published.today, int(months or 12))
    expected = sorted(
        (a["expires_on"], a["id"])
        for a in records(published, "agreements")
        if a["status"] == "active" and a["expires_on"] and published.today.isoformat() <= a["expires_on"] <= until.isoformat()
    )
    rows = await run_query(ds, "agreements_expiring", months=months)
    assert [(r["expires_on"], r["id"]) for r in rows] == expected
    assert published.soon in [r["id"] for r in rows]
    assert (published.later in [r["id"] for r in rows]) == (months == "24")


async def test_lapsed_agreements_are_the_active_ones_whose_end_has_passed(ds: Any, published: Published) -> None:
    expected = sorted(
        (a["expires_on"], a["id"])
        for a in records(published, "agreements")
        if a["status"] == "active" and a["expires_on"] and a["expires_on"] < published.today.isoformat()
    )
    rows = await run_query(ds, "lapsed_agreements")
    assert [(r["expires_on"], r["id"]) for r in rows] == expected
    assert published.lapsed in [r["id"] for r in rows]


@pytest.mark.parametrize("city", ["", "Napoli", "Nowhere"])
async def test_commons_without_an_active_agreement(ds: Any, published: Published, city: str) -> None:
    covered = {a["asset_id"] for a in records(published, "agreements") if a["status"] == "active"}
    expected = {
        s["id"]
        for s in records(published, "assets")
        if s["status"] in COMMONS_STATUSES and s["id"] not in covered and (not city or s["city"] == city)
    }
    rows = await run_query(ds, "commons_without_active_agreement", city=city)
    assert {r["id"] for r in rows} == expected
    assert len(rows) == len(expected)
    if city != "Nowhere":
        assert "test-occupied-square" in expected


@pytest.mark.parametrize(("city", "status"), [("", ""), ("Napoli", ""), ("Napoli", "recognised")])
async def test_assets_by_status_and_district(ds: Any, published: Published, city: str, status: str) -> None:
    chosen = [s for s in records(published, "assets") if (not city or s["city"] == city) and (not status or s["status"] == status)]
    expected = Counter((s["district"] or "(no district)", s["status"]) for s in chosen)
    names = {key: sorted(s["name"] for s in chosen if (s["district"] or "(no district)", s["status"]) == key)[:20] for key in expected}
    rows = await run_query(ds, "assets_by_status_and_district", city=city, status=status)
    assert {(r["district"], r["status"]): r["assets"] for r in rows} == expected
    assert {(r["district"], r["status"]): r["first_names"].split("; ") for r in rows} == names
    assert [(r["district"], r["status"]) for r in rows] == sorted(expected)
    assert expected


@pytest.mark.parametrize("city", ["", "Napoli"])
async def test_assets_by_status_and_district_names_the_first_20_of_a_big_cell(ds: Any, published: Published, city: str) -> None:
    rows = await run_query(ds, "assets_by_status_and_district", city=city, status="mapped")
    (row,) = [r for r in rows if r["district"] == "Test district"]
    assert row["assets"] == LOTS
    assert row["first_names"].split("; ") == [f"Vacant lot {n:02}" for n in range(1, 21)]


@pytest.mark.parametrize("status", ["", "active", "expired"])
async def test_agreements_per_co_manager(ds: Any, published: Published, status: str) -> None:
    agreements = {a["id"]: a for a in records(published, "agreements")}
    per_actor: dict[str, list[str]] = {}
    for agreement_id, actor_id in registry_rows(
        published, "SELECT agreement_id, actor_id FROM agreement_parties WHERE role = 'co_manager'"
    ):
        if not status or agreements[agreement_id]["status"] == status:
            per_actor.setdefault(actor_id, []).append(agreement_id)
    rows = await run_query(ds, "agreements_per_co_manager", status=status)
    assert {r["actor_id"]: sorted(r["agreement_ids"].split("; ")) for r in rows} == {k: sorted(v) for k, v in per_actor.items()}
    for row in rows:
        assert row["agreements"] == len(per_actor[row["actor_id"]])
        assert row["active_agreements"] == sum(agreements[a]["status"] == "active" for a in per_actor[row["actor_id"]])
    assert [(-r["agreements"], r["co_manager"], r["actor_id"]) for r in rows] == sorted(
        (-r["agreements"], r["co_manager"], r["actor_id"]) for r in rows
    )
    actors = {a["id"]: a for a in records(published, "actors")}
    assert all((r["co_manager"], r["kind"], r["city"]) == tuple(actors[r["actor_id"]][k] for k in ("name", "kind", "city")) for r in rows)
    if not status:
        assert rows


async def test_actors_by_kind_and_city(ds: Any, published: Published) -> None:
    actors = records(published, "actors")
    (kind, city), _ = Counter((a["kind"], a["city"]) for a in actors if a["city"]).most_common(1)[0]
    for params in ({"kind": kind, "city": city}, {"kind": kind, "city": ""}, {"kind": "", "city": city}, {"kind": "", "city": ""}):
        expected = {a["id"] for a in actors if all(not v or a[k] == v for k, v in params.items())}
        rows = await run_query(ds, "actors_by_kind_and_city", **params)
        assert {r["id"] for r in rows} == expected, params
        assert len(rows) == len(expected)
    assert len(await run_query(ds, "actors_by_kind_and_city", kind="no_such_kind", city="")) == 0


async def test_case_studies_by_policy_area_and_level(ds: Any, published: Published) -> None:
    cases = records(published, "cases")
    seen_both = False
    for area in ["", *vocab.POLICY_AREAS]:
        for level in ["", *vocab.LEVELS]:
            expected = {c["id"] for c in cases if (not area or area in (c["policy_areas"] or [])) and (not level or c["level"] == level)}
            rows = await run_query(ds, "case_studies_by_policy_area_and_level", policy_area=area, level=level)
            assert {r["id"] for r in rows} == expected, (area, level)
            seen_both = seen_both or bool(area and level and expected)
    assert seen_both, "the example should hold a case with both a policy area and a level"


@pytest.mark.parametrize("area", ["", "energy", "housing", "climate"])
async def test_bovaird_matrix_counts_every_cell(ds: Any, published: Published, area: str) -> None:
    cases = [c for c in records(published, "cases") if not area or area in (c["policy_areas"] or [])]
    counts = Counter((c["design_by"], c["delivery_by"]) for c in cases if c["design_by"] and c["delivery_by"])
    rows = await run_query(ds, "bovaird_matrix", policy_area=area)
    assert len(rows) == len(vocab.DESIGN_DELIVERY) ** 2
    for row in rows:
        assert row["cell"] == vocab.matrix_cell(row["design_by"], row["delivery_by"])
        assert row["case_studies"] == counts[(row["design_by"], row["delivery_by"])]
        ids = sorted(c["id"] for c in cases if (c["design_by"], c["delivery_by"]) == (row["design_by"], row["delivery_by"]))
        assert (sorted(row["case_study_ids"].split("; ")) if row["case_study_ids"] else []) == ids
    assert sum(r["case_studies"] for r in rows) == sum(counts.values())
    if not area:
        assert sum(counts.values()) > 0


@pytest.mark.parametrize(("days", "table"), [("30", ""), ("", ""), ("90", ""), ("90", "actors"), ("30", "assets")])
async def test_records_changed_in_the_last_n_days(ds: Any, published: Published, days: str, table: str) -> None:
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=int(days or 30))).strftime("%Y-%m-%dT%H:%M:%SZ")
    changes = registry_rows(published, "SELECT table_name, record_id, changed_at, action FROM changes ORDER BY id")
    recent = [c for c in changes if c[0] in RECORD_TABLES and c[2] >= since and (not table or c[0] == table)]
    expected = Counter((c[0], c[1]) for c in recent)
    last_action = {(c[0], c[1]): c[3] for c in recent}
    rows = await run_query(ds, "records_changed_recently", days=days, table_name=table)
    assert {(r["table_name"], r["record_id"]): r["changes"] for r in rows} == expected
    assert {(r["table_name"], r["record_id"]): r["last_action"] for r in rows} == last_action
    assert all(r["name"] for r in rows)
    order = [(r["last_changed_at"], r["last_change_id"]) for r in rows]
    assert order == sorted(order, reverse=True)
    has_actors = any(r["table_name"] == published.backdated_table for r in rows)
    assert has_actors == (days == "90" and table in ("", "actors"))
    assert rows


# The kinds whose records cite their sources; an assessment gives a source for each score instead.
CITING_KINDS = ("assets", "actors", "agreements", "cases")


@pytest.mark.parametrize("kind", ["", *CITING_KINDS])
async def test_records_without_a_source(ds: Any, published: Published, kind: str) -> None:
    cited = set(registry_rows(published, "SELECT record_kind, record_id FROM citations"))
    expected = {(k, r["id"]) for k in CITING_KINDS if not kind or k == kind for r in records(published, k) if (k, r["id"]) not in cited}
    rows = await run_query(ds, "records_without_source", kind=kind, after="")
    assert [(r["kind"], r["id"]) for r in rows] == sorted(expected)
    if kind in ("", "assets"):
        assert ("assets", "test-occupied-square") in expected
    if kind and len(rows) > 2:
        after = rows[1]["id"]
        rest = await run_query(ds, "records_without_source", kind=kind, after=after)
        assert [(r["kind"], r["id"]) for r in rest] == sorted(e for e in expected if e[1] > after)


async def test_asset_timeline_tells_each_story_in_order(ds: Any, published: Published) -> None:
    events = example_data()["events"]
    storied = sorted({e["asset_id"] for e in events})
    assert storied
    for asset_id in storied:
        expected = sorted(
            ((e["happened_on"], e["status"], e["document"] or None) for e in events if e["asset_id"] == asset_id), key=lambda e: e[0]
        )
        rows = await run_query(ds, "asset_timeline", asset_id=asset_id)
        assert [(r["happened_on"], r["status"], r["document"] or None) for r in rows] == expected, asset_id
    assert await run_query(ds, "asset_timeline", asset_id="no-such-asset") == []


@pytest.mark.parametrize(("city", "status"), [("", ""), ("Napoli", "active")])
async def test_agreement_costs_put_the_highest_rent_first(ds: Any, published: Published, city: str, status: str) -> None:
    chosen = [a for a in records(published, "agreements") if (not city or a["city"] == city) and (not status or a["status"] == status)]
    expected = [a["id"] for a in sorted(chosen, key=lambda a: (a["rent_eur_per_year"] is None, -(a["rent_eur_per_year"] or 0), a["id"]))]
    rows = await run_query(ds, "agreement_costs", city=city, status=status)
    assert [r["id"] for r in rows] == expected


@pytest.mark.parametrize("kind", ["", "cases", "agreements"])
async def test_records_never_assessed_are_the_cases_and_agreements_no_assessment_names(ds: Any, published: Published, kind: str) -> None:
    assessed = {a["case_id"] or a["agreement_id"] for a in records(published, "assessments")}
    expected = sorted(
        (k, r["id"]) for k in ("agreements", "cases") if not kind or k == kind for r in records(published, k) if r["id"] not in assessed
    )
    rows = await run_query(ds, "records_never_assessed", kind=kind, after="")
    assert [(r["kind"], r["id"]) for r in rows] == expected
    if kind in ("", "agreements"):
        assert any(k == "agreements" for k, _ in expected)


async def test_weakest_criteria_average_each_records_latest_score_weakest_first(ds: Any, published: Published) -> None:
    from registry.model.frameworks import load_frameworks

    frameworks = load_frameworks()
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for a in sorted(records(published, "assessments"), key=lambda a: a["assessed_on"]):
        latest[(a["framework"], a["case_id"] or a["agreement_id"])] = a
    shares: dict[tuple[str, str], list[float]] = {}
    unknown: dict[tuple[str, str], int] = {}
    for (framework_id, _), a in latest.items():
        scale = frameworks[framework_id].scale
        for criterion in frameworks[framework_id].criteria:
            score = (a["scores"].get(criterion.id) or {}).get("score", "unknown")
            if score == "unknown":
                unknown[(framework_id, criterion.id)] = unknown.get((framework_id, criterion.id), 0) + 1
            else:
                shares.setdefault((framework_id, criterion.id), []).append(scale.share(score))
    rows = await run_query(ds, "weakest_criteria", framework="")
    got = {(r["framework_id"], r["criterion_id"]): r for r in rows}
    assert set(got) == set(shares)
    for key, values in shares.items():
        assert got[key]["average_share"] == pytest.approx(sum(values) / len(values), abs=1e-4)
        assert got[key]["records_scored"] == len(values) and got[key]["records_unknown"] == unknown.get(key, 0)
    averages = [r["average_share"] for r in rows]
    assert averages == sorted(averages)
    naples_later = await run_query(ds, "weakest_criteria", framework="un-good-governance")
    assert {r["framework_id"] for r in naples_later} == {"un-good-governance"}


async def test_assessment_change_puts_two_assessments_side_by_side(ds: Any, published: Published) -> None:
    history = sorted(
        (a for a in records(published, "assessments") if a["case_id"] == "cs-naples-commons" and a["framework"] == "un-good-governance"),
        key=lambda a: a["assessed_on"],
    )
    first, last = history[0], history[-1]
    assert first["assessed_on"] < last["assessed_on"] == "2027-01-15"
    rows = await run_query(ds, "assessment_change", record_id="cs-naples-commons", framework="un-good-governance", from_date="", to_date="")
    assert [r["criterion_id"] for r in rows] == [
        "participatory",
        "consensus_oriented",
        "accountable",
        "transparent",
        "responsive",
        "effective_efficient",
        "equitable_inclusive",
        "rule_of_law",
    ]
    for row in rows:
        before, after = first["scores"][row["criterion_id"]]["score"], last["scores"][row["criterion_id"]]["score"]
        assert (row["score_before"], row["score_after"]) == (str(before), str(after))
        assert row["change"] == (after - before if "unknown" not in (before, after) else None)
        assert (row["before_on"], row["after_on"]) == (first["assessed_on"], "2027-01-15")
        assert row["position"] == rows.index(row) + 1
    assert next(r for r in rows if r["criterion_id"] == "transparent")["why_now"] == "All acts online"
    chosen = await run_query(
        ds, "assessment_change", record_id="cs-naples-commons", framework="un-good-governance", from_date="2027-01-15", to_date="2027-01-15"
    )
    assert all(r["change"] in (0, None) for r in chosen)
    assert all(
        r["score_before"] == "unknown"
        for r in await run_query(ds, "assessment_change", record_id="no-such", framework="un-good-governance", from_date="", to_date="")
    )


# Metadata ---------------------------------------------------------------------


def test_metadata_gives_title_description_licence_and_source(metadata: dict[str, Any]) -> None:
    for key in ("title", "description", "license", "license_url", "source"):
        assert metadata.get(key), key
    assert metadata["license"] == "ODC-By-1.0"
    assert "public" in metadata["databases"]


def test_every_public_table_and_column_is_described(published: Published, metadata: dict[str, Any]) -> None:
    tables = metadata["databases"]["public"]["tables"]
    for table in [*public_tables(), *SUMMARY_TABLES, *ASSESSMENT_TABLES]:
        assert tables.get(table, {}).get("description"), f"table {table} has no description in metadata.json"
        columns = public_columns(published, table)
        described = tables[table].get("columns", {})
        missing = [c for c in columns if not described.get(c)]
        assert not missing, f"columns of {table} with no description in metadata.json: {missing}"
        stale = sorted(set(described) - set(columns))
        assert not stale, f"metadata.json describes columns {table} does not have: {stale}"
    assert not set(tables) - set(public_tables()) - set(SUMMARY_TABLES) - set(ASSESSMENT_TABLES), (
        "metadata.json describes tables that are not published"
    )


async def test_only_public_tables_are_listed_and_search_tables_hidden(ds: Any) -> None:
    listed = (await get_json(ds, "/public.json"))["tables"]
    visible = {t["name"] for t in listed if not t["hidden"]}
    assert visible == set(public_tables()) | set(SUMMARY_TABLES) | set(ASSESSMENT_TABLES)
    hidden = {t["name"] for t in listed if t["hidden"]}
    assert {f"{table}_fts" for table in RECORD_TABLES} <= hidden


def enumerated_columns() -> list[tuple[str, str, list[str]]]:
    found = [(kind.table, f.name, list(f.choices)) for kind in KINDS.values() for f in kind.public_fields if f.choices]
    found += [(spec.table, "role", list(spec.roles)) for spec in LINKS if spec.roles]
    found += [
        ("asset_events", "status", list(vocab.ASSET_STATUSES)),
        ("citations", "record_kind", list(KINDS)),
        ("changes", "action", ["insert", "update", "delete", "restore"]),
    ]
    return found


@pytest.mark.parametrize(("table", "column", "allowed"), enumerated_columns(), ids=lambda v: v if isinstance(v, str) else "")
def test_enumerated_columns_list_every_allowed_value(metadata: dict[str, Any], table: str, column: str, allowed: list[str]) -> None:
    description = metadata["databases"]["public"]["tables"][table]["columns"][column]
    missing = [value for value in allowed if not re.search(rf"\b{re.escape(value)}\b", description)]
    assert not missing, f"{table}.{column} description does not list {missing}"


async def test_foreign_keys_show_the_names_they_point_at(ds: Any, published: Published, metadata: dict[str, Any]) -> None:
    tables = metadata["databases"]["public"]["tables"]
    conn = sqlite3.connect(published.database)
    targets = {fk[2] for table in public_tables() for fk in conn.execute(f"PRAGMA foreign_key_list([{table}])")}
    conn.close()
    assert targets >= {"assets", "actors", "agreements", "case_studies", "sources"}
    for target in targets:
        label = tables[target].get("label_column")
        assert label in public_columns(published, target), target
    rows = await get_json(ds, "/public/agreement_parties.json", _shape="array", _labels="on", _size="5")
    actors = {a["id"]: a["name"] for a in records(published, "actors")}
    for row in rows:
        assert row["actor_id"]["label"] == actors[row["actor_id"]["value"]]


def test_sorting_facets_search_and_labels_name_real_columns(published: Published, metadata: dict[str, Any]) -> None:
    conn = sqlite3.connect(published.database)
    all_tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    for table, meta in metadata["databases"]["public"]["tables"].items():
        columns = set(public_columns(published, table))
        assert set(meta.get("sortable_columns", [])) <= columns, table
        for facet in meta.get("facets", []):
            assert (facet["array"] if isinstance(facet, dict) else facet) in columns, (table, facet)
        for key in ("sort", "sort_desc", "label_column"):
            assert meta.get(key) is None or meta[key] in columns, (table, key)
        if table in RECORD_TABLES:
            assert meta["fts_table"] == f"{table}_fts" and meta["fts_table"] in all_tables
            assert meta["sortable_columns"], table


def test_publish_writes_the_summary_tables_before_analyze(published: Published) -> None:
    conn = sqlite3.connect(published.database)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        analysed = {r[0] for r in conn.execute("SELECT tbl FROM sqlite_stat1")}
    finally:
        conn.close()
    assert set(SUMMARY_TABLES) <= tables, "commons publish must call registry.public_summaries.write_summaries"
    assert set(SUMMARY_TABLES) <= analysed, "the summary tables must be written before ANALYZE, so SQLite plans with their sizes"


# Query plans at scale ---------------------------------------------------------

PLAN_LINE = re.compile(r"^(SCAN|SEARCH) (?:TABLE )?(\S+)(?: (USING .*))?")


def query_plan(conn: sqlite3.Connection, sql: str) -> list[tuple[int, int, str]]:
    """EXPLAIN QUERY PLAN with empty parameters: (node, parent node, detail) of each line."""
    params = {name: "" for name in re.findall(r"(?<![:\w]):(\w+)", sql)}
    return [(row[0], row[1], row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def whole_table_reads(sql: str, plan: list[tuple[int, int, str]]) -> list[str]:
    """The lines of a plan that read a big table whole before the first row can be returned.

    Small are the summary tables, the frameworks and their criteria (a row
    each, from the framework files), the query's CTEs, subqueries, lists of
    constants and json_each. A big table must be read through an index: looked
    up by key or range, or walked in the query's order (and then not sorted,
    which would read it all before the first row); and it must be neither
    grouped nor materialised, which also read all of it first.
    """
    small = {*SUMMARY_TABLES, "criterion_scores", "frameworks", "criteria", "json_each", *re.findall(r"(\w+)(?:\([^)]*\))? as \(", sql)}

    def is_small(detail: str) -> bool:
        match = PLAN_LINE.match(detail)
        return match is None or match[2] in small or match[2].startswith("(subquery") or detail.endswith(("CONSTANT ROW", "CONSTANT ROWS"))

    found = []
    walked = False
    for _, _, detail in plan:
        match = PLAN_LINE.match(detail)
        if match and match[1] == "SCAN" and not is_small(detail):
            if match[3]:
                walked = True
            else:
                found.append(detail)
    if walked:
        found += [detail for _, _, detail in plan if "TEMP B-TREE FOR ORDER BY" in detail]
    for node, parent, detail in plan:
        if "TEMP B-TREE FOR GROUP BY" in detail:
            found += [f"{d} (grouped)" for n, p, d in plan if p == parent and n != node and PLAN_LINE.match(d) and not is_small(d)]
        if detail.startswith("MATERIALIZE"):
            found += [f"{d} ({detail})" for _, p, d in plan if p == node and PLAN_LINE.match(d) and not is_small(d)]
    return found


def test_canned_queries_never_read_a_whole_table_to_answer(scaled_public: Path, metadata: dict[str, Any]) -> None:
    conn = sqlite3.connect(f"file:{scaled_public}?immutable=1", uri=True)
    try:
        for name, query in metadata["databases"]["public"]["queries"].items():
            plan = query_plan(conn, query["sql"])
            found = whole_table_reads(query["sql"], plan)
            assert not found, f"{name} reads whole tables: {found}\n" + "\n".join(d for _, _, d in plan)
    finally:
        conn.close()


async def test_canned_queries_answer_at_scale(scaled_public: Path, metadata: dict[str, Any]) -> None:
    ds = datasette_app(scaled_public, metadata)
    for name in metadata["databases"]["public"]["queries"]:
        rows = await run_query(ds, name)
        if name not in (
            "agreements_expiring",
            "asset_timeline",
            "assessment_change",
        ):  # nothing expires soon; no asset or record is asked for
            assert rows, name


# Facets and search ------------------------------------------------------------


def default_facets(metadata: dict[str, Any]) -> list[tuple[str, str, bool]]:
    found = []
    for table, meta in metadata["databases"]["public"]["tables"].items():
        for facet in meta.get("facets", []):
            found.append((table, facet["array"], True) if isinstance(facet, dict) else (table, facet, False))
    return found


def test_default_facets_cover_city_kind_status_policy_area_and_level(metadata: dict[str, Any]) -> None:
    facets = {(t, c) for t, c, _ in default_facets(metadata)}
    assert {("assets", "city"), ("assets", "kind"), ("assets", "status"), ("actors", "kind"), ("actors", "city")} <= facets
    assert {("agreements", "status"), ("case_studies", "policy_areas"), ("case_studies", "level"), ("case_studies", "city")} <= facets


async def test_default_facets_count_what_the_records_hold(ds: Any, published: Published, metadata: dict[str, Any]) -> None:
    conn = sqlite3.connect(published.database)
    for table, column, is_array in default_facets(metadata):
        values: Counter[str] = Counter()
        for (value,) in conn.execute(f"SELECT [{column}] FROM [{table}]"):
            if value is None:
                continue
            values.update(json.loads(value) if is_array else [value])
        data = await get_json(ds, f"/public/{table}.json", _shape="objects", _size="1")
        assert data["suggested_facets"] == []
        results = data["facet_results"][column]["results"]
        assert len(results) == min(len(values), 30), (table, column)
        assert {r["value"]: r["count"] for r in results} == {v: values[v] for v in (r["value"] for r in results)}, (table, column)
    conn.close()


def test_every_faceted_column_is_indexed(published: Published, metadata: dict[str, Any]) -> None:
    conn = sqlite3.connect(published.database)
    for table, column, is_array in default_facets(metadata):
        if is_array:
            continue  # JSON arrays cannot be indexed; case studies stay few
        sql = (
            f"SELECT [{column}] AS value, count(*) AS count FROM (SELECT * FROM [{table}]) WHERE [{column}] IS NOT NULL GROUP BY [{column}]"
        )
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "INDEX" in plan, f"facet {table}.{column} scans the table: {plan}"
    conn.close()


def test_table_pages_open_in_their_order_from_an_index(scaled_public: Path, metadata: dict[str, Any]) -> None:
    """A table page's first rows, in metadata.json's order, unfiltered and filtered by a default facet, are read without sorting the table."""
    conn = sqlite3.connect(f"file:{scaled_public}?immutable=1", uri=True)
    try:
        for table, meta in metadata["databases"]["public"]["tables"].items():
            order = f"[{meta['sort']}]" if "sort" in meta else f"[{meta['sort_desc']}] DESC" if "sort_desc" in meta else None
            if order is None or table in SUMMARY_TABLES:
                continue
            plan = " ".join(d for _, _, d in query_plan(conn, f"SELECT * FROM [{table}] ORDER BY {order} LIMIT 101"))
            assert "TEMP B-TREE" not in plan, f"{table} sorts the whole table for its first page: {plan}"
        plan = " ".join(d for _, _, d in query_plan(conn, "SELECT * FROM assets WHERE status = 'occupied' ORDER BY name LIMIT 101"))
        assert "TEMP B-TREE" not in plan, plan
    finally:
        conn.close()


def test_a_filter_on_a_default_facet_counts_the_other_facets_from_an_index(scaled_public: Path) -> None:
    """`assets?status=occupied` counts its cities and kinds from an index alone, never from the rows it filtered."""
    conn = sqlite3.connect(f"file:{scaled_public}?immutable=1", uri=True)
    try:
        for table, facets in FACETED.items():
            value = {"city": "Napoli", "kind": "x", "status": "active", "term_state": "lapsed"}
            for column in facets:
                for other in facets:
                    sql = (
                        f"SELECT [{other}] AS value, count(*) AS count FROM (SELECT * FROM [{table}] WHERE [{column}] = '{value[column]}') "
                        f"WHERE [{other}] IS NOT NULL GROUP BY [{other}] ORDER BY count DESC, value LIMIT 31"
                    )
                    plan = " ".join(d for _, _, d in query_plan(conn, sql))
                    assert "COVERING INDEX" in plan, f"{table}?{column}= reads rows to count {other}: {plan}"
    finally:
        conn.close()


async def test_facet_on_policy_area_filters_case_studies(ds: Any, published: Published) -> None:
    expected = {c["id"] for c in records(published, "cases") if "energy" in (c["policy_areas"] or [])}
    rows = await get_json(ds, "/public/case_studies.json", _shape="array", policy_areas__arraycontains="energy")
    assert {r["id"] for r in rows} == expected and expected


@pytest.mark.parametrize("kind", list(KINDS))
async def test_full_text_search_finds_records_by_their_words(ds: Any, published: Published, kind: str) -> None:
    spec = KINDS[kind]
    chosen = records(published, kind)
    named_by = spec.title_field if spec.title_field in spec.search_fields else spec.search_fields[-1]  # an assessment's id is not searched
    word = max(re.findall(r"[A-Za-z]{5,}", chosen[0][named_by]), key=len)
    whole_word = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    expected = {r["id"] for r in chosen if any(whole_word.search(str(r.get(f) or "")) for f in spec.search_fields)}
    rows = await get_json(ds, f"/public/{spec.table}.json", _shape="array", _search=word, _size="max")
    found = {r["id"] for r in rows}
    assert chosen[0]["id"] in found
    assert expected <= found
    stem = word[:4].lower()
    assert all(any(stem in str(r.get(f) or "").lower() for f in spec.search_fields) for r in rows)


# Maps -------------------------------------------------------------------------

# A script, stylesheet or module fetched from another host (links in attributions are fine).
REMOTE_LOAD = re.compile(
    r"import\s*\(\s*['\"]https?://|\.src\s*=\s*['\"]https?://|<script[^>]+src=['\"]https?://|url\(\s*['\"]?https?://|@import\s+['\"]https?://"
)


async def test_tables_with_coordinates_show_a_map_from_local_assets(ds: Any, metadata: dict[str, Any]) -> None:
    await ds.invoke_startup()
    for table in ("assets", "actors", "case_studies"):
        html = (await ds.client.get(f"/public/{table}")).text
        assert "datasette-cluster-map.js" in html, table
        assert 'DATASETTE_CLUSTER_MAP_LATITUDE_COLUMN = "lat"' in html
        assert 'DATASETTE_CLUSTER_MAP_LONGITUDE_COLUMN = "lon"' in html
        tiles = metadata["plugins"]["datasette-cluster-map"]["tile_layer"]
        assert f"DATASETTE_CLUSTER_MAP_TILE_LAYER = {json.dumps(tiles)}" in html
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"', html)
        configured = re.findall(r"'(/-/static-plugins/[^']+)'", html)
        assert any("leaflet" in url and url.endswith(".js") for url in configured)
        for url in scripts + configured:
            assert url.startswith("/"), f"{table} page loads {url} from elsewhere"
            response = await ds.client.get(url.split("?")[0])
            assert response.status_code == 200, url
            assert not REMOTE_LOAD.search(response.text), f"{url} loads from elsewhere"
    agreements = (await ds.client.get("/public/agreements")).text
    assert "datasette-cluster-map.js" not in agreements


def test_serving_refuses_a_plugin_that_could_write(published: Published, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasette.plugins

    real = datasette.plugins.get_plugins

    def with_a_writer() -> list[dict[str, Any]]:
        return [*real(), {"name": "datasette-write", "hooks": ["register_routes", "permission_allowed"]}]

    monkeypatch.setattr(datasette.plugins, "get_plugins", with_a_writer)
    with pytest.raises(RegistryError, match="datasette-write"):
        datasette_app(published.database, {})
