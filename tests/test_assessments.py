"""Self-assessment: frameworks read from files, assessments kept like every record, and the chain to the site and Datasette.

Framework files are written into a real folder and named in COMMONS_FRAMEWORKS,
as a lab would; every command runs through the real CLI on a real SQLite file;
the site is a real build and the Datasette row comes from a real Datasette app
over the published copy.
"""

from __future__ import annotations

import csv
import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import build_test_site, snapshot

from registry.cli.base import cli
from registry.model.frameworks import FOLDERS_ENV, load_frameworks
from registry.operations.examples import example_data

ROOT = Path(__file__).resolve().parents[1]

GOOD_FRAMEWORK = """
id = "naples-regulation"
title = "Naples' regulation on the urban commons"
short_title = "Naples regulation"
summary = "Whether a community's management of a commons follows the city's regulation."
source = "Comune di Napoli, Regolamento dei beni comuni (2012)"
applies_to = ["cases", "agreements"]

[scale]
min = 1
max = 4
[scale.labels]
"1" = "Not at all"
"2" = "A little"
"3" = "Mostly"
"4" = "Fully"

[[criteria]]
id = "open_assembly"
title = "Open assembly"
question = "Does an assembly open to anyone decide how the place is used?"

[[criteria]]
id = "declaration"
title = "Declaration of civic use"
question = "Has the community written and published its declaration of civic use?"

[translations.it]
title = "Regolamento napoletano sui beni comuni"
short_title = "Regolamento di Napoli"
[translations.it.criteria.open_assembly]
title = "Assemblea aperta"
"""


def run(runner: Any, db: Path, *args: str, input: str | None = None) -> Any:
    return runner.invoke(cli, ["--db", str(db), "--by", "tester", *args], input=input, catch_exceptions=False)


@pytest.fixture
def lab_frameworks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A lab's own folder of framework files, named in COMMONS_FRAMEWORKS, holding one good framework."""
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "naples-regulation.toml").write_text(GOOD_FRAMEWORK, encoding="utf-8")
    monkeypatch.setenv(FOLDERS_ENV, str(folder))
    yield folder


# Frameworks as data -----------------------------------------------------------


def test_the_guidebooks_nine_yardsticks_ship_as_framework_files() -> None:
    frameworks = load_frameworks()
    assert set(frameworks) == {
        "co-production-levels",
        "design-and-delivery",
        "un-good-governance",
        "coe-twelve-principles",
        "public-participation-values",
        "participatory-budgeting",
        "scie-co-production",
        "co-production-phases",
        "municipalities-in-transition",
    }
    assert len(frameworks["un-good-governance"].criteria) == 8 and len(frameworks["coe-twelve-principles"].criteria) == 12
    for framework in frameworks.values():
        assert framework.source and framework.summary and framework.criteria
        assert set(framework.translations) == {"es", "it", "pt", "fr", "ar", "el"}, framework.id


def test_a_labs_framework_file_is_listed_and_scored_on_without_code(runner: Any, example_registry: Path, lab_frameworks: Path) -> None:
    listed = run(runner, example_registry, "frameworks")
    assert listed.exit_code == 0 and "naples-regulation" in listed.output and "un-good-governance" in listed.output
    shown = run(runner, example_registry, "frameworks", "show", "naples-regulation")
    assert "Open assembly" in shown.output and "1 Not at all" in shown.output
    done = run(
        runner,
        example_registry,
        "assess",
        "agreements",
        "agr-nap-asilo-400",
        "--framework",
        "naples-regulation",
        "--assessor",
        "Rete Beni Comuni",
        "--set",
        "open_assembly=4",
        "--why",
        "open_assembly=The Monday assembly is open to all",
        "--source",
        "https://www.exasilofilangieri.it/",
        "--on",
        "2026-06-01",
    )
    assert done.exit_code == 0, done.output
    assert "1 of 2 criteria scored" in done.output


