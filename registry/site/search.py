"""The static search index: Pagefind run over the built pages, its output synced into the site.

Pagefind has no incremental mode: it re-reads every page on every run, so its
time is reported on its own. It writes into a scratch folder and only files
whose bytes changed are copied over, so unchanged index fragments keep their
timestamps and stale ones are removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import RegistryError

BUNDLE = "pagefind"


def build_search_index(output: Path, language: str = "en", scratch: Path | None = None) -> list[Path]:
    """Index the pages marked data-pagefind-body and place the bundle (with its UI) in output/pagefind/.

    `scratch` should be on the same disk as the output (the build's cache folder),
    so changed files move into place by rename instead of being copied.
    """
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pagefind-", dir=scratch) as folder:
        bundle = Path(folder) / BUNDLE
        command = [
            sys.executable,
            "-m",
            "pagefind",
            "--site",
            str(output),
            "--output-path",
            str(bundle),
            "--force-language",
            language,
            "--silent",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RegistryError(f"search index failed (pagefind exit {result.returncode}): {(result.stderr or result.stdout).strip()}")
        return sync_tree(bundle, output / BUNDLE)


def sync_tree(source: Path, target: Path) -> list[Path]:
    """Make target hold exactly source's files: new or changed files move over, identical ones are left alone."""
    written = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        destination = target / path.relative_to(source)
        if not _same_bytes(path, destination):
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, destination)
        written.append(destination)
    keep = set(written)
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            if path.is_file() and path not in keep:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                shutil.rmtree(path)
    return written


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except FileNotFoundError:
        return False
