"""A built site as its files' contents, to check that a rebuild equals a clean build.

Every file counts by its bytes, except the public copy, which a rebuild updates
in place from the change log: it counts by its SQL dump, the same schema and rows.
"""

from __future__ import annotations

from pathlib import Path

from registry.publishing.files import PUBLIC_COPY
from registry.publishing.public_update import content_dump


def tree(folder: Path) -> dict[str, bytes]:
    """Each file by its path under the folder: its bytes, or for the public copy its dump."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            name = path.relative_to(folder).as_posix()
            files[name] = "\n".join(content_dump(path)).encode("utf-8") if name.endswith(PUBLIC_COPY) else path.read_bytes()
    return files
