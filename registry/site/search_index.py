"""The static search index: Pagefind bundles made from the records themselves, one per shard, rebuilt only when changed.

Pagefind cannot update an index in place, and re-reading every built page took
half of a 10k-record build. So the records are indexed straight from the
public copy (title and searchable fields, as Datasette's full-text search
has them, with their translations), split into shards: each kind's records in
buckets by a stable hash of their id. A shard whose
documents are the same as last time keeps its bundle as it is on disk; after
one edit only that record's bucket is read and indexed again
(`search_records.py`).

The records' bundles are made once for the whole site, in the default
language, and every language's search page loads them; each language has its
own bundle of the guide's pages, indexed with that language's stemming. The
search page opens the two as separate Pagefind instances and merges their
results.

Each bundle comes back from Pagefind in memory, and only files whose bytes
changed are written into the site, so the output equals a clean build's.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.publishing.files import digest, files_digest, read_json_cache, write_if_changed, write_json_cache
from registry.site.search_records import Shard

BUNDLE = "pagefind"
STATE_FILE = "search.json"
SITE_SHARD = "site"
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


def page_shard(output: Path) -> Shard:
    """The guide's chapters and the site's pages, read from the built HTML (they carry data-pagefind-body)."""
    documents = []
    for folder in PAGE_FOLDERS:
        for path in sorted((output / folder).rglob("*.html")):
            relpath = path.relative_to(output).as_posix()
            documents.append({"type": "AddFile", "file_path": relpath, "url": None, "file_contents": path.read_text(encoding="utf-8")})
    return Shard(SITE_SHARD, documents)


@dataclass
class Indexed:
    """What bringing some shards' bundles up to date left: each shard's entry (its key and files) and those indexed this time."""

    entries: dict[str, list[Any]]
    indexed: list[str]


def index_shards(
    output: Path,
    shards: list[Shard],
    language: str,
    cache: Path,
    workers: int = 2,
) -> Indexed:
    """Make again the bundles of the shards whose documents changed, or whose files are not on disk as the last build left them.

    One part of a search step (`place_search_index` ends it): the records' shards
    may be indexed in another process while the pages are written.
    """
    previous = read_json_cache(cache / STATE_FILE)
    code = _code_digest()
    root = output / BUNDLE
    entries: dict[str, list[Any]] = {}
    todo: list[Shard] = []
    for shard in shards:
        entry = previous.get(shard.name)
        if entry and entry[0] == digest(code, shard.key) and _files_in(root / shard.name) == set(entry[1]):
            entries[shard.name] = entry
        else:
            todo.append(shard)
    for shard in todo:
        shard.load()  # a shard not read because it had not changed, whose bundle is gone from disk
    written = _index_shards(todo, root, language, workers)
    for shard in todo:
        entries[shard.name] = [digest(code, shard.key), written[shard.name]]
    return Indexed(entries, sorted(shard.name for shard in todo))


def place_search_index(output: Path, cache: Path, parts: list[Indexed]) -> tuple[list[str], list[str]]:
    """End a search step: remove every bundle of no shard, remember each shard's entry; return every file and the shards indexed."""
    entries = {name: entry for part in parts for name, entry in part.entries.items()}
    _remove_other_bundles(output / BUNDLE, entries)
    write_json_cache(cache / STATE_FILE, entries)
    files = [f"{BUNDLE}/{name}/{f}" for name in sorted(entries) for f in entries[name][1]]
    return files, sorted(name for part in parts for name in part.indexed)


def _code_digest() -> str:
    """The indexing code: a change makes every bundle again."""
    return files_digest([Path(__file__), Path(__file__).with_name("pagefind_service.py"), Path(__file__).with_name("search_records.py")])


def _files_in(folder: Path) -> set[str]:
    """Every file under a folder, relative to it: one listing per folder instead of a stat per file."""
    found: set[str] = set()
    for parent, _, names in os.walk(folder):
        prefix = os.path.relpath(parent, folder).replace(os.sep, "/")
        found.update(name if prefix == "." else f"{prefix}/{name}" for name in names)
    return found


def _index_shards(shards: list[Shard], root: Path, language: str, workers: int) -> dict[str, list[str]]:
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
