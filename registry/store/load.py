"""Building a registry from a dump folder, checking every file with the registry's own rules first.

The registry is built in a new file beside the target and only given its name
once every record has passed `clean_record`, every link, timeline step, source
and citation its declared fields, every reference its target and `commons
check` the whole: a bad file is refused, named with its record and field, and
nothing is written. Rows go in as the dump holds them, change log included,
so `load(dump(x))` has the same records, links and history as `x`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.model.declaration import Field, Kind
from registry.model.errors import Conflict, NotFound, RegistryError, ValidationError
from registry.model.kinds import KINDS, dependency_order
from registry.model.relations import RELATION_BY_TABLE, Relation
from registry.model.rules import clean_record
from registry.model.values import coerce_value
from registry.store.backups import fsync_file, replace_registry, temporary_beside
from registry.store.checks import check_registry
from registry.store.database import MIGRATION_NAMES, Registry, create_registry, encode_row, transaction, translate_sqlite_errors
from registry.store.dump import (
    DUMP_FORMAT,
    LOG_JSON_COLUMNS,
    LOG_TABLE,
    MANIFEST,
    RECORD_SUFFIX,
    TABLE_SUFFIX,
    content_tables,
    list_foreign,
    log_text,
    survey_folder,
    table_columns,
)

PROBLEMS_SHOWN = 30


@dataclass
class Loaded:
    """What a load made: the registry, the one it replaced (kept beside it), and how much went in."""

    registry: Path
    kept: Path | None
    records: int
    rows: int


def load_registry(folder: str | Path, db_path: str | Path, *, replace: bool = False, by: str | None = None) -> Loaded:
    """Build the registry at `db_path` from a dump folder; an existing registry is replaced only when asked, and kept."""
    folder, db_path = Path(folder), Path(db_path)
    if db_path.exists() and not replace:
        raise Conflict(
            f"{db_path} already exists; `commons load` builds a new registry: choose another --db, "
            "or give --replace to replace it (the current one is kept beside it)"
        )
    if not db_path.parent.is_dir():
        raise NotFound(f"folder {db_path.parent} does not exist")
    read_manifest(folder)
    staging = temporary_beside(db_path)
    try:
        registry = create_registry(staging, by=by)
        try:
            records, rows = fill_registry(registry, folder)
            with translate_sqlite_errors(staging):
                registry.conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            registry.close()
        fsync_file(staging)
        kept = replace_registry(staging, db_path, "load") if replace else None
        if not replace:
            _publish_new(staging, db_path)
    finally:
        for leftover in (staging, staging.with_name(staging.name + "-wal"), staging.with_name(staging.name + "-shm")):
            leftover.unlink(missing_ok=True)
    return Loaded(db_path, kept, records, rows)


def _publish_new(staging: Path, db_path: Path) -> None:
    """Give the new registry its name, unless a file took that name meanwhile."""
    taken = Conflict(f"{db_path} appeared while loading; it was left as it is (give --replace to replace it)")
    try:
        os.link(staging, db_path)
    except FileExistsError:
        raise taken from None
    except OSError:  # file systems without hard links
        if db_path.exists():
            raise taken from None
        os.replace(staging, db_path)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The dump's description of itself; refuse a folder that is not a dump, or one a newer commons wrote."""
    if not folder.is_dir():
        raise NotFound(f"no folder {folder}")
    path = folder / MANIFEST
    if not path.is_file():
        raise RegistryError(f"{folder} is not a commons dump: it has no {MANIFEST} (`commons dump {folder}` makes one)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != DUMP_FORMAT or not isinstance(manifest.get("migrations"), list):
        raise RegistryError(f"{path}: not a dump this version of commons reads (expected format {DUMP_FORMAT} and a list of migrations)")
    newer = sorted(set(map(str, manifest["migrations"])) - set(MIGRATION_NAMES))
    if newer:
        raise RegistryError(f"{folder} was dumped by a newer version of commons (schema changes {', '.join(newer)}); upgrade to load it")
    return manifest


class _Loader:
    """One load: where each row came from, and every problem found, so all are reported at once."""

    def __init__(self, conn: sqlite3.Connection, folder: Path) -> None:
        self.conn = conn
        self.folder = folder
        self.problems: list[str] = []
        self.origin: dict[tuple[str, int], str] = {}

    def insert(self, table: str, row: dict[str, Any], origin: str) -> bool:
        columns = list(row)
        try:
            cursor = self.conn.execute(
                f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [row[c] for c in columns],
            )
        except sqlite3.IntegrityError as exc:
            self.problems.append(f"{origin}: {_integrity_words(str(exc))}")
            return False
        self.origin[(table, int(cursor.lastrowid or 0))] = origin
        return True

    def read_json(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.problems.append(f"{self.relative(path)}: not valid JSON ({exc})")
            return None

    def relative(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()

    def load_records(self, kind: Kind) -> int:
        """Every record file of a kind, each through the rules `commons add` applies."""
        kind_folder = self.folder / kind.name
        if not kind_folder.is_dir():
            return 0
        loaded = 0
        for path in sorted(kind_folder.glob(f"*{RECORD_SUFFIX}")):
            if path.name.startswith("."):
                continue
            where = f"{self.relative(path)}: "
            raw = self.read_json(path)
            if raw is None:
                continue
            if not isinstance(raw, dict):
                self.problems.append(f"{where}a record file holds one JSON object of fields")
                continue
            if raw.get("id") != path.stem:
                self.problems.append(f"{where}{kind.singular} {raw.get('id')!r}: field 'id' must be the file's name, {path.stem!r}")
                continue
            try:
                cleaned = clean_record(kind, raw, where=where, check_country=False)
            except ValidationError as exc:
                self.problems.extend(exc.problems)
                continue
            row = encode_row(kind, cleaned.values)
            loaded += self.insert(kind.table, {c: row.get(c) for c in kind.field_names}, f"{where}{kind.singular} {path.stem!r}")
        return loaded

    def load_rows(self, table: str) -> int:
        """Every line of a table's file, checked against the table's declared fields where it has them."""
        path = self.folder / f"{table}{TABLE_SUFFIX}"
        if not path.is_file():
            return 0
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.problems.append(f"{path.name}: not UTF-8 text ({exc})")
            return 0
        columns = set(table_columns(self.conn, table))
        relation = RELATION_BY_TABLE.get(table)
        loaded = 0
        # Only "\n" ends a line: text may hold other line separators (U+2028), which JSON leaves as they are.
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                self.problems.append(f"{where}: not valid JSON ({exc})")
                continue
            if not isinstance(row, dict):
                self.problems.append(f"{where}: a line holds one JSON object of fields")
                continue
            problems = [
                f"{where}: unknown field {name!r}; fields of {table}: {', '.join(sorted(columns))}" for name in row if name not in columns
            ]
            if table == LOG_TABLE:
                row.update({c: log_text(row[c]) for c in LOG_JSON_COLUMNS if isinstance(row.get(c), dict)})
            problems += [
                f"{where}: field {name!r}: expected a single value, got a structure"
                for name, v in row.items()
                if isinstance(v, (dict, list))
            ]
            if relation is not None and not problems:
                problems += _relation_problems(relation, row, where)
            if problems:
                self.problems.extend(problems)
                continue
            loaded += self.insert(table, row, where)
        return loaded

    def check_references(self) -> None:
        """Every reference names a row that exists; citations, which name any kind, are checked here too."""
        for table, rowid, parent, fkid in self.conn.execute("PRAGMA foreign_key_check").fetchall():
            column = next(row[3] for row in self.conn.execute(f"PRAGMA foreign_key_list([{table}])") if row[0] == fkid)
            value = self.conn.execute(f"SELECT [{column}] FROM [{table}] WHERE rowid = ?", [rowid]).fetchone()[0]
            origin = self.origin.get((table, rowid), f"table {table}")
            self.problems.append(
                f"{origin}: field {column!r}: there is no row {value!r} in {parent}; add it to the dump or fix the reference"
            )
        if "citations" in content_tables(self.conn):
            for rowid, kind_name, record_id in self.conn.execute("SELECT rowid, record_kind, record_id FROM citations").fetchall():
                kind = KINDS.get(kind_name)
                if kind is None or self.conn.execute(f"SELECT 1 FROM [{kind.table}] WHERE id = ?", [record_id]).fetchone() is None:
                    where = self.origin.get(("citations", rowid), "citations")
                    self.problems.append(f"{where}: field 'record_id': there is no {kind_name} record {record_id!r}")


def _relation_problems(relation: Relation, row: dict[str, Any], where: str) -> list[str]:
    """A link, timeline step, source or citation checked field by field, its values put in their stored form."""
    problems = []
    for f in relation.fields:
        value = row.get(f.name)
        if value is None or value == "":
            if f.required:
                problems.append(f"{where}: field {f.name!r} is required ({f.description})")
            continue
        try:
            row[f.name] = _coerce(f, value)
        except ValueError as exc:
            problems.append(f"{where}: field {f.name!r}: {exc}")
    return problems


def _coerce(f: Field, value: Any) -> Any:
    if f.type == "integer":  # row numbers: the model has no coercer for them, as no record field is one
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, got {value!r}")
        return value
    return coerce_value(f, value)


def _integrity_words(text: str) -> str:
    if "UNIQUE" in text or "PRIMARY KEY" in text:
        return f"a row with the same key is already loaded ({text.split(':', 1)[-1].strip()})"
    return text


def fill_registry(registry: Registry, folder: Path) -> tuple[int, int]:
    """Put the dump's rows into a new, empty registry in one transaction; refuse with every problem found.

    Foreign keys are checked once all rows are in, so files load in any order
    and a dangling reference is reported with the file that holds it.
    """
    conn = registry.conn
    kinds_by_table = {kind.table: kind for kind in KINDS.values()}
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with transaction(registry):
            tables = [t for t in content_tables(conn) if t not in kinds_by_table]
            _, foreign = survey_folder(folder, {MANIFEST, *(f"{t}{TABLE_SUFFIX}" for t in tables)})
            loader = _Loader(conn, folder)
            if foreign:
                loader.problems.append(
                    f"{list_foreign(folder, foreign)}: no table or kind of this registry has those names; "
                    "remove them, or load with the version of commons that wrote them"
                )
            records = sum(loader.load_records(KINDS[name]) for name in dependency_order())
            rows = sum(loader.load_rows(table) for table in tables)
            if not loader.problems:
                loader.check_references()
            if not loader.problems:
                loader.problems.extend(f"commons check: {problem}" for problem in check_registry(registry).problems)
            if loader.problems:
                shown = loader.problems[:PROBLEMS_SHOWN]
                more = len(loader.problems) - len(shown)
                raise ValidationError(
                    [f"{folder} was not loaded; nothing was written:", *shown] + ([f"... and {more} more"] if more > 0 else [])
                )
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return records, rows
