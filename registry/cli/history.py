"""Looking back and undoing: the change log, bringing back a removed record, putting a changed one back."""

from __future__ import annotations

import json

import click

from registry.cli.base import KIND, Settings, cli, pass_settings, reports_errors
from registry.model.kinds import get_kind


@cli.command()
@click.argument("kind", type=KIND, required=False)
@click.argument("record_id", metavar="[ID]", required=False)
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="Show at most this many entries (0: all; at most 1,000,000).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the entries, with rows before and after, as JSON.")
@pass_settings
@reports_errors
def log(settings: Settings, kind: str | None, record_id: str | None, limit: int, as_json: bool) -> None:
    """The change log, newest first: change number, when, who, what changed.

    The number (#123) is what `commons revert --to` takes.

    \b
    Examples:
      commons log
      commons log assets nap-asilo
    """
    from registry.store.history import changed_fields, read_log

    entries = read_log(settings.open(reading=True), kind, record_id, limit=limit or None)
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    if not entries:
        click.echo("No changes recorded.")
    for e in entries:
        detail = f" ({', '.join(changed_fields(e))})" if e["action"] == "update" else ""
        via = f"  from {e['via']}" if e.get("via") else ""
        click.echo(
            f"#{e['id']:<6} {e['changed_at']}  {e['changed_by']:<12}  {e['action']:<7}  {e['table_name']}/{e['record_id']}{detail}{via}"
        )


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@pass_settings
@reports_errors
def restore(settings: Settings, kind: str, record_id: str) -> None:
    """Bring back a removed record from the change log, with its links.

    \b
    Example:
      commons restore actors act-la-balena
    """
    from registry.store.history import restore_record

    restore_record(settings.open(), kind, record_id)
    click.echo(f"Restored {get_kind(kind).singular} {record_id}")


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.option(
    "--to",
    "to_change",
    required=True,
    type=click.IntRange(1),
    metavar="CHANGE",
    help="The change number (#N in `commons log`) to go back to.",
)
@pass_settings
@reports_errors
def revert(settings: Settings, kind: str, record_id: str, to_change: int) -> None:
    """Put a record back as it was just after an earlier change: fields, links, citations, timeline and terms.

    The revert is logged as changes of its own, so it can itself be reverted.
    A removed record comes back with `commons restore` instead.

    \b
    Examples:
      commons log assets nap-asilo          # find the change number, e.g. #412
      commons revert assets nap-asilo --to 412
    """
    from registry.store.reverting import revert_record

    done = revert_record(settings.open(), kind, record_id, to_change)
    if not done.anything:
        click.echo(f"No change: {record_id} is already as it was after change #{to_change}")
        return
    click.echo(f"Reverted {get_kind(kind).singular} {record_id} to change #{to_change}")
    for label, items in (("fields", done.fields), ("added back", done.added), ("taken away", done.removed), ("changed back", done.changed)):
        if items:
            click.echo(f"  {label}: {', '.join(items)}")
