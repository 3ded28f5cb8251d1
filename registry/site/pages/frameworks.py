"""The frameworks' pages: every yardstick, each compared across the records assessed on it, and its questionnaire.

A framework page puts every assessed record's latest scores side by side and
counts what is unknown, so a reader sees where the evidence is thin as well
as where records score high or low. The questionnaire is the framework as a
form a group fills in in its browser and saves as a file for the lab.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.model.assessments import ASSESSED_BY, assessed_record
from registry.model.contributions import FORMAT, VERSION
from registry.model.frameworks import UNKNOWN, Framework, load_frameworks
from registry.site.pages.planning import PageBuild, Planned
from registry.site.pagination import page_links, paginate
from registry.site.scorecards import framework_url, framework_words, questionnaire_url
from registry.site.views import record_url

INDEX = "frameworks/index.html"


def plan(build: PageBuild) -> Iterator[Planned]:
    frameworks = load_frameworks()
    if not frameworks:
        return
    latest = _latest_assessments(build)
    chapters = {p.slug for p in build.chapters}
    views = [framework_view(build, f, latest.get(f.id, []), chapters) for f in frameworks.values()]
    index = [{**v["framework"], "summary": v["summary"], "records": len(v["records"]), "applies_to": v["applies_to"]} for v in views]
    yield build.page(INDEX, "frameworks", {"frameworks": index})
    for framework, view in zip(frameworks.values(), views, strict=True):
        yield from _comparison_pages(build, framework, view)
        yield build.page(f"{questionnaire_url(framework.id)}index.html", "questionnaire", questionnaire_view(build, framework, chapters))


def _comparison_pages(build: PageBuild, framework: Framework, view: dict[str, Any]) -> Iterator[Planned]:
    """A framework's page and the numbered pages of its comparison; how many records left each criterion unknown is
    counted on the first page only, so one assessment rewrites that page and its own."""
    base = framework_url(framework.id)
    rows = {row["key"]: row for row in view["records"]}
    plain = [{k: v for k, v in c.items() if k != "unknown"} for c in view["criteria"]]
    for page in paginate(base, list(rows), build.site.rows_per_page):
        yield build.page(
            page.path,
            "framework",
            {
                **view,
                "criteria": view["criteria"] if page.number == 1 else plain,
                "records": [rows[key] for key in page.ids],
                "count": len(rows),
                "pages": page_links(page, base),
            },
        )


def _latest_assessments(build: PageBuild) -> dict[str, list[dict[str, Any]]]:
    """Each framework's latest assessment of every record assessed on it."""
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for assessment in build.data.records.get("assessments", {}).values():
        about = assessed_record(assessment)
        if about is None:
            continue
        key = (assessment["framework"], *about)
        held = latest.get(key)
        if held is None or (assessment.get("assessed_on") or "", assessment["id"]) > (held.get("assessed_on") or "", held["id"]):
            latest[key] = assessment
    by_framework: dict[str, list[dict[str, Any]]] = {}
    for (framework_id, _, _), assessment in sorted(latest.items()):
        by_framework.setdefault(framework_id, []).append(assessment)
    return by_framework


def _applies_to(build: PageBuild, framework: Framework) -> list[str]:
    return [build.words.kind_title(kind) for kind in framework.applies_to]


def _about(framework: Framework, build: PageBuild, chapters: set[str]) -> dict[str, Any]:
    local = framework.localised(build.words.code)
    return {
        "framework": framework_words(framework, build.words),
        "summary": local.summary,
        "author": framework.author,
        "source": framework.source,
        "source_url": framework.source_url or None,
        "chapter_url": f"guide/{framework.guide_chapter}/" if framework.guide_chapter in chapters else None,
        "applies_to": _applies_to(build, framework),
        "criteria": [{"n": n, "id": c.id, "title": c.title, "question": c.question} for n, c in enumerate(local.criteria, 1)],
    }


def framework_view(build: PageBuild, framework: Framework, assessments: list[dict[str, Any]], chapters: set[str]) -> dict[str, Any]:
    """A framework's page: what it judges and every record's latest scores on it, with the unknowns counted."""
    data = build.data
    rows = []
    unknown_by_criterion = dict.fromkeys(framework.criterion_ids, 0)
    labels = framework.localised(build.words.code).scale.labels  # once, not per cell
    for assessment in assessments:
        kind, record_id = assessed_record(assessment) or ("", "")
        scores = assessment.get("scores") or {}
        cells = []
        for criterion in framework.criteria:
            score = (scores.get(criterion.id) or {}).get("score", UNKNOWN)
            known = isinstance(score, int) and not isinstance(score, bool)
            if not known:
                unknown_by_criterion[criterion.id] += 1
            cells.append(
                {
                    "score": score if known else None,
                    "label": labels.get(score) if known else None,
                }
            )
        unknown = sum(1 for c in cells if c["score"] is None)
        rows.append(
            {
                "key": f"{kind}/{record_id}",
                "title": data.title(kind, record_id),
                "url": record_url(kind, record_id),
                "assessment_url": f"assessments/{assessment['id']}/",
                "assessed_on": assessment.get("assessed_on"),
                "assessor": assessment.get("assessor"),
                "cells": cells,
                "unknown": unknown,
            }
        )
    view = _about(framework, build, chapters)
    for criterion in view["criteria"]:
        criterion["unknown"] = unknown_by_criterion[criterion["id"]]
    view.update(records=rows, total=len(framework.criteria))
    return view


def questionnaire_view(build: PageBuild, framework: Framework, chapters: set[str]) -> dict[str, Any]:
    """The questionnaire: the framework's criteria as questions, with what the saved file needs to be a contribution."""
    view = _about(framework, build, chapters)
    view.update(
        kinds=[{"name": kind, "title": build.words.kind_title(kind), "field": ASSESSED_BY[kind]} for kind in framework.applies_to],
        file_format={"format": FORMAT, "version": VERSION},
        unknown=UNKNOWN,
        today=build.today.isoformat(),
        contact_email=build.site.contact_email,
    )
    return view
