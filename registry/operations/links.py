"""Links between records (an agreement's parties, a case's actors and assets) and citations."""

from __future__ import annotations

from typing import Any

from registry.model.declaration import Field
from registry.model.errors import Conflict, NotFound, ValidationError, suggest
from registry.model.kinds import KINDS, find_link, get_kind
from registry.model.values import coerce_value
from registry.operations.records import suggest_id
from registry.store.database import Registry, Txn, record_exists, transaction


def _require(txn: Txn, kind_name: str, record_id: str) -> None:
    kind = KINDS[kind_name]
    if not record_exists(txn.conn, kind, record_id):
        raise NotFound(f"there is no {kind.singular} {record_id!r}{suggest_id(txn.registry, kind, record_id)}")


def link_records(
    registry: Registry, kind_name: str, record_id: str, other_kind: str, other_id: str, role: str | None = None
) -> dict[str, Any]:
    """Link two records (in either order), or change the role of an existing link."""
    with transaction(registry) as txn:
        return link_in(txn, kind_name, record_id, other_kind, other_id, role)


def link_in(
    txn: Txn, kind_name: str, record_id: str, other_kind: str, other_id: str, role: str | None = None, where: str = ""
) -> dict[str, Any]:
    """Link inside an open transaction; shared by the CLI and the example loader."""
    kind_name, other_kind = get_kind(kind_name).name, get_kind(other_kind).name
    spec, reverse = find_link(kind_name, other_kind)
    left_id, right_id = (other_id, record_id) if reverse else (record_id, other_id)
    if spec.roles is None and role:
        raise ValidationError([f"{where}links between {spec.left_kind} and {spec.right_kind} take no role; drop --role"])
    if spec.roles is not None:
        if not role:
            raise ValidationError(
                [f"{where}a link between {spec.left_kind} and {spec.right_kind} needs --role: one of {', '.join(spec.roles)}"]
            )
        if role not in spec.roles:
            raise ValidationError([f"{where}role {role!r} is not allowed{suggest(role, spec.roles)}; allowed: {', '.join(spec.roles)}"])
    _require(txn, spec.left_kind, left_id)
    _require(txn, spec.right_kind, right_id)
    key = {spec.left_column: left_id, spec.right_column: right_id}
    row: dict[str, Any] = dict(key)
    if spec.roles is not None:
        row["role"] = role
    record_key = f"{left_id}/{right_id}"
    existing = txn.conn.execute(
        f"SELECT * FROM [{spec.table}] WHERE [{spec.left_column}] = ? AND [{spec.right_column}] = ?", [left_id, right_id]
    ).fetchone()
    if existing is not None:
        before = dict(zip([c[1] for c in txn.conn.execute(f"PRAGMA table_info([{spec.table}])")], existing, strict=True))
        if before == row:
            raise Conflict(f"{where}{left_id!r} and {right_id!r} are already linked{' as ' + str(role) if role else ''}")
        txn.update(spec.table, key, before, {"role": role}, record_key)
    else:
        txn.insert(spec.table, row, record_key)
    return row


def unlink_records(registry: Registry, kind_name: str, record_id: str, other_kind: str, other_id: str) -> dict[str, Any]:
    """Remove the link between two records; the records themselves stay."""
    kind_name, other_kind = get_kind(kind_name).name, get_kind(other_kind).name
    spec, reverse = find_link(kind_name, other_kind)
    left_id, right_id = (other_id, record_id) if reverse else (record_id, other_id)
    with transaction(registry) as txn:
        cursor = txn.conn.execute(
            f"SELECT * FROM [{spec.table}] WHERE [{spec.left_column}] = ? AND [{spec.right_column}] = ?", [left_id, right_id]
        )
        found = cursor.fetchone()
        if found is None:
            raise NotFound(f"{left_id!r} and {right_id!r} are not linked")
        before = dict(zip([d[0] for d in cursor.description], found, strict=True))
        txn.delete(spec.table, {spec.left_column: left_id, spec.right_column: right_id}, before, f"{left_id}/{right_id}")
    return before


def cite_record(
    registry: Registry,
    kind_name: str,
    record_id: str,
    url: str,
    title: str,
    publisher: str | None = None,
    year: int | None = None,
) -> dict[str, Any]:
    """Attach a source to a record; one source row per URL, shared by every record citing it."""
    with transaction(registry) as txn:
        return cite_in(txn, kind_name, record_id, url, title, publisher, year)


def cite_in(
    txn: Txn, kind_name: str, record_id: str, url: str, title: str, publisher: str | None = None, year: int | None = None, where: str = ""
) -> dict[str, Any]:
    """Cite inside an open transaction; shared by the CLI and the example loader."""
    kind = get_kind(kind_name)
    problems = []
    try:
        url = coerce_value(Field("url", "url", ""), url)
    except ValueError as exc:
        problems.append(f"{where}source field 'url': {exc}")
    if not title or not str(title).strip():
        problems.append(f"{where}source field 'title' is required: say what the source is")
    # Titles and publishers are shown on every page citing the source: the same text rules as record fields.
    for name, text in (("title", title), ("publisher", publisher)):
        try:
            coerce_value(Field(name, "text", ""), text or "")
        except ValueError as exc:
            problems.append(f"{where}source field {name!r}: {exc}")
    if year is not None:
        try:
            year = coerce_value(Field("year", "year", ""), year)
        except ValueError as exc:
            problems.append(f"{where}source field 'year': {exc}")
    if problems:
        raise ValidationError(problems)
    _require(txn, kind.name, record_id)
    found = txn.conn.execute("SELECT id FROM sources WHERE url = ?", [url]).fetchone()
    if found is None:
        source = {"url": url, "title": str(title).strip(), "publisher": publisher, "year": year}
        cursor = txn.conn.execute("INSERT INTO sources (url, title, publisher, year) VALUES (?, ?, ?, ?)", list(source.values()))
        source_id = int(cursor.lastrowid or 0)
        txn.log("insert", "sources", str(source_id), None, {"id": source_id, **source})
    else:
        source_id = int(found[0])
    if not cite_known_in(txn, kind.name, record_id, source_id):
        raise Conflict(f"{where}{kind.singular} {record_id!r} already cites {url}")
    return {"id": source_id, "url": url, "title": title}


def cite_known_in(txn: Txn, kind_name: str, record_id: str, source_id: int) -> bool:
    """Cite a source the registry holds, inside an open transaction; False when the record cites it already."""
    citation = {"source_id": source_id, "record_kind": kind_name, "record_id": record_id}
    exists = txn.conn.execute(
        "SELECT 1 FROM citations WHERE source_id = ? AND record_kind = ? AND record_id = ?", list(citation.values())
    ).fetchone()
    if exists:
        return False
    txn.insert("citations", citation, f"{source_id}/{kind_name}/{record_id}")
    return True


def source_number(txn: Txn, source: str) -> int:
    """A source the registry holds, by number or URL, for options that name one (`--source`); a new one is added with `commons cite`."""
    found = txn.conn.execute("SELECT id FROM sources WHERE url = ? OR CAST(id AS TEXT) = ?", [source, source]).fetchone()
    if found is None:
        raise NotFound(f"--source {source!r}: no such source; give a number or URL from `commons show`, or add it with `commons cite`")
    return int(found[0])
