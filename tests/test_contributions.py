"""Staff review of the public's contributions: nothing reaches the registry unreviewed, and what does says where it came from."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import snapshot

from registry.cli import cli
from registry.model.contributions import BEGIN_MARKER, END_MARKER, FORMAT, VERSION, read_contribution_text

SUGGESTION: dict[str, Any] = {
    "format": FORMAT,
    "version": VERSION,
    "action": "suggest",
    "kind": "assets",
    "fields": {
        "name": "Villa Medusa",
        "kind": "building",
        "status": "unused",
        "city": "Napoli",
        "country": "IT",
        "lat": "40.8148",
        "lon": "14.1626",
    },
    "note": "Empty since 2019, the neighbours' committee asks for it.",
    "contributor": {"name": "Anna Esposito", "email": "anna@example.org", "organisation": "Comitato Bagnoli", "credit": "organisation"},
    "language": "it",
}

CHANGE: dict[str, Any] = {
    "format": FORMAT,
    "version": VERSION,
    "action": "change",
    "kind": "assets",
    "record": "nap-asilo",
    "fields": {"website": "https://www.exasilofilangieri.it/contatti"},
    "contributor": {"email": "visitor@example.org"},
}


def write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def commons(runner: CliRunner, db: Path, *args: str, by: str = "giulia") -> Any:
    return runner.invoke(cli, ["--db", str(db), "--by", by, *args])


def contributions_file(db: Path) -> Path:
    return db.with_name("registry.contributions.db")


def log_rows(db: Path, via: str) -> list[tuple[str, str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT changed_by, action, table_name, record_id FROM changes WHERE via = ? ORDER BY id", [via]).fetchall()
    finally:
        conn.close()


def test_a_saved_contribution_is_received_once_and_listed(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "suggestion.json", SUGGESTION)
    first = commons(runner, example_registry, "contributions", "add", str(path))
    again = commons(runner, example_registry, "contributions", "add", str(path))
    listed = commons(runner, example_registry, "contributions", "list")
    assert first.exit_code == 0 and "received as contribution 1" in first.output
    assert again.exit_code == 0 and "already received as contribution 1" in again.output
    assert listed.output.count("Villa Medusa") == 1 and "pending" in listed.output


def test_a_bad_file_among_good_ones_names_the_field_and_keeps_none(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", SUGGESTION)
    bad = write(tmp_path, "bad.json", {**SUGGESTION, "fields": {**SUGGESTION["fields"], "lat": "140"}})
    before = snapshot(example_registry)
    result = commons(runner, example_registry, "contributions", "add", str(good), str(bad))
    assert result.exit_code == 1
    assert "bad.json" in result.output and "field 'lat'" in result.output and "-90 to 90" in result.output
    assert "Traceback" not in result.output
    assert commons(runner, example_registry, "contributions", "list", "--status", "all").output.strip() == "No contributions."
    assert snapshot(example_registry) == before


@pytest.mark.parametrize(
    ("entry", "value", "message"),
    [
        ("kind", "people", "is not a kind that takes contributions"),
        ("action", "delete", "'delete' is not one of: suggest, change"),
        ("fields", {"internal_notes": "x"}, "field 'internal_notes': not one the public may send"),
        ("contributor", {"credit": "organisation"}, "crediting an organisation needs its name"),
        ("contributor", {"email": "not-an-address"}, "is not an e-mail address"),
        ("format", "something-else", "format: must be 'commons-contribution'"),
    ],
)
def test_a_malformed_contribution_is_refused_with_the_fix(
    runner: CliRunner, example_registry: Path, tmp_path: Path, entry: str, value: Any, message: str
) -> None:
    path = write(tmp_path, "c.json", {**SUGGESTION, entry: value})
    result = commons(runner, example_registry, "contributions", "add", str(path))
    assert result.exit_code == 1 and message in result.output, result.output


def test_a_change_to_a_record_that_does_not_exist_is_refused(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "c.json", {**CHANGE, "record": "nap-asil"})
    result = commons(runner, example_registry, "contributions", "add", str(path))
    assert result.exit_code == 1 and "there is no asset 'nap-asil'" in result.output and "nap-asilo" in result.output


def test_an_email_holding_a_contribution_reads_back_even_when_quoted() -> None:
    body = json.dumps(SUGGESTION, indent=1)
    message = "Subject: Suggest a place\n\nA suggestion from the site.\n\n" + f"{BEGIN_MARKER}\n{body}\n{END_MARKER}\n"
    quoted = "\n".join("> " + line for line in message.splitlines())
    assert read_contribution_text(message) == read_contribution_text(quoted) == read_contribution_text(json.dumps(SUGGESTION))
    assert read_contribution_text(quoted).fields["name"] == "Villa Medusa"


def test_accepting_a_suggestion_adds_the_record_logged_as_from_it_and_reviewed_by_staff(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "s.json", SUGGESTION)))
    result = commons(runner, example_registry, "contributions", "accept", "1")
    assert result.exit_code == 0, result.output
    assert "added assets/villa-medusa" in result.output
    shown = json.loads(commons(runner, example_registry, "show", "assets", "villa-medusa", "--json").output)
    assert shown["lat"] == 40.8148 and shown["lang"] == "it"
    rows = log_rows(example_registry, "contribution 1")
    assert ("giulia", "insert", "assets", "villa-medusa") in rows
    assert {by for by, *_ in rows} == {"giulia"}
    assert "from contribution 1" in commons(runner, example_registry, "log", "assets", "villa-medusa").output
    conn = sqlite3.connect(example_registry)
    credits = conn.execute("SELECT record_kind, record_id, contribution, action, organisation FROM credits").fetchall()
    conn.close()
    assert credits == [("assets", "villa-medusa", 1, "suggest", "Comitato Bagnoli")]
    listed = commons(runner, example_registry, "contributions", "list", "--status", "all", "--json").output
    (entry,) = json.loads(listed)
    assert (entry["status"], entry["reviewed_by"], entry["result"]) == ("accepted", "giulia", "assets/villa-medusa")


def test_the_reviewer_can_set_and_skip_fields_and_choose_the_id(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "s.json", SUGGESTION)))
    result = commons(
        runner,
        example_registry,
        "contributions",
        "accept",
        "1",
        "--set",
        "id=nap-villa-medusa-2019",
        "--set",
        "status=mapped",
        "--skip",
        "lat",
        "--skip",
        "lon",
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(commons(runner, example_registry, "show", "assets", "nap-villa-medusa-2019", "--json").output)
    assert shown["status"] == "mapped" and shown.get("lat") is None and shown["name"] == "Villa Medusa"


def test_a_suggestion_can_be_merged_into_the_record_it_duplicates(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    suggestion = {
        **SUGGESTION,
        "fields": {"name": "Ex Asilo Filangieri", "kind": "building", "status": "recognised", "website": "https://asilo.example.org"},
    }
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "s.json", suggestion)))
    result = commons(runner, example_registry, "contributions", "accept", "1", "--into", "nap-asilo", "--skip", "name", "--skip", "status")
    assert result.exit_code == 0, result.output
    assert "changed assets/nap-asilo (website)" in result.output
    shown = json.loads(commons(runner, example_registry, "show", "assets", "nap-asilo", "--json").output)
    assert shown["website"] == "https://asilo.example.org" and shown["name"] != "Ex Asilo Filangieri"


def test_accepting_a_reported_change_edits_the_record_and_credits_the_public(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "c.json", CHANGE)))
    shown = commons(runner, example_registry, "contributions", "show", "1")
    assert "website: now 'https://www.exasilofilangieri.it', proposed 'https://www.exasilofilangieri.it/contatti'" in shown.output
    result = commons(runner, example_registry, "contributions", "accept", "1")
    assert result.exit_code == 0 and "changed assets/nap-asilo (website)" in result.output
    assert log_rows(example_registry, "contribution 1")[0] == ("giulia", "update", "assets", "nap-asilo")
    conn = sqlite3.connect(example_registry)
    assert conn.execute("SELECT organisation, action FROM credits WHERE record_id = 'nap-asilo'").fetchall() == [(None, "change")]
    conn.close()


def test_an_accept_that_breaks_a_rule_leaves_registry_and_contribution_as_they_were(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "s.json", SUGGESTION)))
    before = snapshot(example_registry)
    result = commons(runner, example_registry, "contributions", "accept", "1", "--set", "status=forgotten")
    assert result.exit_code == 1 and "field 'status'" in result.output and "allowed:" in result.output
    assert snapshot(example_registry) == before
    assert "pending" in commons(runner, example_registry, "contributions", "list").output


def test_a_decided_contribution_is_not_decided_again(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "c.json", CHANGE)))
    assert commons(runner, example_registry, "contributions", "reject", "1", "--reason", "the old address still works").exit_code == 0
    before = snapshot(example_registry)
    again = commons(runner, example_registry, "contributions", "accept", "1")
    assert again.exit_code == 1 and "already rejected by giulia" in again.output
    assert snapshot(example_registry) == before
    shown = commons(runner, example_registry, "contributions", "show", "1").output
    assert "Reason: the old address still works" in shown


def test_a_rejection_needs_a_reason_and_changes_nothing(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "c.json", CHANGE)))
    before = snapshot(example_registry)
    result = commons(runner, example_registry, "contributions", "reject", "1", "--reason", "  ")
    assert result.exit_code == 1 and "--reason" in result.output
    assert "pending" in commons(runner, example_registry, "contributions", "list").output
    assert snapshot(example_registry) == before


def test_review_output_shows_markup_as_text_and_spells_out_invisible_characters(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    hostile = {**SUGGESTION, "fields": {**SUGGESTION["fields"], "name": "Villa <script>alert(1)</script> \u202egnp.exe"}}
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "s.json", hostile)))
    for output in (
        commons(runner, example_registry, "contributions", "show", "1").output,
        commons(runner, example_registry, "contributions", "list").output,
    ):
        assert "<script>alert(1)</script>" in output
        assert "\u202e" not in output and "\\u202e" in output


def test_an_interrupted_accept_is_finished_not_written_twice(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "s.json", SUGGESTION)))
    assert commons(runner, example_registry, "contributions", "accept", "1").exit_code == 0
    # As if the process had died between writing the registry and marking the contribution.
    conn = sqlite3.connect(contributions_file(example_registry))
    conn.execute("UPDATE contributions SET status = 'pending', reviewed_by = NULL, result_kind = NULL, result_id = NULL")
    conn.commit()
    conn.close()
    before = snapshot(example_registry)
    result = commons(runner, example_registry, "contributions", "accept", "1")
    assert result.exit_code == 0 and "already been written" in result.output
    assert snapshot(example_registry) == before
    assert "accepted" in commons(runner, example_registry, "contributions", "list", "--status", "all").output


def test_a_removed_contributed_record_comes_back_with_its_credit(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "s.json", SUGGESTION)))
    commons(runner, example_registry, "contributions", "accept", "1")
    assert commons(runner, example_registry, "remove", "assets", "villa-medusa", "--yes").exit_code == 0
    conn = sqlite3.connect(example_registry)
    assert conn.execute("SELECT count(*) FROM credits").fetchone()[0] == 0
    conn.close()
    assert commons(runner, example_registry, "restore", "assets", "villa-medusa").exit_code == 0
    conn = sqlite3.connect(example_registry)
    assert conn.execute("SELECT record_id, organisation FROM credits").fetchall() == [("villa-medusa", "Comitato Bagnoli")]
    conn.close()


def test_the_contributions_file_is_never_the_registry(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "s.json", SUGGESTION)
    before = snapshot(example_registry)
    result = commons(runner, example_registry, "contributions", "--contributions", str(example_registry), "add", str(path))
    assert result.exit_code != 0
    result = commons(runner, example_registry, "contributions", "add", "--contributions", str(example_registry), str(path))
    assert result.exit_code == 1 and "contributions are kept in a file of their own" in result.output
    assert snapshot(example_registry) == before


def test_a_form_input_left_empty_changes_nothing(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    untouched = {**CHANGE, "fields": {**CHANGE["fields"], "city": "", "address": "  "}}
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "c.json", untouched)))
    result = commons(runner, example_registry, "contributions", "accept", "1")
    assert result.exit_code == 0 and "(website)" in result.output
    shown = json.loads(commons(runner, example_registry, "show", "assets", "nap-asilo", "--json").output)
    assert shown["city"] == "Napoli" and shown["address"]


def test_forgetting_a_contributor_erases_their_details_from_the_file(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    private = {**SUGGESTION, "contributor": {**SUGGESTION["contributor"], "credit": "public"}, "note": "call me on 333 1234567"}
    commons(runner, example_registry, "contributions", "add", str(write(tmp_path, "s.json", private)))
    result = commons(runner, example_registry, "contributions", "forget", "1")
    assert result.exit_code == 0, result.output
    shown = commons(runner, example_registry, "contributions", "show", "1").output
    assert "Contributor (private): - <->, organisation: -" in shown and "Villa Medusa" in shown
    data = contributions_file(example_registry).read_bytes()
    for secret in (b"anna@example.org", b"Anna Esposito", b"Comitato Bagnoli", b"333 1234567"):
        assert secret not in data, secret


def test_a_saved_email_is_read_whatever_its_transfer_encoding() -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "Suggest a place"
    message["From"] = "anna@example.org"
    body = f"A suggestion from the site: Città di Bagnoli, «quoted» and long {'x' * 120}\n\n{BEGIN_MARKER}\n{json.dumps(SUGGESTION, ensure_ascii=False, indent=1)}\n{END_MARKER}\n"
    message.set_content(body, cte="quoted-printable")
    assert "=3D" in message.as_string() or "=\n" in message.as_string()
    assert read_contribution_text(message.as_string()) == read_contribution_text(json.dumps(SUGGESTION))


def test_the_lines_a_browser_mails_for_a_form_without_javascript_read_as_the_contribution() -> None:
    # enctype="text/plain": one name=value line per input, a textarea's own line breaks kept as they are.
    lines = [
        "action=suggest",
        "kind=assets",
        "record=",
        "lang=it",
        "f.name=Villa Medusa",
        "f.kind=building",
        "f.status=unused",
        "f.city=Napoli",
        "f.description=Empty since 2019.",
        "The committee meets there = every Tuesday.",
        "f.lat=",
        "contributor_name=Anna",
        "contributor_email=anna@example.org",
        "credit=public",
        "homepage=",
    ]
    contribution = read_contribution_text("Subject: Suggest a place\nFrom: anna@example.org\n\n" + "\r\n".join(lines) + "\r\n")
    assert contribution.fields == {
        "name": "Villa Medusa",
        "kind": "building",
        "status": "unused",
        "city": "Napoli",
        "description": "Empty since 2019.\nThe committee meets there = every Tuesday.",
    }
    assert contribution.language == "it" and contribution.contributor.email == "anna@example.org"
