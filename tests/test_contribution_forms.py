"""The contribution forms of the static site, the contributor's page and the credit a contributed record shows.

Sites are built from copies of the example: with the lab's e-mail address (the
forms prepare a contribution to send by e-mail or save as a file), with an
intake service (a real one-route server on 127.0.0.1 that keeps what it is
posted) and with neither (no forms). A real browser fills the forms, with and
without JavaScript; the saved file and the e-mail's body are read back by the
model's own reader, the contribution is accepted into the registry, and the
rebuilt record page credits it and shows its hostile text as text. The Nu HTML
checker and axe-core check the pages that carry a form.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from chromium import CHROMIUM, QuietHandler, launch_chromium
from conftest import BuiltSite, build_example_copy, build_test_site
from test_browser_site import TILE_HOST_SUFFIXES, serious_violations
from test_html_validity import JAVA, VNU

from registry.cli.base import cli
from registry.model.contributions import (
    BEGIN_MARKER,
    END_MARKER,
    FIELD_PREFIX,
    FORM_NAMES,
    HONEYPOT,
    contribution_from_form,
    parse_contribution,
    read_contribution_text,
)
from registry.model.errors import ValidationError
from registry.model.kinds import KINDS
from registry.operations.contributions import accept_contribution, receive_contribution
from registry.site.languages import site_languages
from registry.site.settings import SiteSettings, project_root
from registry.store.contributions import default_contributions_path, open_contributions
from registry.store.database import open_registry

EMAIL = "commons@lab.example"
REVIEW_DAYS = 9
RECORD = "assets/nap-asilo/index.html"
LANGUAGES = site_languages(project_root() / "locale", "en", None)
HOSTILE_ORGANISATION = "<img src=x onerror=alert(2)> Friends of the garden"

browser_only = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (apt-get install -y chromium)")


# --- Reading the forms out of the built pages ---


class Forms(HTMLParser):
    """The controls of a page's contribution form, with their attributes, and the labels that name them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form: dict[str, str | None] | None = None
        self.controls: list[tuple[str, dict[str, str | None]]] = []
        self.labels: set[str] = set()
        self.wrapped: list[str] = []  # the names of controls inside their label
        self.links: list[str] = []
        self._inside = self._label = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and "contribution" in (a.get("class") or ""):
            self.form, self._inside = a, True
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "label":
            self._label = True
            if a.get("for"):
                self.labels.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and (self._inside or a.get("form") == "contribution"):
            self.controls.append((tag, a))
            if self._label:
                self.wrapped.append(str(a.get("name")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        if tag == "label":
            self._label = False

    def named(self, name: str) -> dict[str, str | None]:
        return next(a for _, a in self.controls if a.get("name") == name)

    @property
    def names(self) -> set[str]:
        return {str(a["name"]) for _, a in self.controls}


def forms(path: Path) -> Forms:
    return Forms(path.read_text(encoding="utf-8"))


def record_pages(output: Path, kind: str) -> list[Path]:
    """The kind's record pages, not its filter pages."""
    facets = {facet.name for facet in KINDS[kind].facets}
    return [path for path in sorted((output / kind).glob("*/index.html")) if path.parent.name not in facets]


def offered(kind: str) -> set[str]:
    spec = KINDS[kind].contributions
    assert spec is not None
    return {f"{FIELD_PREFIX}{name}" for name in spec.fields}


# --- The sites ---


@pytest.fixture(scope="module")
def mail_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The example in every language, its forms sending to the lab's e-mail address."""
    folder = tmp_path_factory.mktemp("mail-site")
    return build_example_copy(example_master, folder, contact_email=EMAIL, review_days=REVIEW_DAYS, search=False, languages=LANGUAGES)


@pytest.fixture(scope="module")
def closed_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The example built with no address to send contributions to."""
    return build_example_copy(example_master, tmp_path_factory.mktemp("closed-site"), search=False, languages=("en", "ar"))


@dataclass
class Intake:
    """A stand-in for the lab's intake service on 127.0.0.1: it keeps each body posted to /contributions."""

    url: str
    received: list[str]


@pytest.fixture(scope="module")
def intake() -> Iterator[Intake]:
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            if self.path == "/contributions" and self.headers.get("Content-Type") == "application/x-www-form-urlencoded":
                received.append(body)
            page = b"<!DOCTYPE html><html lang=en><title>Received</title><h1>Thank you</h1></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Intake(f"http://127.0.0.1:{server.server_address[1]}/", received)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def intake_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory, intake: Intake) -> BuiltSite:
    """The example with its forms posting to the intake service."""
    folder = tmp_path_factory.mktemp("intake-site")
    return build_example_copy(example_master, folder, contact_email=EMAIL, intake_url=intake.url, search=False)


def serve(folder: Path) -> Iterator[str]:
    """A built site served as it is on 127.0.0.1 (a rebuild into the folder is served at once)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


def local_only(context: Any) -> list[str]:
    """Abort every request that would leave 127.0.0.1; the list says which were tried."""
    outside: list[str] = []

    def route(request_route: Any) -> None:
        if urlsplit(request_route.request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    return outside


# --- The pages as built ---


def test_the_assets_index_carries_the_suggest_form_with_the_declared_fields_and_names(mail_site: BuiltSite) -> None:
    page = forms(mail_site.output / "assets" / "index.html")
    assert page.form is not None
    assert page.form["method"] == "post"
    assert page.form["action"] == f"mailto:{EMAIL}" and page.form["enctype"] == "text/plain"
    assert page.names == offered("assets") | set(FORM_NAMES)
    assert {name: page.named(name)["value"] for name in ("action", "kind", "lang", "record")} == {
        "action": "suggest",
        "kind": "assets",
        "lang": "en",
        "record": "",
    }
    required = {str(a["name"]) for _, a in page.controls if "required" in a}
    assert required == {name for name in offered("assets") if KINDS["assets"].field(name.removeprefix(FIELD_PREFIX)).required}
    assert required == {"f.name", "f.kind", "f.status"}
    lat, lon = page.named("f.lat"), page.named("f.lon")
    assert (lat["type"], lat["min"], lat["max"], lat["step"]) == ("number", "-90", "90", "any")
    assert (lon["type"], lon["min"], lon["max"], lon["step"]) == ("number", "-180", "180", "any")
    assert page.named("f.website")["type"] == "url"
    kinds = [tag for tag, a in page.controls if a.get("name") == "f.kind"]
    assert kinds == ["select"]
    assert [tag for tag, a in page.controls if a.get("name") == "f.description"] == ["textarea"]
    trap = page.named(HONEYPOT)
    assert (trap["tabindex"], trap["autocomplete"]) == ("-1", "off")
    unlabelled = [
        a.get("name")
        for _, a in page.controls
        if a.get("type") != "hidden" and a.get("id") not in page.labels and a.get("name") not in page.wrapped
    ]
    assert unlabelled == []
    text = (mail_site.output / "assets" / "index.html").read_text(encoding="utf-8")
    assert "Suggest a place" in text and 'id="suggest"' in text
    assert '<option value="recognised">Recognised as a commons</option>' in text
    assert 'src="../theme/js/contribute.js"' in text


def test_the_actors_form_takes_their_own_fields_and_dates_and_years_get_their_inputs(mail_site: BuiltSite) -> None:
    page = forms(mail_site.output / "actors" / "index.html")
    assert {name for name in page.names if name.startswith(FIELD_PREFIX)} == offered("actors")
    assert page.named("f.email")["type"] == "email"
    assert page.named("f.founded")["pattern"] == r"\d{4}(-\d{2}(-\d{2})?)?"
    case = record_pages(mail_site.output, "cases")[0]
    assert forms(case).named("f.start_year")["type"] == "number"
    agreement = forms(mail_site.output / "agreements" / "agr-bcn-la-borda-leasehold" / "index.html")
    assert agreement.named("f.expires_on")["type"] == "date"
    assert "Suggest" not in (mail_site.output / "agreements" / "index.html").read_text(encoding="utf-8"), "agreements take no suggestions"


def test_every_record_page_carries_the_report_form_naming_its_record(mail_site: BuiltSite) -> None:
    for kind, spec in KINDS.items():
        if spec.contributions is None or not spec.contributions.forms:  # an assessment is sent from its questionnaire
            assert all(forms(path).form is None for path in record_pages(mail_site.output, kind)[:3]), kind
            continue
        for path in record_pages(mail_site.output, kind)[:3]:
            page = forms(path)
            assert page.form is not None, path
            assert page.named("action")["value"] == "change"
            assert page.named("record") == {"type": "hidden", "name": "record", "value": path.parent.name, "form": "contribution"}
            assert page.names - set(FORM_NAMES) == offered(kind)
            assert not [a for _, a in page.controls if "required" in a], "a reported change requires no field"
    text = (mail_site.output / RECORD).read_text(encoding="utf-8")
    assert "Report a change to this record" in text
    start = text.index('<section aria-labelledby="report-heading"')
    weight = len(text[start : text.index("</section>", start)].encode("utf-8"))
    assert weight < 7_000, f"the report form adds {weight} bytes to every record page"


def test_filter_pages_link_to_the_suggest_form_and_the_footer_to_the_contributors_page(mail_site: BuiltSite) -> None:
    for path in ("assets/status/recognised/index.html", "assets/status/index.html", "actors/city/index.html"):
        page = forms(mail_site.output / path)
        assert page.form is None
        kind = path.split("/")[0]
        assert any(link.endswith(f"{kind}/#suggest") for link in page.links), path
    assert "../../contribute/" in forms(mail_site.output / RECORD).links
    assert "./contribute/" in forms(mail_site.output / "es" / "index.html").links


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_contributors_page_exists_in_every_language_and_says_how_long_review_takes(mail_site: BuiltSite, code: str) -> None:
    prefix = "" if code == "en" else f"{code}/"
    text = (mail_site.output / prefix / "contribute" / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{code}"' in text
    review = text[text.index('id="review-heading"') :]
    assert re.search(rf"(?<!\d){REVIEW_DAYS}(?!\d)", review[: review.index("</section>")])
    assert f"mailto:{EMAIL}" in text
    assert "#suggest" in text
    if code == "en":
        assert f"Review usually takes up to {REVIEW_DAYS} days." in text
        assert "never published" in text and "Suggested by the public" in text


def test_without_an_address_there_are_no_forms_and_the_contributors_page_says_contributions_are_not_open(closed_site: BuiltSite) -> None:
    for path in ("assets/index.html", RECORD, "actors/index.html", "ar/assets/index.html"):
        text = (closed_site.output / path).read_text(encoding="utf-8")
        assert "<form" not in text and "contribute.js" not in text, path
        assert "#suggest" not in text
    for prefix in ("", "ar/"):
        text = (closed_site.output / prefix / "contribute" / "index.html").read_text(encoding="utf-8")
        assert 'id="closed-heading"' in text
        assert "--contact-email" in text and "--intake-url" in text
        assert "mailto:" not in text and "#suggest" not in text
    assert "This site does not take contributions yet" in (closed_site.output / "contribute" / "index.html").read_text(encoding="utf-8")


def test_with_an_intake_service_the_forms_post_to_it(intake_site: BuiltSite, intake: Intake) -> None:
    for path in ("assets/index.html", "actors/index.html", RECORD):
        page = forms(intake_site.output / path)
        assert page.form is not None
        assert (page.form["method"], page.form["action"]) == ("post", f"{intake.url}contributions")
        assert "enctype" not in page.form
    assert "contribution-ready" not in (intake_site.output / RECORD).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("intake_url", "javascript:alert(1)", "--intake-url"),
        ("intake_url", "https://intake.example.org/?next=x", "query or fragment"),
        ("review_days", 0, "--review-days"),
        ("review_days", 400, "--review-days"),
    ],
)
def test_a_bad_intake_address_or_review_time_is_refused_naming_the_option(tmp_path: Path, option: str, value: Any, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        SiteSettings(output=tmp_path / "out", **{option: value})
    assert message in refused.value.problems[0]


def test_the_build_command_takes_the_intake_address_and_review_time(runner: Any, example_registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    refused = runner.invoke(cli, ["--db", str(example_registry), "build", "-o", str(out), "--review-days", "0", "--quiet"])
    assert refused.exit_code == 2 and "--review-days" in refused.output
    refused = runner.invoke(cli, ["--db", str(example_registry), "build", "-o", str(out), "--intake-url", "ftp://x.example", "--quiet"])
    assert refused.exit_code == 1 and "--intake-url" in refused.output and "Traceback" not in refused.output
    done = runner.invoke(
        cli,
        ["--db", str(example_registry), "build", "-o", str(out), "--lang", "en", "--no-search", "--quiet"]
        + ["--intake-url", "https://intake.example.org/lab", "--review-days", "21"],
    )
    assert done.exit_code == 0, done.output
    assert 'action="https://intake.example.org/lab/contributions"' in (out / "assets" / "index.html").read_text(encoding="utf-8")
    assert "21 days" in (out / "contribute" / "index.html").read_text(encoding="utf-8")


# --- Credits on record pages ---


def report(fields: dict[str, str], contributor: dict[str, str]) -> Any:
    return parse_contribution(
        {
            "format": "commons-contribution",
            "version": 1,
            "action": "change",
            "kind": "assets",
            "record": "nap-asilo",
            "fields": fields,
            "contributor": contributor,
        }
    )


def test_a_corrected_record_credits_the_public_or_the_organisation_by_its_name_shown_as_text(
    example_registry: Path, tmp_path: Path
) -> None:
    registry = open_registry(example_registry, by="staff")
    store = open_contributions(default_contributions_path(example_registry), registry_path=example_registry)
    try:
        for change in (
            report({"opening_hours": "Mo-Fr 10:00-20:00"}, {"organisation": HOSTILE_ORGANISATION, "credit": "organisation"}),
            report({"website": "https://asilo.example.org/"}, {"name": "A neighbour", "organisation": "Not named", "credit": "public"}),
        ):
            number, _ = receive_contribution(store, registry, change, "file")
            accept_contribution(registry, store, number)
    finally:
        store.close()
        registry.close()
    out = tmp_path / "site"
    build_test_site(example_registry, out, search=False)
    text = (out / RECORD).read_text(encoding="utf-8")
    credits = text[text.index('<ul class="credits">') : text.index("</ul>", text.index('<ul class="credits">'))]
    assert "Corrected by &lt;img src=x onerror=alert(2)&gt; Friends of the garden on <time datetime=" in credits
    assert "Corrected by the public on <time datetime=" in credits
    assert "<img src=x" not in text
    assert "A neighbour" not in text and "Not named" not in text, "only the credit agreed to is published"


# --- In a browser ---


def fill_suggestion(page: Any, *, lat: str = "40.8522", description: str = "") -> None:
    page.locator("#c-f-name").fill("Giardino dei Vicoli")
    page.locator("#c-f-kind").select_option("garden")
    page.locator("#c-f-status").select_option("occupied")
    page.locator("#c-f-city").fill("Naples")
    page.locator("#c-f-country").fill("IT")
    page.locator("#c-f-lat").fill(lat)
    page.locator("#c-f-lon").fill("14.2590")
    page.locator("#c-f-address").fill("<script>alert(1)</script> Vico Lungo 3")
    page.locator("#c-f-description").fill(description)


@browser_only
def test_a_suggestion_saved_from_the_form_is_read_accepted_and_credited_on_its_page_as_text(
    browser: Any, runner: Any, example_registry: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    build_test_site(example_registry, out, contact_email=EMAIL, search=False)
    host = serve(out)
    url = next(host)
    context = browser.new_context(accept_downloads=True)
    outside = local_only(context)
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(url + "assets/")
    fill_suggestion(page, description="A garden the neighbours opened. <script>alert(1)</script> It is open every day.")
    page.locator("#c-organisation").fill(HOSTILE_ORGANISATION)
    page.get_by_label("my organisation, by name").check()
    page.locator("#c-note").fill("Seen on a visit in May.")
    page.locator("#c-email").fill("neighbour@example.org")
    page.get_by_role("button", name="Send").click()
    ready = page.locator(".contribution-ready")
    ready.wait_for(state="visible")
    with page.expect_download() as download_info:
        ready.get_by_role("button", name="Save as a file").click()
    download = download_info.value
    assert re.fullmatch(r"contribution-assets-\d{8}-\d{6}\.json", download.suggested_filename), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["fields"]["address"] == "<script>alert(1)</script> Vico Lungo 3"
    assert set(data) == {"format", "version", "action", "kind", "record", "fields", "note", "contributor", "language", "sent_at"}
    assert data["sent_at"].endswith("Z") and data["record"] is None and data["language"] == "en"
    contribution = read_contribution_text(saved.read_text(encoding="utf-8"))
    assert contribution.contributor.credited_as == HOSTILE_ORGANISATION

    mail = ready.get_by_role("link", name="Send by e-mail").get_attribute("href") or ""
    assert mail.startswith(f"mailto:{EMAIL}?")
    query = parse_qs(urlsplit(mail).query)
    assert query["subject"] == ["Suggest a place"]
    body = query["body"][0]
    assert BEGIN_MARKER in body and END_MARKER in body
    assert read_contribution_text(body) == contribution

    received = runner.invoke(cli, ["--db", str(example_registry), "contributions", "add", str(saved)])
    assert received.exit_code == 0, received.output
    number = re.search(r"received as contribution (\d+)", received.output)
    assert number, received.output
    accepted = runner.invoke(cli, ["--db", str(example_registry), "--by", "giulia", "contributions", "accept", number.group(1)])
    assert accepted.exit_code == 0, accepted.output
    added = re.search(r"added assets/(\S+)", accepted.output)
    assert added, accepted.output

    build_test_site(example_registry, out, contact_email=EMAIL, search=False)
    page.goto(f"{url}assets/{added.group(1)}/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    article = page.locator("article")
    assert "<script>alert(1)</script> Vico Lungo 3" in article.inner_text()
    assert "A garden the neighbours opened." in article.inner_text()
    assert page.locator("article .prose script").count() == 0
    credit = page.locator(".record-meta .credits").inner_text()
    assert credit.startswith(f"Suggested by {HOSTILE_ORGANISATION} on ")
    assert page.locator(".record-meta img").count() == 0
    context.close()
    host.close()
    assert dialogs == [] and errors == [], (dialogs, errors)
    assert [u for u in outside if not (urlsplit(u).hostname or "").endswith(TILE_HOST_SUFFIXES)] == [], "only map tiles are asked of others"


@browser_only
def test_an_impossible_latitude_is_refused_in_the_page_with_a_message_next_to_it(browser: Any, mail_site: BuiltSite) -> None:
    host = serve(mail_site.output)
    url = next(host)
    context = browser.new_context(accept_downloads=True)
    local_only(context)
    page = context.new_page()
    page.goto(url + "assets/")
    fill_suggestion(page, lat="200")
    page.get_by_role("button", name="Send").click()
    message = page.locator("#c-f-lat-error")
    message.wait_for(state="visible")
    assert message.inner_text()
    lat = page.locator("#c-f-lat")
    assert lat.get_attribute("aria-invalid") == "true"
    assert "c-f-lat-error" in (lat.get_attribute("aria-describedby") or "").split()
    assert page.evaluate("document.activeElement.id") == "c-f-lat"
    assert page.locator(".contribution-ready").is_hidden()

    lat.fill("40.85")
    page.locator("#c-f-lon").fill("")
    page.get_by_role("button", name="Send").click()
    page.locator("#c-f-lon-error").wait_for(state="visible")
    assert "longitude" in page.locator("#c-f-lon-error").inner_text()
    assert page.locator("#c-f-lat-error").count() == 0, "a corrected field's message goes"

    page.locator("#c-f-lon").fill("14.25")
    page.get_by_label("my organisation, by name").check()
    page.get_by_role("button", name="Send").click()
    page.locator("#c-organisation-error").wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "c-organisation"
    context.close()
    host.close()


@browser_only
def test_a_change_reported_from_a_record_page_names_the_record_in_the_e_mail(browser: Any, mail_site: BuiltSite) -> None:
    host = serve(mail_site.output)
    url = next(host)
    context = browser.new_context()
    local_only(context)
    page = context.new_page()
    page.goto(url + "assets/nap-asilo/")
    page.get_by_text("Write a correction").click()
    page.get_by_role("button", name="Send").click()
    page.locator("#c-note-error").wait_for(state="visible")
    page.locator("#c-f-status").select_option("recognised")
    page.get_by_role("button", name="Send").click()
    link = page.get_by_role("link", name="Send by e-mail")
    link.wait_for(state="visible")
    query = parse_qs(urlsplit(link.get_attribute("href") or "").query)
    assert query["subject"] == ["Report a change to this record: nap-asilo"]
    contribution = read_contribution_text(query["body"][0])
    assert (contribution.action, contribution.record_id, contribution.fields) == ("change", "nap-asilo", {"status": "recognised"})
    context.close()
    host.close()


@browser_only
@pytest.mark.parametrize("javascript", [True, False], ids=["checked-first", "without-javascript"])
def test_forms_post_to_the_intake_service_what_it_reads_as_a_contribution(
    browser: Any, intake_site: BuiltSite, intake: Intake, javascript: bool
) -> None:
    host = serve(intake_site.output)
    url = next(host)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    intake.received.clear()
    page.goto(url + "assets/")
    fill_suggestion(page)
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(f"{intake.url}contributions")
    assert page.locator("h1").inner_text() == "Thank you"
    page.goto(url + "assets/nap-asilo/")
    page.get_by_text("Write a correction").click()
    page.locator("#c-f-website").fill("https://asilo.example.org/")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(f"{intake.url}contributions")
    context.close()
    host.close()

    (suggestion, trapped), (change, _) = (contribution_from_form(parse_qsl(body, keep_blank_values=True)) for body in intake.received)
    assert not trapped
    assert (suggestion.action, suggestion.kind, suggestion.record_id, suggestion.fields["lat"]) == ("suggest", "assets", None, "40.8522")
    assert (change.action, change.record_id) == ("change", "nap-asilo")
    assert change.fields == {"website": "https://asilo.example.org/"}, "fields left empty are left as they are"


# --- HTML and accessibility of the pages with forms ---

FORM_PAGES = ("assets/index.html", RECORD, "contribute/index.html", "actors/index.html", "agreements/agr-bcn-la-borda-leasehold/index.html")


@pytest.mark.skipif(not (VNU.is_file() and JAVA), reason="the Nu HTML checker needs java and vnu-jar (scripts/test.sh installs it)")
def test_pages_with_forms_have_no_html_error(mail_site: BuiltSite, intake_site: BuiltSite, closed_site: BuiltSite) -> None:
    files = [site.output / prefix / page for site in (mail_site, intake_site) for prefix in ("", "ar/") for page in FORM_PAGES]
    files = [f for f in files if f.is_file()] + [closed_site.output / "contribute" / "index.html"]
    assert len(files) >= 2 * len(FORM_PAGES) + 1
    done = subprocess.run(
        [str(JAVA), "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)], capture_output=True, text=True
    )
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    assert [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages if m.get("type") == "error"] == []


@browser_only
def test_pages_with_forms_have_no_serious_accessibility_violation(browser: Any, mail_site: BuiltSite) -> None:
    host = serve(mail_site.output)
    url = next(host)
    context = browser.new_context()
    local_only(context)
    page = context.new_page()
    violations: dict[str, list[str]] = {}
    for path in ("assets/", "assets/nap-asilo/", "contribute/", "ar/assets/", "ar/assets/nap-asilo/"):
        page.goto(url + path)
        for details in page.locator("section.contribute details").all():
            details.locator("summary").click()
        if page.locator("form.contribution").count():
            page.locator("form.contribution button[type=submit]").click()  # with nothing filled in: the messages beside the fields
            page.locator(".field-error").first.wait_for(state="visible")
        violations[path] = serious_violations(page)
    context.close()
    host.close()
    assert not {k: v for k, v in violations.items() if v}, violations
