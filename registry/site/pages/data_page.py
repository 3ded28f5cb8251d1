"""The data page: every download with its size, the public database, and the codebook, read from the data package.

The codebook is made from data/datapackage.json, the descriptor data tools
read, so what a person reads about a column and what a validator checks are
the same words. It also tells dataset search what the downloads are: a
schema.org DataCatalog made from the same descriptor, with what the records
cover in space and time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from registry.formats.writers import FORMAT_BY_NAME
from registry.model.declaration import Kind
from registry.model.kinds import KINDS
from registry.model.relations import RELATION_BY_TABLE
from registry.publishing.datapackage import PACKAGE_FILE
from registry.site import jsonld
from registry.site.pages.planning import PageBuild, Planned
from registry.site.words import Words

# The data catalogue for portals, as its files are named, shown and announced.
CATALOGUE_LINKS = (("catalog.ttl", "Turtle", "text/turtle"), ("catalog.jsonld", "JSON-LD", "application/ld+json"))


def plan(build: PageBuild) -> Iterator[Planned]:
    yield build.page("data/index.html", "data_page", data_view(build))


def read_package(data_dir: Path) -> dict[str, Any]:
    """The data package the publish step wrote; empty when there is none (a site built without data)."""
    try:
        package: dict[str, Any] = json.loads((data_dir / PACKAGE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return package


def data_view(build: PageBuild) -> dict[str, Any]:
    site, words = build.site, build.words
    package = read_package(site.data_dir)
    datasets: dict[str, dict[str, Any]] = {}
    codebook = []
    for resource in package.get("resources", []):
        name = resource["dataset"]
        path = site.data_dir / resource["path"]
        entry = datasets.setdefault(name, _dataset(build, name))
        if path.is_file():
            entry["files"].append(
                {
                    "format": FORMAT_BY_NAME[resource["format"]].title if resource["format"] in FORMAT_BY_NAME else resource["format"],
                    "href": f"data/{resource['path']}",
                    "bytes": path.stat().st_size,
                }
            )
        if resource["format"] == "csv" and "schema" in resource:
            codebook.append(_codebook_table(resource, entry, words))
    # No size: a copy brought up to date in place holds the rows of a fresh one in a few more pages, and the page must not differ.
    database = {"href": "data/public.db"} if site.public_db.is_file() else None
    package_file = site.data_dir / PACKAGE_FILE
    described = {"href": f"data/{PACKAGE_FILE}", "bytes": package_file.stat().st_size} if package_file.is_file() else None
    # Written only for a site with a public address (see publishing/catalogue.py); listed when this build wrote it.
    catalogue = [
        {"format": title, "type": media_type, "href": f"data/{name}"}
        for name, title, media_type in CATALOGUE_LINKS
        if site.root_url and (site.data_dir / name).is_file()
    ]
    return {
        "kinds": list(datasets.values()),
        "database": database,
        "package": described,
        "catalogue": catalogue,
        "codebook": codebook,
        "jsonld": data_catalog(build, package, {name: entry["kind_title"] for name, entry in datasets.items()}),
    }


def data_catalog(build: PageBuild, package: dict[str, Any], titles: dict[str, str]) -> dict[str, Any]:
    """The DataCatalog of the downloads: the data package's datasets, named as the downloads table names them."""
    site, records = build.site, build.data.records
    root = site.root_url
    catalogue = jsonld.Catalogue(
        name=site.site_name,
        language=site.language,
        titles=titles,
        site=root,
        page=f"{site.site_url}data/" if site.site_url else None,
        files=f"{root}data/" if root else None,
        boxes={k.name: box for k in KINDS.values() if (box := jsonld.bounding_box(_points(records[k.name].values())))},
        periods={k.name: period for k in KINDS.values() if (period := _period(k, records[k.name].values()))},
    )
    return jsonld.data_catalog(_in_words(package, build.words), catalogue)


def _in_words(package: dict[str, Any], words: Words) -> dict[str, Any]:
    """The package's descriptions in the page's language, as its codebook shows them."""
    resources = [{**r, "description": words.gettext(r["description"])} if r.get("description") else r for r in package.get("resources", [])]
    described = {"description": words.gettext(package["description"])} if package.get("description") else {}
    return {**package, **described, "resources": resources}


