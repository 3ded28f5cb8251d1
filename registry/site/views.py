"""What each record page shows, as plain data: the record, its neighbours and its story.

A view holds only JSON-serialisable values, so the same dict is both what the
template renders and what the build hashes to decide whether the page changed.
Markdown stays as source here; templates render it through the sanitiser.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from registry.model import vocab
from registry.model.assessments import assessed_record
from registry.model.kinds import KINDS, LINKS
from registry.model.rules import is_stale
from registry.model.slugs import slugify
from registry.model.terms import term_facts
from registry.site import jsonld
from registry.site.data import SiteData, text_language
from registry.site.languages import language_name
from registry.site.page_meta import trim_words
from registry.site.sanitise import plain_text, safe_url
from registry.site.scorecards import assessment_title, questionnaires, scorecards
from registry.site.words import UNTRANSLATED, Words, country_name, money


@dataclass
class ViewContext:
    """What views need besides the data: the date, public URLs, which maps and chapters exist."""

    today: dt.date
    site_url: str | None = None
    datasette_url: str | None = None
    datasette_database: str = "public"
    record_map: bool = False
    chapters: dict[str, str] = field(default_factory=dict)
    words: Words = field(default_factory=lambda: UNTRANSLATED)
    # From this language's root to the site's: files that read the same in every language (a record's
    # JSON) are written once, by the default language at the root, and every language links there.
    shared_root: str = ""
    # The whole site's public address: vocabulary terms are named once, on its data page, whatever the page's language.
    root_url: str | None = None


def years(record: dict[str, Any]) -> dict[str, Any] | None:
    """A case's years for display: start and end (equal when it lasted a year), or only the start while it goes on."""
    start, end = record.get("start_year"), record.get("end_year")
    return {"start": start, "end": end} if start else None


def record_url(kind: str, record_id: str) -> str:
    """A record's address relative to the site root: its id, forever."""
    return f"{kind}/{record_id}/"


def record_document(kind: str, record_id: str) -> str:
    """Where a record's JSON is, from the site's root: beside its page in the default language."""
    return f"{record_url(kind, record_id)}{record_id}.json"


def record_document_link(ctx: ViewContext, kind: str, record_id: str) -> str:
    """The link from a record's page to its JSON, which every language shares."""
    if not ctx.shared_root:
        return f"{record_id}.json"
    return f"../../{ctx.shared_root}{record_document(kind, record_id)}"


def facet_url(kind: str, facet: str, value: str) -> str:
    """The filter page of a facet's value, relative to the site root: `assets/city/wroclaw/`."""
    return f"{kind}/{facet}/{slugify(value)}/"


def _absolute(ctx: ViewContext, path: str) -> str | None:
    return ctx.site_url + path if ctx.site_url else None


def terms_page(ctx: ViewContext) -> str | None:
    """The public address of the codebook whose anchors name every vocabulary term (data/#assets-kind-building)."""
    return f"{ctx.root_url}data/" if ctx.root_url else None


def record_description(kind: str, record: dict[str, Any], fallback: str) -> str:
    """A record page's description for search engines: its first text in plain words, trimmed; else the fallback."""
    for f in KINDS[kind].public_fields:
        if f.type == "markdown" and record.get(f.name):
            text = plain_text(record[f.name])
            if text:
                return trim_words(text)
    return fallback


def _ref(data: SiteData, kind: str, record_id: str, role: str | None = None, roles: dict[str, str] | None = None) -> dict[str, Any]:
    """A link to another record: its title and address, with the role of the link in words."""
    return {
        "id": record_id,
        "title": data.title(kind, record_id),
        "url": record_url(kind, record_id),
        "role": role,
        "role_label": vocab.label(roles, role) if roles and role else None,
    }


@functools.cache
def public_field_names(kind: str) -> tuple[str, ...]:
    """The public fields of a kind, by name: asked for every record page and download."""
    return tuple(f.name for f in KINDS[kind].public_fields)


