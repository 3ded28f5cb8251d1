"""Scorecards: a record's assessments on each framework as a chart, a table and the change since the one before.

The chart is inline SVG drawn here, so it needs no script, prints, and is
part of the page's bytes; the table beside it carries every score in words,
for screen readers and for anyone who prefers to read. Unknown criteria are
drawn as empty dashed bars with a question mark: silence is not a low score.
"""

from __future__ import annotations

from html import escape
from typing import Any

from registry.model.assessments import ASSESSED_BY, assessed_record
from registry.model.frameworks import UNKNOWN, Framework, load_frameworks
from registry.site.data import SiteData
from registry.site.sanitise import safe_url
from registry.site.words import Words

ROW = 24  # the chart's height per criterion, in its own units
BAR_X = 28
BAR_WIDTH = 360


def framework_url(framework_id: str) -> str:
    return f"frameworks/{framework_id}/"


def questionnaire_url(framework_id: str) -> str:
    return f"frameworks/{framework_id}/questionnaire/"


def framework_words(framework: Framework, w: Words) -> dict[str, Any]:
    """The framework's names and scale in the page's language, for every page that shows it."""
    local = framework.localised(w.code)
    return {
        "id": framework.id,
        "title": local.title,
        "short_title": local.short_title,
        "url": framework_url(framework.id),
        "questionnaire_url": questionnaire_url(framework.id),
        "scale": [{"point": point, "label": label} for point, label in local.scale.labels.items()],
        "min": framework.scale.min,
        "max": framework.scale.max,
    }


def _score(entry: dict[str, Any] | None) -> int | None:
    score = (entry or {}).get("score")
    return score if isinstance(score, int) and not isinstance(score, bool) else None


