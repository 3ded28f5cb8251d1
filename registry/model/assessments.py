"""The assessments kind: a case study or agreement scored on one framework at a date, with evidence per criterion."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from registry.model.declaration import Column, Contributions, Facet, Field, Kind
from registry.model.frameworks import FrameworkChoices, load_frameworks, score_problems
from registry.model.shared_fields import freshness_fields, id_field, language_fields


def assessment_id(values: Mapping[str, Any]) -> str:
    """An assessment's id: the record, the framework and the date, so a later assessment never replaces an earlier one."""
    record = next((values[f] for f in ASSESSED_BY.values() if values.get(f)), "record")
    return f"{record}-{values.get('framework') or 'framework'}-{values.get('assessed_on') or 'undated'}"


# An e-mail address or a run of digits like a phone number: a person's contact, which an assessor's name must not be.
CONTACT_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+|\+?\d[\d ./-]{6,}\d")


def names_an_organisation(values: Mapping[str, Any], who: str) -> list[str]:
    """The assessor is published: an organisation or group by name, never a private person's e-mail or phone."""
    if CONTACT_RE.search(str(values.get("assessor") or "")):
        return [f"{who}: field 'assessor' holds an e-mail address or a phone number; give the name of the organisation or group only"]
    return []


def fits_its_framework(values: Mapping[str, Any], who: str) -> list[str]:
    """An assessment judges one case or one agreement that its framework applies to, on that framework's criteria and scale."""
    about = [kind for kind, name in ASSESSED_BY.items() if values.get(name)]
    if len(about) != 1:
        return [f"{who}: give exactly one of 'case_id' (a case study) or 'agreement_id' (an agreement): the record it assesses"]
    framework = load_frameworks().get(values.get("framework") or "")
    if framework is None:
        return []  # the field's own rule has said what is wrong
    kind = about[0]
    if kind not in framework.applies_to:
        return [
            f"{who}: framework {framework.id!r} judges {' and '.join(framework.applies_to)}, not {kind}; choose a framework that applies (`commons frameworks`)"
        ]
    return score_problems(framework, values.get("scores") or {}, who)


ASSESSMENTS = Kind(
    name="assessments",
    table="assessments",
    singular="assessment",
    title_field="id",
    fields=(
        id_field("assessment"),
        Field(
            "framework",
            "enum",
            "The framework the record is scored on (`commons frameworks` lists them).",
            required=True,
            choices=FrameworkChoices(),
        ),
        Field(
            "case_id",
            "ref",
            "The case study assessed (a case study id); empty when an agreement is assessed.",
            ref="cases",
            label="Case study",
        ),
        Field(
            "agreement_id",
            "ref",
            "The agreement assessed (an agreement id); empty when a case study is assessed.",
            ref="agreements",
            label="Agreement",
        ),
        Field("assessed_on", "date", "The date the evidence was weighed (YYYY-MM-DD).", required=True),
        Field(
            "assessor",
            "text",
            "Who assessed: the name of an organisation or group, never a private person's contact.",
            required=True,
        ),
        Field(
            "scores",
            "scores",
            'Per criterion of the framework: a score on its scale or "unknown", why, and the source of the evidence, as JSON '
            '{"transparency": {"score": 2, "why": "...", "source": "..."}}; a criterion left out is unknown.',
            required=True,
        ),
        Field("summary", "markdown", "What the assessment found overall, in Markdown.", translatable=True),
        *language_fields("assessment"),
        *freshness_fields(),
    ),
    search_fields=("assessor", "summary"),
    index_fields=("framework", "case_id", "agreement_id", "assessed_on"),
    title="Assessments",
    menu="Assessments",
    description=(
        "Self-assessments of case studies and agreements on the guidebook's yardsticks: one row per record, framework and date, "
        "with each criterion's score, justification and source in scores; one row per criterion is in assessment_scores."
    ),
    lede=(
        "{count} assessment of a case study or agreement on one of the guidebook's yardsticks.",
        "{count} assessments of case studies and agreements on the guidebook's yardsticks.",
    ),
    checks=(names_an_organisation, fits_its_framework),
    chronology="assessed_on",
    summary_columns=("id", "framework", "case_id", "agreement_id", "assessed_on"),
    list_columns=(
        Column("Framework", "framework", "label"),
        Column("Assessed on", "assessed_on", "date"),
        Column("Assessor", "assessor"),
    ),
    facets=(Facet("framework", "framework", "Framework"),),
    group_by="framework",
    page="assessment",
    jsonld_type="Review",
    id_from=assessment_id,
    searched=False,
    contributions=Contributions(
        fields=("framework", "case_id", "agreement_id", "assessed_on", "assessor", "scores", "summary"),
        suggest="Fill in a questionnaire",
        forms=False,
    ),
)

# The field naming the record an assessment is about, by that record's kind, as the declaration's references say.
ASSESSED_BY: dict[str, str] = {f.ref: f.name for f in ASSESSMENTS.fields if f.ref}


def assessed_record(values: Mapping[str, Any]) -> tuple[str, str] | None:
    """The kind and id of the record an assessment is about, or None when it names none."""
    return next(((kind, values[name]) for kind, name in ASSESSED_BY.items() if values.get(name)), None)