def _common(data: SiteData, ctx: ViewContext, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """What every record page has: sources, freshness, last change, data links, place."""
    spec = KINDS[kind]
    record_id = record["id"]
    public = {name: record.get(name) for name in public_field_names(kind)}
    has_point = record.get("lat") is not None and record.get("lon") is not None
    text_lang = text_language(data, kind, record)
    datasette = None
    if ctx.datasette_url:
        datasette = f"{ctx.datasette_url}{ctx.datasette_database}/{spec.table}/{record_id}"
    title = record.get(spec.title_field) or record_id
    kind_title = ctx.words.kind_title(kind)
    place = ", ".join(str(p) for p in (record.get("city"), country_name(record.get("country"))) if p)
    return {
        "kind": kind,
        "kind_title": kind_title,
        "id": record_id,
        "title": title,
        "description": record_description(kind, record, " – ".join(str(p) for p in (title, kind_title, place) if p)),
        "url": record_url(kind, record_id),
        "record": public,
        "country_name": country_name(record.get("country")),
        "city_url": facet_url(kind, "city", record["city"]) if record.get("city") else None,
        "sources": data.sources.get((kind, record_id), []),
        "credits": data.credits.get((kind, record_id), []),
        "last_verified": record.get("last_verified"),
        "stale": is_stale(record.get("last_verified"), ctx.today),
        "last_changed": data.last_changed.get((kind, record_id)),
        "has_point": has_point,
        "map_hash": f"{kind}/{record_id}" if has_point and ctx.record_map else None,
        "downloads": {"json": record_document_link(ctx, kind, record_id), "feature": spec.has_place, "datasette": datasette},
        "text_lang": text_lang,
        "text_lang_name": language_name(text_lang, ctx.words.code) if text_lang != ctx.words.code else None,
        "scorecards": scorecards(data, ctx.words, kind, record),
        "questionnaires": questionnaires(kind, record_id, ctx.words),
    }


def _term_state(w: Words, agreement: dict[str, Any]) -> dict[str, Any]:
    """An agreement's term state where another page lists it: as the public copy worked it out for the build's day."""
    state = agreement.get("term_state")
    return {"term_state": state, "term_label": vocab.label(w.TERM_STATES, state)}


def asset_view(data: SiteData, ctx: ViewContext, record: dict[str, Any]) -> dict[str, Any]:
    """An asset: what and where, its status and timeline, its agreements and their parties, its cases."""
    w = ctx.words
    view = _common(data, ctx, "assets", record)
    agreements = []
    for agreement_id in data.referring("assets", record["id"], "agreements"):
        agreement = data.records["agreements"][agreement_id]
        agreements.append(
            {
                **_ref(data, "agreements", agreement_id),
                "kind_label": vocab.label(w.AGREEMENT_KINDS, agreement.get("kind")),
                "status": agreement.get("status"),
                "status_label": vocab.label(w.AGREEMENT_STATUSES, agreement.get("status")),
                **_term_state(w, agreement),
                "adopted_on": agreement.get("adopted_on"),
                "expires_on": agreement.get("expires_on"),
                "parties": [_ref(data, "actors", a, r, w.PARTY_ROLES) for a, r in data.linked("agreements", agreement_id, "actors")],
            }
        )
    view.update(
        kind_label=vocab.label(w.ASSET_KINDS, record.get("kind")),
        kind_url=facet_url("assets", "kind", record["kind"]) if record.get("kind") else None,
        status_label=vocab.label(w.ASSET_STATUSES, record.get("status")),
        status_url=facet_url("assets", "status", record["status"]) if record.get("status") else None,
        owner_label=vocab.label(w.ASSET_OWNERS, record.get("owner")),
        timeline=[
            {**event, "status_label": vocab.label(w.ASSET_STATUSES, event.get("status"))} for event in data.events.get(record["id"], [])
        ],
        agreements=agreements,
        cases=[_ref(data, "cases", c) for c, _ in data.linked("assets", record["id"], "cases")],
        jsonld=jsonld.place(record, _absolute(ctx, view["url"]), terms_page(ctx)),
    )
    return view


def actor_view(data: SiteData, ctx: ViewContext, record: dict[str, Any]) -> dict[str, Any]:
    """An actor: who it is, the agreements it is party to and the cases it took part in."""
    w = ctx.words
    view = _common(data, ctx, "actors", record)
    agreements = []
    for agreement_id, role in data.linked("actors", record["id"], "agreements"):
        agreement = data.records["agreements"][agreement_id]
        asset_id = agreement.get("asset_id")
        agreements.append(
            {
                **_ref(data, "agreements", agreement_id, role, w.PARTY_ROLES),
                "status_label": vocab.label(w.AGREEMENT_STATUSES, agreement.get("status")),
                **_term_state(w, agreement),
                "asset": _ref(data, "assets", str(asset_id)) if asset_id and data.get("assets", asset_id) else None,
            }
        )
    view.update(
        kind_label=vocab.label(w.ACTOR_KINDS, record.get("kind")),
        kind_url=facet_url("actors", "kind", record["kind"]) if record.get("kind") else None,
        governance_label=vocab.label(w.GOVERNANCE_MODELS, record.get("governance")),
        website=safe_url(record.get("website")),
        agreements=agreements,
        cases=[_ref(data, "cases", c, r, w.CASE_ROLES) for c, r in data.linked("actors", record["id"], "cases")],
        jsonld=jsonld.organization(record, _absolute(ctx, view["url"])),
    )
    return view


def agreement_term(data: SiteData, ctx: ViewContext, record: dict[str, Any]) -> dict[str, Any]:
    """An agreement's term as its page shows it: its state and what remains (`model/terms.py`), and its terms first to current."""
    spec = KINDS["agreements"].term
    if spec is None:
        return {}
    history = data.term_history("agreements", record["id"])
    facts = term_facts(spec, record, ctx.today, history)
    facts["state_label"] = vocab.label(ctx.words.TERM_STATES, facts["state"])
    facts["status_label"] = vocab.label(ctx.words.AGREEMENT_STATUSES, record.get("status"))
    return facts


def agreement_view(data: SiteData, ctx: ViewContext, record: dict[str, Any]) -> dict[str, Any]:
    """An agreement: instrument, term and what remains of it, parties by role, commitments, money, document."""
    w = ctx.words
    view = _common(data, ctx, "agreements", record)
    parties = [_ref(data, "actors", a, r, w.PARTY_ROLES) for a, r in data.linked("agreements", record["id"], "actors")]
    order = list(w.PARTY_ROLES)
    by_role: dict[str, list[dict[str, Any]]] = {}
    for party in sorted(parties, key=lambda p: (order.index(p["role"]) if p["role"] in order else len(order), p["title"])):
        by_role.setdefault(party["role"] or "", []).append(party)
    asset = data.get("assets", record.get("asset_id"))
    asset_ref = None
    if asset:
        asset_ref = {
            **_ref(data, "assets", asset["id"]),
            "city": asset.get("city"),
            "status_label": vocab.label(w.ASSET_STATUSES, asset.get("status")),
        }
    term = agreement_term(data, ctx, record)
    view.update(
        kind_label=vocab.label(w.AGREEMENT_KINDS, record.get("kind")),
        kind_url=facet_url("agreements", "kind", record["kind"]) if record.get("kind") else None,
        status_label=vocab.label(w.AGREEMENT_STATUSES, record.get("status")),
        status_url=facet_url("agreements", "status", record["status"]) if record.get("status") else None,
        term=term,
        parties_by_role=[
            {"role": role, "role_label": vocab.label(w.PARTY_ROLES, role), "parties": members} for role, members in by_role.items()
        ],
        asset=asset_ref,
        rent=money(record.get("rent_eur_per_year"), ctx.words.code),
        maintenance_label=vocab.label(w.COST_BEARERS, record.get("maintenance_by")),
        utilities_label=vocab.label(w.COST_BEARERS, record.get("utilities_by")),
        document_url=safe_url(record.get("document_url")),
        jsonld=jsonld.legislation(
            record,
            _absolute(ctx, view["url"]),
            [{**p, "url": _absolute(ctx, p["url"])} for p in parties],
            {**asset_ref, "url": _absolute(ctx, asset_ref["url"])} if asset_ref else None,
            terms_page(ctx),
            term.get("state"),
        ),
    )
    return view


def case_view(data: SiteData, ctx: ViewContext, record: dict[str, Any]) -> dict[str, Any]:
    """A case study: place, years, policy areas, its typology in words, actors, assets, outcomes."""
    w = ctx.words
    view = _common(data, ctx, "cases", record)
    level, design, delivery = record.get("level"), record.get("design_by"), record.get("delivery_by")
    scenario, scope = record.get("scenario"), record.get("scope")
    reached = set(record.get("phases") or [])
    view.update(
        policy_areas=[
            {"value": p, "label": vocab.label(w.POLICY_AREAS, p), "url": facet_url("cases", "policy-area", p)}
            for p in record.get("policy_areas") or []
        ],
        level=level
        and {
            "label": vocab.label(w.LEVELS, level),
            "explanation": w.LEVEL_EXPLANATIONS.get(level),
            "url": facet_url("cases", "level", level),
        },
        design_label=vocab.label(w.DESIGN_DELIVERY, design) or None,
        delivery_label=vocab.label(w.DESIGN_DELIVERY, delivery) or None,
        matrix_cell=w.MATRIX_CELLS.get((design, delivery)) if design and delivery else None,
        scenario=scenario and {"label": vocab.label(w.SCENARIOS, scenario), "explanation": w.SCENARIO_EXPLANATIONS.get(scenario)},
        scope=scope and {"label": vocab.label(w.SCOPES, scope), "explanation": w.SCOPE_EXPLANATIONS.get(scope)},
        years=years(record),
        phases=[{"label": label, "reached": value in reached} for value, label in w.PHASES.items()] if reached else [],
        actors=[_ref(data, "actors", a, r, w.CASE_ROLES) for a, r in data.linked("cases", record["id"], "actors")],
        assets=[_ref(data, "assets", a) for a, _ in data.linked("cases", record["id"], "assets")],
        chapters=ctx.chapters,
        jsonld=jsonld.case_study(record, _absolute(ctx, view["url"]), terms_page(ctx)),
    )
    return view


# Fields every record page shows in its own places (title, place, freshness), not in the list of facts.
SHOWN_ELSEWHERE = frozenset({"id", "lat", "lon", "geometry", "city", "country", "last_verified", "confidence", "scores"})


def record_view(data: SiteData, ctx: ViewContext, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """Any kind's record page: its public facts with their labels, its texts, and every record it links to."""
    w = ctx.words
    spec = KINDS[kind]
    view = _common(data, ctx, kind, record)
    facts, texts = [], []
    for f in spec.public_fields:
        value = record.get(f.name)
        if f.name in SHOWN_ELSEWHERE or f.name == spec.title_field or value in (None, "", []):
            continue
        if f.type == "markdown":
            texts.append({"name": f.name, "title": w.gettext(f.title), "text": value})
        elif f.ref:
            target = data.get(f.ref, value)
            facts.append({"title": w.gettext(f.title), "ref": _ref(data, f.ref, value) if target else None, "value": value})
        elif f.type == "url":
            facts.append({"title": w.gettext(f.title), "url": safe_url(value), "value": value})
        elif f.choices is not None:
            shown = value if isinstance(value, list) else [value]
            facts.append({"title": w.gettext(f.title), "value": ", ".join(w.label(spec, f.name, v) for v in shown)})
        else:
            facts.append({"title": w.gettext(f.title), "value": str(value)})
    linked = []
    for other in KINDS.values():
        refs = [_ref(data, other.name, i, r, _roles(kind, other.name)) for i, r in data.linked(kind, record["id"], other.name)]
        refs += [_ref(data, other.name, i) for i in data.referring(kind, record["id"], other.name)]
        if refs:
            linked.append({"kind": other.name, "title": w.kind_title(other.name), "records": refs})
    view.update(
        facts=facts,
        texts=texts,
        linked=linked,
        jsonld=jsonld.thing(spec.jsonld_type, spec.title_field, record, _absolute(ctx, view["url"])),
    )
    return view


def _roles(kind: str, other: str) -> dict[str, str] | None:
    """The words for the roles of a link between two kinds, if its records have roles."""
    for spec in LINKS:
        if {spec.left_kind, spec.right_kind} == {kind, other}:
            return dict(spec.roles) if spec.roles else None
    return None


def assessment_view(data: SiteData, ctx: ViewContext, record: dict[str, Any]) -> dict[str, Any]:
    """An assessment: the page every record has, named by its framework, the record it assesses and its date."""
    view = record_view(data, ctx, "assessments", record)
    view["title"] = assessment_title(data, ctx.words, record)
    about = assessed_record(record)
    item = {"@type": KINDS[about[0]].jsonld_type, "@id": _absolute(ctx, record_url(*about)), "name": data.title(*about)} if about else None
    view["jsonld"] = jsonld.review(record, _absolute(ctx, view["url"]), view["title"], item)
    return view


# Pages a kind can declare: ours have their own view and template; any other kind gets the page every record has.
PAGE_VIEWS = {"asset": asset_view, "actor": actor_view, "agreement": agreement_view, "case": case_view, "assessment": assessment_view}


def page_view(data: SiteData, ctx: ViewContext, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """What a record's page shows, by the page its kind declares."""
    own = PAGE_VIEWS.get(KINDS[kind].page)
    return own(data, ctx, record) if own else record_view(data, ctx, kind, record)
