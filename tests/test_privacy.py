"""Private data never leaves the registry: a canary planted in every private field appears in no published file.

Each private field (and the change log's private columns) gets its own canary, a
random number. The registry is then edited so the change log holds every canary
too, published, and every byte of every published file is searched. A new
publishing step (the site build, a feed) joins the check by adding a function to
PUBLISHERS that builds from the registry and returns the folders it wrote.
"""

from __future__ import annotations

import gzip
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from registry.model.contributions import Contribution, Contributor
from registry.model.declaration import Field
from registry.model.kinds import KINDS
from registry.operations.contributions import accept_contribution, receive_contribution
from registry.operations.records import add_record, list_records, remove_record, update_record
from registry.publishing.public_copy import PUBLIC_CHANGE_COLUMNS
from registry.publishing.publish import publish_registry
from registry.store.contributions import open_contributions
from registry.store.database import Registry, open_registry
from registry.store.history import restore_record

CHANGE_LOG_PRIVATE = ("changed_by", "txn")
# What a contributor tells staff and nobody else: kept in the contributions file, never in the registry.
CONTRIBUTOR_PRIVATE = ("name", "email", "organisation", "note")


def publish_public_copy(registry_path: Path, workdir: Path) -> list[Path]:
    """`commons publish`: public.db and the CSV, JSON and GeoJSON downloads."""
    registry = open_registry(registry_path)
    try:
        return [publish_registry(registry, workdir / "public").directory]
    finally:
        registry.close()


# Every step that turns the registry into something others can read. Each takes
# the registry file and a scratch folder and returns the folders it published.
def build_website(registry_path: Path, workdir: Path) -> list[Path]:
    """`commons build`: every page, map, feed, download and the search index of the site."""
    from conftest import build_test_site

    build_test_site(registry_path, workdir / "output")
    return [workdir / "output"]


def publish_murmurations_profiles(registry_path: Path, workdir: Path) -> list[Path]:
    """The Murmurations profile of every public actor, made from the public copy with a public address."""
    from registry.publishing.murmurations import write_profiles

    (directory,) = publish_public_copy(registry_path, workdir)
    conn = sqlite3.connect(directory / "public.db")
    try:
        profiles = write_profiles(conn, workdir / "profiles", "https://lab.example.org/")
    finally:
        conn.close()
    assert any(p.stem == "canary-actors" for p in profiles.files), "the actor that held every canary has a profile"
    return [workdir / "profiles"]


def answer_through_datasette(registry_path: Path, workdir: Path) -> list[Path]:
    """What a journalist reads from `commons serve`: every table of the public copy, in full, as Datasette answers it."""
    import asyncio

    from registry.publishing.datasette import DATABASE_NAME, datasette_app, find_metadata, load_metadata

    (directory,) = publish_public_copy(registry_path, workdir)
    datasette = datasette_app(directory / "public.db", load_metadata(find_metadata()))
    answers = workdir / "datasette"
    answers.mkdir()

    async def fetch_every_table() -> None:
        tables = (await datasette.client.get(f"/{DATABASE_NAME}.json")).json()["tables"]
        for table in tables:
            response = await datasette.client.get(f"/{DATABASE_NAME}/{table['name']}.json?_shape=array&_size=max")
            assert response.status_code == 200, f"{table['name']}: {response.status_code}"
            (answers / f"{table['name']}.json").write_bytes(response.content)

    asyncio.run(fetch_every_table())
    assert (answers / "credits.json").stat().st_size > 2, "Datasette serves the credits"
    return [answers]


PUBLISHERS: list[Callable[[Path, Path], list[Path]]] = [
    publish_public_copy,
    build_website,
    publish_murmurations_profiles,
    answer_through_datasette,
]


@dataclass(frozen=True)
class Canary:
    """One private field's planted value and the token that gives it away."""

    label: str
    token: str
    value: str


def private_fields() -> list[tuple[str, Field]]:
    return [(kind.name, f) for kind in KINDS.values() for f in kind.fields if f.private]


def make_canary(label: str, field_type: str = "text") -> Canary:
    token = str(secrets.randbelow(9 * 10**17) + 10**17)
    # Repeated, so no SQLite page boundary or FTS prefix compression can hide every copy.
    value = f"c{token}.c{token}@c{token}.example" if field_type == "email" else f"canary {token} canary {token} canary {token}"
    return Canary(label, token, value)


