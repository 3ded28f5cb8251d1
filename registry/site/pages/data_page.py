"""The data page: every download with its size, the public database, and the codebook of every public field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.formats.writers import downloads_of
from registry.model.kinds import KINDS
from registry.site.pages.planning import PageBuild, Planned


def plan(build: PageBuild) -> Iterator[Planned]:
    yield build.page("data/index.html", "data_page", data_view(build))


def data_view(build: PageBuild) -> dict[str, Any]:
    site = build.site
    files = []
    for kind in KINDS.values():
        entry: dict[str, Any] = {
            "kind": kind.name,
            "kind_title": build.words.kind_title(kind.name),
            "count": len(build.data.records[kind.name]),
            "files": [],
        }
        for fmt in downloads_of(kind):
            path = site.data_dir / f"{kind.name}{fmt.suffix}"
            if path.is_file():
                entry["files"].append({"format": fmt.title, "href": f"data/{path.name}", "bytes": path.stat().st_size})
        files.append(entry)
    database = {"href": "data/public.db", "bytes": site.public_db.stat().st_size} if site.public_db.is_file() else None
    codebook = [
        {
            "kind": kind.name,
            "kind_title": build.words.kind_title(kind.name),
            "table": kind.table,
            "fields": [
                {"name": f.name, "type": f.type, "description": f.description, "required": f.required, "choices": list(f.choices or [])}
                for f in kind.public_fields
            ],
        }
        for kind in KINDS.values()
    ]
    return {"kinds": files, "database": database, "codebook": codebook}
