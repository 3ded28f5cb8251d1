"""The registry's tables, as named append-only migrations applied when a registry is opened.

Migrations spell their columns out instead of reading them from the record rules:
a migration that has run on someone's registry must never change meaning later.
A test holds the end result against the rules, so a new field without a
migration fails loudly.
"""

from __future__ import annotations

import sqlite_utils

from registry.model.declaration import Kind, LinkSpec
from registry.model.kinds import KINDS, LINKS

migrations = sqlite_utils.Migrations("commons")

FRESHNESS = {"last_verified": str, "confidence": str, "internal_notes": str}

KIND_COLUMNS_V1: dict[str, dict[str, type]] = {
    "assets": {
        "id": str,
        "name": str,
        "name_local": str,
        "kind": str,
        "status": str,
        "since": str,
        "owner": str,
        "description": str,
        "address": str,
        "district": str,
        "city": str,
        "country": str,
        "lat": float,
        "lon": float,
        "geometry": str,
        "website": str,
    },
    "actors": {
        "id": str,
        "name": str,
        "kind": str,
        "legal_form": str,
        "governance": str,
        "founded": str,
        "description": str,
        "city": str,
        "country": str,
        "lat": float,
        "lon": float,
        "website": str,
        "email": str,
        "phone": str,
        "contact_person": str,
        "contact_person_email": str,
        "contact_person_phone": str,
    },
    "agreements": {
        "id": str,
        "title": str,
        "kind": str,
        "status": str,
        "asset_id": str,
        "instrument": str,
        "adopted_on": str,
        "starts_on": str,
        "expires_on": str,
        "description": str,
        "commitments": str,
        "rent_eur_per_year": float,
        "fees_waived": str,
        "maintenance_by": str,
        "utilities_by": str,
        "document_url": str,
        "city": str,
        "country": str,
    },
    "case_studies": {
        "id": str,
        "title": str,
        "city": str,
        "country": str,
        "lat": float,
        "lon": float,
        "start_year": int,
        "end_year": int,
        "summary": str,
        "outcomes": str,
        "key_figures": str,
        "policy_areas": str,
        "level": str,
        "design_by": str,
        "delivery_by": str,
        "scenario": str,
        "scope": str,
        "phases": str,
    },
}


# The links m001 made, spelled out for the same reason: (table, left table, left column, right table, right column, has roles).
LINKS_V1 = (
    ("agreement_parties", "agreements", "agreement_id", "actors", "actor_id", True),
    ("case_study_actors", "case_studies", "case_study_id", "actors", "actor_id", True),
    ("case_study_assets", "case_studies", "case_study_id", "assets", "asset_id", False),
)


@migrations(name="m001_initial")
def m001_initial(db: sqlite_utils.Database) -> None:
    """Records, links, sources and the change log."""
    for table, columns in KIND_COLUMNS_V1.items():
        foreign_keys = [("asset_id", "assets", "id")] if table == "agreements" else None
        db.table(table).create(columns, pk="id", not_null={"id"}, foreign_keys=foreign_keys)
    for link_table, left, left_column, right, right_column, has_roles in LINKS_V1:
        _create_link_table(db, link_table, left, left_column, right, right_column, has_roles)
    db.table("sources").create({"id": int, "url": str, "title": str, "publisher": str, "year": int}, pk="id")
    db.table("sources").create_index(["url"], unique=True)
    db.table("citations").create(
        {"source_id": int, "record_kind": str, "record_id": str},
        pk=("source_id", "record_kind", "record_id"),
        foreign_keys=[("source_id", "sources", "id")],
    )
    db.table("citations").create_index(["record_kind", "record_id"])
    db.table("changes").create(
        {
            "id": int,
            "txn": str,
            "changed_at": str,
            "changed_by": str,
            "action": str,
            "table_name": str,
            "record_id": str,
            "before": str,
            "after": str,
        },
        pk="id",
    )
    db.table("changes").create_index(["table_name", "record_id"])
    db.table("changes").create_index(["changed_at"])
    db.table("districts").create({"id": str, "name": str, "city": str, "geometry": str}, pk="id")


