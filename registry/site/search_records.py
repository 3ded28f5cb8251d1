"""The records as search documents, in shards: each kind's records in buckets of at most SHARD_SIZE.

A record's bucket is a stable hash of its id, so adding records elsewhere does
not move it. A shard's key is a hash of its documents: the search step indexes
again only the shards whose key changed.

Reading every record to find the one changed bucket took 1.4 s at 100k
records. So the keys of the last read are kept with the version of the public
copy they were read from; when this build's copy was updated in place from
that very version, the update names the rows it replaced (`Updated.keys`),
and only their buckets are read again. The other shards keep their key and
read their documents only if their bundle must be made after all (its files
were removed). Anything else — a fresh copy, a build stopped before its search
step, another language or code — reads every record, as a clean build does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.model.kinds import KINDS, Kind
from registry.publishing.files import digest, files_digest, read_json_cache, write_json_cache
from registry.publishing.public_update import Updated

if TYPE_CHECKING:
    from registry.publishing.publish import Published

SHARD_SIZE = 2000
Documents = list[dict[str, Any]]


@dataclass
class Shard:
    """One bundle's worth of documents and the hash that says whether it must be indexed again.

    A shard not read this build has no documents but the key they had when
    last read, and `read` to fetch them should its bundle be made again.
    """

    name: str
    documents: Documents = field(default_factory=list)
    known_key: str | None = None  # worked out once from the documents, or kept from the last read
    read: Callable[[], Documents] | None = None

    @property
    def key(self) -> str:
        if self.known_key is None:
            self.known_key = digest(self.name, self.documents)
        return self.known_key

    def load(self) -> None:
        """Read the documents of a shard that was not read because it had not changed."""
        if self.read is not None:
            self.documents, self.known_key, self.read = self.read(), None, None


def buckets(count: int) -> int:
    """How many shards a kind with `count` records is split into."""
    return max(1, math.ceil(count / SHARD_SIZE))


def bucket_of(record_id: str, bucket_count: int) -> int:
    """A record's bucket: a stable hash of its id, so adding records elsewhere does not move it."""
    return int.from_bytes(hashlib.blake2b(record_id.encode("utf-8"), digest_size=4).digest(), "big") % bucket_count


def record_bundle_names(counts: dict[str, int]) -> list[str]:
    """The records' bundle folders under the site root's pagefind/, each kind's buckets in turn."""
    names = []
    for kind, spec in KINDS.items():
        if counts.get(kind) and spec.searched:
            total = buckets(counts[kind])
            names += [f"{kind}-{n}" for n in range(total)]
    return names


def record_shards(public_db: Path, language: str, state_path: Path | None = None, published: Published | None = None) -> list[Shard]:
    """The records of the public copy as search documents, grouped into their shards.

    One set for the whole site: a record's text is in its own language, not the
    visitor's, so every language's search page loads these same bundles, indexed
    in the site's default language. With `state_path` and what the publish
    step did (`published`: the copy's version and its update), the shards'
    keys are remembered there, and the next call reads only the buckets the
    copy's update touched (see the module's docstring).
    """
    version, updated = (published.version, published.updated) if published is not None else (None, None)
    code = files_digest([Path(__file__)])
    previous = read_json_cache(state_path)
    trusted = (
        updated is not None
        and updated.since(previous.get("version")) is not None
        and previous.get("language") == language
        and previous.get("code") == code
    )
    conn = sqlite3.connect(f"file:{public_db}?mode=ro", uri=True)
    try:
        shards: list[Shard] = []
        for kind in (k for k in KINDS.values() if k.searched):
            before = previous.get("kinds", {}).get(kind.name) if trusted else None
            shards += _kind_shards(conn, public_db, kind, language, before, updated)
    finally:
        conn.close()
    if state_path is not None and version is not None:
        kinds: dict[str, list[str]] = {}
        for shard in shards:
            kinds.setdefault(shard.name.rsplit("-", 1)[0], []).append(shard.key)
        write_json_cache(state_path, {"version": version, "language": language, "code": code, "kinds": kinds})
    return shards


