"""Agreement terms: a lapsed agreement is called lapsed everywhere, and a renewal keeps the term it follows.

The state of a term (in force, ending, lapsed, renewed, terminated, pending)
is one rule in registry/model/terms.py. These tests hold every face of the
registry to it, through the real CLI on a copy of the example registry, and a
real build on the fixed day the site tests use (SITE_TODAY).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import feedparser
import icalendar
import pytest
from click.testing import CliRunner, Result
from conftest import SITE_TODAY, build_test_site, snapshot
from hypothesis import given
from hypothesis import strategies as st
from site_trees import tree

from registry.cli import cli
from registry.model import vocab
from registry.model.kinds import KINDS
from registry.model.terms import state_function, term_state
from registry.site.feed_ids import lapsed_entry_id, renewal_uid

TERM = KINDS["agreements"].term
TODAY = dt.date.fromisoformat(SITE_TODAY)
LAPSED = "agr-nap-446-lido-pola"  # an example agreement with no end date, given one that has passed
RENEWED = "agr-nap-446-villa-medusa"


def run(runner: CliRunner, db: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def ok(runner: CliRunner, db: Path, *args: str) -> str:
    result = run(runner, db, *args)
    assert result.exit_code == 0, result.output
    return result.output


def days(n: int) -> str:
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


# The rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "renewed", "expected"),
    [
        ({"status": "active"}, False, "in_force"),
        ({"status": "active", "expires_on": "2025-09-01"}, False, "in_force"),
        ({"status": "active", "expires_on": "2025-08-30"}, False, "ending"),  # 90 days ahead
        ({"status": "active", "expires_on": SITE_TODAY}, False, "ending"),  # its last day
        ({"status": "active", "expires_on": "2025-05-31"}, False, "lapsed"),
        ({"status": "active", "expires_on": "2025-05-31"}, True, "lapsed"),
        ({"status": "active", "expires_on": "2030-01-01"}, True, "renewed"),
        ({"status": "active", "starts_on": "2025-07-01", "expires_on": "2030-01-01"}, False, "pending"),
        ({"status": "active", "adopted_on": "2025-07-01"}, False, "pending"),
        ({"status": "draft", "expires_on": "2020-01-01"}, False, "pending"),
        ({"status": "proposed"}, False, "pending"),
        *(({"status": s, "expires_on": "2020-01-01"}, False, "terminated") for s in ("suspended", "expired", "revoked")),
    ],
)
def test_the_term_state_follows_the_status_and_dates(values: dict[str, str], renewed: bool, expected: str) -> None:
    assert TERM is not None
    assert term_state(TERM, values, TODAY, renewed) == expected
    assert expected in vocab.TERM_STATES


dates = st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat))


@given(st.sampled_from(list(vocab.AGREEMENT_STATUSES)), dates, dates, dates, st.integers(0, 3))
def test_sqlite_asks_the_same_rule_as_python(status: str, starts: str | None, adopted: str | None, ends: str | None, terms: int) -> None:
    assert TERM is not None
    values = {"status": status, "starts_on": starts, "adopted_on": adopted, "expires_on": ends}
    by_columns = state_function(TERM, TODAY)(status, starts, adopted, ends, terms)
    assert by_columns == term_state(TERM, values, TODAY, terms > 1)


def test_every_example_agreement_has_the_state_its_status_and_dates_give(example_registry: Path, tmp_path: Path) -> None:
    from registry.publishing.publish import publish_registry
    from registry.store.database import open_registry

    registry = open_registry(example_registry, reading=True)
    try:
        database = publish_registry(registry, tmp_path / "public", today=TODAY).database
    finally:
        registry.close()
    conn = sqlite3.connect(database)
    states = dict(conn.execute("SELECT id, term_state FROM agreements"))
    conn.close()
    assert states["agr-bcn-la-borda-leasehold"] == "in_force"  # ends in 2090
    assert states["agr-madrid-mares-uia"] == states["agr-wroclaw-growgreen"] == "terminated"  # expired
    assert states[LAPSED] == "in_force"  # open-ended
    assert set(states.values()) == {"in_force", "terminated"}, "no example agreement lapsed or is renewed yet"


# The CLI ------------------------------------------------------------------------


def test_a_lapsed_agreement_is_named_in_list_show_check_and_expiring(runner: CliRunner, example_registry: Path) -> None:
    ok(runner, example_registry, "edit", "agreements", LAPSED, "--set", "expires_on=2020-05-31")
    ok(runner, example_registry, "edit", "agreements", RENEWED, "--set", f"expires_on={days(30)}")
    listed = {line.split()[0]: line.split()[-1] for line in ok(runner, example_registry, "list", "agreements").splitlines()[2:]}
    assert listed[LAPSED] == "lapsed" and listed[RENEWED] == "ending" and listed["agr-madrid-mares-uia"] == "terminated"
    assert "term               lapsed" in ok(runner, example_registry, "show", "agreements", LAPSED)
    assert json.loads(ok(runner, example_registry, "show", "agreements", LAPSED, "--json"))["term_state"] == "lapsed"
    notices = [line for line in ok(runner, example_registry, "check").splitlines() if "lapsed" in line]
    assert len(notices) == 1 and LAPSED in notices[0]
    assert f"commons agreements renew {LAPSED} --until" in notices[0] and "--set status=expired" in notices[0]
    expiring = ok(runner, example_registry, "agreements", "expiring")
    assert RENEWED in expiring and LAPSED not in expiring
    with_lapsed = ok(runner, example_registry, "agreements", "expiring", "--lapsed").splitlines()
    assert [line.split()[0] for line in with_lapsed[2:]] == [LAPSED, RENEWED], "lapsed first: its end is the oldest"
    assert "lapsed" in with_lapsed[2] and "ending" in with_lapsed[3]


def test_renew_records_a_new_term_keeps_the_old_one_and_logs_both_in_one_change(runner: CliRunner, example_registry: Path) -> None:
    ok(runner, example_registry, "edit", "agreements", LAPSED, "--set", "expires_on=2020-05-31", "--set", "status=expired")
    ok(runner, example_registry, "cite", "agreements", LAPSED, "--url", "https://example.org/giunta-12-2025", "--title", "Giunta 12/2025")
    out = ok(
        runner,
        example_registry,
        "agreements",
        "renew",
        LAPSED,
        "--until",
        "2030-05-31",
        "--on",
        "2025-01-01",
        "--instrument",
        "Giunta resolution 12/2025",
        "--source",
        "https://example.org/giunta-12-2025",
    )
    assert "2025-01-01 to 2030-05-31" in out and "expired → active" in out
    shown = json.loads(ok(runner, example_registry, "show", "agreements", LAPSED, "--json"))
    assert (shown["status"], shown["expires_on"], shown["term_state"]) == ("active", "2030-05-31", "renewed")
    first, current = shown["terms"]
    assert (first["starts_on"], first["ends_on"], first["instrument"]) == ("2016-06-01", "2020-05-31", "Giunta resolution 446/2016")
    assert (current["starts_on"], current["ends_on"], current["instrument"]) == ("2025-01-01", "2030-05-31", "Giunta resolution 12/2025")
    assert current["source_url"] == "https://example.org/giunta-12-2025"
    conn = sqlite3.connect(example_registry)
    latest = conn.execute("SELECT txn FROM changes ORDER BY id DESC LIMIT 1").fetchone()[0]
    logged = conn.execute("SELECT action, table_name FROM changes WHERE txn = ? ORDER BY id", [latest]).fetchall()
    conn.close()
    assert logged == [("insert", "agreement_terms"), ("insert", "agreement_terms"), ("update", "agreements")]
    again = ok(runner, example_registry, "agreements", "renew", LAPSED, "--until", "2035-05-31")
    assert "2030-06-01 to 2035-05-31" in again, "a second renewal starts the day after the current end"
    assert len(json.loads(ok(runner, example_registry, "show", "agreements", LAPSED, "--json"))["terms"]) == 3


@pytest.mark.parametrize(
    ("setup", "args", "words"),
    [
        ({"expires_on": "2025-05-31"}, ("--until", "2025-05-30"), "--until 2025-05-30"),
        ({"expires_on": "2025-05-31"}, ("--until", "2025-05-31"), "--until 2025-05-31"),
        (
            {"expires_on": "2025-05-31"},
            ("--until", "2026-01-01", "--on", "2026-02-01"),
            "--until 2026-01-01 is before the renewed term starts",
        ),
        (
            {"expires_on": "2025-05-31"},
            ("--until", "2026-01-01", "--on", "2010-01-01"),
            "--on 2010-01-01 is before the current term starts",
        ),
        ({"expires_on": "2025-05-31"}, ("--until", "31/12/2030"), "--until '31/12/2030'"),
        ({"expires_on": "2025-05-31"}, ("--until", "2030-01-01", "--source", "99999"), "--source '99999'"),
        ({"expires_on": "2025-05-31", "status": "revoked"}, ("--until", "2030-01-01"), "is 'revoked'"),
        ({}, ("--until", "2030-01-01"), "open-ended"),
    ],
)
def test_a_renewal_that_makes_no_sense_is_refused_and_changes_nothing(
    runner: CliRunner, example_registry: Path, setup: dict[str, str], args: tuple[str, ...], words: str
) -> None:
    if setup:
        ok(runner, example_registry, "edit", "agreements", LAPSED, *(a for k, v in setup.items() for a in ("--set", f"{k}={v}")))
    before = snapshot(example_registry)
    result = run(runner, example_registry, "agreements", "renew", LAPSED, *args)
    assert result.exit_code != 0
    assert words in result.output
    assert snapshot(example_registry) == before


def test_renewing_an_agreement_that_does_not_exist_names_it(runner: CliRunner, example_registry: Path) -> None:
    before = snapshot(example_registry)
    result = run(runner, example_registry, "agreements", "renew", "agr-nowhere", "--until", "2030-01-01")
    assert result.exit_code != 0 and "agr-nowhere" in result.output
    assert snapshot(example_registry) == before


def test_removing_a_renewed_agreement_takes_its_terms_and_restore_brings_them_back(runner: CliRunner, example_registry: Path) -> None:
    ok(runner, example_registry, "edit", "agreements", LAPSED, "--set", "expires_on=2020-05-31")
    ok(runner, example_registry, "agreements", "renew", LAPSED, "--until", "2030-05-31")
    terms = json.loads(ok(runner, example_registry, "show", "agreements", LAPSED, "--json"))["terms"]
    ok(runner, example_registry, "remove", "agreements", LAPSED, "--yes")
    ok(runner, example_registry, "restore", "agreements", LAPSED)
    assert json.loads(ok(runner, example_registry, "show", "agreements", LAPSED, "--json"))["terms"] == terms


# The public copy, the site, the feeds and the calendar ------------------------------------


def test_a_lapsed_agreement_is_lapsed_on_its_page_its_list_the_public_copy_and_the_feed(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    ok(runner, example_registry, "edit", "agreements", LAPSED, "--set", "expires_on=2025-01-31")
    output = tmp_path / "output"
    build_test_site(example_registry, output, search=False, maps=False)
    page = (output / "agreements" / LAPSED / "index.html").read_text(encoding="utf-8")
    assert 'term-state-lapsed">Lapsed<' in page
    assert "but its status still says Active: it has lapsed" in page
    jsonld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert jsonld["legislationLegalForce"] == "NotInForce", "a lapsed agreement no longer holds, whatever its status says"
    index = (output / "agreements" / "index.html").read_text(encoding="utf-8")
    lapsed_section = index[index.index('id="lapsed-heading"') : index.index('id="groups-heading"')]
    assert f"agreements/{LAPSED}/" in lapsed_section and "agr-bcn-la-borda-leasehold" not in lapsed_section
    asset = (output / "assets" / "nap-lido-pola" / "index.html").read_text(encoding="utf-8")
    assert 'term-state-lapsed">Lapsed<' in asset, "the asset's list of agreements says so too"
    conn = sqlite3.connect(output / "data" / "public.db")
    assert conn.execute("SELECT id FROM agreements WHERE term_state = 'lapsed'").fetchall() == [(LAPSED,)]
    conn.close()
    parsed = feedparser.parse((output / "feeds" / "expiring.atom.xml").read_bytes())
    assert parsed.bozo == 0
    entry = next(e for e in parsed.entries if e.id == lapsed_entry_id("Commons Lab", LAPSED, "2025-01-31"))
    assert entry.title.startswith("Lapsed on ") and entry.link.endswith(f"agreements/{LAPSED}/")
    assert "needs renewing, or its status updating" in entry.summary


def test_the_lapsed_agreements_query_lists_what_the_public_copy_calls_lapsed(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    import asyncio

    from registry.publishing.datasette import datasette_app, load_metadata
    from registry.publishing.publish import publish_registry
    from registry.store.database import open_registry

    ok(runner, example_registry, "edit", "agreements", LAPSED, "--set", "expires_on=2025-01-31")
    ok(runner, example_registry, "edit", "agreements", RENEWED, "--set", "expires_on=2024-06-30")
    registry = open_registry(example_registry, reading=True)
    try:
        database = publish_registry(registry, tmp_path / "public", today=TODAY).database
    finally:
        registry.close()
    ds = datasette_app(database, load_metadata(Path(__file__).resolve().parents[1] / "metadata.json"))

    async def rows() -> list[dict[str, str]]:
        await ds.invoke_startup()
        response = await ds.client.get("/public/lapsed_agreements.json?_shape=array")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    found = asyncio.run(rows())
    assert [(r["id"], r["expires_on"]) for r in found] == [(RENEWED, "2024-06-30"), (LAPSED, "2025-01-31")]


def test_a_renewal_shows_in_the_page_history_and_the_calendar_and_the_rebuild_equals_a_clean_build(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    ok(runner, example_registry, "edit", "agreements", RENEWED, "--set", "expires_on=2021-06-01")
    incremental = tmp_path / "incremental"
    options = {"search": False, "maps": False, "languages": ("en", "it")}
    build_test_site(example_registry, incremental, **options)
    ok(runner, example_registry, "agreements", "renew", RENEWED, "--until", "2026-06-01", "--instrument", "Giunta resolution 9/2021")
    build_test_site(example_registry, incremental, **options)
    page = (incremental / "agreements" / RENEWED / "index.html").read_text(encoding="utf-8")
    assert 'term-state-renewed">Renewed<' in page
    history = page[page.index('id="terms-heading"') :]
    assert history.index('datetime="2016-06-01"') < history.index('datetime="2021-06-02"') < history.index("Giunta resolution 9/2021")
    calendar = icalendar.Calendar.from_ical((incremental / "feeds" / "agreements.ics").read_bytes())
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    renewals = [uid for uid in events if ":term:" in uid]
    assert renewals == [renewal_uid("Commons Lab", "agreements", RENEWED, 2)]
    assert events[renewals[0]].decoded("DTSTART") == dt.date(2021, 6, 2)
    assert events[next(uid for uid in events if uid.endswith(f":{RENEWED}:expires_on"))].decoded("DTSTART") == dt.date(2026, 6, 1)
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean, **options)
    assert tree(incremental) == tree(clean)


# Another kind with a term -------------------------------------------------------------


def test_a_kind_declared_with_a_term_gets_its_states_history_and_renewal_with_no_code(runner: CliRunner, tmp_path: Path) -> None:
    from registry.model.declaration import Field, Kind, Term
    from registry.model.kinds import declared
    from registry.operations.terms import renew_term
    from registry.publishing.publish import publish_registry
    from registry.store.database import open_registry

    leases = Kind(
        name="leases",
        table="leases",
        singular="lease",
        title_field="name",
        fields=(
            Field("id", "slug", "Stable identifier of the lease.", required=True),
            Field("name", "text", "What is leased.", required=True),
            Field("state", "enum", "Whether it holds.", required=True, choices={"signed": "Signed", "ended": "Ended"}),
            Field("signed_on", "date", "When it was signed."),
            Field("ends_on", "date", "When it ends."),
            Field("city", "text", "Where."),
        ),
        search_fields=("name",),
        term=Term(
            starts=("signed_on",),
            ends="ends_on",
            status="state",
            in_force="signed",
            terminated=("ended",),
            lapses_to="ended",
            history="lease_terms",
            history_key="lease_id",
        ),
    )
    db = tmp_path / "registry.db"
    with declared(leases):
        ok(runner, db, "init")
        ok(
            runner,
            db,
            "add",
            "leases",
            "--set",
            "id=lido",
            "--set",
            "name=Lido",
            "--set",
            "state=signed",
            "--set",
            "signed_on=2015-01-01",
            "--set",
            "ends_on=2020-01-01",
        )
        assert ok(runner, db, "list", "leases").splitlines()[2].split()[-1] == "lapsed"
        notice = next(line for line in ok(runner, db, "check").splitlines() if "lapsed" in line)
        assert "lease 'lido' has lapsed" in notice and "--set state=ended" in notice
        registry = open_registry(db, by="tester")
        renew_term(registry, "leases", "lido", "2030-01-01")
        database = publish_registry(registry, tmp_path / "public", today=TODAY).database
        registry.close()
        conn = sqlite3.connect(database)
        assert conn.execute("SELECT term_state FROM leases").fetchone() == ("renewed",)
        assert conn.execute("SELECT lease_id, starts_on, ends_on FROM lease_terms ORDER BY id").fetchall() == [
            ("lido", "2015-01-01", "2020-01-01"),
            ("lido", "2020-01-02", "2030-01-01"),
        ]
        conn.close()


def test_merging_a_renewed_agreement_moves_its_terms_to_the_kept_one(runner: CliRunner, example_registry: Path) -> None:
    ok(runner, example_registry, "edit", "agreements", LAPSED, "--set", "expires_on=2020-05-31")
    ok(runner, example_registry, "agreements", "renew", LAPSED, "--until", "2030-05-31")
    ok(runner, example_registry, "merge", "agreements", RENEWED, LAPSED, "--yes")
    terms = json.loads(ok(runner, example_registry, "show", "agreements", RENEWED, "--json"))["terms"]
    assert [(t["starts_on"], t["ends_on"]) for t in terms] == [("2016-06-01", "2020-05-31"), ("2020-06-01", "2030-05-31")]
    assert "problem" not in ok(runner, example_registry, "check")


def test_reverting_a_renewal_puts_back_the_end_date_and_takes_the_terms_away(runner: CliRunner, example_registry: Path) -> None:
    ok(runner, example_registry, "edit", "agreements", LAPSED, "--set", "expires_on=2020-05-31")
    conn = sqlite3.connect(example_registry)
    edit = conn.execute("SELECT max(id) FROM changes").fetchone()[0]
    conn.close()
    ok(runner, example_registry, "agreements", "renew", LAPSED, "--until", "2030-05-31")
    assert "agreement_terms/" in ok(runner, example_registry, "log", "agreements", LAPSED), "the terms are part of the agreement's story"
    ok(runner, example_registry, "revert", "agreements", LAPSED, "--to", str(edit))
    shown = json.loads(ok(runner, example_registry, "show", "agreements", LAPSED, "--json"))
    assert shown["terms"] == [] and shown["expires_on"] == "2020-05-31" and shown["term_state"] == "lapsed"


def test_a_dump_and_load_keep_the_history_of_terms(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    ok(runner, example_registry, "edit", "agreements", LAPSED, "--set", "expires_on=2020-05-31")
    ok(runner, example_registry, "agreements", "renew", LAPSED, "--until", "2030-05-31", "--instrument", "Giunta resolution 12/2025")
    ok(runner, example_registry, "dump", str(tmp_path / "dump"))
    loaded = tmp_path / "loaded.db"
    ok(runner, loaded, "load", str(tmp_path / "dump"))
    terms = json.loads(ok(runner, example_registry, "show", "agreements", LAPSED, "--json"))["terms"]
    assert json.loads(ok(runner, loaded, "show", "agreements", LAPSED, "--json"))["terms"] == terms
