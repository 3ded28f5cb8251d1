"""`commons timeline`: a record's dated history, entered, listed and corrected by hand."""

from __future__ import annotations

import json

import click

from registry.cli.base import KIND, Settings, cli, pass_settings, reports_errors


@cli.group()
def timeline() -> None:
    """A record's history: steps with a date (a year, a month or a day), a status and the source that proves it."""


@timeline.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.option("--on", "on", required=True, metavar="DATE", help="When it happened: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--status", required=True, help="The status reached (see `commons fields assets`).")
@click.option("--source", metavar="URL|NUMBER", help="A source the registry holds that proves the step (its number or URL).")
@click.option("--document", help="The act or document, in words, e.g. 'Giunta resolution 400/2012'.")
@click.option("--note", help="A note on the step.")
@pass_settings
@reports_errors
def add(
    settings: Settings, kind: str, record_id: str, on: str, status: str, source: str | None, document: str | None, note: str | None
) -> None:
    """Add a past step to a record's timeline; the record's current status stays as it is.

    \b
    Examples:
      commons timeline add assets nap-asilo --on 2012-03 --status occupied --note "Occupied by La Balena"
      commons timeline add assets nap-asilo --on 2012-05-24 --status recognised --document "Giunta resolution 400/2012" --source 3
    """
    from registry.operations.timeline import add_step

    step = add_step(settings.open(), kind, record_id, on, status, source, document, note)
    click.echo(f"Added step {step['id']} to {record_id}: {step['happened_on']} {step['status']}")


@timeline.command(name="list")
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the steps as JSON.")
@pass_settings
@reports_errors
def list_steps(settings: Settings, kind: str, record_id: str, as_json: bool) -> None:
    """A record's steps in date order, undated ones first, with the numbers `timeline remove` takes.

    \b
    Example:
      commons timeline list assets nap-asilo
    """
    from registry.operations.timeline import list_steps as steps_of

    steps = steps_of(settings.open(reading=True), kind, record_id)
    if as_json:
        click.echo(json.dumps(steps, ensure_ascii=False, indent=2))
        return
    if not steps:
        click.echo(f"{record_id} has no timeline yet.")
    for step in steps:
        extra = "".join(f" — {step[k]}" for k in ("document", "note") if step.get(k))
        source = f" <{step['source_url']}>" if step.get("source_url") else ""
        click.echo(f"{step['id']:>6}  {step['happened_on'] or 'date unknown':<12}  {step['status']}{extra}{source}")


@timeline.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.argument("step", type=click.IntRange(1))
@pass_settings
@reports_errors
def remove(settings: Settings, kind: str, record_id: str, step: int) -> None:
    """Remove a step entered by mistake (the change log keeps it; `commons revert` can bring it back).

    \b
    Example:
      commons timeline remove assets nap-asilo 42
    """
    from registry.operations.timeline import remove_step

    removed = remove_step(settings.open(), kind, record_id, step)
    click.echo(f"Removed step {step} of {record_id}: {removed['happened_on'] or 'date unknown'} {removed['status']}")
