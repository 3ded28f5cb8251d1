"""Commands that create, read, change and check records: the registry's daily work."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from registry.cli.base import KIND, Settings, cli, parse_assignments, pass_settings, reports_errors, warn
from registry.model.kinds import KINDS, get_kind


@cli.command()
@click.option("--example", is_flag=True, help="Fill the new registry with the embedded Naples example.")
@pass_settings
@reports_errors
def init(settings: Settings, example: bool) -> None:
    """Create a new registry; never overwrites an existing one.

    \b
    Example:
      commons --db naples.db init --example
    """
    from registry.operations.examples import init_registry

    registry, counts = init_registry(settings.db, example=example, by=settings.by)
    registry.close()
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if k in KINDS)
    click.echo(f"Created {settings.db}" + (f" with the example: {summary}" if counts else ""))


@cli.command()
@click.argument("kind", type=KIND)
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE", help="A field's value; repeat for more.")
@pass_settings
@reports_errors
def add(settings: Settings, kind: str, assignments: tuple[str, ...]) -> None:
    """Add a record. In a terminal, asks for required fields you did not set.

    \b
    Example:
      commons add assets --set id=villa-medusa --set name="Villa Medusa" \\
          --set kind=building --set status=recognised --set city=Napoli
    """
    from registry.operations.records import add_record

    values: dict[str, Any] = parse_assignments(assignments)
    if sys.stdin.isatty():
        for f in get_kind(kind).fields:
            if f.required and not values.get(f.name):
                hint = f" ({', '.join(f.choices)})" if f.choices else ""
                values[f.name] = click.prompt(f"{f.name}{hint}")
    registry = settings.open()
    outcome = add_record(registry, kind, values)
    warn(outcome.warnings)
    click.echo(f"Added {get_kind(kind).singular} {outcome.record['id']}")


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    required=True,
    metavar="FIELD=VALUE",
    help="A field's new value; repeat for more; empty clears it.",
)
@pass_settings
@reports_errors
def edit(settings: Settings, kind: str, record_id: str, assignments: tuple[str, ...]) -> None:
    """Change fields of a record; its id stays the same.

    \b
    Example:
      commons edit assets nap-lido-pola --set status=under_agreement --set since=2024-05-01
    """
    from registry.operations.records import update_record

    outcome = update_record(settings.open(), kind, record_id, parse_assignments(assignments))
    warn(outcome.warnings)
    click.echo(f"Updated {get_kind(kind).singular} {record_id}" if outcome.changed else f"No change: {record_id} already has those values")


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with links, sources and timeline).")
@pass_settings
@reports_errors
def show(settings: Settings, kind: str, record_id: str, as_json: bool) -> None:
    """Show one record with its links, sources and timeline.

    \b
    Example:
      commons show agreements agr-nap-asilo-400
    """
    from registry.cli.tables import format_record
    from registry.model.rules import is_stale
    from registry.operations.details import record_details
    from registry.operations.records import get_record

    registry = settings.open(reading=True)
    details = record_details(registry.conn, kind, record_id)
    if details is None:
        get_record(registry, kind, record_id)  # raises NotFound with a suggestion
        return
    spec = get_kind(kind)
    if spec.term is not None:
        import datetime as dt

        from registry.model.terms import term_state

        details["term_state"] = term_state(spec.term, details, dt.date.today(), len(details.get("terms") or ()) > 1)
    if as_json:
        click.echo(json.dumps(details, ensure_ascii=False, indent=2))
        return
    click.echo(format_record(details, spec.field_names))
    if is_stale(details.get("last_verified")):
        click.secho(f"\nstale: last verified {details.get('last_verified') or 'never'}", fg="yellow")


@cli.command()
@click.argument("kind", type=KIND)
@pass_settings
def fields(settings: Settings, kind: str) -> None:
    """What a kind of record holds: each field, whether it is required, and its allowed values.

    \b
    Example:
      commons fields agreements
    """
    for f in get_kind(kind).fields:
        flags = ", ".join(x for x in ("required" if f.required else "", "private" if f.private else "", f.type) if x)
        click.echo(f"{f.name}  ({flags})\n    {f.description}")
        if f.choices:
            click.echo(f"    allowed: {', '.join(f.choices)}")


@cli.command(name="list")
@click.argument("kind", type=KIND)
@click.option("--where", "filters", multiple=True, metavar="FIELD=VALUE", help="Only records whose field has this value; repeat to narrow.")
@click.option("--stale", is_flag=True, help="Only records not verified for over a year.")
@click.option("--json", "fmt", flag_value="json", help="Print JSON that `commons import` reads back.")
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV that `commons import` reads back.")
@pass_settings
@reports_errors
def list_command(settings: Settings, kind: str, filters: tuple[str, ...], stale: bool, fmt: str | None) -> None:
    """List records of a kind, optionally filtered.

    \b
    Examples:
      commons list assets --where status=recognised --where city=Napoli
      commons list cases --where policy_areas=housing --csv > cases.csv
    """
    from registry.cli.tables import format_table
    from registry.formats.writers import FORMAT_BY_NAME
    from registry.model.rules import is_stale
    from registry.operations.records import list_records

    where = {k: v for k, v in parse_assignments(filters).items()}
    registry = settings.open(reading=True)
    records = list_records(registry, kind, where)
    if stale:
        records = [r for r in records if is_stale(r.get("last_verified"))]
    spec = get_kind(kind)
    if fmt is not None:
        click.echo(FORMAT_BY_NAME[fmt].write(spec, records, spec.field_names), nl=False)
    elif spec.term is not None:
        import datetime as dt

        from registry.operations.terms import term_states

        states = term_states(registry, spec, dt.date.today())
        click.echo(format_table([{**r, "term": states.get(r["id"])} for r in records], [*spec.summary_columns, "term"]))
    else:
        click.echo(format_table(records, spec.summary_columns))


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_settings
@reports_errors
def remove(settings: Settings, kind: str, record_id: str, yes: bool) -> None:
    """Remove a record (kept in the change log; `commons restore` brings it back).

    Refuses while other records point at it, and says which.

    \b
    Example:
      commons remove actors act-la-balena --yes
    """
    from registry.operations.records import get_record, remove_record

    registry = settings.open()
    get_record(registry, kind, record_id)
    if not yes:
        click.confirm(f"Remove {get_kind(kind).singular} {record_id}?", abort=True)
    remove_record(registry, kind, record_id)
    click.echo(f"Removed {get_kind(kind).singular} {record_id} (restore it with: commons restore {kind} {record_id})")


@cli.command()
@click.argument("text")
@click.option("--kind", type=KIND, help="Search only this kind.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000), help="At most this many results (1 to 10,000).")
@pass_settings
@reports_errors
def search(settings: Settings, text: str, kind: str | None, limit: int) -> None:
    """Full-text search over names and descriptions, best matches first.

    \b
    Example:
      commons search "civic use" --kind agreements
    """
    from registry.operations.search import search_records

    hits = search_records(settings.open(reading=True).conn, text, kind, limit=limit)
    if not hits:
        click.echo("No matches.")
    for hit in hits:
        click.echo(f"{hit.kind:<10}  {hit.id:<32}  {hit.title}\n{'':<12}{hit.snippet}")


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.argument("other_kind", type=KIND, metavar="KIND2")
@click.argument("other_id", metavar="ID2")
@click.option("--role", help="The link's role, e.g. municipality or co_manager for an agreement's parties.")
@pass_settings
@reports_errors
def link(settings: Settings, kind: str, record_id: str, other_kind: str, other_id: str, role: str | None) -> None:
    """Link two records: an agreement's parties, a case's actors and assets.

    \b
    Examples:
      commons link agreements agr-nap-asilo-400 actors act-asilo --role co_manager
      commons link cases cs-naples-commons assets nap-lido-pola
    """
    from registry.operations.links import link_records

    link_records(settings.open(), kind, record_id, other_kind, other_id, role)
    click.echo(f"Linked {record_id} and {other_id}" + (f" as {role}" if role else ""))


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.argument("other_kind", type=KIND, metavar="KIND2")
@click.argument("other_id", metavar="ID2")
@pass_settings
@reports_errors
def unlink(settings: Settings, kind: str, record_id: str, other_kind: str, other_id: str) -> None:
    """Remove the link between two records.

    \b
    Example:
      commons unlink cases cs-naples-commons assets nap-lido-pola
    """
    from registry.operations.links import unlink_records

    unlink_records(settings.open(), kind, record_id, other_kind, other_id)
    click.echo(f"Unlinked {record_id} and {other_id}")


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.option("--url", required=True, help="Where the source can be read (http or https).")
@click.option("--title", required=True, help="What the source is.")
@click.option("--publisher", help="Who published it.")
@click.option("--year", type=int, help="Year of publication.")
@pass_settings
@reports_errors
def cite(settings: Settings, kind: str, record_id: str, url: str, title: str, publisher: str | None, year: int | None) -> None:
    """Attach a source to a record.

    \b
    Example:
      commons cite assets nap-lido-pola --url https://commonsnapoli.org/gli-spazi/lido-pola/ \\
          --title "Lido Pola" --publisher "Rete dei Beni Comuni Napoletani"
    """
    from registry.operations.links import cite_record

    cite_record(settings.open(), kind, record_id, url, title, publisher, year)
    click.echo(f"{record_id} now cites {url}")


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.option("--on", "on", metavar="DATE", help="The day it was checked (YYYY-MM-DD; default today).")
@click.option("--source", metavar="URL|NUMBER", help="The source it was checked against: one the registry holds; cited if it is not yet.")
@pass_settings
@reports_errors
def verify(settings: Settings, kind: str, record_id: str, on: str | None, source: str | None) -> None:
    """Say a record was checked against reality: sets last_verified, so it is not shown as stale for a year.

    \b
    Examples:
      commons verify assets nap-asilo
      commons verify agreements agr-nap-asilo-400 --on 2026-03-02 --source https://www.comune.napoli.it/
    """
    from registry.operations.freshness import verify_record

    outcome = verify_record(settings.open(), kind, record_id, on, source)
    warn(outcome.warnings)
    click.echo(f"Verified {get_kind(kind).singular} {record_id} on {outcome.record['last_verified']}")


@cli.command()
@pass_settings
@reports_errors
def check(settings: Settings) -> None:
    """Check integrity and foreign keys, and re-validate every record.

    Exits 1 when a problem is found; records without sources or not verified
    for a year, and translated chapters that follow an older English text,
    are listed as notices.

    \b
    Example:
      commons check
    """
    from registry.site.settings import project_root
    from registry.site.translated_content import stale_translations
    from registry.store.checks import check_registry

    report = check_registry(settings.open(reading=True))
    report.notices += [f"stale translation: {status.describe()}" for status in stale_translations(project_root() / "content")]
    for notice in report.notices:
        click.echo(f"notice: {notice}")
    if not report.ok:
        raise click.ClickException("\n".join(report.problems) + f"\n{len(report.problems)} problem(s) found")
    click.echo(f"OK: {report.records} records checked, {len(report.notices)} notice(s)")
