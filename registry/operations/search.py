"""Full-text search across kinds, ranked by relevance."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from registry.model.errors import ValidationError
from registry.model.kinds import KINDS, get_kind


@dataclass
class Hit:
    """One search result: which record, its title, a snippet and how well it matched."""

    kind: str
    id: str
    title: str
    snippet: str
    rank: float


MAX_QUERY_WORDS = 32  # a search is a few words; thousands made one query take minutes
MAX_QUERY_CHARACTERS = 1_000


def fts_query(text: str) -> str:
    """Quote each word so user text never trips FTS syntax; the last word also matches as a prefix."""
    if len(text) > MAX_QUERY_CHARACTERS:
        raise ValidationError([f"the search text is {len(text):,} characters long; search for at most {MAX_QUERY_CHARACTERS:,}"])
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    if len(words) > MAX_QUERY_WORDS:
        raise ValidationError([f"the search text has {len(words):,} words; search for at most {MAX_QUERY_WORDS}"])
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def search_records(conn: sqlite3.Connection, text: str, kind_name: str | None = None, *, limit: int = 50) -> list[Hit]:
    """Search names and descriptions of every kind (or one), best matches first."""
    query = fts_query(text)
    if not query:
        return []
    kinds = [get_kind(kind_name)] if kind_name else list(KINDS.values())
    hits: list[Hit] = []
    for kind in kinds:
        fts = f"{kind.table}_fts"
        sql = (
            f"SELECT t.id, t.[{kind.title_field}], snippet([{fts}], -1, '[', ']', '…', 12), bm25([{fts}]) "
            f"FROM [{fts}] JOIN [{kind.table}] t ON t.rowid = [{fts}].rowid "
            f"WHERE [{fts}] MATCH ? ORDER BY bm25([{fts}]) LIMIT ?"
        )
        for record_id, title, snippet, rank in conn.execute(sql, [query, limit]):
            hits.append(Hit(kind.name, record_id, title or "", snippet or "", float(rank)))
    hits.sort(key=lambda h: h.rank)
    return hits[:limit]
