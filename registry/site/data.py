"""The public copy read into memory once, with every relation indexed both ways.

Record pages need each record's neighbours (an asset's agreements and their
parties, a case's actors). Querying per record costs 10k × several queries at
scale; reading each table once and indexing in dictionaries keeps the build
close to the cost of rendering alone.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from registry.model.kinds import KIND_BY_TABLE, KINDS, LINKS
from registry.store.database import decode_row

Key = tuple[str, str]


@dataclass
class SiteData:
    """Every public record by kind and id, and the relations between them."""

    records: dict[str, dict[str, dict[str, Any]]]
    links: dict[Key, dict[str, list[tuple[str, str | None]]]] = field(default_factory=dict)
    # Records that name this one in a field (an agreement's asset_id), by kind, in time order where the kind has one.
    referrers: dict[Key, dict[str, list[str]]] = field(default_factory=dict)
    sources: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    # Whom each record that came from the public, or that the public corrected, credits: oldest first.
    credits: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The history of each termed record's terms, first to current, for records that were renewed.
    terms: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    last_changed: dict[Key, str] = field(default_factory=dict)
    # The public change log's newest entries about records (FEED_CHANGES at most): of every kind, and of each kind.
    recent_changes: list[dict[str, Any]] = field(default_factory=list)
    kind_changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    # The records as stored, where `localise` replaced their texts with a translation: downloads keep the original.
    originals: dict[Key, dict[str, Any]] = field(default_factory=dict)
    language: str = "en"  # the language `localise` showed the records in

    def original(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        return self.originals.get((kind, record["id"]), record)

    def get(self, kind: str, record_id: str | None) -> dict[str, Any] | None:
        if not record_id:
            return None
        return self.records.get(kind, {}).get(record_id)

    def title(self, kind: str, record_id: str) -> str:
        record = self.get(kind, record_id)
        return str(record[KINDS[kind].title_field]) if record else record_id

    def change_title(self, change: dict[str, Any]) -> str:
        """The name of a logged record in this language: as it is now while it exists, else as the log last had it."""
        if self.get(change["kind"], change["record_id"]) is not None:
            return self.title(change["kind"], change["record_id"])
        return str(change["titles"].get(self.language) or change["title"])

    def referring(self, kind: str, record_id: str, other_kind: str) -> list[str]:
        """Ids of the records of another kind that name this one in a field."""
        return self.referrers.get((kind, record_id), {}).get(other_kind, [])

    def term_history(self, kind: str, record_id: str) -> list[dict[str, Any]]:
        """A record's terms, first to current; empty when it was never renewed."""
        return self.terms.get((kind, record_id), [])

    def linked(self, kind: str, record_id: str, other_kind: str) -> list[tuple[str, str | None]]:
        """(id, role) of the records of another kind linked to this one, existing ones only."""
        found = self.links.get((kind, record_id), {}).get(other_kind, [])
        return [(i, r) for i, r in found if i in self.records.get(other_kind, {})]


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


# How many of the newest changes the site reads, of every kind and of each: the feeds' length, whatever the registry's size.
FEED_CHANGES = 100


def load_site_data(path: Path) -> SiteData:
    """Read the public copy written by the publish step; nothing private is in it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _load(conn)
    finally:
        conn.close()


def _load(conn: sqlite3.Connection) -> SiteData:
    records = {
        kind.name: {row["id"]: decode_row(kind, row) for row in _rows(conn, f"SELECT * FROM [{kind.table}] ORDER BY id")}
        for kind in KINDS.values()
    }
    data = SiteData(records)
    links: dict[Key, dict[str, list[tuple[str, str | None]]]] = defaultdict(lambda: defaultdict(list))
    for spec in LINKS:
        role = "role" if spec.roles is not None else "NULL"
        sql = f"SELECT [{spec.left_column}], [{spec.right_column}], {role} FROM [{spec.table}] ORDER BY 1, 2"
        for left, right, link_role in conn.execute(sql):
            links[(spec.left_kind, left)][spec.right_kind].append((right, link_role))
            links[(spec.right_kind, right)][spec.left_kind].append((left, link_role))
    data.links = {k: dict(v) for k, v in links.items()}
    data.referrers = _referrers(records)
    sources: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    sql = (
        "SELECT c.record_kind, c.record_id, s.url, s.title, s.publisher, s.year FROM citations c "
        "JOIN sources s ON s.id = c.source_id ORDER BY c.record_kind, c.record_id, s.year, s.title, s.url"
    )
    for kind, record_id, url, title, publisher, year in conn.execute(sql):
        sources[(kind, record_id)].append({"url": url, "title": title, "publisher": publisher, "year": year})
    data.sources = dict(sources)
    data.credits = _credits(conn)
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    timeline_sql = (
        "SELECT e.asset_id, e.happened_on, e.status, e.document, e.note, s.url AS source_url, s.title AS source_title "
        "FROM asset_events e LEFT JOIN sources s ON s.id = e.source_id ORDER BY e.asset_id, e.happened_on, e.id"
    )
    for event in _rows(conn, timeline_sql):
        events[event.pop("asset_id")].append(event)
    data.events = dict(events)
    data.terms = _term_histories(conn)
    data.last_changed = _last_changed(conn)
    data.recent_changes = _changes(conn, tuple(KIND_BY_TABLE), FEED_CHANGES)
    data.kind_changes = {kind.name: _changes(conn, (kind.table,), FEED_CHANGES) for kind in KINDS.values()}
    return data


def _referrers(records: dict[str, dict[str, dict[str, Any]]]) -> dict[Key, dict[str, list[str]]]:
    """For each record, the records that name it in a field, by kind, in their kind's time order."""
    found: dict[Key, dict[str, list[str]]] = defaultdict(dict)
    for kind in KINDS.values():
        refs = [f for f in kind.fields if f.ref]
        if not refs:
            continue
        when = kind.chronology
        for record in sorted(records[kind.name].values(), key=lambda r: ((r.get(when) or "") if when else "", r["id"])):
            for f in refs:
                if record.get(f.name):
                    found[(f.ref or "", record[f.name])].setdefault(kind.name, []).append(record["id"])
    return dict(found)