BAD_FRAMEWORKS = [
    ('id = "naples-regulation"', 'id = "other-name"', "make them the same"),
    ("max = 4", "max = 1", "give 0 ≤ min < max"),
    ('"3" = "Mostly"\n', "", "no words for 3"),
    ('id = "declaration"', 'id = "open_assembly"', "used twice"),
    ('applies_to = ["cases", "agreements"]', 'applies_to = ["assets"]', "'applies_to'"),
    ('short_title = "Naples regulation"', 'short_title = "Naples regulation"\ncolour = "red"', "unknown field 'colour'"),
    ('summary = "Whether', "summary = Whether", "not valid TOML"),
    ("[translations.it.criteria.open_assembly]", "[translations.it.criteria.open_assemby]", "criteria.open_assemby"),
    ('question = "Does an assembly open to anyone decide how the place is used?"', "", "field 'question' is required"),
]


@pytest.mark.parametrize(("good", "bad", "message"), BAD_FRAMEWORKS, ids=[m for _, _, m in BAD_FRAMEWORKS])
def test_a_bad_framework_file_is_refused_naming_the_field_and_the_fix(
    runner: Any, example_registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, good: str, bad: str, message: str
) -> None:
    folder = tmp_path / "lab"
    folder.mkdir()
    assert good in GOOD_FRAMEWORK
    path = folder / "naples-regulation.toml"
    path.write_text(GOOD_FRAMEWORK.replace(good, bad, 1), encoding="utf-8")
    checked = run(runner, example_registry, "frameworks", "check", str(path))
    assert checked.exit_code == 1 and message in checked.output and "naples-regulation.toml" in checked.output, checked.output
    assert "Traceback" not in checked.output
    monkeypatch.setenv(FOLDERS_ENV, str(folder))
    before = snapshot(example_registry)
    listed = run(runner, example_registry, "frameworks")
    assert listed.exit_code == 1 and message in listed.output
    assessed = run(runner, example_registry, "assess", "cases", "cs-naples-commons", "--framework", "un-good-governance", "--set", "x=1")
    assert assessed.exit_code == 1 and message in assessed.output
    assert snapshot(example_registry) == before


def test_a_lab_framework_may_not_take_an_id_the_package_uses(runner: Any, example_registry: Path, lab_frameworks: Path) -> None:
    (lab_frameworks / "un-good-governance.toml").write_text(
        GOOD_FRAMEWORK.replace('id = "naples-regulation"', 'id = "un-good-governance"'), encoding="utf-8"
    )
    listed = run(runner, example_registry, "frameworks")
    assert listed.exit_code == 1 and "'un-good-governance' is already used by" in listed.output


# Scores -----------------------------------------------------------------------


def assess(runner: Any, db: Path, *args: str) -> Any:
    return run(runner, db, "assess", "cases", "cs-mit-roma-v", "--framework", "design-and-delivery", "--assessor", "Rete V", *args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--set", "design=3", "--why", "design=x", "--source", "y"),
            "score 3 is off the scale; give a whole number from 0 to 2 or 'unknown'",
        ),
        (("--set", "design=-1", "--why", "design=x", "--source", "y"), "off the scale"),
        (("--set", "design=1.5", "--why", "design=x", "--source", "y"), "must be a whole number or 'unknown'"),
        (("--set", "design=high", "--why", "design=x", "--source", "y"), "must be a whole number or 'unknown'"),
        (("--set", "desing=1", "--why", "desing=x", "--source", "y"), "did you mean 'design'?"),
        (("--set", "design=1", "--why", "design=Residents planned it"), "a score needs its evidence: give a source"),
        (("--set", "design=1", "--source", "Minutes"), "a score needs a short justification"),
        (("--why", "design=x"), "has a reason or source but no score"),
        (("--set", "design=1", "--why", "design=x", "--source", "y", "--on", "2026-02-30"), "'assessed_on'"),
        (("--set", "design"), "is not CRITERION=TEXT"),
    ],
)
def test_a_score_off_the_scale_or_without_evidence_is_refused_and_nothing_changes(
    runner: Any, example_registry: Path, args: tuple[str, ...], message: str
) -> None:
    before = snapshot(example_registry)
    result = assess(runner, example_registry, *args)
    assert result.exit_code in (1, 2) and message in result.output, result.output
    assert "Traceback" not in result.output
    assert snapshot(example_registry) == before


