"""Bad input never hurts: every writing command, fed generated bad values, errs clearly or does it right.

Each example runs one real `commons` command (through click's runner) against a
fresh copy of a small registry. The outcome must be either a clear error (exit
1 or 2, the field or line named, no traceback) with the registry unchanged row
for row, or a correct result: the change is stored, logged, and passes
`commons check`. Values known to be bad must be refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability import record, scaled
from test_validation import snapshot

from registry.cli import cli
from registry.model.declaration import Field, Kind, LinkSpec
from registry.model.errors import ValidationError
from registry.model.kinds import KINDS, LINKS
from registry.model.rules import clean_record
from registry.model.values import MAX_TEXT
from registry.operations.links import cite_record, link_records
from registry.operations.records import add_record, remove_record
from registry.store.checks import check_registry
from registry.store.database import create_registry, open_registry


def fuzz(examples: int) -> settings:
    """Hypothesis settings for CLI runs: no deadline (files and SQLite), no example database in the repository.

    The long profile tries fifteen times as many examples (over 10,000 in all)."""
    return settings(
        max_examples=scaled(examples, examples * 15),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


GOOD: dict[str, dict[str, str]] = {
    "assets": {
        "name": "Lido Nuovo",
        "kind": "building",
        "status": "occupied",
        "since": "2016",
        "country": "IT",
        "lat": "40.7990",
        "lon": "14.1670",
        "city": "Napoli",
    },
    "actors": {"name": "Cooperativa Nuova", "kind": "cooperative", "country": "IT", "lat": "40.85", "lon": "14.25", "founded": "2012-03"},
    "agreements": {
        "title": "Civic use of the Ex Asilo",
        "kind": "civic_use_declaration",
        "status": "active",
        "asset_id": "ex-asilo",
        "starts_on": "2016-01-01",
        "expires_on": "2030-12-31",
        "rent_eur_per_year": "0",
    },
    "cases": {
        "title": "Naples commons",
        "start_year": "2012",
        "end_year": "2020",
        "policy_areas": "culture,public_spaces",
        "level": "transformation",
        "lat": "40.85",
        "lon": "14.26",
        "country": "IT",
    },
    "assessments": {
        "framework": "design-and-delivery",
        "case_id": "case-1",
        "assessed_on": "2026-11-28",
        "assessor": "Rete Beni Comuni",
        "scores": '{"design": {"score": 1, "why": "Assemblies planned it with city staff", "source": "https://example.org/minutes"}}',
    },
}

# Records in the base registry, by kind; `REFERRED` cannot be removed while others point at them.
EXISTING = {
    "assets": ["lido-pola", "ex-asilo"],
    "actors": ["act-a", "act-b"],
    "agreements": ["agr-1"],
    "cases": ["case-1"],
    "assessments": ["case-1-design"],
}
REFERRED = {"lido-pola", "ex-asilo", "act-a", "act-b", "case-1"}
REMOVED = ("actors", "act-gone")
EXISTING_LINKS = {
    ("agreement_parties", "agr-1", "act-a"),
    ("case_study_assets", "case-1", "ex-asilo"),
    ("case_study_actors", "case-1", "act-b"),
}
CITED = ("assets", "lido-pola", "https://example.org/lido-pola")


class Base:
    """A small registry with a record of every kind, links, a citation and a removed actor; copied per example."""

    def __init__(self, path: Path, folder: Path) -> None:
        self.path, self.folder = path, folder
        self.dump = snapshot(path)
        self.counter = itertools.count()

    def __repr__(self) -> str:
        return f"Base({self.path})"

    def fresh(self) -> Path:
        copy = self.folder / f"work-{next(self.counter)}.db"
        shutil.copyfile(self.path, copy)
        return copy


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "base.db"
    reg = create_registry(path, by="tester")
    add_record(reg, "assets", {**GOOD["assets"], "id": "lido-pola", "name": "Lido Pola"})
    add_record(reg, "assets", {**GOOD["assets"], "id": "ex-asilo", "name": "Ex Asilo Filangieri", "lat": "40.8497", "lon": "14.2573"})
    add_record(reg, "actors", {**GOOD["actors"], "id": "act-a", "name": "Asilo assembly"})
    add_record(reg, "actors", {**GOOD["actors"], "id": "act-b", "name": "Scugnizzo collective"})
    add_record(reg, "actors", {**GOOD["actors"], "id": "act-gone", "name": "A dissolved network"})
    add_record(reg, "agreements", {**GOOD["agreements"], "id": "agr-1", "asset_id": "lido-pola"})
    add_record(reg, "cases", {**GOOD["cases"], "id": "case-1"})
    add_record(reg, "assessments", {**GOOD["assessments"], "id": "case-1-design"})
    link_records(reg, "agreements", "agr-1", "actors", "act-a", "co_manager")
    link_records(reg, "cases", "case-1", "assets", "ex-asilo")
    link_records(reg, "cases", "case-1", "actors", "act-b", "lead")
    cite_record(reg, *CITED, "Lido Pola")
    cite_record(reg, "actors", "act-gone", "https://example.org/gone", "Gone")
    remove_record(reg, *REMOVED)
    reg.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    reg.close()
    return Base(path, folder)


# --- Generated values -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A value for a field, and the words that must appear in the error if it is certainly bad."""

    text: Any
    expect: tuple[str, ...] = ()


def bad(value: Any, *fragments: str) -> Value:
    return Value(value, fragments)


CONTROL = st.sampled_from([chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127]])
SURROGATE = st.sampled_from(["\udcff", "\udc80", "\udfff", "\ud800"])
SOME_TEXT = st.text(max_size=40)