def _credits(conn: sqlite3.Connection) -> dict[Key, list[dict[str, Any]]]:
    """What the public gave each record, oldest first: a suggestion or a correction, credited to an organisation or the public."""
    credits: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    sql = "SELECT record_kind, record_id, action, organisation, accepted_on FROM credits ORDER BY record_kind, record_id, accepted_on, id"
    for kind, record_id, action, organisation, accepted_on in conn.execute(sql):
        credits[(kind, record_id)].append({"action": action, "organisation": organisation or None, "accepted_on": accepted_on})
    return dict(credits)


def _term_histories(conn: sqlite3.Connection) -> dict[Key, list[dict[str, Any]]]:
    """Every renewed record's terms, first to current, with the source of each."""
    terms: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for kind in KINDS.values():
        if kind.term is None or not kind.term.history:
            continue
        term = kind.term
        sql = (
            f"SELECT h.[{term.history_key}] AS record_id, h.id, h.starts_on, h.ends_on, h.instrument, "
            "s.url AS source_url, s.title AS source_title "
            f"FROM [{term.history}] h LEFT JOIN sources s ON s.id = h.source_id ORDER BY h.[{term.history_key}], h.starts_on, h.id"
        )
        for row in _rows(conn, sql):
            terms[(kind.name, row.pop("record_id"))].append(row)
    return dict(terms)


def _last_changed(conn: sqlite3.Connection) -> dict[Key, str]:
    """When each record, its links, its sources or its timeline last changed, from the change log."""
    latest: dict[Key, str] = {}

    def note(kind: str | None, record_id: str | None, when: str) -> None:
        if kind and record_id and when > latest.get((kind, record_id), ""):
            latest[(kind, record_id)] = when

    link_tables = {s.table: s for s in LINKS}
    grouped = "SELECT table_name, record_id, max(changed_at) FROM changes WHERE table_name != 'asset_events' GROUP BY table_name, record_id"
    for table, record_id, when in conn.execute(grouped):
        if table in KIND_BY_TABLE:
            note(KIND_BY_TABLE[table].name, record_id, when)
        elif table in link_tables and "/" in record_id:
            spec = link_tables[table]
            left, right = record_id.split("/", 1)
            note(spec.left_kind, left, when)
            note(spec.right_kind, right, when)
        elif table == "citations" and record_id.count("/") >= 2:
            _, kind, cited = record_id.split("/", 2)
            note(kind, cited, when)
    events = (
        "SELECT json_extract(coalesce(after, before), '$.asset_id'), max(changed_at) FROM changes "
        "WHERE table_name = 'asset_events' GROUP BY 1"
    )
    for asset_id, when in conn.execute(events):
        note("assets", asset_id, when)
    return latest


def _changes(conn: sqlite3.Connection, tables: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    """The newest change-log entries about records of these tables, with what changed."""
    marks = ", ".join("?" for _ in tables)
    rows = _rows(
        conn,
        f"SELECT id, changed_at, action, table_name, record_id, before, after FROM changes WHERE table_name IN ({marks}) "
        f"ORDER BY changed_at DESC, id DESC LIMIT {int(limit)}",
        tables,
    )
    for row in rows:
        before = json.loads(row.pop("before") or "null") or {}
        after = json.loads(row.pop("after") or "null") or {}
        kind = KIND_BY_TABLE[row["table_name"]]
        row["kind"] = kind.name
        row["title"] = after.get(kind.title_field) or before.get(kind.title_field) or row["record_id"]
        row["titles"] = _logged_translations(after or before, kind.title_field)
        row["fields"] = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)) if row["action"] == "update" else []
    return rows