@pytest.mark.parametrize("assessor", ["maria.rossi@example.org", "Maria, +39 333 123 4567"])
def test_an_assessor_is_an_organisation_never_a_persons_contact(runner: Any, example_registry: Path, assessor: str) -> None:
    before = snapshot(example_registry)
    result = run(runner, example_registry, "assess", "cases", "cs-mit-roma-v", "--framework", "design-and-delivery", "--assessor", assessor)
    assert result.exit_code == 1 and "field 'assessor' holds an e-mail address or a phone number" in result.output
    assert snapshot(example_registry) == before


def test_unknown_needs_no_evidence_and_every_criterion_left_out_is_stored_as_unknown(runner: Any, example_registry: Path) -> None:
    result = assess(runner, example_registry, "--set", "design=unknown", "--on", "2026-05-01")
    assert result.exit_code == 0, result.output
    assert "0 of 2 criteria scored, the rest unknown" in result.output
    shown = json.loads(
        run(runner, example_registry, "show", "assessments", "cs-mit-roma-v-design-and-delivery-2026-05-01", "--json").output
    )
    assert shown["scores"] == {"design": {"score": "unknown"}, "delivery": {"score": "unknown"}}


def test_assessing_again_the_same_day_changes_only_the_criteria_given(runner: Any, example_registry: Path) -> None:
    first = assess(
        runner, example_registry, "--set", "design=1", "--why", "design=Planned together", "--source", "Minutes", "--on", "2026-05-01"
    )
    assert first.exit_code == 0, first.output
    second = assess(
        runner,
        example_registry,
        "--set",
        "delivery=2",
        "--why",
        "delivery=Run by residents",
        "--source",
        "https://example.org/r",
        "--on",
        "2026-05-01",
    )
    assert second.exit_code == 0 and "Updated assessment" in second.output and "2 of 2 criteria scored" in second.output
    scores = json.loads(
        run(runner, example_registry, "show", "assessments", "cs-mit-roma-v-design-and-delivery-2026-05-01", "--json").output
    )["scores"]
    assert scores["design"] == {"score": 1, "why": "Planned together", "source": "Minutes"}
    assert scores["delivery"]["score"] == 2
    log = run(runner, example_registry, "log").output
    assert "assessments/cs-mit-roma-v-design-and-delivery-2026-05-01 (scores)" in log


def test_an_assessment_judges_only_a_kind_its_framework_applies_to_and_one_record(runner: Any, example_registry: Path) -> None:
    before = snapshot(example_registry)
    wrong = run(
        runner, example_registry, "assess", "agreements", "agr-nap-asilo-400", "--framework", "participatory-budgeting", "--assessor", "X"
    )
    assert wrong.exit_code == 1 and "judges cases, not agreements" in wrong.output
    both = run(
        runner,
        example_registry,
        "add",
        "assessments",
        "--set",
        "id=two",
        "--set",
        "framework=design-and-delivery",
        "--set",
        "case_id=cs-mit-roma-v",
        "--set",
        "agreement_id=agr-nap-asilo-400",
        "--set",
        "assessed_on=2026-01-01",
        "--set",
        "assessor=X",
        "--set",
        "scores={}",
    )
    assert both.exit_code == 1 and "exactly one of 'case_id'" in both.output
    missing = run(runner, example_registry, "assess", "cases", "cs-no-such", "--framework", "design-and-delivery", "--assessor", "X")
    assert missing.exit_code == 1 and "there is no case study 'cs-no-such'" in missing.output
    assert snapshot(example_registry) == before


