"""`commons intake serve`: the public's forms received in full, checked, kept apart from the registry, and nobody let in.

Most tests talk over HTTP to the real service, started as `commons intake serve`
on 127.0.0.1 with a copy of the example registry. It trusts 127.0.0.1 to name
the client (X-Forwarded-For), as it trusts a reverse proxy, so each test speaks
as clients of its own and the rate limit counts them apart. Hypothesis drives
the same application in-process, where thousands of requests take seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from processes import read_line, stop
from reliability import scaled

from registry.cli import cli
from registry.intake.app import IntakeSettings, create_app
from registry.model.contributions import FORM_NAMES, FORMAT, HONEYPOT, VERSION
from registry.model.kinds import KINDS
from registry.operations.contributions import accept_contribution
from registry.operations.records import add_record
from registry.site.languages import translations
from registry.site.settings import project_root
from registry.store.contributions import Received, list_contributions, open_contributions
from registry.store.database import open_registry

ROOT = Path(__file__).resolve().parents[1]
FORM = "application/x-www-form-urlencoded"
ADDRESSES = (f"2001:db8::{n:x}" for n in itertools.count(1))
SECURITY_HEADERS = ("cache-control", "x-content-type-options", "referrer-policy", "content-security-policy")


@dataclass
class Service:
    """A running `commons intake serve`: its address, its files and its log."""

    url: str
    process: subprocess.Popen[str]
    registry: Path
    contributions: Path
    log: Path

    def post(self, pairs: list[tuple[str, str]], client: str | None = None, **headers: str) -> httpx.Response:
        """Send a form as the site does, from a client address of this test's own."""
        sent = {"content-type": FORM, "x-forwarded-for": client or next(ADDRESSES), **headers}
        return httpx.post(self.url + "contributions", content=urlencode(pairs), headers=sent, timeout=30)

    def received(self) -> list[Received]:
        store = open_contributions(self.contributions)
        try:
            return list_contributions(store)
        finally:
            store.close()

    def assert_no_traceback(self) -> None:
        log = self.log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log and "ERROR" not in log, log


class InProcess:
    """The service's application driven in this process through httpx, on one event loop kept for its requests."""

    def __init__(self, settings: IntakeSettings) -> None:
        self.app = create_app(settings)
        self.runner = asyncio.Runner()
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://intake.test")

    def post(self, path: str, **options: Any) -> httpx.Response:
        return self.runner.run(self.client.post(path, **options))

    def close(self) -> None:
        self.runner.run(self.client.aclose())
        self.runner.close()
        self.app.state.intake.close()


@contextmanager
def in_process(settings: IntakeSettings) -> Iterator[InProcess]:
    driven = InProcess(settings)
    try:
        yield driven
    finally:
        driven.close()