def _source(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    return {"text": text, "url": safe_url(text) if text.startswith(("http://", "https://")) else None}


def card(framework: Framework, assessment: dict[str, Any], previous: dict[str, Any] | None, w: Words) -> dict[str, Any]:
    """One assessment as the page shows it: each criterion's score, label, reason and evidence, and its change since `previous`."""
    local = framework.localised(w.code)
    labels = local.scale.labels
    scores = assessment.get("scores") or {}
    before = (previous or {}).get("scores") or {}
    rows = []
    for number, criterion in enumerate(local.criteria, 1):
        entry = scores.get(criterion.id) or {"score": UNKNOWN}
        score, was = _score(entry), _score(before.get(criterion.id)) if previous else None
        rows.append(
            {
                "n": number,
                "id": criterion.id,
                "title": criterion.title,
                "question": criterion.question,
                "score": score,
                "label": labels.get(score) if score is not None else None,
                "share": framework.scale.share(score) if score is not None else None,
                "why": entry.get("why"),
                "source": _source(entry.get("source")),
                "before": was,
                "before_label": labels.get(was) if was is not None else None,
                "change": score - was if score is not None and was is not None else None,
            }
        )
    known = sum(1 for r in rows if r["score"] is not None)
    view: dict[str, Any] = {
        "framework": framework_words(framework, w),
        "assessment": {
            "id": assessment["id"],
            "url": f"assessments/{assessment['id']}/",
            "assessed_on": assessment.get("assessed_on"),
            "assessor": assessment.get("assessor"),
            "summary": assessment.get("summary"),
        },
        "previous": previous and {"assessed_on": previous.get("assessed_on"), "url": f"assessments/{previous['id']}/"},
        "rows": rows,
        "known": known,
        "unknown": len(rows) - known,
        "total": len(rows),
    }
    view["chart"] = chart(view, w)
    return view


def chart(view: dict[str, Any], w: Words) -> str:
    """The scorecard as SVG: a bar per criterion, its length the score's place on the scale; a dashed empty bar when unknown."""
    rows = view["rows"]
    height = ROW * len(rows) + 8
    title = w.gettext(
        "Scores on %(framework)s, assessed on %(date)s: %(known)d of %(total)d criteria scored; the table gives each score in words."
    ) % {
        "framework": view["framework"]["short_title"],
        "date": view["assessment"]["assessed_on"],
        "known": view["known"],
        "total": view["total"],
    }
    parts = [
        f'<svg class="scorecard-chart" viewBox="0 0 {BAR_X + BAR_WIDTH + 8} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, row in enumerate(rows):
        y = 4 + index * ROW
        parts.append(f'<text x="0" y="{y + 16}" class="n">{row["n"]}</text>')
        parts.append(f'<rect x="{BAR_X}" y="{y + 3}" width="{BAR_WIDTH}" height="{ROW - 8}" class="track"/>')
        if row["share"] is None:
            parts.append(f'<rect x="{BAR_X}" y="{y + 3}" width="{BAR_WIDTH}" height="{ROW - 8}" class="unknown"/>')
            parts.append(f'<text x="{BAR_X + BAR_WIDTH / 2:g}" y="{y + 16}" class="q">?</text>')
        else:
            width = max(2.0, BAR_WIDTH * row["share"])
            parts.append(f'<rect x="{BAR_X}" y="{y + 3}" width="{width:g}" height="{ROW - 8}" class="bar"/>')
        if row["before"] is not None:
            low, high = view["framework"]["min"], view["framework"]["max"]
            x = BAR_X + BAR_WIDTH * (row["before"] - low) / (high - low)
            parts.append(f'<line x1="{x:g}" x2="{x:g}" y1="{y}" y2="{y + ROW - 2}" class="before"/>')
    parts.append("</svg>")
    return "".join(parts)


def _by_framework(data: SiteData, field: str, record_id: str, kind: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for assessment_id in data.referring(kind, record_id, "assessments"):
        assessment = data.get("assessments", assessment_id)
        if assessment is not None and assessment.get(field) == record_id:
            grouped.setdefault(assessment["framework"], []).append(assessment)
    for found in grouped.values():
        found.sort(key=lambda a: (a.get("assessed_on") or "", a["id"]))
    return grouped


def scorecards(data: SiteData, w: Words, kind: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    """What a record's page shows of its assessments: for a case or agreement, its latest on each framework, with the
    change since the one before and every date it was assessed; for an assessment, itself and its change."""
    frameworks = load_frameworks()
    if kind == "assessments":
        framework = frameworks.get(record.get("framework") or "")
        about = next((k for k, f in ASSESSED_BY.items() if record.get(f)), None)
        if framework is None or about is None:
            return []
        history = _by_framework(data, ASSESSED_BY[about], record[ASSESSED_BY[about]], about).get(framework.id, [])
        earlier = [a for a in history if (a.get("assessed_on") or "", a["id"]) < (record.get("assessed_on") or "", record["id"])]
        return [{**card(framework, record, earlier[-1] if earlier else None, w), "history": _history(history)}]
    if kind not in ASSESSED_BY:
        return []
    cards = []
    for framework_id, history in _by_framework(data, ASSESSED_BY[kind], record["id"], kind).items():
        framework = frameworks.get(framework_id)
        if framework is None:
            continue
        latest, previous = history[-1], (history[-2] if len(history) > 1 else None)
        cards.append({**card(framework, latest, previous, w), "history": _history(history)})
    order = list(frameworks)
    return sorted(cards, key=lambda c: order.index(c["framework"]["id"]))


def questionnaires(kind: str, record_id: str, w: Words) -> list[dict[str, str]]:
    """The questionnaires a group can fill in about a record: one per framework that judges its kind, the record filled in."""
    if kind not in ASSESSED_BY:
        return []
    return [
        {"title": f.localised(w.code).short_title, "url": f"{questionnaire_url(f.id)}?{kind}={record_id}"}
        for f in load_frameworks().values()
        if kind in f.applies_to
    ]


def assessment_title(data: SiteData, w: Words, record: dict[str, Any]) -> str:
    """An assessment's name for people: the framework, the record assessed and the date, in the page's language."""
    framework = load_frameworks().get(record.get("framework") or "")
    about = assessed_record(record)
    parts = [framework.localised(w.code).short_title if framework else str(record.get("framework"))]
    if about:
        parts.append(data.title(*about))
    return f"{': '.join(parts)} ({record.get('assessed_on')})"


def _history(assessments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "assessed_on": a.get("assessed_on"),
            "assessor": a.get("assessor"),
            "url": f"assessments/{a['id']}/",
            "known": sum(1 for e in (a.get("scores") or {}).values() if _score(e) is not None),
        }
        for a in assessments
    ]
