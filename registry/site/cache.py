"""What the last build wrote, so the next one renders and writes only what changed.

Each generated file is remembered with the hash of everything it was made from
(its view data, the templates and the site code) and the size and mtime it was
written with. A file is skipped only when its hash is unchanged and the file on
disk is still the one written, so a hand-edited or deleted output is redone.
The cache lives outside the output folder: the site itself stays byte-identical
to a clean build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CACHE_VERSION = 1


def digest(*parts: Any) -> str:
    """A short stable hash of JSON-serialisable parts."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def files_digest(paths: Iterable[Path]) -> str:
    """A hash of files' names and bytes: templates and code that shape every page."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(paths):
        h.update(path.name.encode("utf-8"))
        h.update(path.read_bytes())
    return h.hexdigest()


class PageCache:
    """Per-file hashes from the previous build and the ones this build produces."""

    def __init__(self, path: Path, output: Path, fingerprint: str) -> None:
        self.path = path
        self.output = output
        self.fingerprint = fingerprint
        self.previous: dict[str, list[Any]] = {}
        self.current: dict[str, list[Any]] = {}
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        if stored.get("version") == CACHE_VERSION and stored.get("fingerprint") == fingerprint and stored.get("output") == str(output):
            self.previous = stored.get("files", {})

    def fresh(self, relpath: str, key: str) -> bool:
        """True when the file was made from the same inputs and is still on disk as written."""
        entry = self.previous.get(relpath)
        if entry is None or entry[0] != key:
            return False
        try:
            stat = os.stat(self.output / relpath)
        except OSError:
            return False
        if stat.st_size != entry[1] or stat.st_mtime_ns != entry[2]:
            return False
        self.current[relpath] = entry
        return True

    def remember(self, relpath: str, key: str) -> None:
        stat = os.stat(self.output / relpath)
        self.current[relpath] = [key, stat.st_size, stat.st_mtime_ns]

    def stale(self) -> list[str]:
        """Files the previous build made that this one did not: pages of removed records or emptied filters."""
        return sorted(set(self.previous) - set(self.current))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        document = {"version": CACHE_VERSION, "fingerprint": self.fingerprint, "output": str(self.output), "files": self.current}
        tmp.write_text(json.dumps(document, separators=(",", ":"), sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