def _points(records: Iterable[dict[str, Any]]) -> list[tuple[float, float]]:
    return [(float(r["lat"]), float(r["lon"])) for r in records if r.get("lat") is not None and r.get("lon") is not None]


def _period(kind: Kind, records: Iterable[dict[str, Any]]) -> str | None:
    """The years a kind's records span, as an ISO 8601 interval: "2011/2030", or "2011/.." while one has no end.

    From the term a kind declares (an agreement's start and expiry) or a case's start and end years; None for kinds with neither.
    """
    if kind.term:
        starts, ends = kind.term.starts, (kind.term.ends,)
    elif {"start_year", "end_year"} <= {f.name for f in kind.public_fields}:
        starts, ends = ("start_year",), ("end_year",)
    else:
        return None
    spans = []
    for record in records:
        start = next((str(record[f])[:4] for f in starts if record.get(f)), None)
        if start:
            spans.append((start, next((str(record[f])[:4] for f in ends if record.get(f)), "..")))
    if not spans:
        return None
    last = ".." if any(end == ".." for _, end in spans) else max(end for _, end in spans)
    return f"{min(start for start, _ in spans)}/{last}"


def _dataset(build: PageBuild, name: str) -> dict[str, Any]:
    """A row of the downloads table: a kind links to its pages; a relation to its codebook entry. Both say how many rows."""
    words = build.words
    if name in KINDS:
        return {"kind": name, "kind_title": words.kind_title(name), "count": len(build.data.records[name]), "page": True, "files": []}
    relation = RELATION_BY_TABLE[name]
    return {
        "kind": name,
        "kind_title": words.gettext(relation.title),
        "count": _rows(build.site.public_db, relation.table),
        "page": False,
        "files": [],
    }


def _rows(public_db: Path, table: str) -> int | None:
    """How many rows a published table holds; None when there is no public copy to count in."""
    if not public_db.is_file():
        return None
    conn = sqlite3.connect(f"file:{public_db}?mode=ro", uri=True)
    try:
        return int(conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _codebook_table(resource: dict[str, Any], dataset: dict[str, Any], words: Words) -> dict[str, Any]:
    schema = resource["schema"]
    references = {k["fields"][0]: k["reference"]["resource"] for k in schema.get("foreignKeys", [])}
    return {
        "kind": resource["name"],
        "kind_title": dataset["kind_title"],
        "file": resource["path"],
        "table": KINDS[resource["name"]].table if resource["name"] in KINDS else resource["name"],
        "description": words.gettext(resource["description"]),
        "key": schema.get("primaryKey", []),
        "fields": [
            {
                "name": field["name"],
                "type": _type(field),
                "description": words.gettext(field["description"]),
                "required": field.get("constraints", {}).get("required", False),
                # Each value carries its anchor: the JSON-LD of records names vocabulary terms by it (jsonld.term_url).
                "choices": [
                    {"value": c, "anchor": jsonld.term_anchor(resource["name"], field["name"], c)} for c in _choices(resource, field)
                ],
                "refers_to": references.get(field["name"]),
            }
            for field in schema["fields"]
        ],
    }


def _choices(resource: dict[str, Any], field: dict[str, Any]) -> list[str]:
    """A column's values: its enum, or for a list column (Table Schema has no enum of items) those its kind declares."""
    enum = field.get("constraints", {}).get("enum")
    if enum or resource["name"] not in KINDS or field["name"] not in KINDS[resource["name"]].field_name_set:
        return list(enum or [])
    return list(KINDS[resource["name"]].field(field["name"]).choices or [])


def _type(field: dict[str, Any]) -> str:
    """A column's Table Schema type as the codebook shows it: `string (uri)`, `list of string, by ","`."""
    if field["type"] == "list":
        return f'list of {field.get("itemType", "string")}, "{field.get("delimiter", ",")}"'
    return field["type"] + (f" ({field['format']})" if field.get("format") else "")
