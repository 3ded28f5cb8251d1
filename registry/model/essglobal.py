"""Actor kinds and legal forms as concepts of ESSGlobal, the linked-data vocabulary of the social and solidarity economy.

SSE maps that federate (Mykomap, solidarityeconomy.coop, the maps that read the
Murmurations index) describe an organisation by the ESSGlobal concept of its
structure, so our actors carry the concept's address rather than our own word
for it. The concepts come from ESSGlobal's "Organisational Structure" scheme
(its "alternative legal form" vocabulary, the one those maps read), as published
at https://lod.coop/essglobal/2.1/standard/organisational-structure/ and kept in
the DigitalCommons/map-sse repository. ESSGlobal's older "Legal Form" scheme
has five coarse concepts and no mutual or public body, so it is not used.
"""

from __future__ import annotations

import re
import unicodedata

ESSGLOBAL = "https://lod.coop/essglobal/2.1/"
ORGANISATIONAL_STRUCTURE = f"{ESSGLOBAL}standard/organisational-structure/"
# The ESSGlobal property that links an initiative to a concept of that scheme.
ORGANISATIONAL_STRUCTURE_PROPERTY = f"{ESSGLOBAL}vocab/organisationalStructure"

# The concepts we use, by code, with their English labels in the scheme.
STRUCTURES = {
    "OS10": "Community group (formal or informal)",
    "OS20": "Not-for-profit organisation",
    "OS30": "Social enterprise",
    "OS40": "Charity",
    "OS50": "Company (Other)",
    "OS60": "Workers cooperative",
    "OS70": "Housing cooperative",
    "OS80": "Consumer/User coops",
    "OS90": "Producer cooperative",
    "OS100": "Multi-stakeholder cooperative",
    "OS115": "Cooperative",
    "OS120": "Community Interest Company (CIC)",
    "OS130": "Community Benefit Society / Industrial and Provident Society (IPS)",
    "OS170": "Mutual",
    "OS200": "Regional, state or provincial level federation or union",
    "OS220": "Government agency/body",
}

# Every actor kind of vocab.ACTOR_KINDS, as the concept that fits it best.
ACTOR_KIND_STRUCTURES = {
    "cooperative": "OS115",
    "association": "OS20",  # no "association" concept: an association is a members' not-for-profit organisation
    "foundation": "OS40",  # no "foundation" concept: a foundation is an endowed public-benefit body, ESSGlobal's "Charity"
    "mutual": "OS170",
    "social_enterprise": "OS30",
    "community_bank": "OS170",  # no bank concept: community banks are member-owned financial mutuals (credit unions, cooperative banks)
    "informal_collective": "OS10",
    # No "network" concept: an SSE network federates organisations, mostly of a city or region (national ones are rarer).
    "network": "OS200",
    "ngo": "OS20",
    "public_body": "OS220",
    "university": "OS220",  # no "university" concept: the universities that co-produce with cities are public bodies
    "other": "OS50",  # nothing fits "other": the scheme's own catch-all is "Company (Other)"
}

# Legal forms as people write them, in the registry's languages, and the concept each names. The first
# match wins, so the precise forms (a housing cooperative) come before the general (a cooperative).
# Matched in the accent-free, lower-case text, from the start of a word: "cooperativ*" ends anywhere,
# a term without the star ends with its word ("spa" is S.p.A., never "space").
LEGAL_FORM_STRUCTURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("OS120", ("community interest compan*", "cic")),
    ("OS130", ("community benefit societ*", "industrial and provident*", "bencom")),
    ("OS70", ("housing co-op*", "housing coop*", "cooperativa de vivienda", "cooperativa d'habitatge", "cooperativa edilizia")),
    (
        "OS60",
        ("worker* co-op*", "worker* coop*", "workers' co-op*", "workers' coop*", "cooperativa de trabajo", "cooperativa di lavoro", "scop"),
    ),
    ("OS80", ("consumer* co-op*", "consumer* coop*", "cooperativa de consum*", "cooperativa di consum*")),
    ("OS90", ("producer* co-op*", "producer* coop*", "cooperativa agricol*", "cooperativa de productor*")),
    ("OS100", ("multi-stakeholder*", "multistakeholder*", "scic", "cooperative d'interet collectif")),
    ("OS30", ("social enterprise*", "impresa sociale", "empresa social", "entreprise sociale", "sociale onderneming")),
    ("OS115", ("co-op*", "coop*", "cooperativ*", "sccl", "scarl", "s.c.a.r.l.", "s. coop.", "genossenschaft*", "spoldzielni*")),
    ("OS170", ("mutual*", "mutua*", "mutuelle*", "societa di mutuo soccorso", "friendly societ*")),
    ("OS40", ("foundation*", "fondazion*", "fundaci*", "fondation*", "stiftung*", "fundacj*", "charit*")),
    ("OS220", ("municipal*", "public body", "public agency", "azienda speciale", "ente pubblico", "organismo autonomo")),
    (
        "OS20",
        (
            "association*",
            "associazion*",
            "asociaci*",
            "associaci*",
            "verein*",
            "stowarzyszeni*",
            "not-for-profit",
            "non-profit",
            "nonprofit",
            "onlus",
            "ngo",
            "aps",
            "odv",
        ),
    ),
    ("OS10", ("informal*", "unincorporated", "collective*", "comitato")),
    ("OS50", ("compan*", "s.r.l.", "srl", "s.p.a.", "spa", "s.l.", "ltd", "limited", "gmbh", "sarl", "sp. z o.o.")),
)


def concept_uri(code: str) -> str:
    """The address of a concept of the Organisational Structure scheme."""
    return f"{ORGANISATIONAL_STRUCTURE}{code}"


def kind_structure(kind: str | None) -> str | None:
    """The concept code of an actor kind, or None for a kind ESSGlobal was not mapped to (a declared kind of a lab)."""
    return ACTOR_KIND_STRUCTURES.get(kind or "")


# Letters that do not decompose into a base letter and an accent, and the typographic apostrophe.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss", "\u2019": "'"})


def _normalised(text: str) -> str:
    """Lower case without accents, with single spaces: "Cooperativa d’Habitatge" reads as "cooperativa d'habitatge"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(plain.split())


def _term(term: str) -> str:
    """A term as an expression: a star stands for the rest of a word; without a final star the term ends its word."""
    prefix = term.endswith("*")
    expression = re.escape(term.rstrip("*")).replace(r"\*", r"\w*")
    return expression if prefix else expression + r"(?!\w)"


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(_term(t) for t in terms) + ")")


_LEGAL_FORM_PATTERNS = tuple((code, _pattern(stems)) for code, stems in LEGAL_FORM_STRUCTURES)


def legal_form_structure(legal_form: str | None) -> str | None:
    """The concept a free-text legal form names, or None when it names none we know (it is then left out)."""
    if not legal_form:
        return None
    text = _normalised(str(legal_form))
    for code, pattern in _LEGAL_FORM_PATTERNS:
        if pattern.search(text):
            return code
    return None


def actor_structures(record: dict[str, object]) -> list[str]:
    """The concepts of an actor, its kind's first, then its legal form's when that says more; as codes, without repeats."""
    codes = [kind_structure(str(record.get("kind") or "")), legal_form_structure(str(record.get("legal_form") or ""))]
    return list(dict.fromkeys(c for c in codes if c))
