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
