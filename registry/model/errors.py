"""The registry's own exceptions: what a user can fix, said in words they can act on."""

from __future__ import annotations

import difflib
from collections.abc import Mapping


class RegistryError(Exception):
    """Base for every failure the CLI reports as a message rather than a traceback."""


class ValidationError(RegistryError):
    """A record breaks a rule; the message names the record, field and what is allowed."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class NotFound(RegistryError):
    """A record, link or log entry that was asked for does not exist."""


class Conflict(RegistryError):
    """The change would break the registry's consistency (an id taken, a record still referenced)."""


class Busy(RegistryError):
    """Another process held the registry for longer than the busy timeout."""


def suggest(value: str, allowed: Mapping[str, str] | list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value.lower().replace(" ", "_"), list(allowed), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""