@migrations(name="m002_freshness_timeline_hours")
def m002_freshness_timeline_hours(db: sqlite_utils.Database) -> None:
    """Freshness on every record, opening hours on assets, and each asset's lifecycle timeline."""
    for table in KIND_COLUMNS_V1:
        for column, col_type in FRESHNESS.items():
            db.table(table).add_column(column, col_type)
    db.table("assets").add_column("opening_hours", str)
    db.table("asset_events").create(
        {"id": int, "asset_id": str, "happened_on": str, "status": str, "document": str, "note": str},
        pk="id",
        foreign_keys=[("asset_id", "assets", "id")],
    )
    db.table("asset_events").create_index(["asset_id"])


@migrations(name="m003_indexes_and_search")
def m003_indexes_and_search(db: sqlite_utils.Database) -> None:
    """Indexes on what lists and facets filter by, and full-text search over names and descriptions."""
    searched = {
        "assets": ["name", "name_local", "description", "address", "district", "city"],
        "actors": ["name", "legal_form", "description", "city"],
        "agreements": ["title", "instrument", "description", "commitments"],
        "case_studies": ["title", "summary", "outcomes", "key_figures", "city"],
    }
    indexed = {
        "assets": ["kind", "status", "city", "district", "country", "owner"],
        "actors": ["kind", "city", "country", "governance"],
        "agreements": ["kind", "status", "expires_on", "city", "asset_id"],
        "case_studies": ["city", "country", "level", "design_by", "delivery_by", "scenario", "start_year"],
    }
    for table, columns in indexed.items():
        for column in columns:
            db.table(table).create_index([column], if_not_exists=True)
    for table, columns in searched.items():
        db.table(table).enable_fts(columns, fts_version="FTS5", create_triggers=True, tokenize="porter")


def schema_version(db: sqlite_utils.Database) -> int:
    """How many of the registry's migrations this file has had applied."""
    return len(migrations.applied(db))


@migrations(name="m004_point_indexes")
def m004_point_indexes(db: sqlite_utils.Database) -> None:
    """Index latitude so the ~100 m duplicate check reads a thin slice, not the whole table."""
    for table in ("assets", "actors", "case_studies"):
        db.table(table).create_index(["lat", "lon"], if_not_exists=True)


def _create_link_table(
    db: sqlite_utils.Database, table: str, left: str, left_column: str, right: str, right_column: str, has_roles: bool
) -> None:
    columns: dict[str, type] = {left_column: str, right_column: str}
    if has_roles:
        columns["role"] = str
    db.table(table).create(columns, pk=(left_column, right_column), foreign_keys=[(left_column, left, "id"), (right_column, right, "id")])
    db.table(table).create_index([right_column])


# How each field type is stored: numbers as REAL, years as INTEGER, everything else (lists as JSON) as TEXT.
COLUMN_TYPES: dict[str, type] = {"lat": float, "lon": float, "number": float, "year": int}


def create_declared_tables(db: sqlite_utils.Database) -> list[str]:
    """Give every declared kind and link without a table one, made from its declaration; return the tables made.

    Our own kinds are made by the migrations above; this is how a kind that a
    lab declares gets its table, its indexes and its full-text search.
    """
    made = []
    for kind in KINDS.values():
        if not db[kind.table].exists():
            _create_kind_table(db, kind)
            made.append(kind.table)
    for link in LINKS:
        if not db[link.table].exists():
            _create_declared_link(db, link)
            made.append(link.table)
    for kind in KINDS.values():
        if kind.term is not None and kind.term.history and not db[kind.term.history].exists():
            _create_term_history(db, kind.term.history, kind.term.history_key, kind.table)
            made.append(kind.term.history)
    return made


def _create_kind_table(db: sqlite_utils.Database, kind: Kind) -> None:
    columns = {f.name: COLUMN_TYPES.get(f.type, str) for f in kind.fields}
    foreign_keys = [(f.name, KINDS[f.ref].table, "id") for f in kind.fields if f.ref]
    db.table(kind.table).create(columns, pk="id", not_null={"id"}, foreign_keys=foreign_keys or None)
    for column in kind.index_fields:
        db.table(kind.table).create_index([column], if_not_exists=True)
    if kind.has_place:
        db.table(kind.table).create_index(["lat", "lon"], if_not_exists=True)
    db.table(kind.table).enable_fts(list(kind.search_fields), fts_version="FTS5", create_triggers=True, tokenize="porter")


