"""What the last build wrote, so the next one renders and writes only what changed.

Each generated file is remembered with the hash of everything it was made from
(its view data, the templates and the site code), the size and mtime it was
written with, the group it belongs to (a record's files, a kind's indexes,
the site-wide pages) and whether the sitemap lists it. With each record's input signature also remembered, a
rebuild finds the changed records first and rebuilds only the groups that can
show them; everything else is kept as written. When anything global changed
(templates, code, settings, the date) every page is checked instead, and a file
is kept only if its hash matches and it is still on disk as written.
The cache lives outside the output folder: the site stays byte-identical to a
clean build.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

CACHE_VERSION = 4


class PageCache:
    """Per-file hashes from the previous build and the ones this build produces."""

    def __init__(self, path: Path, output: Path, fingerprint: str, today: str, *, forget: bool = False) -> None:
        self.path = path
        self.output = output
        self.fingerprint = fingerprint
        self.today = today
        self.previous: dict[str, list[Any]] = {}
        self.current: dict[str, list[Any]] = {}
        self.signatures: dict[str, str] = {}
        self.incremental = False
        try:
            # marshal, not JSON: reading and writing 200k entries took 2 s of a 100k-record rebuild as JSON.
            stored = {} if forget else marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            stored = {}
        if not isinstance(stored, dict):
            stored = {}
        if stored.get("version") == CACHE_VERSION and stored.get("output") == str(output) and stored.get("fingerprint") == fingerprint:
            self.previous = stored.get("files", {})
            self.signatures = stored.get("signatures", {})
            self.incremental = stored.get("today") == today and (output / "index.html").is_file()

    def changed_records(self, signatures: dict[str, str]) -> set[str] | None:
        """Records added, removed or changed since the last build; None when every page must be checked."""
        if not self.incremental:
            return None
        old = self.signatures
        return {k for k in old.keys() | signatures.keys() if old.get(k) != signatures.get(k)}

    def keep_groups_except(self, rebuilt: set[str]) -> None:
        """Carry over, untouched, every file of a group this build does not rebuild."""
        for relpath, entry in self.previous.items():
            if entry[3] not in rebuilt:
                self.current[relpath] = entry

    def fresh(self, relpath: str, key: str, group: str, listed: bool = True) -> bool:
        """True when the file was made from the same inputs (and, on a full check, is on disk as written)."""
        entry = self.previous.get(relpath)
        if entry is None or entry[0] != key:
            return False
        if not self.incremental:
            try:
                stat = os.stat(self.output / relpath)
            except OSError:
                return False
            if stat.st_size != entry[1] or stat.st_mtime_ns != entry[2]:
                return False
        self.current[relpath] = [key, entry[1], entry[2], group, listed]
        return True

    def listed(self) -> list[str]:
        """The pages this build made or kept that the sitemap lists."""
        return [relpath for relpath, entry in self.current.items() if relpath.endswith(".html") and entry[4]]

    def save(self, signatures: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        document = {
            "version": CACHE_VERSION,
            "fingerprint": self.fingerprint,
            "output": str(self.output),
            "today": self.today,
            "signatures": signatures,
            "files": self.current,
        }
        tmp.write_bytes(marshal.dumps(document, 2))
        os.replace(tmp, self.path)
