"""The static search index: Pagefind bundles made from the records themselves, one per shard, rebuilt only when changed.

Pagefind cannot update an index in place, and re-reading every built page took
half of a 10k-record build. So the records are indexed straight from the
public copy (title and searchable fields, as Datasette's full-text search
has them, with their translations), split into shards: each kind's records in
buckets of at most SHARD_SIZE by a stable hash of their id. A shard whose
documents are the same as last time keeps its bundle as it is on disk; after
one edit only that record's bucket is indexed again.

The records' bundles are made once for the whole site, in the default
language, and every language's search page loads them; each language has its
own bundle of the guide's pages, indexed with that language's stemming. The
search page opens the two as separate Pagefind instances and merges their
results.

Each bundle comes back from Pagefind in memory, and only files whose bytes
changed are written into the site, so the output equals a clean build's.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.model.kinds import KINDS
from registry.publishing.files import digest, files_digest, read_json_cache, write_if_changed, write_json_cache

BUNDLE = "pagefind"
SITE_SHARD = "site"
SHARD_SIZE = 2000
# Pagefind writes its whole UI into every bundle; merged bundles need only their index.
UI_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-highlight.js",
)
# The guide's and the site's own pages: what a reader searches besides the records.
PAGE_FOLDERS = ("guide", "about")


@dataclass
class Shard:
    """One bundle's worth of documents and the hash that says whether it must be indexed again."""

    name: str
    documents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return digest(self.name, self.documents)


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


def record_shards(public_db: Path, language: str) -> list[Shard]:
    """The records of the public copy as search documents, grouped into their shards.

    One set for the whole site: a record's text is in its own language, not the
    visitor's, so every language's search page loads these same bundles, indexed
    in the site's default language. A document holds the record's texts in every
    language it has them, so a visitor finds it by its name in theirs, and says
    its kind by name (each search page shows the kind in its own words).
    """
    conn = sqlite3.connect(f"file:{public_db}?mode=ro", uri=True)
    try:
        shards: list[Shard] = []
        for kind in (k for k in KINDS.values() if k.searched):
            columns = [kind.title_field] + [c for c in kind.search_fields if c != kind.title_field]
            select = ", ".join(f"[{c}]" for c in ["id", *columns, "translations"])
            rows = conn.execute(f"SELECT {select} FROM [{kind.table}] ORDER BY id").fetchall()
            if not rows:
                continue
            total = buckets(len(rows))
            grouped = [Shard(f"{kind.name}-{n}") for n in range(total)]
            for record_id, title, *texts, translated in rows:
                grouped[bucket_of(record_id, total)].documents.append(
                    record_document(kind.name, kind.title_field, record_id, title, texts, translated, language)
                )
            shards += grouped
        return shards
    finally:
        conn.close()


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


def page_shard(output: Path) -> Shard:
    """The guide's chapters and the site's pages, read from the built HTML (they carry data-pagefind-body)."""
    documents = []
    for folder in PAGE_FOLDERS:
        for path in sorted((output / folder).rglob("*.html")):
            relpath = path.relative_to(output).as_posix()
            documents.append({"type": "AddFile", "file_path": relpath, "url": None, "file_contents": path.read_text(encoding="utf-8")})
    return Shard(SITE_SHARD, documents)


def build_search_index(
    output: Path,
    shards: list[Shard],
    language: str,
    cache: Path,
    workers: int = 2,
    on_shard: Callable[[str], None] | None = None,
) -> tuple[list[str], list[str]]:
    """Index every shard whose documents changed and place the bundles under output/pagefind/.

    Every bundle under output/pagefind/ that is not one of `shards` is removed.
    Returns every file of the search index (kept or written, relative to the
    output) and the shards indexed this time.
    """
    state_path = cache / "search.json"
    previous = read_json_cache(state_path)
    code = files_digest([Path(__file__), Path(__file__).with_name("pagefind_service.py")])
    root = output / BUNDLE
    keep: dict[str, list[Any]] = {}
    todo: list[Shard] = []
    for shard in shards:
        key = digest(code, shard.key)
        entry = previous.get(shard.name)
        if entry and entry[0] == key and _files_in(root / shard.name) == set(entry[1]):
            keep[shard.name] = entry
        else:
            todo.append(shard)
    written = _index_shards(todo, root, language, workers, on_shard)
    for shard in todo:
        keep[shard.name] = [digest(code, shard.key), written[shard.name]]
    names = {shard.name for shard in shards}
    _remove_other_bundles(root, names)
    write_json_cache(state_path, keep)
    files = [f"{BUNDLE}/{name}/{f}" for name in sorted(keep) for f in keep[name][1]]
    return files, sorted(shard.name for shard in todo)


def _files_in(folder: Path) -> set[str]:
    """Every file under a folder, relative to it: one listing per folder instead of a stat per file."""
    found: set[str] = set()
    for parent, _, names in os.walk(folder):
        prefix = os.path.relpath(parent, folder).replace(os.sep, "/")
        found.update(name if prefix == "." else f"{prefix}/{name}" for name in names)
    return found


def _index_shards(
    shards: list[Shard], root: Path, language: str, workers: int, on_shard: Callable[[str], None] | None
) -> dict[str, list[str]]:
    """Index shards with up to `workers` Pagefind processes; each bundle is synced into place as it is done."""
    from registry.site.pagefind_service import SearchIndexer

    if not shards:
        return {}
    lanes: list[list[Shard]] = [[] for _ in range(max(1, min(workers, len(shards))))]
    # Largest first, each to the least loaded lane: the two processes finish together.
    for shard in sorted(shards, key=lambda s: (-len(s.documents), s.name)):
        min(lanes, key=lambda lane: sum(len(s.documents) for s in lane)).append(shard)

    def run(lane: list[Shard]) -> dict[str, list[str]]:
        done: dict[str, list[str]] = {}
        with SearchIndexer() as indexer:
            for shard in lane:
                if on_shard:
                    on_shard(shard.name)
                files = indexer.index_files(indexer.new_index(language), shard.documents)
                for name in UI_FILES:  # the search page has its own interface
                    files.pop(name, None)
                done[shard.name] = sync_files(files, root / shard.name)
        return done

    results: dict[str, list[str]] = {}
    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        for done in pool.map(run, lanes):
            results.update(done)
    return results


def _remove_other_bundles(root: Path, names: Iterable[str]) -> None:
    """Bundles of shards that no longer exist (a kind emptied, fewer buckets) and files of the old single bundle."""
    if not root.is_dir():
        return
    wanted = set(names)
    for entry in sorted(root.iterdir()):
        if entry.name in wanted and entry.is_dir():
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def sync_files(files: dict[str, bytes], target: Path) -> list[str]:
    """Make target hold exactly these files: new or changed ones are written, identical ones are left alone.

    An edit changes a few of a bundle's files (its index chunks, its metadata,
    the edited record's fragment); the rest, a file per record, keep their
    bytes and timestamps, and are compared in memory instead of written again.
    """
    for relpath in sorted(files):
        write_if_changed(target / relpath, files[relpath])
    for relpath in sorted(_files_in(target) - files.keys()):
        (target / relpath).unlink()
    for parent, _, _ in os.walk(target, topdown=False):  # deepest first, so emptied parents go too
        if Path(parent) != target and not any(Path(parent).iterdir()):
            Path(parent).rmdir()
    return sorted(files)
