"""load(dump(x)) is x: registries built by the real operations come back with the same records, links and history."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_dump_load import files_of, registry_content

from registry.model.errors import RegistryError
from registry.model.kinds import KINDS, LINKS
from registry.operations.links import cite_record, link_records, unlink_records
from registry.operations.records import add_record, remove_record, update_record
from registry.store.database import create_registry, open_registry
from registry.store.dump import dump_registry
from registry.store.history import restore_record
from registry.store.load import load_registry

IDS = ("alpha", "beta")
URLS = ("https://example.org/a", "https://example.org/b", "https://example.org/c")

# Text as staff type it and as files bring it: accents, other scripts, quotes, a line separator inside a name.
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
names = st.one_of(st.sampled_from(["Villa Medusa", "L'Asilo", "Città aperta", "Ταράτσα", "حديقة", 'A "quoted"\u2028name']), texts)
# Values the rules refuse: an operation refused is part of the story too.
refused = st.sampled_from(["bad\x00text", "not an email", "2016-13-45", "", "x" * 20_001])
dates = st.sampled_from(["2012-05-25", "2016-01-01", "2024-12-31", "2031-06-30"])


def _choice(kind_name: str, field: str) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(KINDS[kind_name].field(field).choices or {}))


FIELDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "assets": {
        "name": names,
        "kind": _choice("assets", "kind"),
        "status": _choice("assets", "status"),
        "since": st.sampled_from(["2012", "2015-12", "2016-05-25"]),
        "description": texts,
        "internal_notes": texts,
        "name@it": names,
    },
    "actors": {
        "name": names,
        "kind": _choice("actors", "kind"),
        "contact_person_email": st.sampled_from(["maria@example.org", "info@example.net"]),
        "founded": st.sampled_from(["1999", "2020-02"]),
        "governance": _choice("actors", "governance"),
    },
    "agreements": {
        "title": names,
        "kind": _choice("agreements", "kind"),
        "status": _choice("agreements", "status"),
        "asset_id": st.sampled_from(IDS),
        "starts_on": dates,
        "expires_on": dates,
        "rent_eur_per_year": st.floats(0, 1e6),
    },
    "cases": {
        "title": names,
        "policy_areas": st.lists(_choice("cases", "policy_areas"), max_size=3),
        "start_year": st.integers(1990, 2030),
        "end_year": st.integers(1990, 2030),
    },
}
REQUIRED = {name: [f.name for f in KINDS[name].fields if f.required and f.name != "id"] for name in FIELDS}
PLACED = ("assets", "actors", "cases")


@st.composite
def record_values(draw: st.DrawFn, kind_name: str, whole: bool) -> dict[str, Any]:
    fields = FIELDS[kind_name]
    chosen = set(draw(st.lists(st.sampled_from(sorted(fields)), max_size=4)))
    if whole:
        chosen |= set(REQUIRED[kind_name])
    values = {name: draw(fields[name]) for name in sorted(chosen)}
    if kind_name in PLACED and draw(st.booleans()):
        values.update(lat=draw(st.floats(-90, 90)), lon=draw(st.floats(-180, 180)))
    if not whole and draw(st.integers(0, 4)) == 0:
        values[draw(st.sampled_from(sorted(fields)))] = draw(refused)
    return values


kinds = st.sampled_from(sorted(FIELDS))
ids = st.sampled_from(IDS)


def addition(kind_name: str) -> st.SearchStrategy[tuple[Any, ...]]:
    """A whole record added: the registry's first records, before anything else happens to them."""
    return st.tuples(st.just("add"), st.just(kind_name), ids, record_values(kind_name, whole=True))


@st.composite
def operation(draw: st.DrawFn) -> tuple[Any, ...]:
    action = draw(st.sampled_from(["add", "edit", "edit", "remove", "restore", "link", "link", "link", "unlink", "cite", "cite"]))
    kind_name = draw(kinds)
    if action in ("add", "edit"):
        return (action, kind_name, draw(ids), draw(record_values(kind_name, whole=action == "add")))
    if action in ("link", "unlink"):
        spec = draw(st.sampled_from(LINKS))
        role = draw(st.sampled_from(sorted(spec.roles))) if spec.roles else None
        return (action, spec.left_kind, draw(ids), spec.right_kind, draw(ids), role)
    if action == "cite":
        return (action, kind_name, draw(ids), draw(st.sampled_from(URLS)), draw(names))
    return (action, kind_name, draw(ids))


def apply(registry: Any, op: tuple[Any, ...]) -> None:
    """Run one operation as a user would; a refusal is the registry's answer, not a failure."""
    action, *args = op
    try:
        if action == "add":
            add_record(registry, args[0], {"id": args[1], **args[2]})
        elif action == "edit":
            update_record(registry, args[0], args[1], args[2])
        elif action == "remove":
            remove_record(registry, args[0], args[1])
        elif action == "restore":
            restore_record(registry, args[0], args[1])
        elif action == "link":
            link_records(registry, *args)
        elif action == "unlink":
            unlink_records(registry, *args[:4])
        else:
            cite_record(registry, args[0], args[1], args[2], args[3])
    except RegistryError:
        pass


@pytest.fixture(scope="module")
def empty_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty registry made once; each example starts from a copy, so migrations run once."""
    path = tmp_path_factory.mktemp("empty") / "registry.db"
    create_registry(path, by="tester").close()
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    st.tuples(*(addition(name) for name in FIELDS)),
    st.lists(st.sampled_from(sorted(FIELDS)).flatmap(addition), max_size=6),
    st.lists(operation(), min_size=5, max_size=30),
)
def test_load_of_a_dump_gives_the_same_records_links_citations_timelines_and_history(
    empty_registry: Path, first: tuple[Any, ...], additions: list[tuple[Any, ...]], operations: list[tuple[Any, ...]]
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        original = folder / "registry.db"
        shutil.copyfile(empty_registry, original)
        registry = open_registry(original, by="staff member")
        try:
            for op in [*first, *additions, *operations]:
                apply(registry, op)
            dump_registry(registry, folder / "dump")
        finally:
            registry.close()
        load_registry(folder / "dump", folder / "loaded.db")
        assert registry_content(folder / "loaded.db") == registry_content(original)
        loaded = open_registry(folder / "loaded.db")
        try:
            dump_registry(loaded, folder / "again")
        finally:
            loaded.close()
        assert files_of(folder / "again") == files_of(folder / "dump")