def _create_declared_link(db: sqlite_utils.Database, link: LinkSpec) -> None:
    left, right = KINDS[link.left_kind].table, KINDS[link.right_kind].table
    _create_link_table(db, link.table, left, link.left_column, right, link.right_column, link.roles is not None)


def _create_term_history(db: sqlite_utils.Database, table: str, key: str, parent: str) -> None:
    """One row per term of a record: when it started and ended, the act that made it, the source that proves it."""
    db.execute(
        f"CREATE TABLE [{table}] ("
        "[id] INTEGER PRIMARY KEY, "
        f"[{key}] TEXT NOT NULL REFERENCES [{parent}]([id]), "
        "[starts_on] TEXT, [ends_on] TEXT, [instrument] TEXT, "
        "[source_id] INTEGER REFERENCES [sources]([id]))"
    )
    db.table(table).create_index([key, "starts_on"])


@migrations(name="m005_record_languages")
def m005_record_languages(db: sqlite_utils.Database) -> None:
    """The language each record's text is written in, and its texts in other languages (JSON by language code)."""
    for table in ("assets", "actors", "agreements", "case_studies"):
        db.table(table).add_column("lang", str)
        db.table(table).add_column("translations", str)


@migrations(name="m006_timeline_sources")
def m006_timeline_sources(db: sqlite_utils.Database) -> None:
    """A timeline step can name the source that proves it (a resolution, an article), as records cite theirs."""
    db.execute("ALTER TABLE asset_events ADD COLUMN source_id INTEGER REFERENCES sources(id)")


@migrations(name="m007_agreement_terms")
def m007_agreement_terms(db: sqlite_utils.Database) -> None:
    """The history of each agreement's terms, so a renewal keeps the term it follows."""
    db.execute(
        "CREATE TABLE [agreement_terms] ("
        "[id] INTEGER PRIMARY KEY, "
        "[agreement_id] TEXT NOT NULL REFERENCES [agreements]([id]), "
        "[starts_on] TEXT, [ends_on] TEXT, [instrument] TEXT, "
        "[source_id] INTEGER REFERENCES [sources]([id]))"
    )
    db.table("agreement_terms").create_index(["agreement_id", "starts_on"])


@migrations(name="m008_contributions")
def m008_contributions(db: sqlite_utils.Database) -> None:
    """Which change came from a contribution of the public, and whom each contributed record credits."""
    db.execute("ALTER TABLE changes ADD COLUMN via TEXT")
    # An accept looks up whether its contribution was already written; only the few changes that came from one are indexed.
    db.execute("CREATE INDEX [idx_changes_via] ON [changes] ([via]) WHERE [via] IS NOT NULL")
    db.execute(
        "CREATE TABLE [credits] ("
        "[id] INTEGER PRIMARY KEY, "
        "[record_kind] TEXT NOT NULL, [record_id] TEXT NOT NULL, "
        "[contribution] INTEGER NOT NULL, [action] TEXT NOT NULL, "
        "[organisation] TEXT, [accepted_on] TEXT NOT NULL)"
    )
    db.table("credits").create_index(["record_kind", "record_id"])


@migrations(name="m009_assessments")
def m009_assessments(db: sqlite_utils.Database) -> None:
    """Self-assessments of case studies and agreements on a framework, with their scores as JSON by criterion."""
    db.table("assessments").create(
        {
            "id": str,
            "framework": str,
            "case_id": str,
            "agreement_id": str,
            "assessed_on": str,
            "assessor": str,
            "scores": str,
            "summary": str,
            "lang": str,
            "translations": str,
            **FRESHNESS,
        },
        pk="id",
        not_null={"id"},
        foreign_keys=[("case_id", "case_studies", "id"), ("agreement_id", "agreements", "id")],
    )
    for column in ("framework", "case_id", "agreement_id", "assessed_on"):
        db.table("assessments").create_index([column])
    db.table("assessments").enable_fts(["assessor", "summary"], fts_version="FTS5", create_triggers=True, tokenize="porter")
