"""The embedded example loads through the same rules and passes `commons check`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

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
