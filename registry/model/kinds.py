"""The kinds of record the registry holds, each declared once, and how to find them by name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from registry.model import vocab
from registry.model.assessments import ASSESSMENTS
from registry.model.declaration import Column, Contributions, Facet, Field, Kind, LinkSpec, MapLayer, Term
from registry.model.errors import ValidationError, suggest
from registry.model.shared_fields import CITY, freshness_fields, id_field, language_fields, place_fields


def ends_after_start(values: Mapping[str, Any], who: str) -> list[str]:
    """An agreement cannot expire before it starts (or, when no start is given, before it was adopted)."""
    start = values.get("starts_on") or values.get("adopted_on")
    end = values.get("expires_on")
    if start and end and end < start:
        return [f"{who}: field 'expires_on' ({end}) is before the agreement starts ({start}); an agreement cannot expire before it starts"]
    return []


def years_in_order(values: Mapping[str, Any], who: str) -> list[str]:
    """A case cannot end before it began."""
    start, end = values.get("start_year"), values.get("end_year")
    if start and end and end < start:
        return [f"{who}: field 'end_year' ({end}) is before 'start_year' ({start})"]
    return []


ASSETS = Kind(
    name="assets",
    table="assets",
    singular="asset",
    title_field="name",
    fields=(
        id_field("asset"),
        Field("name", "text", "Name of the asset in English or as commonly known.", required=True, translatable=True),
        Field("name_local", "text", "Name in the local language.", label="Local name"),
        Field("kind", "enum", "What sort of place it is.", required=True, choices=vocab.ASSET_KINDS),
        Field(
            "status",
            "enum",
            "Where the asset stands in its lifecycle, from mapped to under agreement (or lost).",
            required=True,
            choices=vocab.ASSET_STATUSES,
        ),
        Field("since", "partial_date", "When the current status began (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Field("owner", "enum", "Who owns the asset.", choices=vocab.ASSET_OWNERS),
        Field("description", "markdown", "What the asset is and its story, in Markdown.", translatable=True),
        Field("address", "text", "Street address."),
        Field("district", "text", "District or neighbourhood; can be assigned from loaded district boundaries."),
        *place_fields("asset"),
        Field("geometry", "geometry", "Outline of the asset as a GeoJSON Polygon or MultiPolygon in WGS84."),
        Field("website", "url", "Public website of the asset or its community (http or https)."),
        Field("opening_hours", "opening_hours", "Opening hours in OpenStreetMap opening_hours syntax, e.g. 'Mo-Fr 10:00-20:00'."),
        *language_fields("asset"),
        *freshness_fields(),
    ),
    search_fields=("name", "name_local", "description", "address", "district", "city"),
    index_fields=("kind", "status", "city", "district", "country", "owner"),
    title="Commons assets",
    menu="Assets",
    description=(
        "Commons assets: public buildings, gardens, beaches, squares, land and water services that are, or could become, commons. One row per asset; its history is in asset_events, its agreements in agreements."
    ),
    lede=(
        "{count} commons asset: a public place that is, or could become, a commons.",
        "{count} commons assets: public places that are, or could become, commons.",
    ),
    timeline=True,
    summary_columns=("id", "name", "kind", "status", "city"),
    list_columns=(Column("Kind", "kind", "label"), Column("Status", "status", "label"), Column("City", "city")),
    facets=(Facet("status", "status", "Status"), Facet("kind", "kind", "Kind"), CITY),
    page="asset",
    jsonld_type="Place",
    contributions=Contributions(
        fields=(
            "name",
            "name_local",
            "kind",
            "status",
            "owner",
            "description",
            "address",
            "city",
            "country",
            "lat",
            "lon",
            "website",
            "opening_hours",
        ),
        suggest="Suggest a place",
    ),
    map_layer=MapLayer(
        label="Commons assets",
        noun="commons assets",
        singular="Commons asset",
        color="#0f766e",
        color_by="status",
        color_title="status",
        colors=vocab.ASSET_STATUS_COLORS,
        facts=("kind", "status"),
        cluster_offset=(-12, 7),
    ),
)


ACTORS = Kind(
    name="actors",
    table="actors",
    singular="actor",
    title_field="name",
    fields=(
        id_field("actor"),
        Field("name", "text", "Name of the organisation, collective or public body.", required=True, translatable=True),
        Field("kind", "enum", "What sort of actor it is.", required=True, choices=vocab.ACTOR_KINDS),
        Field("legal_form", "text", "Legal form as registered (e.g. SCCL cooperative, association), if any."),
        Field("governance", "enum", "How the actor takes decisions.", choices=vocab.GOVERNANCE_MODELS),
        Field("founded", "partial_date", "When the actor was founded (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Field("description", "markdown", "Who the actor is and what it does, in Markdown.", translatable=True),
        *place_fields("actor"),
        Field("website", "url", "Public website (http or https)."),
        Field("email", "email", "Public contact email of the organisation (not of a person)."),
        Field("phone", "text", "Public contact phone of the organisation (not of a person)."),
        Field("contact_person", "text", "Name of a contact person. Private: never published.", private=True),
        Field("contact_person_email", "email", "Personal email of the contact person. Private: never published.", private=True),
        Field("contact_person_phone", "text", "Personal phone of the contact person. Private: never published.", private=True),
        *language_fields("actor"),
        *freshness_fields(),
    ),
    search_fields=("name", "legal_form", "description", "city"),
    index_fields=("kind", "city", "country", "governance"),
    title="Actors",
    menu="Actors",
    description=(
        "Social and Solidarity Economy (SSE) actors and their partners: cooperatives, associations, collectives, networks, public bodies and universities. Organisations only: personal contacts are never published."
    ),
    lede=(
        "{count} actor: an SSE organisation, collective or public body.",
        "{count} actors: SSE organisations, collectives and public bodies.",
    ),
    summary_columns=("id", "name", "kind", "city"),
    list_columns=(Column("Kind", "kind", "label"), Column("City", "city")),
    facets=(Facet("kind", "kind", "Kind"), Facet("governance", "governance", "Governance"), CITY),
    page="actor",
    jsonld_type="Organization",
    contributions=Contributions(
        fields=("name", "kind", "legal_form", "founded", "description", "city", "country", "website", "email", "phone"),
        suggest="Suggest an actor",
    ),
    map_layer=MapLayer(
        label="SSE actors",
        noun="SSE actors",
        singular="SSE actor",
        color="#c2410c",
        color_by="kind",
        color_title="kind",
        colors=vocab.ACTOR_KIND_COLORS,
        facts=("kind",),
        radius=5,
        weight=1.5,
        stroke="#222222",
        cluster_offset=(12, 7),
    ),
)


AGREEMENTS = Kind(
    name="agreements",
    table="agreements",
    singular="agreement",
    title_field="title",
    fields=(
        id_field("agreement"),
        Field("title", "text", "What the agreement does, in a line.", required=True, translatable=True),
        Field("kind", "enum", "The legal instrument's type.", required=True, choices=vocab.AGREEMENT_KINDS),
        Field("status", "enum", "Whether the agreement is in force.", required=True, choices=vocab.AGREEMENT_STATUSES),
        Field("asset_id", "ref", "The commons asset the agreement is about, if any (an asset id).", ref="assets"),
        Field("instrument", "text", "The act that made it, e.g. 'Giunta resolution 446/2016'."),
        Field("adopted_on", "date", "Date the instrument was adopted (YYYY-MM-DD)."),
        Field("starts_on", "date", "Date the agreement takes effect (YYYY-MM-DD)."),
        Field("expires_on", "date", "Date the agreement ends (YYYY-MM-DD); empty means open-ended."),
        Field("description", "markdown", "What the agreement is and how it came about, in Markdown.", translatable=True),
        Field(
            "commitments", "markdown", "What each side commits to (e.g. hours of community work, opening to the public).", translatable=True
        ),
        Field("rent_eur_per_year", "number", "Rent or fee due per year in euros; 0 when waived, empty when unknown."),
        Field("fees_waived", "text", "Rents, fees or charges the municipality waives, in words."),
        Field("maintenance_by", "enum", "Who bears maintenance of the asset.", choices=vocab.COST_BEARERS),
        Field("utilities_by", "enum", "Who pays utilities (water, energy).", choices=vocab.COST_BEARERS),
        Field("document_url", "url", "Link to the agreement or resolution text (http or https).", label="Document URL"),
        Field("city", "text", "Municipality that is party to the agreement."),
        Field("country", "country", "Country, as an ISO 3166-1 alpha-2 code."),
        *language_fields("agreement"),
        *freshness_fields(),
    ),
    search_fields=("title", "instrument", "description", "commitments"),
    index_fields=("kind", "status", "expires_on", "city", "asset_id"),
    title="Agreements",
    menu="Agreements",
    description=(
        "Co-management agreements between a municipality and actors: declarations of civic use, collaboration pacts, concessions, cessions of use and the acts behind them. The parties are in agreement_parties."
    ),
    lede=(
        "{count} agreement binding a municipality and the people who run a commons.",
        "{count} agreements binding municipalities and the people who run commons.",
    ),
    links=(
        LinkSpec(
            "agreement_parties",
            "agreements",
            "agreement_id",
            "actors",
            "actor_id",
            vocab.PARTY_ROLES,
            "The parties to each agreement and their role.",
        ),
    ),
    checks=(ends_after_start,),
    term=Term(
        starts=("starts_on", "adopted_on"),
        ends="expires_on",
        in_force="active",
        terminated=("suspended", "expired", "revoked"),
        lapses_to="expired",
        history="agreement_terms",
        history_key="agreement_id",
    ),
    chronology="adopted_on",
    summary_columns=("id", "title", "status", "expires_on"),
    list_columns=(
        Column("Instrument", "kind", "label"),
        Column("Status", "status", "label"),
        Column("Expires", "expires_on", "date"),
        Column("Term", "term_state", "term"),
    ),
    facets=(Facet("status", "status", "Status"), Facet("kind", "kind", "Instrument"), CITY),
    group_by="status",
    page="agreement",
    jsonld_type="Legislation",
    place_from="asset_id",
    contributions=Contributions(
        fields=("title", "status", "instrument", "adopted_on", "starts_on", "expires_on", "description", "document_url")
    ),
)


CASES = Kind(
    name="cases",
    table="case_studies",
    singular="case study",
    title_field="title",
    fields=(
        id_field("case study"),
        Field("title", "text", "Title of the co-production case.", required=True, translatable=True),
        *place_fields("case"),
        Field("start_year", "year", "Year the case began."),
        Field("end_year", "year", "Year the case ended; empty while it goes on."),
        Field("summary", "markdown", "What happened, in Markdown.", translatable=True),
        Field("outcomes", "markdown", "What the case achieved, in Markdown.", translatable=True),
        Field("key_figures", "text", "Figures that tell the case's size and results."),
        Field("policy_areas", "enum_list", "Policy areas the case serves (a list).", choices=vocab.POLICY_AREAS),
        Field("level", "enum", "Co-production level: compliance, support or transformation.", choices=vocab.LEVELS),
        Field("design_by", "enum", "Who designs the service (Bovaird matrix).", choices=vocab.DESIGN_DELIVERY),
        Field("delivery_by", "enum", "Who delivers the service (Bovaird matrix).", choices=vocab.DESIGN_DELIVERY),
        Field("scenario", "enum", "Cuts (substitutive) or transformation (additive) scenario.", choices=vocab.SCENARIOS),
        Field("scope", "enum", "Individual or collective co-production.", choices=vocab.SCOPES),
        Field("phases", "enum_list", "Phases of a co-production process the case reached (a list).", choices=vocab.PHASES),
        *language_fields("case study"),
        *freshness_fields(),
    ),
    search_fields=("title", "summary", "outcomes", "key_figures", "city"),
    index_fields=("city", "country", "level", "design_by", "delivery_by", "scenario", "start_year"),
    title="Case studies",
    menu="Case studies",
    description=(
        "Co-production cases to learn from, with the guidebook's typology: co-production level, who designs and who delivers (the Bovaird matrix), scenario, scope and the phases reached."
    ),
    lede=("{count} co-production case study.", "{count} co-production case studies."),
    links=(
        LinkSpec(
            "case_study_actors",
            "cases",
            "case_study_id",
            "actors",
            "actor_id",
            vocab.CASE_ROLES,
            "The actors involved in each case study and their role.",
        ),
        LinkSpec("case_study_assets", "cases", "case_study_id", "assets", "asset_id", None, "The commons assets each case study involves."),
    ),
    checks=(years_in_order,),
    summary_columns=("id", "title", "city", "start_year", "level"),
    list_columns=(Column("Place", "city", "place"), Column("Years", "start_year", "years"), Column("Level", "level", "label")),
    facets=(Facet("policy-area", "policy_areas", "Policy area"), Facet("level", "level", "Co-production level"), CITY),
    group_by="policy-area",
    page="case",
    jsonld_type="CreativeWork",
    contributions=Contributions(fields=("title", "start_year", "end_year", "summary", "outcomes", "key_figures", "city", "country")),
    map_layer=MapLayer(
        label="Case studies",
        noun="case studies",
        singular="Case study",
        color="#a78bfa",
        color_by="level",
        color_title="co-production level",
        colors=vocab.LEVEL_COLORS,
        facts=("level",),
        years=True,
        radius=8,
        weight=2,
        stroke="#ffffff",
        cluster_offset=(0, -14),
        own_map="Case studies around the world",
    ),
)


KINDS: dict[str, Kind] = {k.name: k for k in (ASSETS, ACTORS, AGREEMENTS, CASES, ASSESSMENTS)}
KIND_BY_TABLE: dict[str, Kind] = {k.table: k for k in KINDS.values()}
# Every link between kinds, declared with the kind on its left; a list, so a declared kind adds its own.
LINKS: list[LinkSpec] = [link for kind in KINDS.values() for link in kind.links]


def get_kind(name: str) -> Kind:
    """Look a kind up by its CLI word, suggesting the closest when it is misspelt."""
    if name in KINDS:
        return KINDS[name]
    if name in KIND_BY_TABLE:
        return KIND_BY_TABLE[name]
    raise ValidationError([f"unknown kind {name!r}: use one of {', '.join(KINDS)}{suggest(name, list(KINDS))}"])


def find_link(kind_a: str, kind_b: str) -> tuple[LinkSpec, bool]:
    """The link between two kinds and whether the arguments came in reverse order."""
    for spec in LINKS:
        if (spec.left_kind, spec.right_kind) == (kind_a, kind_b):
            return spec, False
        if (spec.left_kind, spec.right_kind) == (kind_b, kind_a):
            return spec, True
    pairs = ", ".join(f"{s.left_kind}–{s.right_kind}" for s in LINKS)
    raise ValidationError([f"{kind_a} and {kind_b} cannot be linked: links exist between {pairs}"])


def dependency_order() -> list[str]:
    """Every kind after the kinds its fields refer to (agreements name assets)."""
    done: list[str] = []
    while len(done) < len(KINDS):
        for kind in KINDS.values():
            if kind.name not in done and all(f.ref in done or f.ref == kind.name for f in kind.fields if f.ref):
                done.append(kind.name)
                break
        else:  # pragma: no cover - a cycle of references is a programming error
            raise RuntimeError("kinds refer to each other in a cycle")
    return done


def referring_fields(kind_name: str) -> list[tuple[Kind, Field]]:
    """The fields of other kinds that name a record of this kind (an agreement's asset_id names an asset)."""
    return [(other, f) for other in KINDS.values() for f in other.fields if f.ref == kind_name]


@contextmanager
def declared(kind: Kind) -> Iterator[Kind]:
    """Add a kind to the registry's kinds while the block runs: how a lab or a test declares a new one.

    Every layer reads KINDS and LINKS when it works, not when it is imported,
    so a kind declared here is stored, listed, published and built like ours.
    """
    if kind.name in KINDS or kind.table in KIND_BY_TABLE:
        raise ValueError(f"a kind named {kind.name!r} or stored in {kind.table!r} is already declared")
    KINDS[kind.name] = kind
    KIND_BY_TABLE[kind.table] = kind
    LINKS.extend(kind.links)
    try:
        yield kind
    finally:
        del KINDS[kind.name], KIND_BY_TABLE[kind.table]
        for link in kind.links:
            LINKS.remove(link)
