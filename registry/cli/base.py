"""The `commons` group and what every command shares: settings, error reporting, parsing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from registry import __version__
from registry.model.contributions import DEFAULT_REVIEW_DAYS, REVIEW_DAYS
from registry.model.errors import RegistryError, ValidationError
from registry.model.kinds import KINDS


class KindChoice(click.Choice):  # type: ignore[type-arg]
    """The kinds declared when the command runs, so a kind declared after start-up is a choice too."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return tuple(KINDS)

    @choices.setter
    def choices(self, value: Any) -> None:
        """Click sets the choices once; the declared kinds are read each time instead."""


KIND = KindChoice()
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Settings:
    """What every command shares: where the registry is and who is changing it."""

    db: Path
    by: str | None

    def open(self, reading: bool = False) -> Any:
        """Open the registry for one command, closed when the command ends.

        Closing (rather than waiting for garbage collection) lets SQLite fold the
        -wal file back in, so the registry is one file again once `commons` exits.
        A command that only reads opens it `reading`: it then works on a
        read-only disk and on a registry a newer commons wrote, and says so.
        """
        from registry.store.database import open_registry

        registry = open_registry(self.db, by=self.by, reading=reading)
        if registry.read_only:
            click.secho(f"Opened {self.db} read-only: {registry.read_only}.", fg="yellow", err=True)
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.call_on_close(registry.close)
        return registry


def reports_errors(func: F) -> F:
    """Turn the library's exceptions into click errors: a message and exit 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            raise click.ClickException("\n".join(exc.problems)) from None
        except RegistryError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None
        except UnicodeEncodeError as exc:
            # An id or name typed in a terminal that is not UTF-8 reaches SQLite as lone surrogates.
            shown = repr(exc.object)[:80] if isinstance(exc.object, str) else "a value"
            raise click.ClickException(f"{shown} holds bytes that are not valid UTF-8: set the terminal to UTF-8 or retype it") from None

    return wrapper  # type: ignore[return-value]


def warn(messages: list[str]) -> None:
    for message in messages:
        click.secho(message, fg="yellow", err=True)


def parse_assignments(pairs: tuple[str, ...]) -> dict[str, str]:
    """--set FIELD=VALUE pairs as a dict; a malformed pair is a usage error."""
    values: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"{pair!r} is not FIELD=VALUE (e.g. --set name='Villa Medusa')", param_hint="--set")
        name, value = pair.split("=", 1)
        values[name.strip()] = value
    return values


pass_settings = click.make_pass_decorator(Settings)


def review_days_option(func: F) -> F:
    """--review-days: how long staff usually take to review a contribution, which the site and the intake service both tell contributors."""
    return click.option(
        "--review-days",
        type=click.IntRange(*REVIEW_DAYS),
        metavar="DAYS",
        default=DEFAULT_REVIEW_DAYS,
        show_default=True,
        envvar="COMMONS_REVIEW_DAYS",
        help="How many days staff usually take to review a contribution, as the site and the intake service tell contributors "
        "(also COMMONS_REVIEW_DAYS).",
    )(func)


def contributions_file_option(func: F) -> F:
    """--contributions: the file the public's contributions are kept in, apart from the registry."""
    return click.option(
        "--contributions",
        "contributions_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="COMMONS_CONTRIBUTIONS",
        help="The contributions file (also COMMONS_CONTRIBUTIONS; default: beside the registry, REGISTRY.contributions.db).",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="commons")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="COMMONS_DB",
    default="registry.db",
    show_default=True,
    help="The registry file (also COMMONS_DB).",
)
@click.option("--by", envvar="COMMONS_USER", help="Who is making the change, for the change log (default: your OS user).")
@click.pass_context
def cli(ctx: click.Context, db: Path, by: str | None) -> None:
    """Keep a registry of commons assets, SSE actors, co-management agreements and
    co-production case studies, and publish it as a website and open data.

    \b
    Start with the example:
      commons init --example
      commons list assets
      commons show assets nap-asilo
    """
    ctx.obj = Settings(db, by)
