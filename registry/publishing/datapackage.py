"""data/datapackage.json: a Frictionless Data Package describing every download, for data tools and portals.

Written from the same declarations the files are, so it cannot drift from
them: a resource per file, a Table Schema per tabular file with types,
required fields, vocabularies as enums, keys and references. The HTML codebook
on the data page is made from this descriptor too. The bytes depend only on
the registry (its dates come from the change log, never the clock), so a
rebuild leaves the file as it was.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from registry.formats.writers import Format
from registry.publishing.downloads import DownloadFile, DownloadTable
from registry.publishing.files import write_if_changed
from registry.publishing.table_schema import kind_schema, relation_schema

PACKAGE_FILE = "datapackage.json"
PACKAGE_NAME = "commons-lab-registry"
LICENCE = {
    "name": "ODC-By-1.0",
    "path": "https://opendatacommons.org/licenses/by/1-0/",
    "title": "Open Data Commons Attribution License 1.0",
}
DESCRIPTION = (
    "Commons assets, Social and Solidarity Economy actors, co-management agreements and co-production case studies "
    "kept by a commons laboratory, with the parties to each agreement, the links between cases, actors and assets, "
    "each asset's timeline, and the sources every record cites. Personal contacts and internal notes are never published."
)
KEYWORDS = ["commons", "social and solidarity economy", "co-management", "co-production", "public assets", "civic use"]


def resource_name(table: DownloadTable, fmt: Format) -> str:
    """The CSV file is the table's resource under its own name; the other formats add theirs."""
    return table.name if fmt.name == "csv" else f"{table.name}-{fmt.name}"


def data_package(conn: sqlite3.Connection, files: list[DownloadFile], title: str) -> dict[str, Any]:
    """The descriptor of the downloads in `files`, titled with the site's name."""
    csv_files = [f for f in files if f.format.name == "csv"]
    resource_of = {f.table.kind.name if f.table.kind else f.table.name: f.table.name for f in csv_files}
    resource_of.update({f.table.table: f.table.name for f in csv_files})
    package = {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": title,
        "description": DESCRIPTION,
        "licenses": [LICENCE],
        "keywords": KEYWORDS,
        "created": _latest_change(conn),
        "resources": [_resource(f, resource_of) for f in files],
    }
    return {k: v for k, v in package.items() if v is not None}


def _resource(file: DownloadFile, resource_of: dict[str, str]) -> dict[str, Any]:
    table, fmt = file.table, file.format
    resource: dict[str, Any] = {
        "name": resource_name(table, fmt),
        "path": file.path.name,
        "title": f"{table.title} ({file.format.title})",
        "description": table.description,
        "format": fmt.name,
        "mediatype": file.format.media_type,
        "encoding": "utf-8",
        "bytes": file.bytes,
        "hash": f"sha256:{file.sha256}",
        "dataset": table.name,
    }
    # An empty JSON table ([]) names no columns, so no reader can take it as a table: it is
    # described as a plain file (its CSV, with its header, is still the tabular one).
    tabular_json = fmt.name == "json" and not file.empty
    if tabular_json:
        # Frictionless reads a JSON table through a parser that reports no byte count, so a
        # size or hash given for one fails validation; the same file's size is on the data page.
        del resource["bytes"], resource["hash"]
    if fmt.rows is not None and (fmt.name != "json" or tabular_json):
        tabular = fmt.name
        resource["profile"] = "tabular-data-resource"
        if table.kind is not None:
            resource["schema"] = kind_schema(table.kind, tabular, resource_of)
        elif table.relation is not None:
            resource["schema"] = relation_schema(table.relation, tabular, resource_of)
    else:
        resource["profile"] = "data-resource"
    return resource


def _latest_change(conn: sqlite3.Connection) -> str | None:
    """When the registry last changed: the package's date, so the same registry gives the same file."""
    row = conn.execute("SELECT max(changed_at) FROM changes").fetchone()
    if not row or not row[0]:
        return None
    stamp = str(row[0])
    return stamp if "T" in stamp else f"{stamp[:10]}T00:00:00Z"


def write_data_package(conn: sqlite3.Connection, directory: Path, files: list[DownloadFile], title: str) -> Path:
    """Write datapackage.json beside the downloads, only when it changed."""
    path = directory / PACKAGE_FILE
    text = json.dumps(data_package(conn, files, title), ensure_ascii=False, indent=2) + "\n"
    write_if_changed(path, text)
    return path