@contextmanager
def running_service(registry: Path, folder: Path, *options: str) -> Iterator[Service]:
    """Start `commons intake serve` on a free port and stop it afterwards."""
    contributions = folder / "contributions.db"
    log = folder / "intake.log"
    command = [
        sys.executable,
        "-m",
        "registry",
        "--db",
        str(registry),
        "intake",
        "serve",
        "--port",
        "0",
        "--contributions",
        str(contributions),
        "--site-url",
        "https://commons.example.org/",
        *options,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    with log.open("w", encoding="utf-8") as errors:
        process = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
    try:
        line = read_line(process.stdout, timeout=60)
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not match:
            process.kill()
            pytest.fail(f"`commons intake serve` announced no address: {line!r} {log.read_text()}")
        service = Service(match.group(0), process, registry, contributions, log)
        assert httpx.get(service.url, timeout=30).status_code == 200
        yield service
    finally:
        stop(process)


@pytest.fixture(scope="module")
def service(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("intake")
    registry = folder / "registry.db"
    shutil.copyfile(example_master, registry)
    with running_service(registry, folder, "--rate", "60") as running:
        yield running


def suggestion(name: str, **extra: str) -> list[tuple[str, str]]:
    """The fields the site's "Suggest a place" form sends, filled in."""
    pairs = [
        ("action", "suggest"),
        ("kind", "assets"),
        ("lang", "en"),
        ("f.name", name),
        ("f.kind", "garden"),
        ("f.status", "occupied"),
        ("f.city", "Napoli"),
        ("f.country", "IT"),
        ("note", ""),
        ("contributor_name", ""),
        ("contributor_email", ""),
        ("contributor_organisation", ""),
        ("credit", "public"),
        (HONEYPOT, ""),
    ]
    return [(key, extra.pop(key, value)) for key, value in pairs] + list(extra.items())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Nothing lost -------------------------------------------------------------------


def test_a_thousand_contributions_from_twenty_clients_are_each_kept_once_and_accepted_once(service: Service) -> None:
    clients, each = 20, 50

    def send(client: int) -> list[int]:
        address = next(ADDRESSES)
        with httpx.Client(timeout=60) as http:
            statuses = []
            for n in range(each):
                body = urlencode(suggestion(f"Orto condiviso {client}-{n}", note=f"batch {client}-{n}"))
                response = http.post(
                    service.url + "contributions", content=body, headers={"content-type": FORM, "x-forwarded-for": address}
                )
                statuses.append(response.status_code)
            return statuses

    with ThreadPoolExecutor(clients) as pool:
        statuses = [status for result in pool.map(send, range(clients)) for status in result]
    assert statuses == [200] * clients * each

    names = [
        r.contribution.fields["name"] for r in service.received() if r.contribution.fields.get("name", "").startswith("Orto condiviso ")
    ]
    expected = sorted(f"Orto condiviso {c}-{n}" for c in range(clients) for n in range(each))
    assert sorted(names) == expected

    numbers = [r.number for r in service.received() if r.contribution.fields.get("name", "").startswith("Orto condiviso ")]
    registry = open_registry(service.registry, by="reviewer")
    store = open_contributions(service.contributions)
    try:
        created = [accept_contribution(registry, store, number).record_id for number in numbers]
        rows = registry.conn.execute("SELECT id, name FROM assets WHERE name LIKE 'Orto condiviso %'").fetchall()
        credits = registry.conn.execute("SELECT count(*), count(DISTINCT contribution) FROM credits").fetchone()
    finally:
        store.close()
        registry.close()
    assert len(set(created)) == clients * each
    assert sorted(name for _, name in rows) == expected
    assert credits == (clients * each, clients * each)
    service.assert_no_traceback()


def test_the_same_form_sent_twice_is_kept_once(service: Service) -> None:
    form = suggestion("Giardino ripetuto")
    first, second = service.post(form), service.post(form)
    assert first.status_code == second.status_code == 200
    number = re.search(r"number (\d+)", first.text)
    assert number and f"already been received, as number {number.group(1)}" in second.text
    assert [r.number for r in service.received() if r.contribution.fields.get("name") == "Giardino ripetuto"] == [int(number.group(1))]


def test_a_contribution_file_sent_as_json_is_kept(service: Service) -> None:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "action": "change",
        "kind": "assets",
        "record": "nap-asilo",
        "fields": {"website": "https://www.exasilofilangieri.it/"},
        "note": "sent from the saved file",
        "contributor": {"name": "", "email": "", "organisation": "", "credit": "public"},
        "language": "it",
        "sent_at": "2026-05-01T10:00:00Z",
    }
    response = httpx.post(service.url + "contributions", json=data, headers={"x-forwarded-for": next(ADDRESSES)})
    assert response.status_code == 200, response.text
    assert '<html lang="it" dir="ltr">' in response.text
    assert [r.contribution.record_id for r in service.received() if r.contribution.note == "sent from the saved file"] == ["nap-asilo"]


def test_a_change_to_a_record_that_does_not_exist_is_refused_by_name(service: Service) -> None:
    before = len(service.received())
    response = service.post(
        [("action", "change"), ("kind", "assets"), ("record", "nap-asil"), ("f.website", "https://example.org/"), (HONEYPOT, "")]
    )
    assert response.status_code == 400
    assert "there is no asset &#39;nap-asil&#39;" in response.text and "nap-asilo" in response.text
    assert len(service.received()) == before


def test_a_record_staff_add_while_the_service_runs_can_be_reported_on_at_once(service: Service) -> None:
    change = [("action", "change"), ("kind", "assets"), ("record", "orto-nuovo-di-staff"), ("note", "the gate is open on Sundays")]
    assert service.post(change).status_code == 400
    registry = open_registry(service.registry, by="staff")
    try:
        add_record(registry, "assets", {"id": "orto-nuovo-di-staff", "name": "Orto nuovo", "kind": "garden", "status": "occupied"})
    finally:
        registry.close()
    assert service.post(change).status_code == 200
    assert [r.contribution.record_id for r in service.received() if r.contribution.note == "the gate is open on Sundays"] == [
        "orto-nuovo-di-staff"
    ]


# Nobody in ----------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


def test_script_and_html_are_kept_as_text_and_answered_escaped(service: Service) -> None:
    form = suggestion(f"Orto {SCRIPT}", note=ATTRIBUTE, contributor_name=SCRIPT, contributor_organisation=ATTRIBUTE)
    response = service.post(form)
    assert response.status_code == 200
    assert SCRIPT not in response.text and "<img" not in response.text
    assert "Thank you, &lt;script&gt;alert(1)&lt;/script&gt;." in response.text
    [kept] = [r.contribution for r in service.received() if r.contribution.fields.get("name") == f"Orto {SCRIPT}"]
    assert (kept.note, kept.contributor.name, kept.contributor.organisation) == (ATTRIBUTE, SCRIPT, ATTRIBUTE)

    for field, escaped in (
        (f"f.{SCRIPT}", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        (ATTRIBUTE, "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"),
    ):
        refused = service.post(suggestion("Orto", **{field: ATTRIBUTE}))
        assert refused.status_code == 400
        assert SCRIPT not in refused.text and "<img" not in refused.text
        assert escaped in refused.text


def test_an_oversized_contribution_is_refused_clearly_and_not_read(service: Service) -> None:
    before = len(service.received())
    declared = service.post(suggestion("Orto grande", note="x" * 70_000))
    assert declared.status_code == 413
    assert "The contribution is too large" in declared.text and "at most 64 KB" in declared.text

    def chunks() -> Iterator[bytes]:
        yield urlencode(suggestion("Orto a pezzi")).encode()
        for _ in range(100):
            yield b"&note=" + b"y" * 4000

    streamed = httpx.post(
        service.url + "contributions", content=chunks(), headers={"content-type": FORM, "x-forwarded-for": next(ADDRESSES)}, timeout=30
    )
    assert "content-length" not in streamed.request.headers
    assert streamed.status_code == 413 and "The contribution is too large" in streamed.text
    assert len(service.received()) == before
    service.assert_no_traceback()


def test_a_flood_from_one_client_is_refused_with_retry_after_and_others_still_get_through(service: Service) -> None:
    flooder = next(ADDRESSES)
    with httpx.Client(timeout=30) as http:
        answers = [
            http.post(service.url + "contributions", content=b"", headers={"content-type": FORM, "x-forwarded-for": flooder})
            for _ in range(61)
        ]
    assert [a.status_code for a in answers[:60]] == [400] * 60
    refused = answers[60]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "Too many contributions from your address" in refused.text
    assert f"Wait {refused.headers['retry-after']} seconds" in refused.text
    assert service.post(suggestion("Orto dopo la piena")).status_code == 200


def test_a_form_only_a_bot_fills_in_is_thanked_and_not_kept(service: Service) -> None:
    before = len(service.received())
    response = service.post(suggestion("Orto dei bot", **{HONEYPOT: "https://spam.example/"}))
    assert response.status_code == 200 and "Thank you" in response.text and "Your contribution was received." in response.text
    invalid = service.post([("action", "nonsense"), (HONEYPOT, "https://spam.example/")])
    assert invalid.status_code == 200 and "Thank you" in invalid.text
    assert len(service.received()) == before


BAD_REQUESTS: list[tuple[str, bytes, int]] = [
    (FORM, b"action=suggest&kind=assets&f.name=%ff%fe", 400),
    (FORM, b"action=suggest&f.name=\xff\xfe", 400),
    (FORM, b"&".join(b"f.x%d=1" % n for n in range(5000)), 400),
    (FORM, b"action=suggest&action=change", 400),
    ("application/json", b"[" * 50_000, 400),
    ("application/json", b'{"format": ' + b"9" * 10_000 + b"}", 400),
    ("application/json", b'{"action": ["suggest"], "kind": {}, "fields": [], "contributor": {"credit": []}}', 400),
    (
        "application/json",
        b'{"record": "\\ud800", "kind": "assets", "action": "change", "format": "commons-contribution", "version": 1, "fields": {"website": "https://example.org/"}}',
        400,
    ),
    (
        "application/json",
        b'{"record": "\\ud800", "kind": "assets", "action": "change", "format": "commons-contribution", "version": 1, "note": "x"}',
        400,
    ),
    (
        "application/json",
        b'{"record": "nap-asilo\\u0000", "kind": "assets", "action": "change", "format": "commons-contribution", "version": 1, "note": "x"}',
        400,
    ),
    ("text/plain", b"action=suggest", 415),
    ("multipart/form-data; boundary=x", b"--x--", 415),
    ("", b"", 415),
]


def test_bad_requests_get_a_clear_refusal_and_never_a_server_error(service: Service) -> None:
    before = len(service.received())
    for content_type, body, status in BAD_REQUESTS:
        response = httpx.post(
            service.url + "contributions", content=body, headers={"content-type": content_type, "x-forwarded-for": next(ADDRESSES)}
        )
        assert response.status_code == status, (content_type, body[:60], response.text)
        assert "Traceback" not in response.text
    assert len(service.received()) == before
    service.assert_no_traceback()


def test_every_answer_sets_the_security_headers_and_never_a_cookie(service: Service) -> None:
    flooder = next(ADDRESSES)
    answers = {
        "home": httpx.get(service.url),
        "head": httpx.head(service.url),
        "thanks": service.post(suggestion("Orto con le intestazioni")),
        "problems": service.post([("action", "suggest")]),
        "wrong method": httpx.get(service.url + "contributions"),
        "nowhere": httpx.get(service.url + "wp-login.php"),
        "too large": service.post([("note", "x" * 65_000)]),
        "unsupported": httpx.post(service.url + "contributions", content=b"x", headers={"content-type": "text/plain"}),
        "flooded": [service.post([], client=flooder) for _ in range(61)][-1],
    }
    assert [name for name, a in answers.items() if a.status_code >= 500] == []
    assert answers["flooded"].status_code == 429 and answers["wrong method"].status_code == 405
    assert answers["wrong method"].headers["allow"] == "POST"
    for name, answer in answers.items():
        assert "set-cookie" not in answer.headers, name
        for header in SECURITY_HEADERS:
            assert header in answer.headers, (name, header)
        assert answer.headers["cache-control"] == "no-store"
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["content-type"] == "text/html; charset=utf-8", name
    assert "server" not in answers["home"].headers


# Answered in the visitor's language ------------------------------------------------


def test_the_answer_is_in_the_form_language_else_the_browser_language_else_english(service: Service) -> None:
    def opening(response: httpx.Response) -> str:
        found = re.search(r"<html [^>]*>", response.text)
        return found.group(0) if found else ""

    assert opening(service.post(suggestion("Orto italiano", lang="it"))) == '<html lang="it" dir="ltr">'
    assert opening(service.post(suggestion("حديقة", lang="ar"))) == '<html lang="ar" dir="rtl">'
    assert opening(service.post([("action", "suggest"), ("lang", "ar")])) == '<html lang="ar" dir="rtl">'
    assert (
        opening(service.post(suggestion("Jardin", lang=""), **{"accept-language": "fr-CA,fr;q=0.9,en;q=0.5"}))
        == '<html lang="fr" dir="ltr">'
    )
    assert opening(service.post(suggestion("Jardín", lang="xx"), **{"accept-language": "de, es;q=0.8"})) == '<html lang="es" dir="ltr">'
    assert opening(service.post(suggestion("Garten", lang=""), **{"accept-language": "de-DE, es;q=0"})) == '<html lang="en" dir="ltr">'
    assert opening(httpx.get(service.url, headers={"accept-language": "el"})) == '<html lang="el" dir="ltr">'


VNU = Path(os.environ.get("VNU_JAR", ROOT / ".venv" / "node" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"))
JAVA = shutil.which("java")


@pytest.mark.skipif(not (VNU.is_file() and JAVA) and not os.environ.get("CI"), reason="the Nu HTML checker needs java and vnu-jar")
def test_the_answer_pages_are_valid_html(service: Service, tmp_path: Path) -> None:
    assert VNU.is_file() and JAVA, "CI must run the Nu HTML checker: install java and vnu-jar (scripts/test.sh)"
    pages = {
        "home.html": httpx.get(service.url),
        "thanks.html": service.post(suggestion("Orto valido", contributor_name=SCRIPT)),
        "problems.html": service.post(suggestion("Orto", **{f"f.{SCRIPT}": ATTRIBUTE}), **{"accept-language": "ar"}),
        "too-large.html": service.post([("note", "x" * 65_000)]),
        "nowhere.html": httpx.get(service.url + "nowhere"),
    }
    for name, response in pages.items():
        (tmp_path / name).write_bytes(response.content)
    done = subprocess.run(
        [JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *(str(tmp_path / name) for name in pages)],
        capture_output=True,
        text=True,
    )
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    assert [f"{m.get('url', '').rsplit('/', 1)[-1]}: {m.get('message')}" for m in messages if m.get("type") == "error"] == []


# The registry is never written ----------------------------------------------------


@pytest.fixture
def read_only_registry(example_master: Path, tmp_path: Path) -> Iterator[Path]:
    registry = tmp_path / "registry.db"
    shutil.copyfile(example_master, registry)
    assert not Path(f"{registry}-wal").exists()
    registry.chmod(0o444)
    yield registry
    registry.chmod(0o644)


def test_the_service_keeps_contributions_while_the_registry_stays_read_only_and_unchanged(read_only_registry: Path, tmp_path: Path) -> None:
    before = digest(read_only_registry)
    with running_service(read_only_registry, tmp_path) as running:
        assert running.post(suggestion("Orto in sola lettura")).status_code == 200
        change = [("action", "change"), ("kind", "assets"), ("record", "nap-asilo"), ("f.website", "https://exasilofilangieri.it/")]
        assert running.post(change).status_code == 200
        assert [r.contribution.action for r in running.received()] == ["suggest", "change"]
        running.assert_no_traceback()
    assert digest(read_only_registry) == before
    assert stat.S_IMODE(read_only_registry.stat().st_mode) == 0o444


def test_the_service_reads_the_registry_through_a_connection_that_cannot_write(example_registry: Path, tmp_path: Path) -> None:
    """Even where the file could be written (or the service runs as root), SQLite refuses every write through it."""
    before = digest(example_registry)
    with in_process(IntakeSettings(registry=example_registry, contributions=tmp_path / "contributions.db")) as driven:
        registry = driven.app.state.intake.open_registry()
        try:
            assert registry.read_only
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                registry.conn.execute("UPDATE assets SET name = 'changed'")
        finally:
            registry.close()
        assert driven.post("/contributions", content=urlencode(suggestion("Orto")), headers={"content-type": FORM}).status_code == 200
    assert digest(example_registry) == before


def test_an_unexpected_failure_answers_a_plain_page_that_gives_nothing_away(example_registry: Path, tmp_path: Path) -> None:
    with in_process(IntakeSettings(registry=example_registry, contributions=tmp_path / "contributions.db")) as driven:
        driven.app.state.intake.store.conn.close()  # the contributions file gone from under the service
        response = driven.post(
            "/contributions", content=urlencode(suggestion("Orto")), headers={"content-type": FORM, "accept-language": "it"}
        )
    assert response.status_code == 500
    italian = translations(project_root() / "locale", "it")
    assert italian.gettext("Something went wrong") in response.text and '<html lang="it"' in response.text
    for detail in ("Traceback", "sqlite", "ProgrammingError", "closed", str(tmp_path)):
        assert detail not in response.text
    assert "set-cookie" not in response.headers and response.headers["cache-control"] == "no-store"


def test_the_command_refuses_a_missing_registry_and_a_bad_site_address(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["--db", str(tmp_path / "nowhere.db"), "intake", "serve", "--port", "0"])
    assert missing.exit_code == 1 and "no registry at" in missing.output and missing.exception is not None
    assert not (tmp_path / "nowhere.contributions.db").exists()
    bad_url = CliRunner().invoke(cli, ["--db", str(tmp_path / "nowhere.db"), "intake", "serve", "--site-url", "javascript:alert(1)"])
    assert bad_url.exit_code == 2 and "is not a web address" in bad_url.output


# Generated bad input ---------------------------------------------------------------


@pytest.fixture(scope="module")
def app_client(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    folder = tmp_path_factory.mktemp("intake-app")
    registry = folder / "registry.db"
    shutil.copyfile(example_master, registry)
    with in_process(IntakeSettings(registry=registry, contributions=folder / "contributions.db", per_minute=10**9)) as driven:
        yield driven


FUZZ = settings(
    max_examples=scaled(150, 2000),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

OFFERED = sorted({name for kind in KINDS.values() if kind.contributions for name in kind.contributions.fields})
texts = st.text(max_size=80) | st.sampled_from(
    ["", " ", "assets", "actors", "suggest", "change", "nap-asilo", "public", "organisation", "ar"]
)
names = st.sampled_from([*FORM_NAMES, *(f"f.{n}" for n in OFFERED)]) | st.text(max_size=30)
# JSON can carry what UTF-8 cannot: lone surrogates, written as \\ud800 escapes.
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
content_types = st.sampled_from(
    [FORM, "application/json", f"{FORM}; charset=latin-1", "application/JSON", "text/plain", "", "multipart/form-data"]
)


def assert_answered(response: httpx.Response) -> None:
    assert response.status_code in (200, 400, 413, 415), response.text
    assert "Traceback" not in response.text
    assert "set-cookie" not in response.headers


@FUZZ
@given(pairs=st.lists(st.tuples(names, texts), max_size=30), language=st.sampled_from(["", "it", "ar", "zz", "de-DE;q=x"]))
def test_generated_forms_are_answered_without_a_server_error(app_client: InProcess, pairs: list[tuple[str, str]], language: str) -> None:
    response = app_client.post("/contributions", content=urlencode(pairs), headers={"content-type": FORM, "accept-language": language})
    assert_answered(response)


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "format": st.just(FORMAT) | json_values,
            "version": st.just(VERSION) | json_values,
            "action": st.sampled_from(["suggest", "change"]) | json_values,
            "kind": st.sampled_from(["assets", "actors", "agreements", "cases"]) | json_values,
            "record": st.sampled_from(["nap-asilo", "nap-asilo\ud800", "\x00"]) | json_values,
            "fields": st.dictionaries(st.sampled_from(OFFERED) | any_text, json_values, max_size=6) | json_values,
            "note": json_values,
            "contributor": st.dictionaries(st.sampled_from(["name", "email", "organisation", "credit"]), json_values) | json_values,
            "language": json_values,
            "sent_at": json_values,
        },
    )
    | json_values
)
def test_generated_json_is_answered_without_a_server_error(app_client: InProcess, data: Any) -> None:
    response = app_client.post("/contributions", content=json.dumps(data, allow_nan=True), headers={"content-type": "application/json"})
    assert_answered(response)


@FUZZ
@given(
    body=st.binary(max_size=2000)
    | st.lists(st.binary(max_size=20).map(lambda b: "".join(f"%{x:02X}" for x in b)), max_size=20).map(
        lambda parts: "=".join(parts).encode()
    ),
    content_type=content_types,
)
def test_generated_bytes_are_answered_without_a_server_error(app_client: InProcess, body: bytes, content_type: str) -> None:
    assert_answered(app_client.post("/contributions", content=body, headers={"content-type": content_type}))


@FUZZ
@given(count=st.integers(1, 20_000), size=st.integers(0, 200))
def test_huge_field_counts_and_sizes_are_refused_without_a_server_error(app_client: InProcess, count: int, size: int) -> None:
    body = "&".join(f"f.name={'x' * size}" for _ in range(count)).encode()
    response = app_client.post("/contributions", content=body, headers={"content-type": FORM})
    assert_answered(response)
    if len(body) > 64_000:
        assert response.status_code == 413
