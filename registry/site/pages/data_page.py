"""The data page: every download with its size, the public database, and the codebook of every public field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.formats.writers import downloads_of
from registry.model.kinds import KINDS
from registry.site.pages.planning import PageBuild, Planned

# The data catalogue for portals, as its files are named, shown and announced.
CATALOGUE_LINKS = (("catalog.ttl", "Turtle", "text/turtle"), ("catalog.jsonld", "JSON-LD", "application/ld+json"))


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
    # Written only for a site with a public address (see publishing/catalogue.py); listed when this build wrote it.
    catalogue = [
        {"format": title, "type": media_type, "href": f"data/{name}"}
        for name, title, media_type in CATALOGUE_LINKS
        if site.root_url and (site.data_dir / name).is_file()
    ]
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
    return {"kinds": files, "database": database, "catalogue": catalogue, "codebook": codebook}
