"""The embedded example: Naples' commons and the guidebook's case studies, shipped as data."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from registry.model.errors import ValidationError
from registry.model.kinds import KINDS, dependency_order
from registry.model.rules import clean_record
from registry.operations.links import cite_in, link_in
from registry.operations.records import insert_clean
from registry.store.database import Registry, create_registry, transaction

EXAMPLE_BY = "commons-lab example"


def example_data() -> dict[str, Any]:
    """The example's records, links, citations and timelines, as shipped in the package.

    Its texts are written in English; translations.json gives the Naples records
    their Italian names and texts, and those of Barcelona, Madrid and Zaragoza
    their Spanish ones. assessments.json scores every case study on each
    framework that applies to it, from the guidebook and the cited sources.
    """
    folder = resources.files("registry.operations").joinpath("example")
    data: dict[str, Any] = json.loads(folder.joinpath("naples.json").read_text(encoding="utf-8"))
    assessments_file = folder.joinpath("assessments.json")
    if assessments_file.is_file():
        data["assessments"] = json.loads(assessments_file.read_text(encoding="utf-8"))
    translations_file = folder.joinpath("translations.json")
    translations = json.loads(translations_file.read_text(encoding="utf-8")) if translations_file.is_file() else {}
    for kind_name, by_id in translations.items():
        for record in data.get(kind_name, []):
            if record["id"] in by_id:
                record["translations"] = by_id[record["id"]]
    for kind_name in KINDS:
        for record in data.get(kind_name, []):
            record.setdefault("lang", "en")
    return data


def load_example(registry: Registry) -> dict[str, int]:
    """Load the example through the same rules and change log as any staff edit, in one transaction."""
    data = example_data()
    counts: dict[str, int] = {}
    with transaction(registry) as txn:
        for kind_name in dependency_order():
            kind = KINDS[kind_name]
            for n, raw in enumerate(data.get(kind_name, []), start=1):
                where = f"example {kind_name} item {n}: "
                cleaned = clean_record(kind, raw, where=where, check_country=False)
                insert_clean(txn, kind, cleaned.values, where)
            counts[kind_name] = len(data.get(kind_name, []))
        _replace_generated_events(txn, data.get("events", []))
        for n, link in enumerate(data.get("links", []), start=1):
            link_in(txn, link["kind"], link["id"], link["other_kind"], link["other_id"], link.get("role"), where=f"example link {n}: ")
        for n, c in enumerate(data.get("citations", []), start=1):
            cite_in(txn, c["kind"], c["id"], c["url"], c["title"], c.get("publisher"), c.get("year"), where=f"example citation {n}: ")
        counts["links"] = len(data.get("links", []))
        counts["citations"] = len(data.get("citations", []))
    return counts


def _replace_generated_events(txn: Any, events: list[dict[str, Any]]) -> None:
    """The example tells each asset's full story, so its events replace the one-step timeline made on insert."""
    from registry.operations.records import delete_rows

    storied = sorted({e["asset_id"] for e in events})
    for asset_id in storied:
        delete_rows(txn, "asset_events", "asset_id = ?", [asset_id])
    for n, event in enumerate(events, start=1):
        problems = []
        if event.get("status") not in KINDS["assets"].field("status").choices:  # type: ignore[operator]
            problems.append(f"example event {n}: status {event.get('status')!r} is not an asset status")
        if problems:
            raise ValidationError(problems)
        row = {k: event.get(k) for k in ("asset_id", "happened_on", "status", "document", "note")}
        cursor = txn.conn.execute(
            "INSERT INTO asset_events (asset_id, happened_on, status, document, note) VALUES (?, ?, ?, ?, ?)", list(row.values())
        )
        txn.log("insert", "asset_events", str(cursor.lastrowid), None, {"id": cursor.lastrowid, **row})


def init_registry(path: str | Path, *, example: bool = False, by: str | None = None) -> tuple[Registry, dict[str, int]]:
    """Create a registry, optionally filled with the example; never overwrites an existing file."""
    registry = create_registry(path, by=EXAMPLE_BY if example and by is None else by)
    counts: dict[str, int] = {}
    if example:
        try:
            counts = load_example(registry)
        except BaseException:
            registry.close()
            Path(path).unlink(missing_ok=True)
            raise
    return registry, counts