@pytest.fixture(scope="module")
def canaries() -> dict[str, Canary]:
    found = {f"{kind}.{f.name}": make_canary(f"{kind}.{f.name}", f.type) for kind, f in private_fields()}
    found.update({f"changes.{name}": make_canary(f"changes.{name}") for name in CHANGE_LOG_PRIVATE})
    found.update(
        {f"contributor.{name}": make_canary(f"contributor.{name}", "email" if name == "email" else "text") for name in CONTRIBUTOR_PRIVATE}
    )
    return found


@pytest.fixture(scope="module")
def canary_registry(example_master: Path, tmp_path_factory: pytest.TempPathFactory, canaries: dict[str, Canary]) -> Path:
    """The example with a canary in every private field of existing and new records, and a change log full of them."""
    path = tmp_path_factory.mktemp("canary") / "registry.db"
    shutil.copyfile(example_master, path)
    txn = SimpleNamespace(hex=canaries["changes.txn"].value)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("registry.store.database.uuid.uuid4", lambda: txn)
        registry = open_registry(path, by=canaries["changes.changed_by"].value)
        try:
            for kind in KINDS.values():
                private = {f.name: canaries[f"{kind.name}.{f.name}"].value for f in kind.fields if f.private}
                existing = list_records(registry, kind.name)[0]
                update_record(registry, kind.name, existing["id"], private)
                update_record(registry, kind.name, existing["id"], {"confidence": "checked again"})
                new = _new_record(kind.name) | private
                add_record(registry, kind.name, new)
                named_by = kind.title_field if kind.title_field != "id" else "summary"  # an assessment is named by its id
                update_record(registry, kind.name, new["id"], {named_by: "Renamed canary record"})
                update_record(registry, kind.name, new["id"], {f: None for f in private})
                update_record(registry, kind.name, new["id"], private)
                remove_record(registry, kind.name, new["id"])
                restore_record(registry, kind.name, new["id"])
            _accept_contributions_from_a_private_person(registry, canaries)
        finally:
            registry.close()
    return path


def _accept_contributions_from_a_private_person(registry: Registry, canaries: dict[str, Canary]) -> None:
    """A suggestion and a reported change whose contributor gave every contact detail but chose to be credited as the public."""
    contributor = Contributor(
        name=canaries["contributor.name"].value,
        email=canaries["contributor.email"].value,
        organisation=canaries["contributor.organisation"].value,
        credit="public",
    )
    note = canaries["contributor.note"].value
    store = open_contributions(contributions_path(registry.path))
    try:
        suggestion = Contribution(
            "suggest",
            "assets",
            {"name": "Contributed garden", "kind": "garden", "status": "mapped", "city": "Napoli"},
            note=note,
            contributor=contributor,
        )
        change = Contribution(
            "change",
            "actors",
            {"website": "https://example.org/contributed"},
            record_id=list_records(registry, "actors")[0]["id"],
            note=note,
            contributor=contributor,
        )
        for contribution in (suggestion, change):
            number, _ = receive_contribution(store, registry, contribution, "intake")
            accept_contribution(registry, store, number)
    finally:
        store.close()


def contributions_path(registry_path: Path) -> Path:
    return registry_path.with_name("contributions.db")


def _new_record(kind: str) -> dict[str, object]:
    base: dict[str, dict[str, object]] = {
        "assets": {
            "name": "Canary garden",
            "kind": "garden",
            "status": "mapped",
            "city": "Napoli",
            "country": "IT",
            "lat": 40.85,
            "lon": 14.26,
        },
        "actors": {"name": "Canary cooperative", "kind": "cooperative", "city": "Napoli", "country": "IT"},
        "agreements": {"title": "Canary pact", "kind": "collaboration_pact", "status": "draft", "city": "Napoli"},
        "cases": {"title": "Canary case", "city": "Napoli", "country": "IT", "policy_areas": ["housing"]},
        "assessments": {
            "framework": "co-production-levels",
            "case_id": "canary-cases",
            "assessed_on": "2026-01-01",
            "assessor": "Canary group",
            "scores": {"compliance": {"score": "unknown"}},
        },
    }
    return {"id": f"canary-{kind}", **base[kind]}