def around(middle: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A visible character, text, the hostile middle, more text: never empty once stripped."""
    return st.tuples(SOME_TEXT, middle, SOME_TEXT).map(lambda t: "a" + "".join(t))


def universal_bad(f: Field, argv: bool) -> st.SearchStrategy[Value]:
    """What every field must refuse: control characters, undecodable text, text past the size limit.

    Undecodable text reaches the CLI as lone surrogates in arguments (and in JSON
    as \\udcff escapes); written raw into a CSV file it is just Windows-1252.
    """
    name = f"'{f.name}'"
    return st.one_of(
        around(CONTROL).map(lambda s: bad(s, name)),
        *([around(SURROGATE).map(lambda s: bad(s, name, "UTF-8"))] if argv else []),
        st.integers(1, 500).map(lambda n: bad("x" * (MAX_TEXT + n), name)),
    )


def impossible_dates() -> st.SearchStrategy[str]:
    year = st.integers(1000, 2999)
    return st.one_of(
        st.tuples(year, st.integers(13, 99), st.integers(1, 28)).map(lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"),
        st.tuples(year, st.integers(1, 12), st.integers(32, 99)).map(lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"),
        st.tuples(year, st.sampled_from([2, 4, 6, 9, 11]), st.just(31)).map(lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"),
        st.sampled_from(["2023-02-29", "2016-02-30", "2016-00-10", "2016-01-00", "0000-01-01"]),
    )


def malformed_dates() -> st.SearchStrategy[str]:
    return st.one_of(
        st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
        st.dates().map(lambda d: f"{d.year}-{d.month}-{d.day}" if d.month < 10 or d.day < 10 else f"{d:%Y%m%d}"),
        st.sampled_from(["June 2016", "yesterday", "2016-06-01T10:00", "16-06-01", "2016/06/01", "٢٠١٦-٠٦-٠١", "２０１６-06-01"]),
    )


def value_for(f: Field, kind: Kind, argv: bool = True) -> st.SearchStrategy[Value]:
    """Good, odd and bad values for one field, each marked with what a refusal must say."""
    name = f"'{f.name}'"
    either: list[st.SearchStrategy[Value]] = []
    wrong: list[st.SearchStrategy[Value]] = [universal_bad(f, argv)]
    empty = Value("", (name,) if f.required else ())
    if f.type in ("text", "markdown"):
        either.append(SOME_TEXT.filter(lambda s: s.strip() or not f.required).map(Value))
        either.append(st.text(min_size=100, max_size=3000).filter(lambda s: s.strip() or not f.required).map(Value))
    elif f.type == "slug":
        wrong.append(
            st.sampled_from(
                ["Lido Pola", "UPPER", "ends-", "-starts", "two--hyphens", "caffè", "abc\n", "a" * 121, "a/b", "..", "under_score"]
            ).map(lambda s: bad(s, name))
        )
        wrong.append(st.sampled_from(EXISTING[kind.name]).map(lambda s: bad(s, "already exists")))
        either.append(st.from_regex(r"\A[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}\Z").filter(lambda s: s not in EXISTING[kind.name]).map(Value))
    elif f.type == "enum":
        choices = list(f.choices or {})
        either.append(st.sampled_from(choices).map(Value))
        wrong.append(SOME_TEXT.filter(lambda s: s.strip() and s.strip() not in choices).map(lambda s: bad(s, name)))
        wrong.append(st.sampled_from(choices).map(lambda s: bad(s.upper(), name)))
    elif f.type == "enum_list":
        choices = list(f.choices or {})
        good = st.lists(st.sampled_from(choices), min_size=1, max_size=4)
        either.append(st.tuples(good, st.sampled_from([",", ";", ", "])).map(lambda t: Value(t[1].join(t[0]))))
        either.append(good.map(lambda items: Value(json.dumps(items))))
        unknown = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(lambda s: s not in choices)
        wrong.append(st.tuples(good, unknown).map(lambda t: bad(",".join([*t[0], t[1]]), name)))
        wrong.append(st.just(bad('["housing", ', name)))
    elif f.type in ("lat", "lon"):
        limit = 90.0 if f.type == "lat" else 180.0
        either.append(st.floats(-limit, limit).map(lambda x: Value(repr(x))))
        # CSVs with coordinates may take the spatial reader, which speaks of the point rather than the field.
        point = "longitude/latitude"
        wrong.append(
            st.floats(allow_nan=True, allow_infinity=True)
            .filter(lambda x: not -limit <= x <= limit)
            .map(lambda x: bad(repr(x), name, point))
        )
        wrong.append(
            st.sampled_from(["40,85", "N40.85", "forty", "40.85.1", "1" + "0" * 400, "nan", "-inf", "0x10", "40°51'N"]).map(
                lambda s: bad(s, name, point)
            )
        )
    elif f.type == "date":
        either.append(st.dates(min_value=dt.date(1000, 1, 1)).map(lambda d: Value(d.isoformat())))
        wrong.append(impossible_dates().map(lambda s: bad(s, name)))
        wrong.append(malformed_dates().map(lambda s: bad(s, name)))
    elif f.type == "partial_date":
        either.append(
            st.dates(min_value=dt.date(1000, 1, 1))
            .flatmap(lambda d: st.sampled_from([f"{d.year}", f"{d.year}-{d.month:02d}", d.isoformat()]))
            .map(Value)
        )
        wrong.append(impossible_dates().map(lambda s: bad(s, name)))
        wrong.append(st.sampled_from(["2016-13", "2016-00", "0000", "16", "2016-6", "summer 2016", "٢٠١٦"]).map(lambda s: bad(s, name)))
    elif f.type == "year":
        either.append(st.integers(1000, 2999).map(lambda y: Value(str(y))))
        wrong.append(st.one_of(st.integers(max_value=999), st.integers(min_value=3000)).map(lambda y: bad(str(y), name)))
        wrong.append(st.sampled_from(["20x6", "2016.5", "MMXVI", "2016-01-01", "1e3"]).map(lambda s: bad(s, name)))
    elif f.type == "number":
        either.append(st.floats(0, 1e9).map(lambda x: Value(repr(x))))
        wrong.append(st.floats(max_value=-1e-6).map(lambda x: bad(repr(x), name)))
        wrong.append(st.sampled_from(["abc", "nan", "inf", "1.000,50", "€100"]).map(lambda s: bad(s, name)))
    elif f.type == "url":
        either.append(
            st.sampled_from(["https://example.org/", "http://commonsnapoli.org/spazi?id=3#top", "HTTPS://EXAMPLE.ORG"]).map(Value)
        )
        wrong.append(
            st.sampled_from(
                [
                    "javascript:alert(1)",
                    "JaVaScRiPt:alert(document.cookie)",
                    " javascript:alert(1)",
                    "data:text/html,<script>alert(1)</script>",
                    "vbscript:msgbox(1)",
                    "file:///etc/passwd",
                    "ftp://example.org/",
                    "//example.org/x",
                    "example.org",
                    "http://",
                    "https:// spaced.org",
                    "http://exa mple.org",
                    "mailto:a@b.org",
                    "\u202ehttps://example.org",
                ]
            ).map(lambda s: bad(s, name))
        )
    elif f.type == "email":
        either.append(st.emails().map(Value))
        wrong.append(st.sampled_from(["no-at-sign", "a@b", "a b@c.org", "@example.org", "x@", "a@@b.org"]).map(lambda s: bad(s, name)))
    elif f.type == "country":
        either.append(st.sampled_from(["IT", "es", "FR", "pt"]).map(Value))
        wrong.append(st.sampled_from(["Italy", "ITA", "ZZ", "I", "España", "U.K."]).map(lambda s: bad(s, name)))
    elif f.type == "ref":
        either.append(st.sampled_from(EXISTING[f.ref or "assets"]).map(Value))
        wrong.append(st.from_regex(r"\Anope-[a-z]{1,8}\Z").map(lambda s: bad(s, name)))
    elif f.type == "geometry":
        square = {"type": "Polygon", "coordinates": [[[14.25, 40.85], [14.26, 40.85], [14.26, 40.86], [14.25, 40.86], [14.25, 40.85]]]}
        text = json.dumps(square)
        either.append(st.just(Value(text)))
        wrong.append(st.integers(1, len(text) - 1).map(lambda n: bad(text[:n], name)))
        wrong.append(
            st.sampled_from(
                [
                    '{"type": "Point", "coordinates": [14.25, 40.85]}',
                    '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}',
                    '{"type": "Polygon", "coordinates": [[[200, 0], [201, 0], [201, 1], [200, 0]]]}',
                    '{"type": "Polygon", "coordinates": []}',
                    "[]",
                    "null",
                    "POLYGON((0 0, 1 0, 1 1, 0 0))",
                ]
            ).map(lambda s: bad(s, name))
        )
    elif f.type == "scores":
        good = {"design": {"score": 2, "why": "The community planned it", "source": "Minutes, 2019"}, "delivery": {"score": "unknown"}}
        either.append(st.just(Value(json.dumps(good))))
        either.append(st.just(Value(json.dumps({"delivery": {"score": "unknown", "why": "Nothing says who runs it"}}))))
        wrong.append(
            st.sampled_from(
                [
                    '{"design": {"score": 9, "why": "x", "source": "y"}}',
                    '{"desing": {"score": 1, "why": "x", "source": "y"}}',
                    '{"design": {"score": 1}}',
                    '{"design": {"score": true, "why": "x", "source": "y"}}',
                    '{"design": {"score": 1, "why": "x", "source": "y", "extra": 1}}',
                    '{"design": ',
                    "[1, 2]",
                ]
            ).map(lambda s: bad(s, name, "criterion", "score", "design"))
        )
    elif f.type == "opening_hours":
        either.append(st.sampled_from(["Mo-Fr 10:00-20:00", "24/7", "Mo-Su 09:00-13:00; PH off"]).map(Value))
        either.append(SOME_TEXT.map(Value))
        wrong.append(st.sampled_from(["Mo-Fx 10", "every day", "25:00-26:00"]).map(lambda s: bad(s, name)))
    return st.one_of(*either, *wrong, st.just(empty))


def mutations(kind: Kind, *, with_id: bool, argv: bool = True) -> st.SearchStrategy[dict[str, Value]]:
    """One to three fields of a record given generated values."""
    fields = [f for f in kind.fields if with_id or f.name != "id"]
    return st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique_by=lambda f: f.name).flatmap(
        lambda chosen: st.fixed_dictionaries({f.name: value_for(f, kind, argv) for f in chosen})
    )


def expected_problems(kind: Kind, record: dict[str, Any], changed: dict[str, Value]) -> tuple[str, ...]:
    """What a refusal must mention; empty when the change may well be accepted.

    Once something is certainly wrong, a message about any changed field will do:
    an odd value next to the bad one may be what the rules report first.
    """
    expect = [fragment for v in changed.values() for fragment in v.expect]
    if "lat" in kind.field_names:
        lat, lon = (str(record.get(k) or "").strip() for k in ("lat", "lon"))
        if bool(lat) != bool(lon):
            expect += ["go together", "'lat'", "'lon'", "coordinates"]
    if expect:
        expect += [f"'{name}'" for name in changed]
    return tuple(expect)


def library_accepts(kind: Kind, rows: list[dict[str, Any]]) -> bool:
    """Whether the record rules accept these new records: then every way in must accept them too."""
    ids = [row.get("id") for row in rows]
    if len(set(map(str, ids))) != len(ids) or any(i in EXISTING[kind.name] for i in ids):
        return False
    for row in rows:
        try:
            values = clean_record(kind, row, check_country=False).values
        except ValidationError:
            return False
        if any(f.ref and values.get(f.name) and values[f.name] not in EXISTING[f.ref] for f in kind.fields):
            return False
    return True


# --- Checking an outcome --------------------------------------------------------------------------


def invoke(db: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "--by", "fuzzer", *args], input=input)


def settle(
    result: Result,
    db: Path,
    base: Base,
    expect: tuple[str, ...] = (),
    *,
    must_fail: bool | None = None,
    must_succeed: bool = False,
    what: str = "",
) -> bool:
    """The shared promise: a clear refusal that changed nothing, or a consistent success; returns which."""
    record("fuzz_cases")
    shown = f"{what}\n--- output ---\n{result.output[:3000]}"
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{result.exception!r}\n{shown}"
    assert "Traceback" not in result.output, shown
    assert result.exit_code in (0, 1, 2), shown
    must_fail = bool(expect) if must_fail is None else must_fail
    if result.exit_code == 0:
        assert not must_fail, f"accepted although it should be refused (expected {expect})\n{shown}"
        record("fuzz_accepted")
        reg = open_registry(db)
        try:
            report = check_registry(reg)
        finally:
            reg.close()
        assert report.ok, f"accepted but `commons check` fails: {report.problems}\n{shown}"
        return True
    assert not must_succeed, f"refused although the record rules accept it\n{shown}"
    record("fuzz_refused")
    assert result.output.strip(), shown
    assert "Error" in result.output or "Aborted" in result.output, shown
    if expect:
        assert any(fragment in result.output for fragment in expect), f"message does not name any of {expect}\n{shown}"
    assert snapshot(db) == base.dump, f"refused but the registry changed\n{shown}"
    return False


def sets(values: dict[str, Any]) -> list[str]:
    return [arg for k, v in values.items() for arg in ("--set", f"{k}={v}")]


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def stored(db: Path, kind: Kind, record_id: str) -> dict[str, Any] | None:
    rows = query(db, f"SELECT * FROM [{kind.table}] WHERE id = ?", [record_id])
    return dict(rows[0]) if rows else None


def last_logged(db: Path, table: str, record_id: str) -> tuple[str, Any] | None:
    """The newest change-log entry for a row: its action and the row after it, empty fields left out."""
    rows = query(
        db, "SELECT action, after FROM changes WHERE table_name = ? AND record_id = ? ORDER BY id DESC LIMIT 1", [table, record_id]
    )
    return None if not rows else (rows[0]["action"], present(json.loads(rows[0]["after"])) if rows[0]["after"] else None)


def present(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its empty fields: the log leaves out what an insert did not set."""
    return {k: v for k, v in row.items() if v is not None}


def assert_text_fields_stored(kind: Kind, row: dict[str, Any], given: dict[str, Any]) -> None:
    """Free text is kept as typed, trimmed; an empty value clears the field."""
    for name, value in given.items():
        if name in kind.field_names and kind.field(name).type in ("text", "markdown") and isinstance(value, str):
            assert row[name] == (value.strip() or None), (name, value, row[name])


# --- add and edit ---------------------------------------------------------------------------------

KIND_NAMES = st.sampled_from(list(KINDS))


@fuzz(150)
@given(data=st.data())
def test_add_refuses_bad_values_clearly_and_changes_nothing(base: Base, data: st.DataObject) -> None:
    kind = KINDS[data.draw(KIND_NAMES, label="kind")]
    changed = data.draw(mutations(kind, with_id=True), label="changes")
    values: dict[str, Any] = {"id": "fresh-record", **GOOD[kind.name], **{k: v.text for k, v in changed.items()}}
    swap = "lat" in values and not {"lat", "lon", "country"} & set(changed) and data.draw(st.sampled_from(["no", "no", "swap", "far"]))
    if swap == "swap":  # a classic: longitude typed as latitude; in range, so accepted with a warning
        values["lat"], values["lon"] = values["lon"], values["lat"]
    elif swap == "far":  # swapped where the longitude is beyond 90: latitude out of range
        values["lat"], values["lon"] = "140.25", "40.85"
        changed["lat"] = bad("140.25", "'lat'")
    args = sets(values)
    malformed = data.draw(st.integers(0, 30), label="malformed --set?") == 0
    if malformed:
        args += ["--set", "name Lido"]
    expect = expected_problems(kind, values, changed)
    db = base.fresh()
    result = invoke(db, "add", kind.name, *args)
    if malformed:
        assert result.exit_code == 2 and "--set" in result.output, result.output
    ok = settle(
        result,
        db,
        base,
        (*expect, *(["--set"] if malformed else [])),
        must_fail=bool(expect) or malformed,
        must_succeed=not malformed and library_accepts(kind, [values]),
        what=f"add {kind.name} {values!r}"[:2000],
    )
    if ok:
        row = stored(db, kind, values["id"])
        assert row is not None
        assert_text_fields_stored(kind, row, values)
        assert last_logged(db, kind.table, row["id"]) == ("insert", present(row))
        if swap == "swap":
            assert "look swapped" in result.output, result.output


@fuzz(150)
@given(data=st.data())
def test_edit_refuses_bad_values_clearly_and_changes_nothing(base: Base, data: st.DataObject) -> None:
    kind = KINDS[data.draw(KIND_NAMES, label="kind")]
    target = data.draw(st.sampled_from([*EXISTING[kind.name], "no-such-record", "Bad Id", "x\udcff"]), label="id")
    changed = data.draw(mutations(kind, with_id=False), label="changes")
    if data.draw(st.integers(0, 15), label="change id?") == 0:
        changed["id"] = bad("renamed-record", "'id'")
    given = {k: v.text for k, v in changed.items()}
    db = base.fresh()
    before = stored(db, kind, target) if target in EXISTING[kind.name] else None
    result = invoke(db, "edit", kind.name, target, *sets(given))
    if before is None:
        ok = settle(
            result,
            db,
            base,
            ("there is no", "UTF-8", *(x for v in changed.values() for x in v.expect)),
            must_fail=True,
            what=f"edit {kind.name} {target!r} {given!r}"[:2000],
        )
        assert not ok
        return
    merged = {k: v for k, v in {**before, **given}.items() if k in kind.field_names}
    expect = expected_problems(kind, merged, changed)
    accepts = library_accepts(kind, [{**merged, "id": "not-existing-yet"}]) and "id" not in changed
    if settle(result, db, base, expect, must_succeed=accepts, what=f"edit {kind.name} {target} {given!r}"[:2000]):
        row = stored(db, kind, target)
        assert row is not None
        assert_text_fields_stored(kind, row, given)
        if "Updated" in result.output:
            assert last_logged(db, kind.table, target) == ("update", present(row))
        else:
            assert "No change" in result.output and row == before


# --- links, citations, remove and restore ---------------------------------------------------------

HOSTILE_IDS = st.sampled_from(["nope", "Lido Pola", "x\udcff", "", "a" * 300, "act-a\n", "lido-pola'; DROP TABLE assets; --"])
ALL_ROLES = sorted({r for spec in LINKS if spec.roles for r in spec.roles})
CURRENT_ROLE = {"agreement_parties": "co_manager", "case_study_actors": "lead", "case_study_assets": None}


def pick_id(kind: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(EXISTING[kind]), HOSTILE_IDS)


def find_spec(kind_a: str, kind_b: str) -> tuple[LinkSpec, bool] | None:
    for spec in LINKS:
        if (spec.left_kind, spec.right_kind) in ((kind_a, kind_b), (kind_b, kind_a)):
            return spec, spec.left_kind != kind_a
    return None


def link_expectations(
    kind_a: str, id_a: str, kind_b: str, id_b: str, role: str | None, unlink: bool
) -> tuple[list[str], tuple[str, str, str] | None]:
    """What `commons link`/`unlink` must say, worked out from the base registry; empty when it must succeed."""
    found = find_spec(kind_a, kind_b)
    if found is None:
        return ["cannot be linked"], None
    spec, reverse = found
    left, right = (id_b, id_a) if reverse else (id_a, id_b)
    key = (spec.table, left, right)
    expect: list[str] = []
    if unlink:
        return ([] if key in EXISTING_LINKS else ["not linked", "UTF-8"]), key
    if spec.roles is None and role:
        expect.append("take no role")
    if spec.roles is not None and not role:
        expect.append("needs --role")
    if spec.roles is not None and role and role not in spec.roles:
        expect.append("not allowed")
    if left not in EXISTING[spec.left_kind] or right not in EXISTING[spec.right_kind]:
        expect += ["there is no", "UTF-8"]
    elif key in EXISTING_LINKS and not expect and CURRENT_ROLE[spec.table] == (role or None):
        expect.append("already linked")
    return expect, key


@fuzz(120)
@given(data=st.data())
def test_link_and_unlink_refuse_dangling_or_wrong_links_clearly(base: Base, data: st.DataObject) -> None:
    kind_a, kind_b = data.draw(KIND_NAMES, label="kind"), data.draw(KIND_NAMES, label="other kind")
    id_a, id_b = data.draw(pick_id(kind_a), label="id"), data.draw(pick_id(kind_b), label="other id")
    role = data.draw(st.one_of(st.none(), st.sampled_from(ALL_ROLES), st.sampled_from(["boss", "CO_MANAGER", "x\udcff", ""])), label="role")
    unlink = data.draw(st.booleans(), label="unlink")
    expect, key = link_expectations(kind_a, id_a, kind_b, id_b, role, unlink)
    args = (
        ["unlink", kind_a, id_a, kind_b, id_b]
        if unlink
        else ["link", kind_a, id_a, kind_b, id_b, *(["--role", role] if role is not None else [])]
    )
    db = base.fresh()
    result = invoke(db, *args)
    if settle(result, db, base, tuple(expect), must_succeed=not expect, what=repr(args)) and key is not None:
        spec = next(s for s in LINKS if s.table == key[0])
        rows = query(db, f"SELECT * FROM [{spec.table}] WHERE [{spec.left_column}] = ? AND [{spec.right_column}] = ?", [key[1], key[2]])
        assert len(rows) == (0 if unlink else 1)
        if not unlink and spec.roles:
            assert rows[0]["role"] == role
        logged = last_logged(db, spec.table, f"{key[1]}/{key[2]}")
        assert logged == ("delete", None) if unlink else logged in (("insert", present(dict(rows[0]))), ("update", present(dict(rows[0]))))


@fuzz(80)
@given(data=st.data())
def test_cite_refuses_bad_sources_clearly(base: Base, data: st.DataObject) -> None:
    kind = data.draw(KIND_NAMES, label="kind")
    record_id = data.draw(pick_id(kind), label="id")
    url = data.draw(value_for(Field("url", "url", "", required=True), KINDS[kind]), label="url")
    title = data.draw(
        st.one_of(value_for(Field("title", "text", "", required=True), KINDS[kind]), st.just(bad("   ", "'title'"))), label="title"
    )
    publisher = data.draw(st.one_of(st.none(), value_for(Field("publisher", "text", ""), KINDS[kind])), label="publisher")
    year = data.draw(
        st.one_of(st.none(), st.integers(1000, 2999).map(str), st.integers(-5000, 99999).map(str), st.sampled_from(["20x6", "", "1e3"])),
        label="year",
    )
    expect = [*url.expect, *title.expect, *(publisher.expect if publisher else ())]
    named = ["'url'", "'title'", "'publisher'", "'year'"]  # once something is wrong, any of these may be reported first
    usage_error = year is not None and not year.lstrip("-").isdigit()
    if usage_error:
        expect.append("--year")
    elif year is not None and not 1000 <= int(year) <= 2999:
        expect.append("'year'")
    if record_id not in EXISTING[kind]:
        expect += ["there is no", "UTF-8"]
    elif (kind, record_id, str(url.text).strip()) == CITED:
        expect.append("already cites")
    args = ["cite", kind, record_id, "--url", url.text, "--title", title.text]
    args += ["--publisher", publisher.text] if publisher is not None else []
    args += ["--year", year] if year is not None else []
    db = base.fresh()
    result = invoke(db, *args)
    if usage_error:
        assert result.exit_code == 2, result.output
    if settle(result, db, base, (*expect, *named) if expect else (), what=repr(args)[:2000]):
        found = query(
            db,
            "SELECT s.title, s.publisher FROM citations c JOIN sources s ON s.id = c.source_id"
            " WHERE c.record_kind = ? AND c.record_id = ? AND s.url = ?",
            [kind, record_id, url.text.strip()],
        )
        assert len(found) == 1 and found[0]["title"] == title.text.strip()


def record_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the records, links, timeline and sources: what remove then restore must give back."""
    tables = [k.table for k in KINDS.values()] + [s.table for s in LINKS] + ["asset_events", "sources", "citations"]
    conn = sqlite3.connect(db)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


@fuzz(60)
@given(data=st.data())
def test_remove_and_restore_refuse_clearly_and_round_trip(base: Base, data: st.DataObject) -> None:
    kind = data.draw(KIND_NAMES, label="kind")
    record_id = data.draw(st.one_of(pick_id(kind), st.just(REMOVED[1])), label="id")
    action = data.draw(st.sampled_from(["remove", "remove-answer-no", "restore"]), label="action")
    db = base.fresh()
    if action == "restore":
        ok = (kind, record_id) == REMOVED
        result = invoke(db, "restore", kind, record_id)
        if settle(
            result,
            db,
            base,
            () if ok else ("exists", "holds no deleted", "UTF-8"),
            must_fail=not ok,
            must_succeed=ok,
            what=f"restore {kind} {record_id!r}",
        ):
            assert stored(db, KINDS[kind], record_id) is not None
            assert query(db, "SELECT count(*) FROM citations WHERE record_id = ?", [record_id])[0][0] == 1
        return
    if action == "remove-answer-no":
        result = invoke(db, "remove", kind, record_id, input="n\n")
        settle(result, db, base, ("Aborted", "there is no", "UTF-8"), must_fail=True, what=f"remove {kind} {record_id!r}, answered no")
        return
    ok = record_id in EXISTING[kind] and record_id not in REFERRED
    result = invoke(db, "remove", kind, record_id, "--yes")
    if settle(
        result,
        db,
        base,
        () if ok else ("still referred to", "there is no", "UTF-8"),
        must_fail=not ok,
        must_succeed=ok,
        what=f"remove {kind} {record_id!r}",
    ):
        assert stored(db, KINDS[kind], record_id) is None
        back = invoke(db, "restore", kind, record_id)
        assert back.exit_code == 0, back.output
        assert record_rows(db) == record_rows(base.path)


# --- import: CSV and JSON -------------------------------------------------------------------------


class Batch:
    """Rows to import, what a refusal must say, and whether the rules accept every row."""

    def __init__(self, kind: Kind, rows: list[dict[str, Any]], expect: list[str], valid: bool) -> None:
        self.kind, self.rows, self.expect, self.valid = kind, rows, expect, valid

    def __repr__(self) -> str:
        return f"Batch({self.kind.name}, rows={self.rows!r}, expect={self.expect!r}, valid={self.valid})"


@st.composite
def batches(draw: st.DrawFn, argv: bool) -> Batch:
    kind = KINDS[draw(KIND_NAMES, label="kind")]
    count = draw(st.integers(0, 4), label="rows")
    rows, expect, touched = [], [], set()
    for n in range(count):
        row: dict[str, Any] = {"id": f"imported-{n}", **GOOD[kind.name]}
        if draw(st.integers(0, 2), label="mutate row?") == 0:
            changed = draw(mutations(kind, with_id=True, argv=argv), label="changes")
            row.update({k: v.text for k, v in changed.items()})
            expect += expected_problems(kind, row, changed)
            touched |= {f"'{name}'" for name in changed}
        rows.append(row)
    if count >= 2 and draw(st.integers(0, 6), label="repeat an id?") == 0:
        rows[-1]["id"] = rows[0]["id"]
        expect += ["appears twice", "already exists"]
    if expect:  # a problem in any row may be the one reported, and generated ids may collide
        expect += [*sorted(touched), "appears twice"]
    return Batch(kind, rows, expect, library_accepts(kind, rows))


def assert_imported(db: Path, batch: Batch) -> None:
    for row in batch.rows:
        got = stored(db, batch.kind, row["id"])
        assert got is not None, row["id"]
        assert_text_fields_stored(batch.kind, got, {k: v for k, v in row.items() if k != "id"})
        assert last_logged(db, batch.kind.table, got["id"]) == ("insert", present(got))


LAYOUTS = ["as-is", "as-is", "shuffled", "drop-required", "unknown-column", "typo", "extra-value", "empty-file", "bad-byte"]


@fuzz(120)
@given(
    batch=batches(argv=False),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
    layout=st.sampled_from(LAYOUTS),
)
def test_csv_import_refuses_bad_files_naming_the_line_and_changes_nothing(
    base: Base, batch: Batch, encoding: str, delimiter: str, layout: str
) -> None:
    kind, expect, rows = batch.kind, list(batch.expect), [dict(r) for r in batch.rows]
    header = ["id", *GOOD[kind.name]] + [k for r in rows for k in r if k not in GOOD[kind.name] and k != "id"]
    header = list(dict.fromkeys(header))
    if layout == "shuffled":
        header = header[::-1]
    elif layout == "drop-required":
        gone = next(f.name for f in kind.fields if f.required and f.name != "id")
        header.remove(gone)
        expect += [f"'{gone}'"] if rows else []
    elif layout == "unknown-column":
        header.append("colour")
        for r in rows:
            r["colour"] = "red"
        # Refused as an unknown field, or (CSVs that need column mapping) read with a note that it was ignored.
        expect += ["colour"] if rows else []
    elif layout == "typo":
        typo = kind.title_field[::-1]
        header[header.index(kind.title_field)] = typo
        for r in rows:
            r[typo] = r.pop(kind.title_field)
        expect += [typo, f"'{kind.title_field}'"] if rows else []
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for n, r in enumerate(rows):
        writer.writerow([r.get(h, "") for h in header] + (["surplus"] if layout == "extra-value" and n == 0 else []))
    text = "" if layout == "empty-file" else out.getvalue()
    expect += ["more values than columns"] if layout == "extra-value" and rows else []
    expect += ["empty"] if layout == "empty-file" else []
    data = text.encode(encoding, errors="replace") if encoding != "cp1252" else b""
    if encoding == "cp1252":
        try:
            data = text.encode("cp1252")
            if data.decode("utf-8", errors="ignore") != text and _decodes_as_utf8(data):
                data = text.encode("utf-8")  # bytes that are valid UTF-8 are read as UTF-8: not a Windows-1252 test
        except UnicodeEncodeError:
            data = text.encode("utf-8")
    if layout == "bad-byte":
        data = data.replace(b"id", b"i\x81d", 1) if encoding != "utf-16" else data[:-1]
        expect += ["not UTF-8", "UTF-16"]
    path = base.folder / f"rows-{next(base.counter)}.csv"
    path.write_bytes(data)
    db = base.fresh()
    result = invoke(db, "import", kind.name, str(path))
    clean_layout = layout in ("as-is", "shuffled")
    what = f"{layout} {encoding} {delimiter!r}\n{text[:1500]!r}"
    if layout == "unknown-column" and rows and (result.exit_code == 0 or not batch.expect):
        assert "colour" in result.output, f"the unknown column is neither refused nor reported\n{what}\n{result.output}"
    must_fail = bool(expect) and not (layout == "unknown-column" and expect == batch.expect + ["colour"])
    if settle(result, db, base, tuple(expect), must_fail=must_fail, must_succeed=clean_layout and batch.valid, what=what):
        assert f"Added {len(rows)} " in result.output
        assert_imported(db, batch)
    elif clean_layout and rows:
        assert " line " in result.output, f"the message does not say which line\n{what}\n{result.output}"


def _decodes_as_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@st.composite
def json_documents(draw: st.DrawFn) -> tuple[Batch, str, list[str], bool]:
    """A JSON import file: rows as native values or text, wrapped or not, sometimes broken; and whether its shape is fine."""
    batch = draw(batches(argv=True))
    expect = list(batch.expect)
    rows: list[dict[str, Any]] = []
    for row in batch.rows:
        native = dict(row)
        if draw(st.booleans(), label="native numbers and lists?"):
            for f in batch.kind.fields:
                value = native.get(f.name)
                if f.type in ("lat", "lon", "number") and isinstance(value, str):
                    try:
                        native[f.name] = float(value)
                    except ValueError:
                        pass
                if f.type == "enum_list" and isinstance(value, str) and not value.strip().startswith("["):
                    native[f.name] = [p.strip() for p in re.split(r"[,;]", value) if p.strip()]
        rows.append(native)
    batch = Batch(batch.kind, rows, batch.expect, library_accepts(batch.kind, rows))
    shape = draw(
        st.sampled_from(
            ["list", "list", "wrapped", "single", "truncated", "not-objects", "nested", "big-number", "huge-int", "deep", "nan"]
        ),
        label="shape",
    )
    document: Any = rows
    text = None
    fine = shape in ("list", "wrapped") or (shape == "single" and len(rows) == 1)
    if shape == "wrapped":
        document = {batch.kind.name: rows}
    elif shape == "single" and len(rows) == 1:
        document = rows[0]
    elif shape == "not-objects":
        document = [*rows, draw(st.sampled_from(["a string", 3, None, ["a", "list"]]))]
        expect.append("expected a JSON list")
    elif shape == "nested" and rows:
        rows[0][batch.kind.title_field] = {"en": "Title", "it": "Titolo"}
        expect.append("expected a single value")
    elif shape == "big-number" and rows and "lat" in batch.kind.field_names:
        text = json.dumps(rows).replace('"lat": ', '"lat": 1' + "0" * 400 + ', "x_lat": ', 1)
        expect.append("'lat'")
    elif shape == "huge-int":
        text = '[{"id": "big", "lat": 1' + "0" * 5000 + "}]"
        expect += ["not valid JSON", "'lat'"]
    elif shape == "deep":
        text = "[" * 50_000 + "]" * 50_000
        expect += ["not valid JSON", "expected a JSON list"]
    elif shape == "nan" and rows and "lat" in batch.kind.field_names:
        text = json.dumps(rows).replace('"lat": ', '"lat": NaN, "x_lat": ', 1)
        expect.append("'lat'")
    else:
        fine = fine or shape in ("nested", "big-number", "nan")  # nothing to break: a plain list
    if text is None:
        raw = json.dumps(document, ensure_ascii=False)
        ascii_only = draw(st.booleans(), label="ascii?") or any("\ud800" <= ch <= "\udfff" for ch in raw)  # else not encodable
        text = json.dumps(document, ensure_ascii=ascii_only, indent=draw(st.sampled_from([None, 2]), label="indent"))
    if shape == "truncated":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)), label="cut at")]
        try:
            json.loads(text)
        except ValueError:
            expect.append("not valid JSON")
        else:
            expect.append("expected a JSON list")
    return batch, text, expect, fine


@fuzz(120)
@given(
    document=json_documents(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    suffix=st.sampled_from([".json", ".json", ".geojson"]),
)
def test_json_import_refuses_broken_documents_naming_the_item_and_changes_nothing(
    base: Base, document: tuple[Batch, str, list[str], bool], encoding: str, suffix: str
) -> None:
    batch, text, expect, fine = document
    path = base.folder / f"rows-{next(base.counter)}{suffix}"
    path.write_bytes(text.encode(encoding))
    db = base.fresh()
    result = invoke(db, "import", batch.kind.name, str(path))
    what = f"{suffix} {encoding} {text[:1500]!r}"
    if suffix == ".geojson":
        settle(result, db, base, (*expect, "GeoJSON", "geojson", "Feature", "spatial", "GIS"), must_fail=True, what=what)
        return
    if settle(result, db, base, tuple(expect), must_succeed=fine and batch.valid, what=what):
        assert f"Added {len(batch.rows)} " in result.output
        assert_imported(db, batch)
    elif fine and batch.rows:
        assert " item " in result.output, f"the message does not say which item\n{what}\n{result.output}"


@fuzz(30)
@given(cut=st.integers(0, 10_000), kind=st.sampled_from(["assets", "actors", "cases"]))
def test_truncated_geojson_is_refused_clearly(base: Base, cut: int, kind: str) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [14.25 + n / 100, 40.85]},
            "properties": {k: v for k, v in {"id": f"geo-{n}", **GOOD[kind]}.items() if k not in ("lat", "lon")},
        }
        for n in range(2)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features})
    text = text[: cut % len(text)]
    path = base.folder / f"features-{next(base.counter)}.geojson"
    path.write_text(text, encoding="utf-8")
    db = base.fresh()
    result = invoke(db, "import", kind, str(path))
    settle(result, db, base, (path.name,), must_fail=True, what=f"{kind} {text!r}")


def district_file(draw: st.DrawFn, folder: Path, number: int) -> tuple[Path, str]:
    """A districts GeoJSON, then broken in one of the ways a city's file arrives broken."""
    ring = [[14.2, 40.8], [14.3, 40.8], [14.3, 40.9], [14.2, 40.9], [14.2, 40.8]]
    features = [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {"id": f"d-{n}", "name": f"District {n}"}}
        for n in range(2)
    ]
    document: Any = {"type": "FeatureCollection", "features": features}
    how = draw(st.sampled_from(["cut", "point", "no-names", "bad-ring", "garbage", "empty", "not-geojson"]))
    if how == "point":
        features[draw(st.integers(0, 1))]["geometry"] = {"type": "Point", "coordinates": [14.25, 40.85]}
    elif how == "no-names":
        for feature in features:
            feature["properties"] = {"other": draw(st.text(max_size=20))}
    elif how == "bad-ring":
        features[0]["geometry"]["coordinates"] = [[[draw(st.floats(allow_nan=True)), 40.8], [14.3, 40.8]]]
    text = json.dumps(document)
    if how == "cut":
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif how == "garbage":
        text = draw(st.text(max_size=200))
    elif how == "empty":
        text = ""
    elif how == "not-geojson":
        text = json.dumps(
            draw(st.one_of(st.lists(st.integers(), max_size=5), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)))
        )
    path = folder / f"districts-{number}.geojson"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path, how


