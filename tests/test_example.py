"""The embedded example loads through the same rules and passes `commons check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BuiltSite

from registry.cli import cli
from registry.operations.examples import example_data


def test_example_loads_every_record_and_passes_check(runner: CliRunner, example_registry: Path) -> None:
    result = runner.invoke(cli, ["--db", str(example_registry), "check"])
    assert result.exit_code == 0, result.output
    data = example_data()
    for kind in ("assets", "actors", "agreements", "cases"):
        listed = json.loads(runner.invoke(cli, ["--db", str(example_registry), "list", kind, "--json"]).output)
        assert sorted(r["id"] for r in listed) == sorted(r["id"] for r in data[kind])


def test_example_holds_the_naples_commons_and_their_resolutions(runner: CliRunner, example_registry: Path) -> None:
    asilo = json.loads(runner.invoke(cli, ["--db", str(example_registry), "show", "assets", "nap-asilo", "--json"]).output)
    assert asilo["city"] == "Napoli"
    assert any("400/2012" in (step["document"] or "") for step in asilo["timeline"])
    agreements = asilo["links"]["agreements"]
    assert "agr-nap-asilo-400" in [a["id"] for a in agreements]
    naples_446 = json.loads(runner.invoke(cli, ["--db", str(example_registry), "list", "agreements", "--json"]).output)
    seven = [a for a in naples_446 if "446/2016" in (a.get("instrument") or "")]
    assert len(seven) == 7


def test_every_example_record_cites_a_source_or_says_why_not(example_registry: Path) -> None:
    from registry.store.checks import check_registry
    from registry.store.database import open_registry

    registry = open_registry(example_registry)
    report = check_registry(registry)
    unsourced = [n.split("'")[1] for n in report.notices if "cites no source" in n]
    for kind in ("assets", "actors", "agreements", "cases"):
        for record in example_data()[kind]:
            if record["id"] in unsourced:
                assert "guidebook only" in (record.get("confidence") or "").lower(), record["id"]
    registry.close()


def test_unverified_coordinates_are_marked_on_the_record() -> None:
    villa = next(a for a in example_data()["assets"] if a["id"] == "nap-villa-medusa")
    assert "estimate" in villa["confidence"].lower()


EXAMPLE_CHECKED_ON = "2026-11-27"

# The records the check of EXAMPLE_CHECKED_ON against the guidebook and the sources it
# names could not confirm: a date the guidebook contradicts (resolution 446/2016, the
# Vilawatt start, La Borda's cost, Banco Mumbuca's status), or a value the record itself
# marks as estimated or unverified. A content fix that settles one moves it out of here.
LEFT_UNVERIFIED = {
    "assets": {
        "nap-asilo",
        "nap-villa-medusa",
        "nap-lido-pola",
        "nap-giardino-liberato",
        "nap-scugnizzo-liberato",
        "nap-santa-fede-liberata",
        "nap-ex-schipa",
        "nap-ex-opg",
        "zgz-la-colaboradora",
        "lon-grasshoppers",
        "mad-mar-centro",
    },
    "actors": {
        "act-villa-medusa",
        "act-bancarotta",
        "act-scugnizzo",
        "act-santa-fede",
        "act-grasshoppers",
        "act-la-colaboradora",
        "act-zaragoza-activa",
        "act-parceria-telheiras",
        "act-banco-mumbuca",
    },
    "agreements": {
        "agr-nap-lab-costituente-2012",
        "agr-nap-asilo-decl",
        "agr-nap-446-villa-medusa",
        "agr-nap-446-lido-pola",
        "agr-nap-446-giardino-liberato",
        "agr-nap-446-scugnizzo-liberato",
        "agr-nap-446-santa-fede-liberata",
        "agr-nap-446-ex-schipa",
        "agr-nap-446-ex-opg",
        "agr-viladecans-vilawatt-uia",
    },
    "cases": {
        "cs-naples-commons",
        "cs-london-grasshoppers",
        "cs-barcelona-la-borda",
        "cs-viladecans-vilawatt",
        "cs-lisbon-all-ages",
        "cs-mit-telheiras",
    },
}


@pytest.mark.parametrize("kind", sorted(LEFT_UNVERIFIED))
def test_example_records_carry_the_day_they_were_checked_or_say_what_was_not_confirmed(kind: str) -> None:
    records = example_data()[kind]
    unverified = {r["id"] for r in records if not r.get("last_verified")}
    assert unverified == LEFT_UNVERIFIED[kind]
    for record in records:
        if record["id"] in unverified:
            assert f"Not confirmed when checked on {EXAMPLE_CHECKED_ON}:" in record["confidence"], record["id"]
        else:
            assert record["last_verified"] == EXAMPLE_CHECKED_ON, record["id"]


def test_example_translations_carry_only_texts_not_verification() -> None:
    """The check dates the record, whatever its language: translations.json keeps names and texts alone."""
    data = example_data()
    translated = [r for kind in LEFT_UNVERIFIED for r in data[kind] if r.get("translations")]
    assert translated, "the example should translate some records"
    for record in translated:
        for texts in record["translations"].values():
            assert not {"last_verified", "confidence"} & set(texts), record["id"]


def test_the_example_site_says_stale_only_on_records_left_unverified(built_site: BuiltSite) -> None:
    """The build's 'today' (2025-06-01) precedes the check: a check dated after it counts as fresh, not stale."""
    data = example_data()
    for kind in LEFT_UNVERIFIED:
        for record in data[kind]:
            page = (built_site.output / kind / record["id"] / "index.html").read_text(encoding="utf-8")
            shown_stale = 'class="stale"' in page
            assert shown_stale == (record["id"] in LEFT_UNVERIFIED[kind]), f"{kind}/{record['id']}"
            if not shown_stale:
                assert f'<time datetime="{EXAMPLE_CHECKED_ON}">' in page, f"{kind}/{record['id']}"
