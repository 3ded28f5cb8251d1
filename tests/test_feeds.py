"""Feeds and the calendar, as readers and calendar apps take them: they parse, they link, their ids never change.

A feed reader knows an entry by its id and a calendar an event by its UID, so
both must stay the same whether or not the site is built with its public
address; the links must be absolute when it is, since a feed is read away from
the site. The example is built without and with `--site-url`, and with Italian,
the language the example's translations are in.
"""

from __future__ import annotations

import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import feedparser
import icalendar
import pytest
from conftest import BuiltSite, build_example_copy, build_test_site

from registry.model.kinds import KINDS
from registry.operations.records import add_record, update_record
from registry.site.data import FEED_CHANGES
from registry.site.feed_ids import site_token
from registry.store.database import open_registry

ATOM = "{http://www.w3.org/2005/Atom}"
SITE_URL = "https://commons.example.org/lab/"
FEEDS = ["changes", *KINDS, "expiring"]


@pytest.fixture(scope="module")
def addressed_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The example with its public address, in English (at the root) and Italian."""
    folder = tmp_path_factory.mktemp("addressed")
    return build_example_copy(example_master, folder, site_url=SITE_URL, languages=("en", "it"), search=False, maps=False)


def feed_paths(output: Path) -> list[Path]:
    return sorted(output.glob("feeds/*.atom.xml")) + sorted(output.glob("*/feeds/*.atom.xml"))


def ids(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [root.findtext(f"{ATOM}id", "")] + [e.findtext(f"{ATOM}id", "") for e in root.findall(f"{ATOM}entry")]


def newest_changes(output: Path, tables: list[str]) -> list[tuple[int, str]]:
    """(change id, table) of the newest changes to records of these tables, read straight from the public copy."""
    conn = sqlite3.connect(output / "data" / "public.db")
    try:
        marks = ", ".join("?" for _ in tables)
        sql = f"SELECT id, table_name FROM changes WHERE table_name IN ({marks}) ORDER BY changed_at DESC, id DESC LIMIT ?"
        return list(conn.execute(sql, (*tables, FEED_CHANGES)))
    finally:
        conn.close()


def events(path: Path) -> dict[str, Any]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def ended_agreements(output: Path) -> dict[str, str]:
    conn = sqlite3.connect(output / "data" / "public.db")
    try:
        return dict(conn.execute("SELECT id, expires_on FROM agreements WHERE expires_on IS NOT NULL AND expires_on != ''"))
    finally:
        conn.close()


def test_every_feed_parses_without_errors_with_and_without_a_public_address(built_site: BuiltSite, addressed_site: BuiltSite) -> None:
    for site in (built_site, addressed_site):
        for name in FEEDS:
            assert (site.output / "feeds" / f"{name}.atom.xml").is_file(), name
        for path in feed_paths(site.output):
            parsed = feedparser.parse(path.read_bytes())
            assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
            assert parsed.feed.title and parsed.feed.id.startswith("urn:commons-lab:")


def test_with_a_public_address_every_link_is_absolute_and_every_id_is_the_same(built_site: BuiltSite, addressed_site: BuiltSite) -> None:
    for path in feed_paths(addressed_site.output):
        relative = path.relative_to(addressed_site.output)
        base = SITE_URL if relative.parts[0] == "feeds" else f"{SITE_URL}{relative.parts[0]}/"
        for link in ET.parse(path).getroot().iter(f"{ATOM}link"):
            href = link.get("href", "")
            assert href.startswith(base), (relative, href)
            target = addressed_site.output / href.removeprefix(SITE_URL)
            assert target.is_file() or (target / "index.html").is_file(), (relative, href)
    for name in FEEDS:
        without, with_address = (ids(site.output / "feeds" / f"{name}.atom.xml") for site in (built_site, addressed_site))
        assert without == with_address, name
        assert all(i.startswith("urn:commons-lab:commons-lab:feed:") for i in without), name
    # Today's ids, so a reader subscribed before these feeds grew sees no entry again.
    assert ids(built_site.output / "feeds" / "agreements.atom.xml")[0] == "urn:commons-lab:commons-lab:feed:agreements"


def test_without_a_public_address_links_are_relative_to_the_feed(built_site: BuiltSite) -> None:
    for path in feed_paths(built_site.output):
        for link in ET.parse(path).getroot().iter(f"{ATOM}link"):
            href = link.get("href", "")
            assert href.startswith("../"), href
            target = (path.parent / href).resolve()
            assert target.is_file() or (target / "index.html").is_file(), href


def test_a_feed_for_each_kind_and_one_for_all_list_the_examples_latest_changes(built_site: BuiltSite) -> None:
    by_entry: dict[str, str] = {}
    for kind in KINDS.values():
        expected = newest_changes(built_site.output, [kind.table])
        assert expected, f"the example has changes to {kind.name}"
        found = ids(built_site.output / "feeds" / f"{kind.name}.atom.xml")[1:]
        assert found == [f"urn:commons-lab:commons-lab:feed:{kind.name}:change:{i}" for i, _ in expected], kind.name
        by_entry.update(dict.fromkeys(found, kind.name))
    all_kinds = ids(built_site.output / "feeds" / "changes.atom.xml")[1:]
    newest = newest_changes(built_site.output, [k.table for k in KINDS.values()])
    assert len(newest) == FEED_CHANGES, "the example has more changes than a feed holds, so the bound is tested"
    # An entry has one id wherever it is shown, so a reader following both feeds sees it once.
    tables = {k.table: k.name for k in KINDS.values()}
    assert all_kinds == [f"urn:commons-lab:commons-lab:feed:{tables[t]}:change:{i}" for i, t in newest]
    assert set(all_kinds) & set(by_entry), "the newest changes are in their kind's feed too, with the same id"


def test_feeds_say_how_many_changes_they_hold_and_link_every_feed(built_site: BuiltSite) -> None:
    page = (built_site.output / "feeds" / "index.html").read_text(encoding="utf-8")
    assert f"latest {FEED_CHANGES} changes" in page
    for name in FEEDS:
        assert f'href="{name}.atom.xml"' in page, name
    assert 'href="agreements.ics"' in page and "webcal://" in page


def test_entries_name_records_in_the_feeds_language(addressed_site: BuiltSite) -> None:
    import json

    conn = sqlite3.connect(addressed_site.output / "data" / "public.db")
    translated = {
        record_id: (title, json.loads(texts)["it"]["title"])
        for record_id, title, texts in conn.execute("SELECT id, title, translations FROM agreements WHERE translations LIKE '%\"title\"%'")
        if json.loads(texts).get("it", {}).get("title")
    }
    conn.close()
    assert translated, "the example has agreements with an Italian title"
    for folder, language, pick in ((addressed_site.output, "en", 0), (addressed_site.output / "it", "it", 1)):
        for name in ("agreements", "changes"):
            root = ET.parse(folder / "feeds" / f"{name}.atom.xml").getroot()
            assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == language
            for entry in root.findall(f"{ATOM}entry"):
                link = entry.find(f"{ATOM}link")
                record_id = link.get("href", "").rstrip("/").rsplit("/", 1)[-1] if link is not None else ""
                if record_id in translated:
                    assert entry.findtext(f"{ATOM}title", "").endswith(translated[record_id][pick]), (language, record_id)


def test_the_calendar_has_one_event_per_agreement_end_with_uids_that_never_change(built_site: BuiltSite, addressed_site: BuiltSite) -> None:
    ends = ended_agreements(built_site.output)
    assert ends, "the example has agreements with an end date"
    without, with_address = (events(site.output / "feeds" / "agreements.ics") for site in (built_site, addressed_site))
    assert sorted(without) == sorted(with_address) and len(without) == len(ends)
    for uid, event in with_address.items():
        record_id = uid.split(":")[-2]
        assert event.decoded("DTSTART").isoformat() == ends[record_id]
        assert str(event["URL"]) == f"{SITE_URL}agreements/{record_id}/"
        assert "URL" not in without[uid], "without a public address there is no page a calendar could open"
        assert event.decoded("DTSTAMP") == without[uid].decoded("DTSTAMP"), "stamped from the change log, not the clock"
        assert str(event["SUMMARY"]).endswith(str(without[uid]["SUMMARY"]).split(": ", 1)[1])
    italian = icalendar.Calendar.from_ical((addressed_site.output / "it" / "feeds" / "agreements.ics").read_bytes())
    assert sorted(str(e["UID"]) for e in italian.walk("VEVENT")) == sorted(without)
    assert str(italian["NAME"]) != str(icalendar.Calendar.from_ical((built_site.output / "feeds" / "agreements.ics").read_bytes())["NAME"])


def test_a_moved_end_date_moves_its_event_and_the_rebuild_equals_a_clean_build(example_registry: Path, tmp_path: Path) -> None:
    incremental = tmp_path / "incremental"
    build_test_site(example_registry, incremental, site_url=SITE_URL, search=False, maps=False)
    before = events(incremental / "feeds" / "agreements.ics")
    uid, event = next(iter(before.items()))
    record_id = uid.split(":")[-2]
    registry = open_registry(example_registry, by="tester")
    update_record(registry, "agreements", record_id, {"expires_on": "2031-03-15"})
    registry.close()
    build_test_site(example_registry, incremental, site_url=SITE_URL, search=False, maps=False)
    after = events(incremental / "feeds" / "agreements.ics")
    assert sorted(after) == sorted(before), "the event moved; no event was added"
    assert after[uid].decoded("DTSTART").isoformat() == "2031-03-15"
    assert after[uid].decoded("DTSTAMP") > event.decoded("DTSTAMP")
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean, site_url=SITE_URL, search=False, maps=False)
    for path in sorted((clean / "feeds").iterdir()):
        assert (incremental / "feeds" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_removed_record_is_still_named_in_the_feeds_language_with_no_link(example_registry: Path, tmp_path: Path) -> None:
    from registry.operations.records import remove_record

    registry = open_registry(example_registry, by="tester")
    add_record(registry, "actors", {"id": "act-gone", "name": "Gone collective", "kind": "informal_collective", "city": "Napoli"})
    update_record(registry, "actors", "act-gone", {"translations": {"it": {"name": "Collettivo scomparso"}}})
    remove_record(registry, "actors", "act-gone")
    registry.close()
    output = tmp_path / "output"
    build_test_site(example_registry, output, languages=("en", "it"), search=False, maps=False)
    for folder, name in ((output, "Gone collective"), (output / "it", "Collettivo scomparso")):
        parsed = feedparser.parse((folder / "feeds" / "actors.atom.xml").read_bytes())
        assert parsed.bozo == 0
        removal = parsed.entries[0]
        assert removal.title.endswith(f": {name}") and not removal.get("links") and name in removal.content[0].value


def test_two_builds_of_the_same_registry_give_the_same_feed_and_calendar_bytes(addressed_site: BuiltSite, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_test_site(addressed_site.db, again, site_url=SITE_URL, languages=("en", "it"), search=False, maps=False)
    for folder in ("feeds", "it/feeds"):
        first = {p.name: p.read_bytes() for p in (addressed_site.output / folder).iterdir()}
        second = {p.name: p.read_bytes() for p in (again / folder).iterdir()}
        assert first == second, folder


HOSTILE_TITLE = 'Evil ]]> <b>bold</b> &amp; & "quoted"\nsecond line\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:forged; a,b\\'


def test_hostile_titles_stay_inside_their_field(example_master: Path, tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    shutil.copyfile(example_master, db)
    registry = open_registry(db, by="tester")
    add_record(
        registry,
        "agreements",
        {
            "id": "agr-hostile",
            "title": HOSTILE_TITLE,
            "kind": "concession",
            "status": "active",
            "expires_on": "2030-01-01",
            "city": "Napoli\r\nEND:VCALENDAR",
        },
    )
    registry.close()
    output = tmp_path / "output"
    build_test_site(db, output, site_url=SITE_URL, search=False, maps=False)
    title = HOSTILE_TITLE.replace("\r\n", "\n")
    for name in ("changes", "agreements"):
        parsed = feedparser.parse((output / "feeds" / f"{name}.atom.xml").read_bytes())
        assert parsed.bozo == 0, name
        root = ET.parse(output / "feeds" / f"{name}.atom.xml").getroot()
        titles = [e.findtext(f"{ATOM}title", "") for e in root.findall(f"{ATOM}entry")]
        assert any(t.replace("\r\n", "\n").endswith(title) for t in titles), name
        assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("b", "script")]
    ics = (output / "feeds" / "agreements.ics").read_bytes()
    calendar = icalendar.Calendar.from_ical(ics)
    assert len(calendar.walk("VEVENT")) == len(ended_agreements(output))
    lines = ics.split(b"\r\n")  # a real component boundary is a line of its own; escaped text never starts one
    assert lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT") == len(calendar.walk("VEVENT"))
    assert lines.count(b"END:VCALENDAR") == 1
    hostile = events(output / "feeds" / "agreements.ics")[
        f"urn:commons-lab:{site_token('Commons Lab')}:calendar:agreements:agr-hostile:expires_on"
    ]
    assert str(hostile["SUMMARY"]).replace("\r\n", "\n").endswith(title.replace("\r", ""))
    assert str(hostile["LOCATION"]).replace("\r", "") == "Napoli\nEND:VCALENDAR"


def test_the_feed_token_is_frozen_whatever_slugs_become() -> None:
    assert site_token("Commons Lab") == "commons-lab"
    assert site_token("Laboratorio Wrocław") == "laboratorio-wrocaw", "as the first feeds spelt it; changing it repeats every entry"
    assert site_token("Лаборатория") == "лаборатория"
    assert site_token("") == "unnamed"