def test_the_walk_asks_each_criterion_in_turn_and_enter_leaves_it_unknown(runner: Any, example_registry: Path) -> None:
    answers = "Rete V\n2\nResidents run it daily\nhttps://example.org/rota\n\n"  # assessor; design: 2, why, source; delivery: Enter
    result = run(
        runner,
        example_registry,
        "assess",
        "cases",
        "cs-mit-roma-v",
        "--framework",
        "design-and-delivery",
        "--walk",
        "--on",
        "2026-07-01",
        input=answers,
    )
    assert result.exit_code == 0, result.output
    assert "1/2 Design" in result.output and "2/2 Delivery" in result.output
    scores = json.loads(
        run(runner, example_registry, "show", "assessments", "cs-mit-roma-v-design-and-delivery-2026-07-01", "--json").output
    )["scores"]
    assert scores == {
        "design": {"score": 2, "why": "Residents run it daily", "source": "https://example.org/rota"},
        "delivery": {"score": "unknown"},
    }


# Like every other record --------------------------------------------------------


def test_assessments_export_import_remove_and_restore_like_every_record(runner: Any, example_registry: Path, tmp_path: Path) -> None:
    exported = tmp_path / "assessments.csv"
    assert run(runner, example_registry, "export", "assessments", "--output", str(exported)).exit_code == 0
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    assert len(rows) == len(example_data()["assessments"])
    naples = next(r for r in rows if r["id"] == "cs-naples-commons-un-good-governance-2026-11-28")
    assert json.loads(naples["scores"])["participatory"]["score"] in (0, 1, 2, 3, "unknown")

    fresh = tmp_path / "fresh.db"
    assert run(runner, fresh, "init").exit_code == 0
    cases = tmp_path / "cases.csv"
    assert run(runner, example_registry, "export", "cases", "--output", str(cases)).exit_code == 0
    imported = run(runner, fresh, "import", str(cases), str(exported))
    assert imported.exit_code == 0, imported.output
    again = tmp_path / "again.csv"
    run(runner, fresh, "export", "assessments", "--output", str(again))
    assert [json.loads(r["scores"]) for r in csv.DictReader(again.open(encoding="utf-8"))] == [json.loads(r["scores"]) for r in rows]

    target = "cs-naples-commons-un-good-governance-2026-11-28"
    assert run(runner, example_registry, "remove", "assessments", target, "--yes").exit_code == 0
    assert run(runner, example_registry, "show", "assessments", target).exit_code == 1
    refused = run(runner, example_registry, "remove", "cases", "cs-naples-commons", "--yes")
    assert refused.exit_code == 1 and "assessment" in refused.output
    assert run(runner, example_registry, "restore", "assessments", target).exit_code == 0
    assert json.loads(run(runner, example_registry, "show", "assessments", target, "--json").output)["id"] == target


# The example -------------------------------------------------------------------------


def test_every_example_case_is_assessed_on_every_framework_that_applies_with_evidence_for_every_score() -> None:
    data = example_data()
    frameworks = load_frameworks()
    assessed = {(a["case_id"], a["framework"]) for a in data["assessments"]}
    for case in data["cases"]:
        for framework in frameworks.values():
            if "cases" in framework.applies_to:
                assert (case["id"], framework.id) in assessed, (case["id"], framework.id)
    sources = 0
    for a in data["assessments"]:
        criteria = frameworks[a["framework"]].criterion_ids
        assert tuple(a["scores"]) == criteria, a["id"]
        for entry in a["scores"].values():
            assert entry.get("why"), a["id"]
            if entry["score"] != "unknown":
                assert entry.get("source"), a["id"]
                sources += 1
    unknown = sum(1 for a in data["assessments"] for e in a["scores"].values() if e["score"] == "unknown")
    assert sources and unknown, "an honest desk review scores some criteria and leaves others unknown"


# The chain: assess, the site, Datasette -----------------------------------------------


