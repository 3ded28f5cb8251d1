"""What a visitor sent: the body read within its cap, then read as the site's form or a saved contribution's JSON.

The body is read by the service itself, never by a framework helper, so an
oversized one is refused by its declared length or as soon as the stream
passes the cap, and never held whole in memory. Only strict UTF-8 is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from registry.model.contributions import FORM_NAMES, HONEYPOT, MAX_ENTRIES, Contribution, contribution_from_form, parse_contribution
from registry.model.errors import ValidationError
from registry.model.vocab import N_

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# A form holds its named fields and at most MAX_ENTRIES of the record's; a body with more is not the site's form.
MAX_FORM_FIELDS = len(FORM_NAMES) + MAX_ENTRIES

NOT_UTF8 = N_("the form was not sent as UTF-8 text; send it again with the form on the site")
TOO_MANY_FIELDS = N_("the form has more fields than a contribution holds; send it again with the form on the site")
NOT_JSON = N_("this is not the JSON of a contribution; send the file the site saved, unchanged")


class TooLarge(Exception):
    """The body is over the service's cap."""


class Unsupported(Exception):
    """The body is neither a form nor JSON."""


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The request's body, refused by its declared length first, and as soon as the stream passes `max_bytes`."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge
    return bytes(body)


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Sent:
    """A body read as the site's form fields or as a contribution's JSON, not yet checked against the rules."""

    pairs: list[tuple[str, str]] | None = None
    data: Any = None

    @property
    def language(self) -> str | None:
        """The language the visitor wrote in, as sent, whether or not the rest is valid."""
        if self.pairs is not None:
            return next((value for name, value in self.pairs if name == "lang"), None)
        value = self.data.get("language") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else None

    @property
    def from_bot(self) -> bool:
        """Whether the form's hidden field, which people never see, was filled in."""
        return self.pairs is not None and any(name == HONEYPOT and value.strip() for name, value in self.pairs)

    def contribution(self) -> Contribution:
        """The contribution, every value checked with the registry's rules; ValidationError names each problem."""
        if self.pairs is not None:
            return contribution_from_form(self.pairs)[0]
        return parse_contribution(self.data)


def read_sent(content_type: str, body: bytes) -> Sent:
    """Read a form or a JSON body; bad bytes or too many fields are a ValidationError, another type Unsupported."""
    kind = media_type(content_type)
    if kind not in (FORM, JSON):
        raise Unsupported(kind)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError([NOT_UTF8]) from None
    if kind == JSON:
        try:
            return Sent(data=json.loads(text.lstrip("\ufeff")))
        except (ValueError, RecursionError):
            # ValueError covers malformed JSON and numbers too long to read; RecursionError, nesting too deep.
            raise ValidationError([NOT_JSON]) from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError:
        raise ValidationError([NOT_UTF8]) from None
    except ValueError:
        raise ValidationError([TOO_MANY_FIELDS]) from None
    return Sent(pairs=pairs)