def _kind_shards(
    conn: sqlite3.Connection, public_db: Path, kind: Kind, language: str, before: list[str] | None, updated: Updated | None
) -> list[Shard]:
    """One kind's shards: every bucket read, or, when the last keys are known, only the buckets holding a row the update replaced."""
    count = conn.execute(f"SELECT count(*) FROM [{kind.table}]").fetchone()[0]
    if not count:
        return []
    total = buckets(count)
    touched = _touched_buckets(kind, total, updated) if before is not None and len(before) == total else None
    read = _documents(conn, kind, language, total, touched)
    shards = []
    for n in range(total):
        name = f"{kind.name}-{n}"
        if n in read:
            shards.append(Shard(name, read[n]))
        else:
            assert before is not None  # a bucket is left unread only when its last key is known
            shards.append(Shard(name, known_key=before[n], read=functools.partial(_read_bucket, public_db, kind, language, total, n)))
    return shards


def _touched_buckets(kind: Kind, total: int, updated: Updated | None) -> set[int] | None:
    """The buckets of the records the update replaced (added, changed or removed); None when it cannot say."""
    if updated is None:
        return None
    keys = updated.keys.get(kind.table, set())
    if any(len(key) != 1 for key in keys):  # a record table is keyed by its id alone
        return None
    return {bucket_of(str(key[0]), total) for key in keys}


def _read_bucket(public_db: Path, kind: Kind, language: str, total: int, bucket: int) -> Documents:
    conn = sqlite3.connect(f"file:{public_db}?mode=ro", uri=True)
    try:
        return _documents(conn, kind, language, total, {bucket})[bucket]
    finally:
        conn.close()


def _documents(conn: sqlite3.Connection, kind: Kind, language: str, total: int, wanted: set[int] | None) -> dict[int, Documents]:
    """The documents of a kind's buckets in `wanted` (every bucket when None), each bucket's in id order."""
    columns = [kind.title_field] + [c for c in kind.search_fields if c != kind.title_field]
    sql = f"SELECT {', '.join(f'[{c}]' for c in ['id', *columns, 'translations'])} FROM [{kind.table}]"
    params: list[str] = []
    if wanted is not None:
        ids = [i for (i,) in conn.execute(f"SELECT id FROM [{kind.table}]") if bucket_of(i, total) in wanted]
        sql += " WHERE id IN (SELECT value FROM json_each(?))"
        params = [json.dumps(ids)]
    found: dict[int, Documents] = {n: [] for n in (range(total) if wanted is None else wanted)}
    for record_id, title, *texts, translated in conn.execute(f"{sql} ORDER BY id", params):
        found[bucket_of(record_id, total)].append(
            record_document(kind.name, kind.title_field, record_id, title, texts, translated, language)
        )
    return found


def record_document(
    kind: str, title_field: str, record_id: str, title: Any, texts: list[Any], translated: str | None, language: str
) -> dict[str, Any]:
    """One record's search document: its texts and their translations, its title in each language it has one."""
    translations = _translations(translated)
    words = [title, *texts, *(value for code in sorted(translations) for value in translations[code].values())]
    meta = {"title": str(title or record_id)}
    for code in sorted(translations):
        if translations[code].get(title_field):
            meta[f"title_{code}"] = str(translations[code][title_field])
    return {
        "type": "AddRecord",
        "url": f"/{kind}/{record_id}/",
        # Raw text, as Pagefind keeps a page's: its script escapes < and > before showing an excerpt.
        "content": " ".join(str(t) for t in words if t not in (None, "")),
        "language": language,
        "meta": meta,
        "filters": {"kind": [kind]},
        "sort": None,
    }


def _translations(value: str | None) -> dict[str, dict[str, Any]]:
    """A record's translations as the public copy holds them (JSON by language), or none."""
    if not value:
        return {}
    try:
        found = json.loads(value)
    except ValueError:
        return {}
    return {str(code): texts for code, texts in found.items() if isinstance(texts, dict)} if isinstance(found, dict) else {}