def _logged_translations(row: dict[str, Any], name: str) -> dict[str, str]:
    """A logged row's translations of one field, by language; the log keeps `translations` as JSON text."""
    found = row.get("translations")
    if isinstance(found, str):
        try:
            found = json.loads(found)
        except ValueError:
            return {}
    if not isinstance(found, dict):
        return {}
    return {
        code: texts[name] for code, texts in found.items() if isinstance(texts, dict) and isinstance(texts.get(name), str) and texts[name]
    }


def record_key(kind: str, record_id: str) -> str:
    return f"{kind}/{record_id}"


def record_signatures(data: SiteData) -> dict[str, str]:
    """A hash per record of everything about it that any page shows: its row, links, sources, timeline, last change.

    Comparing these with the previous build's finds the records that changed
    without building every page's view; `affected_records` then widens the set
    to the pages that display them. The parts are serialised with marshal,
    several times faster than repr() (1.5 s for 100k records).
    """
    import hashlib
    import marshal

    signatures = {}
    blake2b, dumps = hashlib.blake2b, marshal.dumps
    for kind, records in data.records.items():
        has_timeline = KINDS[kind].timeline
        for record_id, record in records.items():
            key = (kind, record_id)
            parts = (
                record,
                data.links.get(key),
                data.sources.get(key),
                data.credits.get(key),
                data.last_changed.get(key),
                data.events.get(record_id) if has_timeline else None,
                data.referrers.get(key),
                data.terms.get(key),
            )
            try:
                serialised = dumps(parts, 2)
            except ValueError:  # a value marshal cannot write: fall back to its text
                serialised = repr(parts).encode("utf-8")
            signatures[f"{kind}/{record_id}"] = blake2b(serialised, digest_size=12).hexdigest()
    return signatures


def neighbours(data: SiteData, kind: str, record_id: str) -> set[Key]:
    """Records one step away: linked records, the records it names in a field (an agreement's asset), those naming it."""
    found: set[Key] = {(other, i) for other, items in data.links.get((kind, record_id), {}).items() for i, _ in items}
    record = data.get(kind, record_id)
    for f in KINDS[kind].fields:
        if f.ref and record and record.get(f.name):
            found.add((f.ref, record[f.name]))
    found.update((other, i) for other, ids in data.referrers.get((kind, record_id), {}).items() for i in ids)
    return found


def affected_records(data: SiteData, changed: set[str]) -> set[Key]:
    """Records whose pages may show something that changed: the changed ones and those up to two steps away.

    Two steps because an asset's page lists its agreements' parties, and an
    actor's page the assets of its agreements. Removed links are covered: both
    ends of a link changed, so both are in `changed`.
    """
    start: set[Key] = {(k.split("/", 1)[0], k.split("/", 1)[1]) for k in changed}
    found = set(start)
    frontier = {key for key in start if data.get(*key) is not None}
    for _ in range(2):
        step: set[Key] = set()
        for kind, record_id in frontier:
            step |= neighbours(data, kind, record_id)
        frontier = step - found
        found |= step
    return found


def localise(data: SiteData, code: str) -> SiteData:
    """The same data with each record's texts in the language where it has them; others keep their own language.

    A record says which language its own texts are in (`lang`, English when
    empty) and may carry texts in others (`translations`). Only records with a
    translation into `code` are copied; `text_language` says what a page shows.
    """
    records: dict[str, dict[str, dict[str, Any]]] = {}
    originals: dict[Key, dict[str, Any]] = {}
    for kind, by_id in data.records.items():
        fields = KINDS[kind].translatable_fields
        shown = by_id
        for record_id, record in by_id.items():
            texts = (record.get("translations") or {}).get(code) if (record.get("lang") or "en") != code else None
            if texts and any(texts.get(name) for name in fields):
                if shown is by_id:
                    shown = dict(by_id)
                shown[record_id] = {**record, **{name: texts[name] for name in fields if texts.get(name)}}
                originals[(kind, record_id)] = record
        records[kind] = shown
    return replace(data, records=records, originals=originals, language=code)


def text_language(data: SiteData, kind: str, record: dict[str, Any]) -> str:
    """The language a record's shown texts are in: the page's when translated, else the record's own."""
    if (kind, record["id"]) in data.originals:
        return data.language
    return str(record.get("lang") or "en")