def find_token_in_databases(path: Path, token: str) -> list[str]:
    """Every table.column of an SQLite file whose values contain the token (immune to page splits)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
        hits = []
        for table in tables:
            for column in [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]:
                sql = f"SELECT count(*) FROM [{table}] WHERE CAST([{column}] AS TEXT) LIKE ?"
                if conn.execute(sql, [f"%{token}%"]).fetchone()[0]:
                    hits.append(f"{table}.{column}")
        return hits
    finally:
        conn.close()


def published_files(directories: list[Path]) -> Iterator[tuple[Path, bytes]]:
    """Every file under the published folders, gzip-compressed ones also as their contents."""
    for directory in directories:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            data = path.read_bytes()
            yield path, data
            if data[:2] == b"\x1f\x8b":  # gzip, whatever the name (Pagefind's index files are gzip too)
                yield path, gzip.decompress(data)


def test_every_private_field_has_a_canary(canaries: dict[str, Canary], canary_registry: Path) -> None:
    assert {f"{kind}.{f.name}" for kind, f in private_fields()} <= set(canaries)
    assert len(private_fields()) >= 4
    conn = sqlite3.connect(canary_registry)
    change_columns = {r[1] for r in conn.execute("PRAGMA table_info(changes)")}
    conn.close()
    assert change_columns - set(PUBLIC_CHANGE_COLUMNS) == set(CHANGE_LOG_PRIVATE), "a new private column of the change log needs a canary"


def test_the_registry_and_its_change_log_hold_every_canary(canaries: dict[str, Canary], canary_registry: Path) -> None:
    for label, canary in canaries.items():
        if label.startswith("contributor."):
            continue
        hits = find_token_in_databases(canary_registry, canary.token)
        table, column = label.split(".")
        expected = {f"changes.{column}"} if table == "changes" else {f"{KINDS[table].table}.{column}", "changes.before", "changes.after"}
        assert expected <= set(hits), f"canary {label} was not planted where expected: {hits}"


def test_a_contributors_details_stay_in_the_contributions_file_and_never_enter_the_registry(
    canaries: dict[str, Canary], canary_registry: Path
) -> None:
    conn = sqlite3.connect(canary_registry)
    credits = conn.execute("SELECT organisation FROM credits").fetchall()
    conn.close()
    assert credits == [(None,), (None,)], "both accepted contributions are credited to the public"
    for name in CONTRIBUTOR_PRIVATE:
        canary = canaries[f"contributor.{name}"]
        assert find_token_in_databases(contributions_path(canary_registry), canary.token), f"contributor {name} was not planted"
        assert find_token_in_databases(canary_registry, canary.token) == [], f"contributor {name} entered the registry"


@pytest.mark.parametrize("publisher", PUBLISHERS, ids=lambda p: p.__name__)
def test_no_canary_reaches_any_published_file(
    publisher: Callable[[Path, Path], list[Path]], canary_registry: Path, canaries: dict[str, Canary], tmp_path: Path
) -> None:
    directories = publisher(canary_registry, tmp_path)
    leaks: list[str] = []
    scanned = 0
    for path, data in published_files(directories):
        scanned += 1
        for label, canary in canaries.items():
            if canary.token.encode() in data:
                leaks.append(f"{label} in {path.relative_to(tmp_path)}")
        if data[:16] == b"SQLite format 3\x00":
            for label, canary in canaries.items():
                leaks += [f"{label} in {path.relative_to(tmp_path)} {where}" for where in find_token_in_databases(path, canary.token)]
    assert scanned > 0, f"{publisher.__name__} published no files"
    assert not leaks, "private data was published:\n" + "\n".join(leaks)


def test_published_copy_keeps_the_records_that_held_canaries(canary_registry: Path, tmp_path: Path) -> None:
    """The canary records themselves are public; only their private fields are not."""
    (directory,) = publish_public_copy(canary_registry, tmp_path)
    conn = sqlite3.connect(directory / "public.db")
    for kind in KINDS.values():
        assert conn.execute(f"SELECT count(*) FROM [{kind.table}] WHERE id = ?", [f"canary-{kind.name}"]).fetchone() == (1,)
        actions = {r[0] for r in conn.execute("SELECT action FROM changes WHERE record_id = ?", [f"canary-{kind.name}"])}
        assert actions == {"insert", "update", "delete", "restore"}
    conn.close()


def test_edits_to_private_fields_only_leave_no_public_trace(canary_registry: Path, tmp_path: Path) -> None:
    (directory,) = publish_public_copy(canary_registry, tmp_path)
    conn = sqlite3.connect(directory / "public.db")
    empty_updates = conn.execute("SELECT count(*) FROM changes WHERE action = 'update' AND before IS after").fetchone()[0]
    titles = conn.execute("SELECT count(*) FROM changes WHERE action = 'update' AND after LIKE '%Renamed canary record%'").fetchone()[0]
    conn.close()
    assert empty_updates == 0
    assert titles == len(KINDS)
