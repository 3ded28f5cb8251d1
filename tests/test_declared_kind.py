"""A new kind of record is one declaration: it is stored, listed, published and built with no other edit.

The kind below exists only in this test. If a layer of the code still keeps its
own list of kinds, or branches on their names, this kind falls through it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import cli
from registry.model.declaration import Column, Facet, Field, Kind, LinkSpec, MapLayer
from registry.model.kinds import declared

EVENT_KINDS = {"assembly": "Public assembly", "festival": "Neighbourhood festival"}

EVENTS = Kind(
    name="events",
    table="community_events",
    singular="event",
    title_field="name",
    fields=(
        Field("id", "slug", "Stable identifier of the event.", required=True),
        Field("name", "text", "Name of the event.", required=True),
        Field("kind", "enum", "What sort of event it is.", required=True, choices=EVENT_KINDS),
        Field("held_on", "date", "The day it was held (YYYY-MM-DD)."),
        Field("asset_id", "ref", "The commons asset it was held in.", ref="assets"),
        Field("description", "markdown", "What happened, in Markdown."),
        Field("city", "text", "City of the event."),
        Field("country", "country", "Country, as an ISO code."),
        Field("lat", "lat", "Latitude."),
        Field("lon", "lon", "Longitude."),
        Field("internal_notes", "text", "Staff-only notes.", private=True),
    ),
    search_fields=("name", "description"),
    index_fields=("kind", "city"),
    title="Community events",
    menu="Events",
    lede=("{count} community event.", "{count} community events."),
    links=(LinkSpec("event_organisers", "events", "event_id", "actors", "actor_id", None, "Who organised each event."),),
    summary_columns=("id", "name", "kind", "held_on"),
    list_columns=(Column("Kind", "kind", "label"), Column("Held on", "held_on", "date")),
    facets=(Facet("kind", "kind", "Kind"), Facet("city", "city", "City")),
    group_by="kind",
    jsonld_type="Event",
    map_layer=MapLayer(
        label="Community events",
        noun="community events",
        singular="Community event",
        color="#b91c1c",
        color_by="kind",
        color_title="kind",
        colors={"assembly": "#b91c1c", "festival": "#f59e0b"},
        facts=("kind",),
    ),
)

SECRET = "staff-only-canary-7731"


@pytest.fixture
def events_declared() -> Iterator[Kind]:
    with declared(EVENTS) as kind:
        yield kind


def run(runner: CliRunner, db: Path, *args: str) -> str:
    result = runner.invoke(cli, ["--db", str(db), "--by", "tester", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def registry_with_an_event(events_declared: Kind, runner: CliRunner, tmp_path: Path) -> Path:
    db = tmp_path / "registry.db"
    run(runner, db, "init")
    run(
        runner,
        db,
        "add",
        "assets",
        "--set",
        "id=ex-asilo",
        "--set",
        "name=Ex Asilo",
        "--set",
        "kind=building",
        "--set",
        "status=recognised",
    )
    run(runner, db, "add", "actors", "--set", "id=assemblea", "--set", "name=Assemblea", "--set", "kind=informal_collective")
    run(
        runner,
        db,
        "add",
        "events",
        "--set",
        "id=open-assembly",
        "--set",
        "name=Open assembly on the courtyard",
        "--set",
        "kind=assembly",
        "--set",
        "held_on=2016-06-01",
        "--set",
        "asset_id=ex-asilo",
        "--set",
        "city=Napoli",
        "--set",
        "country=IT",
        "--set",
        "lat=40.8497",
        "--set",
        "lon=14.2574",
        "--set",
        "description=Residents *decide* the courtyard's uses.",
        "--set",
        f"internal_notes={SECRET}",
    )
    run(runner, db, "link", "events", "open-assembly", "actors", "assemblea")
    return db


def test_a_declared_kind_is_added_validated_and_listed(registry_with_an_event: Path, runner: CliRunner) -> None:
    listed = run(runner, registry_with_an_event, "list", "events")
    assert "open-assembly" in listed and "Open assembly on the courtyard" in listed and "2016-06-01" in listed
    bad = runner.invoke(
        cli, ["--db", str(registry_with_an_event), "add", "events", "--set", "id=x", "--set", "name=X", "--set", "kind=party"]
    )
    assert bad.exit_code != 0 and "'party' is not allowed" in bad.output
    missing = runner.invoke(
        cli,
        [
            "--db",
            str(registry_with_an_event),
            "add",
            "events",
            "--set",
            "id=y",
            "--set",
            "name=Y",
            "--set",
            "kind=festival",
            "--set",
            "asset_id=nowhere",
        ],
    )
    assert missing.exit_code != 0 and "there is no asset 'nowhere'" in missing.output
    shown = json.loads(run(runner, registry_with_an_event, "show", "events", "open-assembly", "--json"))
    assert shown["asset_id"] == "ex-asilo"
    assert [a["id"] for a in shown["links"]["actors"]] == ["assemblea"]


def test_a_declared_kind_is_published_without_its_private_fields(registry_with_an_event: Path, runner: CliRunner, tmp_path: Path) -> None:
    public = tmp_path / "public"
    run(runner, registry_with_an_event, "publish", "-o", str(public))
    conn = sqlite3.connect(public / "public.db")
    rows = conn.execute("SELECT id, name FROM community_events").fetchall()
    columns = [row[1] for row in conn.execute("PRAGMA table_info(community_events)")]
    conn.close()
    assert rows == [("open-assembly", "Open assembly on the courtyard")]
    assert "internal_notes" not in columns
    for download in public.rglob("*"):
        if download.is_file():
            assert SECRET.encode() not in download.read_bytes(), download


def test_a_declared_kind_gets_record_pages_an_index_a_map_layer_and_a_change_feed(
    registry_with_an_event: Path, runner: CliRunner, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    run(runner, registry_with_an_event, "build", "-o", str(site), "--no-search", "--quiet")
    page = (site / "events" / "open-assembly" / "index.html").read_text(encoding="utf-8")
    assert "Open assembly on the courtyard" in page
    assert "Public assembly" in page  # the vocabulary's label, not the stored value
    assert 'href="../../assets/ex-asilo/"' in page and 'href="../../actors/assemblea/"' in page
    assert '"@type":"Event"' in page.replace(" ", "")
    index = (site / "events" / "index.html").read_text(encoding="utf-8")
    assert "1 community event." in index and "events/open-assembly/" in index
    assert (site / "events" / "kind" / "assembly" / "index.html").is_file()
    asset_page = (site / "assets" / "ex-asilo" / "index.html").read_text(encoding="utf-8")
    assert "Events" in asset_page.split("</nav>", 1)[0]  # the menu offers the kind
    assert (site / "map" / "data" / "events.json").is_file()
    feed = (site / "feeds" / "events.atom.xml").read_text(encoding="utf-8")
    assert "Open assembly on the courtyard" in feed and 'href="../events/open-assembly/"' in feed
    assert 'href="events.atom.xml"' in (site / "feeds" / "index.html").read_text(encoding="utf-8")
    record = json.loads((site / "events" / "open-assembly" / "open-assembly.json").read_text(encoding="utf-8"))
    assert record["geometry"] == {"type": "Point", "coordinates": [14.2574, 40.8497]}
    assert SECRET not in json.dumps(record)
    assert all(SECRET.encode() not in p.read_bytes() for p in site.rglob("*") if p.is_file())