@fuzz(40)
@given(data=st.data())
def test_districts_load_refuses_broken_boundary_files_clearly(base: Base, data: st.DataObject) -> None:
    path, how = district_file(data.draw, base.folder, next(base.counter))
    db = base.fresh()
    result = invoke(db, "districts", "load", str(path), "--city", "Napoli")
    settle(result, db, base, what=f"{how}: {path.read_text(encoding='utf-8', errors='replace')[:300]!r}")


@fuzz(40)
@given(cut=st.integers(0, 200_000), how=st.sampled_from(["cut", "garbage", "another program's", "empty"]), seed=st.binary(max_size=64))
def test_restore_backup_refuses_a_bad_file_and_leaves_the_registry_byte_for_byte(base: Base, cut: int, how: str, seed: bytes) -> None:
    backup = base.folder / f"backup-{next(base.counter)}.db"
    if how == "cut":
        backup.write_bytes(base.path.read_bytes()[:cut])
    elif how == "garbage":
        backup.write_bytes(b"SQLite format 3\x00" + seed * 64)
    elif how == "another program's":
        conn = sqlite3.connect(backup)
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES (?)", [seed.hex()])
        conn.commit()
        conn.close()
    else:
        backup.write_bytes(b"")
    db = base.fresh()
    before = db.read_bytes()
    result = invoke(db, "restore-backup", str(backup), "--yes")
    accepted = settle(result, db, base, what=f"{how} {cut}")
    if not accepted:
        assert db.read_bytes() == before
