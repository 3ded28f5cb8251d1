"""The questionnaire and the scorecards in a real browser: filled in, saved, imported back, and checked by axe-core and the Nu checker.

A group fills in a framework's questionnaire in Chromium, as it would at a
meeting; the file the page saves is read by `commons import`, accepted by
staff, and must hold exactly the scores typed. The scorecard, framework and
questionnaire pages pass axe-core with no serious violation and the Nu HTML
checker with no error.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import launch_chromium, serve_under_subpath
from conftest import BuiltSite, snapshot
from test_browser_site import serious_violations
from test_html_validity import JAVA, VNU

from registry.cli.base import cli

SUBPATH = "lab/"
PAGES = (
    "cases/cs-barcelona-la-borda/",
    "assessments/cs-barcelona-la-borda-un-good-governance-2026-11-28/",
    "frameworks/",
    "frameworks/un-good-governance/",
    "frameworks/un-good-governance/questionnaire/",
)


@pytest.fixture(scope="module")
def site_url(built_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_under_subpath(built_site.output, tmp_path_factory.mktemp("host"), SUBPATH)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


def test_a_filled_in_questionnaire_saves_a_file_that_imports_back_to_the_same_scores(
    browser: Any, site_url: str, example_registry: Path, tmp_path: Path, runner: Any
) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site_url + "cases/cs-mit-roma-v/")
    page.get_by_text("Assess this record with a questionnaire").click()
    page.locator(".assess-this a[href*='frameworks/design-and-delivery/questionnaire/']").click()
    page.wait_for_url("**/frameworks/design-and-delivery/questionnaire/**")
    assert page.get_by_label("The record's identifier").input_value() == "cs-mit-roma-v", "the record page fills in the record"
    page.get_by_label("Who assesses").fill("Rete Municipio V")
    page.get_by_label("Date of the assessment").fill("2026-10-05")

    design = page.locator("#criterion-design")
    design.get_by_label("2: The community").check()
    page.get_by_role("button", name="Save as a file").click()
    assert page.locator("#q-design-why-error").is_visible(), "a score without its reason is stopped in the browser"
    assert page.locator("#q-design-source-error").is_visible()

    hostile = 'Residents plan it "together" <b>weekly</b>, ünïcode ✓'
    design.get_by_label("Why: what the evidence shows").fill(hostile)
    design.get_by_label("Source: a web address or a document").fill("https://example.org/assemblies")
    page.get_by_label("What the assessment found, in a few sentences").fill("Planning is the community's; delivery is not documented.")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Save as a file").click()
    download = download_info.value
    assert download.suggested_filename == "assessment-design-and-delivery-cs-mit-roma-v-2026-10-05.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert "Saved." in page.locator("#questionnaire .status").inner_text()
    context.close()
    assert not errors, errors

    before = snapshot(example_registry)
    imported = runner.invoke(cli, ["--db", str(example_registry), "import", str(saved)], catch_exceptions=False)
    assert imported.exit_code == 0 and "kept as a draft for review" in imported.output, imported.output
    assert snapshot(example_registry) == before
    accepted = runner.invoke(cli, ["--db", str(example_registry), "--by", "staff", "contributions", "accept", "1"], catch_exceptions=False)
    assert accepted.exit_code == 0, accepted.output
    shown = runner.invoke(
        cli, ["--db", str(example_registry), "show", "assessments", "cs-mit-roma-v-design-and-delivery-2026-10-05", "--json"]
    )
    stored = json.loads(shown.output)
    assert stored["scores"] == {
        "design": {"score": 2, "why": hostile, "source": "https://example.org/assemblies"},
        "delivery": {"score": "unknown"},
    }
    assert stored["assessor"] == "Rete Municipio V" and stored["summary"].startswith("Planning is the community's")


def test_scorecard_framework_and_questionnaire_pages_have_no_serious_accessibility_violation(browser: Any, site_url: str) -> None:
    page = browser.new_page()
    violations = {}
    for path in PAGES:
        page.goto(site_url + path)
        violations[path] = serious_violations(page)
    page.emulate_media(media="print")
    page.goto(site_url + PAGES[0])
    assert page.locator(".scorecard-chart").first.is_visible(), "the chart prints"
    assert page.locator("table.scores").first.is_visible()
    page.close()
    assert not {k: v for k, v in violations.items() if v}, violations


def test_scorecard_framework_and_questionnaire_pages_pass_the_nu_html_checker(built_site: BuiltSite) -> None:
    assert VNU.is_file() and JAVA, "the Nu HTML checker needs java and vnu-jar (scripts/test.sh installs it)"
    files = [str(built_site.output / path / "index.html") for path in PAGES]
    done = subprocess.run([JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *files], capture_output=True, text=True)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    assert [
        f"{m.get('url', '').rsplit('/', 3)[-3:]}:{m.get('lastLine')}: {m.get('message')}" for m in messages if m.get("type") == "error"
    ] == []


def test_pages_read_without_javascript_and_the_questionnaire_says_how_to_use_it_on_paper(browser: Any, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "cases/cs-barcelona-la-borda/")
    assert page.locator("table.scores").first.is_visible() and page.locator(".scorecard-chart").first.is_visible()
    page.goto(site_url + "frameworks/un-good-governance/questionnaire/")
    assert "print this page" in page.content()
    context.close()
