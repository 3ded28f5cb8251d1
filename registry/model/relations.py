"""The public tables that are not a kind's own: links between records, asset timelines, sources, citations and terms.

Each is declared once, as fields like a kind's, so the data package, the
codebook and the public copy read one description: who is party to what,
which case involved which place, what happened to an asset and when, and
which source backs which record. A link table's columns come from its kind's
`LinkSpec`, so a new link is published with no code here.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.model import vocab
from registry.model.declaration import Field, Kind, LinkSpec, Term
from registry.model.kinds import KINDS, LINKS


@dataclass(frozen=True)
class Relation:
    """A public table that joins or annotates records: its fields, key and what a row means."""

    table: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def _link_relation(link: LinkSpec) -> Relation:
    left, right = KINDS[link.left_kind], KINDS[link.right_kind]
    fields = [
        Field(link.left_column, "ref", f"The {left.singular}: an id in {left.name}.", required=True, ref=link.left_kind),
        Field(link.right_column, "ref", f"The {right.singular}: an id in {right.name}.", required=True, ref=link.right_kind),
    ]
    if link.roles is not None:
        fields.append(Field("role", "enum", f"The {right.singular}'s role.", choices=link.roles))
    title = link.table.replace("_", " ").capitalize()  # "Agreement parties", "Case study actors"
    return Relation(link.table, title, link.description, tuple(fields), (link.left_column, link.right_column))


ASSET_EVENTS = Relation(
    table="asset_events",
    title="Asset timelines",
    description="Each step in an asset's history: the status it reached, when, and the act or document that records it.",
    fields=(
        Field("id", "integer", "Number of the step, unique across all timelines.", required=True),
        Field("asset_id", "ref", "The asset: an id in assets.", required=True, ref="assets"),
        Field("happened_on", "partial_date", "When the step happened (YYYY, YYYY-MM or YYYY-MM-DD); empty when not known."),
        Field("status", "enum", "The status the asset reached.", required=True, choices=vocab.ASSET_STATUSES),
        Field("document", "text", "The act or document that records the step, e.g. a resolution number."),
        Field("note", "text", "A note on the step."),
        Field("source_id", "integer", "The source that records the step: a number in sources.", ref="sources"),
    ),
    primary_key=("id",),
)

SOURCES = Relation(
    table="sources",
    title="Sources",
    description="The documents, articles and studies that records are based on; cite them with the registry.",
    fields=(
        Field("id", "integer", "Number of the source.", required=True),
        Field("url", "url", "Where the source can be read (http or https).", required=True),
        Field("title", "text", "Title of the source.", required=True),
        Field("publisher", "text", "Who published it."),
        Field("year", "year", "Year it was published."),
    ),
    primary_key=("id",),
)

CITATIONS = Relation(
    table="citations",
    title="Citations",
    description="Which source backs which record: a source number, a kind and a record id in that kind.",
    fields=(
        Field("source_id", "integer", "The source: a number in sources.", required=True, ref="sources"),
        Field("record_kind", "enum", "The kind of the record cited.", required=True, choices={k.name: k.title for k in KINDS.values()}),
        Field("record_id", "text", "The record's id, in the table of its kind.", required=True),
    ),
    primary_key=("source_id", "record_kind", "record_id"),
)


CREDITS = Relation(
    table="credits",
    title="Credits",
    description=(
        "Records that came from the public, or that the public corrected, and whom each credits: an organisation that agreed to be named, or the public. "
        "Contributors' contact details are never published."
    ),
    fields=(
        Field("id", "integer", "Number of the credit.", required=True),
        Field("record_kind", "enum", "The kind of the record credited.", required=True, choices={k.name: k.title for k in KINDS.values()}),
        Field("record_id", "text", "The record's id, in the table of its kind.", required=True),
        Field("contribution", "integer", "The number staff gave the contribution when they received it.", required=True),
        Field(
            "action",
            "enum",
            "What the contribution did.",
            required=True,
            choices={"suggest": "Suggested the record", "change": "Corrected the record"},
        ),
        Field("organisation", "text", "The organisation credited, as it agreed; empty when the credit goes to the public."),
        Field("accepted_on", "date", "Date staff accepted the contribution (YYYY-MM-DD).", required=True),
    ),
    primary_key=("id",),
)


def _term_relation(kind: Kind, term: Term) -> Relation:
    """The history of a kind's terms, from its `Term`: one row per term, the first as it was before any renewal."""
    return Relation(
        table=term.history,
        title=f"{kind.singular.capitalize()} terms",
        description=(
            f"The history of each {kind.singular}'s terms: the term it was made for, then each renewal, with the act that renewed it. "
            f"The current term is the last; its end is the {kind.singular}'s {term.ends}."
        ),
        fields=(
            Field("id", "integer", "Number of the term, unique across all histories.", required=True),
            Field(term.history_key, "ref", f"The {kind.singular}: an id in {kind.name}.", required=True, ref=kind.name),
            Field("starts_on", "date", "Date the term took effect (YYYY-MM-DD)."),
            Field("ends_on", "date", "Date the term ends (YYYY-MM-DD); empty when open-ended."),
            Field("instrument", "text", "The act that made or renewed it, e.g. 'Giunta resolution 12/2026'."),
            Field("source_id", "integer", "The source that records it: a number in sources.", ref="sources"),
        ),
        primary_key=("id",),
    )


def term_histories() -> tuple[Relation, ...]:
    """The term history of every kind with a term, asked when needed, so a kind declared later has its own."""
    return tuple(_term_relation(k, k.term) for k in KINDS.values() if k.term is not None and k.term.history)


RELATIONS: tuple[Relation, ...] = (*(_link_relation(link) for link in LINKS), ASSET_EVENTS, SOURCES, CITATIONS, CREDITS, *term_histories())
RELATION_BY_TABLE = {r.table: r for r in RELATIONS}