async def test_an_assessment_reaches_the_case_page_the_framework_page_and_datasette(
    runner: Any, example_registry: Path, tmp_path: Path
) -> None:
    hostile = "<script>alert(1)</script> minutes"
    done = run(
        runner,
        example_registry,
        "assess",
        "cases",
        "cs-mit-roma-v",
        "--framework",
        "design-and-delivery",
        "--assessor",
        "Rete Municipio V",
        "--set",
        "design=2",
        "--why",
        f"design={hostile}",
        "--source",
        "javascript:alert(1)",
        "--on",
        "2027-02-01",
    )
    assert done.exit_code == 0, done.output
    later = run(
        runner,
        example_registry,
        "assess",
        "cases",
        "cs-mit-roma-v",
        "--framework",
        "design-and-delivery",
        "--assessor",
        "Rete Municipio V",
        "--set",
        "design=1",
        "--why",
        "design=The city took planning back",
        "--source",
        "https://example.org/minutes-2028",
        "--on",
        "2028-02-01",
    )
    assert later.exit_code == 0, later.output
    output = tmp_path / "site"
    build_test_site(example_registry, output, search=False)

    case_page = (output / "cases" / "cs-mit-roma-v" / "index.html").read_text(encoding="utf-8")
    card = case_page[case_page.index('id="scorecards-heading"') :]
    assert "Who designs and who delivers" in card and "Rete Municipio V" in card
    assert "<svg" in card and 'role="img"' in card and "<table" in card
    assert re.search(r"<td class=\"score\">1 <span class=\"meta\">\(Professionals and community together\)</span>", card)
    assert "Before (" in card and "(-1)" in card, "the change since the assessment before is shown"
    assert 'href="https://example.org/minutes-2028"' in card
    assert "<script>alert(1)" not in case_page and "javascript:" not in case_page
    assert "assessments/cs-mit-roma-v-design-and-delivery-2027-02-01/" in card

    earlier = (output / "assessments" / "cs-mit-roma-v-design-and-delivery-2027-02-01" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; minutes" in earlier and "javascript:alert(1)" in earlier
    assert 'href="javascript' not in earlier
    review = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', earlier, re.S).group(1))  # type: ignore[union-attr]
    assert review["@type"] == "Review" and review["author"] == {"@type": "Organization", "name": "Rete Municipio V"}
    assert review["itemReviewed"]["@type"] == "CreativeWork" and review["itemReviewed"]["name"].startswith("Municipalities in Transition")
    assert "Case study" in earlier and "Case id" not in earlier

    framework_page = (output / "frameworks" / "design-and-delivery" / "index.html").read_text(encoding="utf-8")
    row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"[./]*cases/cs-mit-roma-v/\">.*?</tr>", framework_page, re.S)
    assert row is not None and "<td>1 of 2</td>" in row.group(0), "the latest assessment is compared, with its unknown count"
    assert "not a ranking" in framework_page

    from registry.publishing.datasette import datasette_app, load_metadata

    ds = datasette_app(output / "data" / "public.db", load_metadata(ROOT / "metadata.json"))
    response = await ds.client.get(
        "/public/assessment_scores.json?_shape=array&record_id=cs-mit-roma-v&framework=design-and-delivery&criterion=design&_sort=assessed_on"
    )
    assert response.status_code == 200
    rows = [(r["assessed_on"], r["score"], r["latest"]) for r in response.json()]
    assert rows == [("2026-11-28", None, 0), ("2027-02-01", 2, 0), ("2028-02-01", 1, 1)], "the example's desk review, then the two new ones"
    change = await ds.client.get(
        "/public/assessment_change.json?_shape=array&record_id=cs-mit-roma-v&framework=design-and-delivery&from_date=2027-02-01&to_date="
    )
    design = next(r for r in change.json() if r["criterion_id"] == "design")
    assert (design["score_before"], design["score_after"], design["change"]) == ("2", "1", -1)


