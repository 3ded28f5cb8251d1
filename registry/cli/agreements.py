"""`commons agreements`: agreements by their terms, which end soon or lapsed, and their renewal."""

from __future__ import annotations

import click

from registry.cli.base import Settings, cli, pass_settings, reports_errors


@cli.group()
def agreements() -> None:
    """Questions about agreements."""


@agreements.command()
@click.option(
    "--within", default="90d", show_default=True, help="How far ahead to look: days (90d), weeks (12w), months (6m) or years (1y)."
)
@click.option("--lapsed", is_flag=True, help="Also list agreements whose term has ended while their status still says active.")
@pass_settings
@reports_errors
def expiring(settings: Settings, within: str, lapsed: bool) -> None:
    """Agreements in force that expire within a period, soonest first; with --lapsed, also those whose term ended unrenewed.

    \b
    Examples:
      commons agreements expiring --within 1y
      commons agreements expiring --lapsed
    """
    from registry.cli.tables import format_table
    from registry.operations.agreements import expiring_agreements, parse_window

    rows = expiring_agreements(settings.open(reading=True), parse_window(within), lapsed=lapsed)
    if rows:
        click.echo(format_table(rows, ["id", "title", "expires_on", "term_state", "asset_id"]))
    else:
        click.echo(f"No active agreement expires within {within}" + (", and none has lapsed." if lapsed else "."))


@agreements.command()
@click.argument("record_id", metavar="ID")
@click.option("--until", required=True, metavar="DATE", help="The day the new term ends (YYYY-MM-DD), after the current end.")
@click.option("--on", "on", metavar="DATE", help="The day the new term takes effect (YYYY-MM-DD; default: the day after the current end).")
@click.option("--instrument", help="The act that renews it, e.g. 'Giunta resolution 12/2026'.")
@click.option("--source", metavar="URL|NUMBER", help="A source the registry holds that records the renewal (its number or URL).")
@pass_settings
@reports_errors
def renew(settings: Settings, record_id: str, until: str, on: str | None, instrument: str | None, source: str | None) -> None:
    """Renew an agreement for a new term: its end date moves to --until and the term it follows stays in its history.

    An agreement that lapsed, or whose status was set to expired, is active again.
    A renewal that ends before the current end, or before it starts, is refused
    and the registry is left as it was.

    \b
    Examples:
      commons agreements renew agr-bcn-la-borda-leasehold --until 2165-11-30
      commons agreements renew agr-madrid-mares-uia --until 2027-10-31 --on 2025-01-01 \\
          --instrument "Junta de Gobierno agreement 2024/118" --source 3
    """
    from registry.operations.terms import renew_term

    renewal = renew_term(settings.open(), "agreements", record_id, until, on, instrument, source)
    status = (
        f"; status {renewal.before.get('status')} → {renewal.after['status']}"
        if renewal.before.get("status") != renewal.after["status"]
        else ""
    )
    click.echo(f"Renewed agreement {record_id}: new term {renewal.term['starts_on']} to {renewal.term['ends_on']}{status}")
