"""Controlled vocabularies: the allowed values of every enumerated field, with words for people.

One place holds them so the CLI, importers, Datasette's metadata and the site all
speak the same words. Each vocabulary maps a stored value to a short label; the
typology vocabularies also carry a plain-language explanation for record pages.
"""

from __future__ import annotations

ASSET_KINDS = {
    "building": "Building",
    "garden": "Garden",
    "park": "Park",
    "beach": "Beach",
    "square": "Square",
    "land": "Land",
    "infrastructure": "Infrastructure",
    "other": "Other",
}

ASSET_OWNERS = {
    "municipal": "Municipality",
    "state": "State",
    "regional": "Region",
    "church": "Church",
    "private": "Private owner",
    "unknown": "Unknown",
}

# The lifecycle of a commons asset, in the order it usually runs.
ASSET_STATUSES = {
    "mapped": "Mapped",
    "unused": "Unused",
    "occupied": "Occupied by a community",
    "recognised": "Recognised as a commons",
    "under_agreement": "Under a co-management agreement",
    "lost": "Lost (sold or demolished)",
}

ACTOR_KINDS = {
    "cooperative": "Cooperative",
    "association": "Association",
    "foundation": "Foundation",
    "mutual": "Mutual",
    "social_enterprise": "Social enterprise",
    "community_bank": "Community bank",
    "informal_collective": "Informal collective",
    "network": "Network",
    "ngo": "NGO",
    "public_body": "Public body",
    "university": "University",
    "other": "Other",
}

GOVERNANCE_MODELS = {
    "self_management": "Self-management",
    "collective_management": "Collective management",
    "hierarchical": "Hierarchical",
    "sociocracy": "Sociocracy",
    "unknown": "Unknown",
}

AGREEMENT_KINDS = {
    "civic_use_declaration": "Declaration of civic and collective use",
    "collaboration_pact": "Collaboration pact",
    "concession": "Concession",
    "cession_of_use": "Cession of use / leasehold",
    "co_management_protocol": "Co-management protocol",
    "resolution": "Municipal resolution",
    "statute": "Statute or by-law",
    "other": "Other",
}

AGREEMENT_STATUSES = {
    "draft": "Draft",
    "proposed": "Proposed",
    "active": "Active",
    "suspended": "Suspended",
    "expired": "Expired",
    "revoked": "Revoked",
}

# Where a record stands in its term, derived from its status and dates (registry/model/terms.py), never stored by hand.
TERM_STATES = {
    "pending": "Not yet in force",
    "in_force": "In force",
    "renewed": "Renewed",
    "ending": "Ending soon",
    "lapsed": "Lapsed",
    "terminated": "Terminated",
}

PARTY_ROLES = {
    "municipality": "Municipality",
    "co_manager": "Co-manager",
    "guarantor": "Guarantor",
    "funder": "Funder",
    "facilitator": "Facilitator",
    "partner": "Partner",
}

# Who bears maintenance or utilities under an agreement.
COST_BEARERS = {
    "municipality": "The municipality",
    "co_manager": "The co-managers",
    "shared": "Shared",
    "unknown": "Unknown",
}

CASE_ROLES = {
    "lead": "Lead",
    "partner": "Partner",
    "funder": "Funder",
    "facilitator": "Facilitator",
    "community": "Community",
    "municipality": "Municipality",
}

POLICY_AREAS = {
    "health": "Health",
    "social_care": "Social care",
    "housing": "Housing",
    "energy": "Energy",
    "employment": "Employment",
    "public_spaces": "Public spaces",
    "climate": "Climate",
    "education_childcare": "Education and childcare",
    "waste": "Waste",
    "water": "Water",
    "migration": "Migration",
    "culture": "Culture",
    "finance": "Finance",
    "food": "Food",
}

LEVELS = {
    "compliance": "Compliance",
    "support": "Support",
    "transformation": "Transformation",
}

LEVEL_EXPLANATIONS = {
    "compliance": "People who use the service take part only where it is delivered; "
    "they help achieve results but have no say in how it is run.",
    "support": "The contribution of users and their networks is valued and they have "
    "channels to shape the service, though professionals still lead.",
    "transformation": "Power is reallocated: users and professionals plan, decide and "
    "manage risks together, and the service changes shape as a result.",
}

DESIGN_DELIVERY = {
    "professionals": "Professionals",
    "shared": "Professionals and community together",
    "community": "The community",
}

# The Bovaird / Carnegie matrix: (who designs, who delivers) -> the cell's name.
MATRIX_CELLS = {
    ("professionals", "professionals"): "Traditional professional service provision",
    ("shared", "professionals"): "Professional provision with users involved in planning and design",
    ("community", "professionals"): "Professionals as sole deliverers of community-planned services",
    ("professionals", "shared"): "User co-delivery of professionally designed services",
    ("shared", "shared"): "Full co-production",
    ("community", "shared"): "Community delivery with little professional planning",
    ("professionals", "community"): "Community delivery of professionally planned services",
    ("shared", "community"): "Community delivery of co-planned services",
    ("community", "community"): "Self-organised community provision",
}

SCENARIOS = {
    "cuts": "Cuts (substitutive)",
    "transformation": "Transformation (additive)",
}

SCENARIO_EXPLANATIONS = {
    "cuts": "Citizens' work replaces services the public body withdraws to save money.",
    "transformation": "Citizens' work adds to public services and changes what they can achieve.",
}

SCOPES = {
    "individual": "Individual",
    "collective": "Collective",
}

SCOPE_EXPLANATIONS = {
    "individual": "Each person takes part in producing the service they themselves receive.",
    "collective": "Groups produce a service that benefits a whole community.",
}

PHASES = {
    "preparation": "Preparation",
    "co_define": "Co-defining the challenge",
    "co_create": "Co-creating solutions",
    "implement": "Implementing",
    "review": "Review",
}

# Map colours per value: assets by status, actors by kind, case studies in purples by level,
# chosen so the three layers stay distinguishable where they overlap.
ASSET_STATUS_COLORS = {
    "mapped": "#6b7280",
    "unused": "#b45309",
    "occupied": "#dc2626",
    "recognised": "#2563eb",
    "under_agreement": "#059669",
    "lost": "#111827",
}

ACTOR_KIND_COLORS = {
    "cooperative": "#1f77b4",
    "association": "#ff7f0e",
    "foundation": "#2ca02c",
    "mutual": "#d62728",
    "social_enterprise": "#9467bd",
    "community_bank": "#8c564b",
    "informal_collective": "#e377c2",
    "network": "#7f7f7f",
    "ngo": "#bcbd22",
    "public_body": "#17becf",
    "university": "#393b79",
    "other": "#c7c7c7",
}

LEVEL_COLORS = {
    "compliance": "#c4b5fd",
    "support": "#8b5cf6",
    "transformation": "#4c1d95",
}


def N_(message: str) -> str:  # noqa: N802 - the name message extractors look for
    """Mark a message for the catalogues without translating it here: it is translated where it is shown."""
    return message


def label(vocabulary: dict[str, str], value: str | None) -> str:
    """The human label for a stored value, or the value itself when it is unknown."""
    if value is None:
        return ""
    return vocabulary.get(value, value)


def matrix_cell(design_by: str | None, delivery_by: str | None) -> str | None:
    """Name the Bovaird matrix cell a case falls in, when both axes are known."""
    if not design_by or not delivery_by:
        return None
    return MATRIX_CELLS.get((design_by, delivery_by))