def test_a_saved_questionnaire_is_imported_as_a_draft_for_review_and_accepted_as_an_assessment(
    runner: Any, example_registry: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "assessment-design-and-delivery-cs-mit-roma-v-2026-09-01.json"
    scores = {
        "design": {"score": 1, "why": "Planned with the district", "source": "https://example.org/plan"},
        "delivery": {"score": "unknown"},
    }
    saved.write_text(
        json.dumps(
            {
                "format": "commons-contribution",
                "version": 1,
                "action": "suggest",
                "kind": "assessments",
                "record": None,
                "fields": {
                    "framework": "design-and-delivery",
                    "case_id": "cs-mit-roma-v",
                    "assessed_on": "2026-09-01",
                    "assessor": "Rete Municipio V",
                    "scores": json.dumps(scores),
                },
                "note": "",
                "contributor": {"name": "Ada", "email": "ada@example.org", "organisation": "Rete Municipio V", "credit": "organisation"},
                "language": "it",
                "sent_at": "2026-09-01T10:00:00Z",
            }
        ),
        encoding="utf-8",
    )
    before = snapshot(example_registry)
    imported = run(runner, example_registry, "import", str(saved))
    assert imported.exit_code == 0 and "kept as a draft for review: contribution 1" in imported.output, imported.output
    assert snapshot(example_registry) == before, "a questionnaire never goes straight into the registry"
    accepted = run(runner, example_registry, "contributions", "accept", "1")
    assert accepted.exit_code == 0, accepted.output
    stored = json.loads(
        run(runner, example_registry, "show", "assessments", "cs-mit-roma-v-design-and-delivery-2026-09-01", "--json").output
    )
    assert stored["scores"] == scores and stored["assessor"] == "Rete Municipio V"
    assert "ada@example.org" not in "\n".join(snapshot(example_registry))


def test_a_questionnaire_about_a_record_that_does_not_exist_is_refused_before_it_is_kept(
    runner: Any, example_registry: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "q.json"
    fields = {"framework": "design-and-delivery", "case_id": "cs-nowhere", "assessed_on": "2026-09-01", "assessor": "X", "scores": "{}"}
    saved.write_text(
        json.dumps({"format": "commons-contribution", "version": 1, "action": "suggest", "kind": "assessments", "fields": fields}),
        encoding="utf-8",
    )
    result = run(runner, example_registry, "import", str(saved))
    assert result.exit_code == 1 and "cs-nowhere" in result.output
    listed = run(runner, example_registry, "contributions", "list")
    assert "No pending contributions." in listed.output


def test_framework_pages_say_how_to_read_a_score_and_count_the_unknowns(built_site: Any) -> None:
    index = (built_site.output / "frameworks" / "index.html").read_text(encoding="utf-8")
    assert "How to read a score" in index and "not a ranking" in index
    for framework in load_frameworks().values():
        page = (built_site.output / "frameworks" / framework.id / "index.html").read_text(encoding="utf-8")
        assert framework.title in page.replace("&#39;", "'")
        assert "How to read a score" in page
        assert len(re.findall(r"<th scope=\"row\">", page)) == 16 if "cases" in framework.applies_to else True
        questionnaire = (built_site.output / "frameworks" / framework.id / "questionnaire" / "index.html").read_text(encoding="utf-8")
        assert questionnaire.count('class="criterion"') == len(framework.criteria)
    home = (built_site.output / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="(\./)?frameworks/"', home) and "not a ranking" in home


def test_framework_files_carry_their_words_into_every_language(tmp_path: Path, example_master: Path) -> None:
    import shutil

    db = tmp_path / "registry.db"
    shutil.copyfile(example_master, db)
    output = tmp_path / "site"
    build_test_site(db, output, languages=("en", "it", "ar"), search=False)
    frameworks = load_frameworks()
    for code in ("it", "ar"):
        page = (output / code / "frameworks" / "un-good-governance" / "index.html").read_text(encoding="utf-8")
        local = frameworks["un-good-governance"].localised(code)
        assert local.title != frameworks["un-good-governance"].title
        assert local.title in page and local.criteria[0].question in page.replace("&#39;", "'")


def test_the_framework_example_in_this_file_is_itself_valid(tmp_path: Path) -> None:
    from registry.model.frameworks import read_framework

    path = tmp_path / "naples-regulation.toml"
    path.write_text(textwrap.dedent(GOOD_FRAMEWORK), encoding="utf-8")
    framework = read_framework(path)
    assert framework.localised("it").criteria[0].title == "Assemblea aperta"
    assert framework.localised("it").criteria[1].title == "Declaration of civic use", "untranslated words stay in English"
