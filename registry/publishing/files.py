"""Writing build files only when their bytes change, and the small caches that say what changed."""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def write_if_changed(path: Path, content: str | bytes) -> bool:
    """Write only when the bytes differ, so unchanged files keep their timestamps."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def digest(*parts: Any) -> str:
    """A short stable hash of plain data (dicts keep their insertion order, which our code fixes).

    marshal (format 2, which writes no object references) serialises plain
    data some fifteen times faster than json; anything it cannot write falls
    back to JSON. The Python version is part of the site fingerprint, so a
    format change between versions only costs one full re-render.
    """
    try:
        data = marshal.dumps(parts, 2)
    except ValueError:
        data = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_json_cache(path: Path | None) -> dict[str, Any]:
    """A small cache file written by `write_json_cache`; empty when missing, unreadable or not an object."""
    if path is None:
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def write_json_cache(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, separators=(",", ":"), sort_keys=True), encoding="utf-8")


def file_stamp(path: Path) -> list[int] | None:
    """A file's size and modification time as written, or None when it is gone: enough to notice a file changed since."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def files_digest(paths: Iterable[Path]) -> str:
    """A hash of files' names and bytes: templates and code that shape every page."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(paths):
        h.update(path.name.encode("utf-8"))
        h.update(path.read_bytes())
    return h.hexdigest()


# Names a SQLite file usually has; the public copy is the one such file a site may hold.
DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db-wal", ".db-journal", ".db-shm")
PUBLIC_COPY = "data/public.db"


def private_files_in(folder: Path, registry: Path | None) -> list[str]:
    """Files in a site folder that must never be published: the registry (and its backups) or another database.

    A site built into the folder that holds the registry (`build -o .`) would
    put the private registry on a static host next to the pages; a preview of
    that folder would serve it. The registry is found wherever it is under the
    folder; other databases are looked for where one would be left (the
    folder itself and data/), not in every record's folder, which at 10k
    records in seven languages took seconds. Returns paths relative to the folder.
    """
    folder = folder.resolve()
    found = set()
    if registry is not None and registry.resolve().is_relative_to(folder):
        found.add(registry.resolve().relative_to(folder).as_posix())
    for place in (folder, folder / "data"):
        if place.is_dir():
            for entry in os.scandir(place):
                relative = Path(entry.path).relative_to(folder).as_posix()
                if entry.name.endswith(DATABASE_SUFFIXES) and relative != PUBLIC_COPY:
                    found.add(relative)
    return sorted(found)
