"""The pages the service answers with: short, in the visitor's language, every value from outside escaped.

Every answer goes through `respond`, which sets the same strict headers on
each: nothing cached, no cookies, no referrer, and a content security policy
that allows only the page's one small style.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jinja2 import Environment
from starlette.responses import Response

from registry.intake.language import AnswerLanguage

STYLE = (
    "body{font:1.1rem/1.5 system-ui,sans-serif;margin:0 auto;max-width:38rem;padding:1rem;color:#1a1a1a;background:#fff}"
    "h1{font-size:1.5rem}li{margin:.4rem 0}a{color:#0b4f8a}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}" dir="{{ direction }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ title }}</title>
<style>STYLE</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}{% if problems %}<ul>
{% for problem in problems %}<li>{{ problem }}</li>
{% endfor %}</ul>
{% endif %}{% if site_url %}<p><a href="{{ site_url }}">{{ back }}</a></p>
{% endif %}</main>
</body>
</html>
""".replace("STYLE", STYLE)

_template = Environment(autoescape=True).from_string(TEMPLATE)


@dataclass(frozen=True)
class Page:
    """An answer: its status, heading, paragraphs, the problems found, and any headers of its own."""

    status: int
    title: str
    paragraphs: Sequence[str] = ()
    problems: Sequence[str] = ()
    headers: Mapping[str, str] = field(default_factory=dict)


def respond(page: Page, language: AnswerLanguage, site_url: str | None) -> Response:
    """The page as HTML with the service's headers; escaped by the template, never trusted."""
    _ = language.gettext
    html = _template.render(
        lang=language.code,
        direction=language.direction,
        title=page.title,
        paragraphs=page.paragraphs,
        # A problem the intake itself names is in the catalogues; the registry's rules speak English.
        problems=[_(problem) if problem else problem for problem in page.problems],
        site_url=site_url,
        back=_("Back to the site"),
    )
    # Text from outside may hold lone surrogates, which UTF-8 cannot carry: they are shown as escapes.
    body = html.encode("utf-8", "backslashreplace")
    response = Response(body, page.status, media_type="text/html; charset=utf-8")
    response.headers.update({**SECURITY_HEADERS, **page.headers})
    return response


def home(language: AnswerLanguage) -> Page:
    _ = language.gettext
    return Page(
        200,
        _("Contributions to the commons registry"),
        [
            _(
                "This service receives the suggestions and corrections that visitors send with the site's forms. "
                "The lab's staff review each one before anything changes in the registry."
            ),
            _("It sets no cookies and keeps no record of visits."),
        ],
    )


def thanks(language: AnswerLanguage, number: int | None, new: bool, name: str, review_days: int) -> Page:
    """The answer to a contribution that was kept (or that only a bot would have sent: the same words, no number)."""
    _ = language.gettext
    if number is None:
        received = _("Your contribution was received.")
    elif new:
        received = _("Your contribution was received as number %(number)s.") % {"number": number}
    else:
        received = _("This contribution had already been received, as number %(number)s; it is kept once.") % {"number": number}
    return Page(
        200,
        _("Thank you"),
        [
            *([_("Thank you, %(name)s.") % {"name": name}] if name else []),
            received,
            _(
                "What happens next: the lab's staff check it against the registry, usually within %(days)s days. "
                "If they accept it, it appears on the site, credited as you chose: to the public, or to your organisation by name."
            )
            % {"days": review_days},
            _("Your name and e-mail address are never published; staff use them only to ask you about this contribution."),
        ],
    )


def problems(language: AnswerLanguage, found: Sequence[str]) -> Page:
    _ = language.gettext
    return Page(
        400,
        _("The contribution was not kept"),
        [_("Nothing was stored. Go back to the form (your browser keeps what you typed), correct what is listed below and send it again.")],
        found,
    )


def too_large(language: AnswerLanguage, max_bytes: int) -> Page:
    _ = language.gettext
    return Page(
        413,
        _("The contribution is too large"),
        [
            _(
                "A contribution may be at most %(kb)s KB, and this one was larger, so it was neither read nor kept. "
                "Shorten the note or the longer texts and send it again."
            )
            % {"kb": max_bytes // 1000}
        ],
    )


def too_many(language: AnswerLanguage, per_minute: int, wait: int) -> Page:
    _ = language.gettext
    return Page(
        429,
        _("Too many contributions from your address"),
        [
            _(
                "This service takes at most %(rate)s contributions a minute from one address, and yours has sent more, "
                "so this one was not kept. Wait %(seconds)s seconds, then send it again."
            )
            % {"rate": per_minute, "seconds": wait}
        ],
        headers={"Retry-After": str(wait)},
    )


def unsupported(language: AnswerLanguage) -> Page:
    _ = language.gettext
    return Page(
        415,
        _("Not a contribution"),
        [
            _(
                "This address takes the site's contribution forms, and the contribution files the site saves (sent as JSON). "
                "Send your contribution with the form on the site."
            )
        ],
    )


def wrong_method(language: AnswerLanguage, allowed: str) -> Page:
    _ = language.gettext
    return Page(
        405,
        _("Contributions are sent from the site's forms"),
        [_("This address only receives what the site's contribution forms send; there is no page to see here.")],
        headers={"Allow": allowed},
    )


def not_found(language: AnswerLanguage) -> Page:
    _ = language.gettext
    return Page(404, _("Nothing here"), [_("This service only receives the site's contribution forms.")])


def failed(language: AnswerLanguage) -> Page:
    _ = language.gettext
    return Page(
        500,
        _("Something went wrong"),
        [_("The service could not handle your contribution, and it may not have been kept. Please try again later.")],
    )
