"""`commons intake`: the small web service that receives the site's contribution forms."""

from __future__ import annotations

from pathlib import Path

import click

from registry.cli.base import Settings, cli, contributions_file_option, pass_settings, reports_errors, review_days_option


@cli.group()
def intake() -> None:
    """The intake service: receives what visitors send with the site's forms, for staff to review."""


def _site_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The site's address, checked as `commons build` checks its own."""
    from registry.model.errors import ValidationError
    from registry.site.settings import web_address

    try:
        return None if value is None else web_address(value, "--site-url")
    except ValidationError as exc:
        raise click.BadParameter(exc.problems[0]) from None


@intake.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; keep 127.0.0.1 behind a reverse proxy.")
@click.option("--port", default=8002, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0 picks a free one).")
@contributions_file_option
@click.option("--max-kb", default=64, show_default=True, type=click.IntRange(1, 1024), help="Largest contribution accepted, in KB.")
@click.option(
    "--rate", default=10, show_default=True, type=click.IntRange(1), help="Contributions accepted a minute from one client address."
)
@click.option(
    "--site-url",
    envvar="COMMONS_SITE_URL",
    callback=_site_url,
    help="The site's public address, linked from every answer (also COMMONS_SITE_URL).",
)
@review_days_option
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Comma-separated addresses of the reverse proxies trusted to name the client (X-Forwarded-For); '' trusts none.",
)
@pass_settings
@reports_errors
def serve(
    settings: Settings,
    host: str,
    port: int,
    contributions_path: Path | None,
    max_kb: int,
    rate: int,
    site_url: str | None,
    review_days: int,
    forwarded_allow_ips: str,
) -> None:
    """Receive the site's contribution forms until stopped, keeping each in the contributions file for review.

    The registry (--db) is only read, to check each contribution with its
    rules; nothing is ever written to it. Build the site with
    `--intake-url` pointing at this service, behind a reverse proxy with TLS
    (see docs/intake-service.md). Staff review what arrives with
    `commons contributions list`.

    \b
    Examples:
      commons intake serve
      commons --db naples.db intake serve --port 8002 --site-url https://commons.example.org/ --rate 5
    """
    from registry.intake.app import IntakeSettings
    from registry.intake.server import serve_intake
    from registry.store.contributions import default_contributions_path

    kept_in = contributions_path or default_contributions_path(settings.db)
    options = IntakeSettings(
        registry=settings.db,
        contributions=kept_in,
        max_bytes=max_kb * 1000,
        per_minute=rate,
        site_url=site_url,
        review_days=review_days,
    )

    def announce(url: str) -> None:
        click.echo(f"Receiving contributions at {url}contributions for {settings.db}, kept in {kept_in} (Ctrl-C to stop)")

    serve_intake(options, host, port, forwarded_allow_ips, announce)
