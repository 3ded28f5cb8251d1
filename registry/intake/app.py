"""The intake as an ASGI application: one route that receives contributions, one that says what the service is.

The registry is read only to check that a reported change names a record
that exists, through a connection SQLite will not let write, opened for that
one request: the service never holds the registry open, so it never creates
SQLite's -wal and -shm files beside it, and reads the file as it is now even
where it may only read it. What is received goes to the contributions file. Each request is read, checked and
answered in the visitor's language; anything unexpected is logged by the server and
answered with a plain page that gives nothing away.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from registry.intake import pages
from registry.intake.language import AnswerLanguage, Languages
from registry.intake.rate import RateLimit
from registry.intake.submission import Sent, TooLarge, Unsupported, read_body, read_sent
from registry.model.contributions import DEFAULT_REVIEW_DAYS, MAX_BYTES
from registry.model.errors import NotFound, ValidationError
from registry.operations.contributions import receive_contribution
from registry.site.settings import project_root
from registry.store.contributions import ContributionStore, open_contributions
from registry.store.database import Registry, open_registry_read_only

READ_ONLY_REASON = "the intake service only reads the registry"


@dataclass(frozen=True)
class IntakeSettings:
    """What the service needs: the registry it checks against, where it keeps contributions, and its limits."""

    registry: Path
    contributions: Path
    max_bytes: int = MAX_BYTES
    per_minute: int = 10
    site_url: str | None = None  # linked as "Back to the site" from every answer
    review_days: int = DEFAULT_REVIEW_DAYS  # how soon staff usually review, as the thank-you page promises
    locale: Path = field(default_factory=lambda: project_root() / "locale")


@dataclass
class Intake:
    """The service's open files and shared state, used by every request."""

    settings: IntakeSettings
    store: ContributionStore
    languages: Languages
    limit: RateLimit

    def open_registry(self) -> Registry:
        """The registry, through a connection of this request's own that cannot write."""
        return open_registry_read_only(self.settings.registry, READ_ONLY_REASON)

    def answer(self, page: pages.Page, language: AnswerLanguage) -> Response:
        return pages.respond(page, language, self.settings.site_url)

    def language_of(self, request: Request, form_language: str | None = None) -> AnswerLanguage:
        return self.languages.choose(form_language, request.headers.get("accept-language"))

    def close(self) -> None:
        self.store.close()


def open_intake(settings: IntakeSettings) -> Intake:
    """Check that the registry can be read and open the contributions file (made when new); a missing registry is NotFound."""
    open_registry_read_only(settings.registry, READ_ONLY_REASON).close()
    store = open_contributions(settings.contributions, registry_path=settings.registry)
    return Intake(settings, store, Languages(settings.locale), RateLimit(settings.per_minute))


def create_app(settings: IntakeSettings) -> Starlette:
    """The service's ASGI application; its open files are in `app.state.intake` and closed when the server stops."""
    intake = open_intake(settings)

    async def home(request: Request) -> Response:
        language = intake.language_of(request)
        return intake.answer(pages.home(language), language)

    async def receive(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        wait = intake.limit.wait_seconds(client)
        if wait:
            language = intake.language_of(request)
            return intake.answer(pages.too_many(language, intake.limit.per_minute, wait), language)
        try:
            body = await read_body(request, settings.max_bytes)
        except TooLarge:
            language = intake.language_of(request)
            return intake.answer(pages.too_large(language, settings.max_bytes), language)
        except ClientDisconnect:
            return Response(status_code=400)  # the visitor has gone; nobody reads this answer
        return await run_in_threadpool(_handle, intake, request, body)

    async def refused(request: Request, exc: Exception) -> Response:
        language = intake.language_of(request)
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            return intake.answer(pages.wrong_method(language, (exc.headers or {}).get("Allow", "POST")), language)
        return intake.answer(pages.not_found(language), language)

    async def failed(request: Request, exc: Exception) -> Response:
        # Starlette raises the exception again once this page is sent, so the server logs it with its traceback;
        # the visitor learns only that it failed.
        language = intake.language_of(request)
        return intake.answer(pages.failed(language), language)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        intake.close()

    app = Starlette(
        routes=[Route("/", home, methods=["GET"]), Route("/contributions", receive, methods=["POST"])],
        exception_handlers={404: refused, 405: refused, Exception: failed},
        lifespan=lifespan,
    )
    app.state.intake = intake
    return app


def _handle(intake: Intake, request: Request, body: bytes) -> Response:
    """Read one body as a form or JSON and say what became of it (runs in a worker thread)."""
    try:
        sent = read_sent(request.headers.get("content-type", ""), body)
    except Unsupported:
        language = intake.language_of(request)
        return intake.answer(pages.unsupported(language), language)
    except ValidationError as exc:
        language = intake.language_of(request)
        return intake.answer(pages.problems(language, exc.problems), language)
    return _keep(intake, request, sent)


def _keep(intake: Intake, request: Request, sent: Sent) -> Response:
    """Check the contribution and keep it, unless only a bot would have sent it: that one is thanked and dropped."""
    language = intake.language_of(request, sent.language)
    if sent.from_bot:
        return intake.answer(pages.thanks(language, None, True, "", intake.settings.review_days), language)
    try:
        contribution = sent.contribution()
        registry = intake.open_registry()
        try:
            number, new = receive_contribution(intake.store, registry, contribution, "intake")
        finally:
            registry.close()
    except (ValidationError, NotFound) as exc:
        found = exc.problems if isinstance(exc, ValidationError) else [str(exc)]
        return intake.answer(pages.problems(language, found), language)
    return intake.answer(pages.thanks(language, number, new, contribution.contributor.name, intake.settings.review_days), language)
