"""The `commons` command: a thin shell over the registry library, one command per function.

Heavy libraries (Pelican, folium, geopandas, Datasette) are imported inside the
commands that need them, so `commons --help` and `commons list` start fast.
"""

from __future__ import annotations

import functools
import os
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import RegistryError, ValidationError
from .rules import KINDS, get_kind

KIND = click.Choice(list(KINDS))
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Settings:
    """What every command shares: where the registry is and who is changing it."""

    db: Path
    by: str | None

    def open(self) -> Any:
        """Open the registry for one command, closed when the command ends.

        Closing (rather than waiting for garbage collection) lets SQLite fold the
        -wal file back in, so the registry is one file again once `commons` exits.
        """
        from .store import open_registry

        registry = open_registry(self.db, by=self.by)
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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="commons")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), envvar="COMMONS_DB", default="registry.db",
              show_default=True, help="The registry file (also COMMONS_DB).")
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
    from .examples import init_registry

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
    from .records import add_record

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
@click.option("--set", "assignments", multiple=True, required=True, metavar="FIELD=VALUE", help="A field's new value; repeat for more; empty clears it.")
@pass_settings
@reports_errors
def edit(settings: Settings, kind: str, record_id: str, assignments: tuple[str, ...]) -> None:
    """Change fields of a record; its id stays the same.

    \b
    Example:
      commons edit assets nap-lido-pola --set status=under_agreement --set since=2024-05-01
    """
    from .records import update_record

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
    from .details import record_details
    from .records import get_record
    from .rules import is_stale
    from .textout import format_record

    registry = settings.open()
    details = record_details(registry.conn, kind, record_id)
    if details is None:
        get_record(registry, kind, record_id)  # raises NotFound with a suggestion
        return
    if as_json:
        click.echo(json.dumps(details, ensure_ascii=False, indent=2))
        return
    click.echo(format_record(details, get_kind(kind).field_names))
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
    from .records import list_records
    from .rules import is_stale
    from .tabular import records_to_csv, records_to_json
    from .textout import SUMMARY_COLUMNS, format_table

    where = {k: v for k, v in parse_assignments(filters).items()}
    records = list_records(settings.open(), kind, where)
    if stale:
        records = [r for r in records if is_stale(r.get("last_verified"))]
    spec = get_kind(kind)
    if fmt == "json":
        click.echo(records_to_json(records, spec.field_names), nl=False)
    elif fmt == "csv":
        click.echo(records_to_csv(spec, records), nl=False)
    else:
        click.echo(format_table(records, SUMMARY_COLUMNS[kind]))


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
    from .records import get_record, remove_record

    registry = settings.open()
    get_record(registry, kind, record_id)
    if not yes:
        click.confirm(f"Remove {get_kind(kind).singular} {record_id}?", abort=True)
    remove_record(registry, kind, record_id)
    click.echo(f"Removed {get_kind(kind).singular} {record_id} (restore it with: commons restore {kind} {record_id})")


@cli.command()
@click.argument("text")
@click.option("--kind", type=KIND, help="Search only this kind.")
@click.option("--limit", default=20, show_default=True, help="At most this many results.")
@pass_settings
@reports_errors
def search(settings: Settings, text: str, kind: str | None, limit: int) -> None:
    """Full-text search over names and descriptions, best matches first.

    \b
    Example:
      commons search "civic use" --kind agreements
    """
    from .search import search_records

    hits = search_records(settings.open().conn, text, kind, limit=limit)
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
    from .links import link_records

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
    from .links import unlink_records

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
    from .links import cite_record

    cite_record(settings.open(), kind, record_id, url, title, publisher, year)
    click.echo(f"{record_id} now cites {url}")


@cli.command()
@click.argument("kind", type=KIND, required=False)
@click.argument("record_id", metavar="[ID]", required=False)
@click.option("--limit", default=50, show_default=True, help="Show at most this many entries (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the entries, with rows before and after, as JSON.")
@pass_settings
@reports_errors
def log(settings: Settings, kind: str | None, record_id: str | None, limit: int, as_json: bool) -> None:
    """The change log, newest first: when, who, what changed.

    \b
    Examples:
      commons log
      commons log assets nap-asilo
    """
    from .history import changed_fields, read_log

    entries = read_log(settings.open(), kind, record_id, limit=limit or None)
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    if not entries:
        click.echo("No changes recorded.")
    for e in entries:
        detail = f" ({', '.join(changed_fields(e))})" if e["action"] == "update" else ""
        click.echo(f"{e['changed_at']}  {e['changed_by']:<12}  {e['action']:<7}  {e['table_name']}/{e['record_id']}{detail}")


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
    from .history import restore_record

    restore_record(settings.open(), kind, record_id)
    click.echo(f"Restored {get_kind(kind).singular} {record_id}")


@cli.command(name="import")
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and say what would be added, but write nothing.")
@click.option("--layer", help="The layer to read from a GeoPackage (or a zip holding several Shapefiles).")
@click.option(
    "--columns",
    "columns",
    multiple=True,
    metavar="FIELD=COLUMN,...",
    help="Which column feeds which field, e.g. name=NOME,lat=Y,lon=X or wkt=GEOM; unmapped columns are guessed and reported.",
)
@click.option("--crs", help="CRS of a file that does not say its own, e.g. EPSG:32633 for a CSV in UTM 33N.")
@pass_settings
@reports_errors
def import_command(
    settings: Settings, kind: str, file: Path, dry_run: bool, layer: str | None, columns: tuple[str, ...], crs: str | None
) -> None:
    """Import records from CSV, JSON or a GIS file: all rows or none.

    GIS files (GeoJSON, GeoPackage, zipped Shapefile) and CSVs with coordinate
    or WKT columns under any names are reprojected to WGS84; polygons keep
    their outline and get a point inside it. Column guesses are printed before
    anything is written: check them with --dry-run.

    \b
    Examples:
      commons import assets inventory.csv --dry-run
      commons import assets beni.gpkg --layer immobili --columns name=NOME,kind=TIPO --dry-run
      commons import actors soci.csv --columns lat=Y,lon=X --crs EPSG:32633
    """
    from .geo.read import import_spatial, is_spatial_import
    from .tabular import import_or_preview

    if is_spatial_import(file, kind, layer=layer, columns=columns, crs=crs):
        result = import_spatial(
            settings.open(),
            kind,
            file,
            dry_run=dry_run,
            layer=layer,
            columns=columns,
            crs=crs,
            notify=lambda note: click.echo(note, err=True),
        )
    else:
        result = import_or_preview(settings.open(), kind, file, dry_run=dry_run)
    warn(result.warnings)
    verb = "Would add" if dry_run else "Added"
    click.echo(f"{verb} {result.added} {kind} from {file}")


@cli.command()
@click.argument("kind", type=KIND)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "geojson", "gpkg"]),
    default="csv",
    show_default=True,
    help="csv and json for spreadsheets; geojson (RFC 7946) and gpkg (GeoPackage, needs -o) for GIS.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of standard output.")
@pass_settings
@reports_errors
def export(settings: Settings, kind: str, fmt: str, output: Path | None) -> None:
    """Export every record of a kind, private fields included (for staff; publish for the public).

    GeoJSON and GeoPackage read back into QGIS, geopandas or `commons import`
    as the same records.

    \b
    Examples:
      commons export agreements --format json -o agreements.json
      commons export assets --format gpkg -o assets.gpkg
    """
    if fmt == "gpkg":
        from .geo.write import export_geopackage

        if output is None:
            raise click.UsageError("--format gpkg writes a file: give it with -o FILE.gpkg")
        export_geopackage(settings.open(), kind, output)
        click.echo(f"Wrote {output}")
        return
    if fmt == "geojson":
        from .geo.write import export_geojson

        text = export_geojson(settings.open(), kind)
    else:
        from .tabular import export_records

        text = export_records(settings.open(), kind, fmt)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}")
    else:
        click.echo(text, nl=False)


@cli.command()
@pass_settings
@reports_errors
def check(settings: Settings) -> None:
    """Check integrity and foreign keys, and re-validate every record.

    Exits 1 when a problem is found; records without sources or not verified
    for a year are listed as notices.

    \b
    Example:
      commons check
    """
    from .checks import check_registry

    report = check_registry(settings.open())
    for notice in report.notices:
        click.echo(f"notice: {notice}")
    if not report.ok:
        raise click.ClickException("\n".join(report.problems) + f"\n{len(report.problems)} problem(s) found")
    click.echo(f"OK: {report.records} records checked, {len(report.notices)} notice(s)")


@cli.group()
def agreements() -> None:
    """Questions about agreements."""


@agreements.command()
@click.option("--within", default="90d", show_default=True, help="How far ahead to look: days (90d), weeks (12w), months (6m) or years (1y).")
@pass_settings
@reports_errors
def expiring(settings: Settings, within: str) -> None:
    """Active agreements that expire within a period, soonest first.

    \b
    Example:
      commons agreements expiring --within 1y
    """
    from .checks import expiring_agreements, parse_window
    from .textout import format_table

    rows = expiring_agreements(settings.open(), parse_window(within))
    click.echo(format_table(rows, ["id", "title", "expires_on", "asset_id"]) if rows else f"No active agreement expires within {within}.")


@cli.command()
@click.option("-o", "--output", "directory", type=click.Path(file_okay=False, path_type=Path), default="public", show_default=True,
              help="Folder for public.db and the CSV, JSON and GeoJSON downloads.")
@pass_settings
@reports_errors
def publish(settings: Settings, directory: Path) -> None:
    """Write the public copy (public.db and downloads), with every private field left out.

    Datasette and the website both read this copy.

    \b
    Example:
      commons publish -o public
    """
    from .publish import publish_registry

    published = publish_registry(settings.open(), directory)
    click.echo(f"Published {published.database} and {len(published.files) - 1} downloads in {directory}/")


@cli.command()
@click.option("-o", "--output", "directory", type=click.Path(file_okay=False, path_type=Path), default="public", show_default=True,
              help="Folder of the public copy (public.db and downloads).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0 picks a free one).")
@click.option("--no-publish", is_flag=True, help="Serve the public copy already in the folder instead of publishing it again.")
@click.option("--metadata", type=click.Path(dir_okay=False, path_type=Path),
              help="Datasette metadata (default: metadata.json here, else the project's).")
@pass_settings
@reports_errors
def serve(settings: Settings, directory: Path, host: str, port: int, no_publish: bool, metadata: Path | None) -> None:
    """Publish the registry and serve it read-only with Datasette, for journalists.

    Anyone who can reach the address can browse, facet, search, run the
    ready-made queries and their own read-only SQL; nothing can be changed.

    \b
    Examples:
      commons serve
      commons serve --port 8080 --no-publish -o public
    """
    from .serve import ServeOptions, serve_registry

    options = ServeOptions(directory=directory, host=host, port=port, publish=not no_publish, metadata=metadata)
    registry = None if no_publish else settings.open()

    def announce(server: Any) -> None:
        click.echo(f"Serving {server.database} read-only at {server.url} (Ctrl-C to stop)")

    serve_registry(registry, options, announce)


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default="output",
    show_default=True,
    help="Folder to write the website into.",
)
@click.option("--db", "db_override", type=click.Path(dir_okay=False, path_type=Path), help="The registry file (default: the group's --db).")
@click.option(
    "--site-url", envvar="COMMONS_SITE_URL", help="Public address of the site, for the sitemap and feeds (also COMMONS_SITE_URL)."
)
@click.option(
    "--datasette-url",
    envvar="COMMONS_DATASETTE_URL",
    help="Address of the registry in Datasette, linked from pages (also COMMONS_DATASETTE_URL).",
)
@click.option("--tiles-url", envvar="COMMONS_TILES_URL", help="Map tile URL template (default: OpenStreetMap; also COMMONS_TILES_URL).")
@click.option(
    "--tiles-attribution", envvar="COMMONS_TILES_ATTRIBUTION", help="Credit line for the map tiles (also COMMONS_TILES_ATTRIBUTION)."
)
@click.option("--no-search", is_flag=True, help="Skip the search index (faster while writing chapters).")
@click.option(
    "--force",
    is_flag=True,
    help="Render every page again, ignoring what the last build wrote (files whose bytes are the same are left alone).",
)
@click.option("--quiet", is_flag=True, help="Print only where the site is.")
@pass_settings
@reports_errors
def build(
    settings: Settings,
    output: Path,
    db_override: Path | None,
    site_url: str | None,
    datasette_url: str | None,
    tiles_url: str | None,
    tiles_attribution: str | None,
    no_search: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Build the website into a folder: public copy, maps, guide and record pages, search index.

    Only pages whose data or templates changed are rewritten. The folder works
    on any static host, under any subpath.

    \b
    Examples:
      commons build
      commons --db naples.db build --output site --datasette-url https://data.example.org/
    """
    from .site.build import build_site
    from .site.settings import SiteSettings

    db = db_override or settings.db
    if not db.is_file():
        raise click.ClickException(f"no registry at {db}: create one with `commons --db {db} init --example`, or pass --db")

    def progress(items: Any, length: int, label: str) -> Any:
        if quiet or length < 8:
            yield from items
            return
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield from bar

    site = SiteSettings(output=output, site_url=site_url, datasette_url=datasette_url, search=not no_search, force=force, progress=progress)
    if tiles_url:
        site.tiles_url = tiles_url
    if tiles_attribution:
        site.tiles_attribution = tiles_attribution

    steps = {
        "publish": "Publishing the public copy",
        "maps": "Drawing the maps",
        "pelican": "Writing the guide and record pages",
        "search": "Indexing every page for search (Pagefind)",
        "prune": "Removing files the site no longer has",
    }

    def on_step(step: str) -> None:
        if not quiet:
            click.echo(f"{steps.get(step, step)}…", err=True)

    report = build_site(db, site, on_step=on_step)
    if not quiet:
        for note in report.notes:
            click.secho(note, fg="yellow", err=True)
        timings = ", ".join(f"{step} {seconds:.2f}s" for step, seconds in report.timings.items())
        click.echo(
            f"Built {len(report.rendered)} changed files ({report.skipped} unchanged, {len(report.removed)} removed) "
            f"in {report.total:.2f}s: {timings}"
        )
    click.echo(
        f"The site is in {report.output}/\nView it with: commons preview --output {output}   (or: python -m http.server -d {output})"
    )


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default="output",
    show_default=True,
    help="The built site folder to serve.",
)
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
def preview(output: Path, port: int) -> None:
    """Serve the built site on this computer only (127.0.0.1) until Ctrl-C.

    \b
    Example:
      commons build && commons preview --port 8000
    """
    import functools as ft
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = ft.partial(SimpleHTTPRequestHandler, directory=str(output))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}; choose another --port") from None
    click.echo(f"Serving {output}/ at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


@cli.group()
def districts() -> None:
    """District boundaries, and the district of each asset."""


@districts.command(name="load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id-column", help="Column holding each district's id (default: guessed, else made from the name).")
@click.option("--name-column", help="Column holding each district's name (default: guessed).")
@click.option("--layer", help="The layer to read from a GeoPackage.")
@click.option("--city", help="The city these districts belong to; its old districts missing from the file are removed.")
@click.option("--crs", help="CRS of a file that does not say its own, e.g. EPSG:32633.")
@pass_settings
@reports_errors
def districts_load(
    settings: Settings, file: Path, id_column: str | None, name_column: str | None, layer: str | None, city: str | None, crs: str | None
) -> None:
    """Store district boundaries from a GIS file and give every asset its district.

    Run it again when boundaries change; `commons districts assign` when assets moved.

    \b
    Example:
      commons districts load quartieri.geojson --name-column QUARTIERE --city Napoli
    """
    from .geo.districts import load_districts

    result = load_districts(settings.open(), file, id_column=id_column, name_column=name_column, layer=layer, city=city, crs=crs)
    for note in result.notes:
        click.echo(note, err=True)
    click.echo(f"Districts: {result.added} added, {result.updated} updated, {result.removed} removed, {result.unchanged} unchanged")
    if result.assignment is not None:
        _report_assignment(result.assignment)


@districts.command(name="assign")
@pass_settings
@reports_errors
def districts_assign(settings: Settings) -> None:
    """Give every asset the district its point falls in (after assets were added or moved).

    \b
    Example:
      commons districts assign
    """
    from .geo.districts import assign_districts

    _report_assignment(assign_districts(settings.open()))


def _report_assignment(assignment: Any) -> None:
    for asset_id, before, after in assignment.changed:
        click.echo(f"  {asset_id}: {before or '(none)'} → {after}")
    click.echo(
        f"Assets: {len(assignment.changed)} given a district, {assignment.unchanged} unchanged, "
        f"{len(assignment.outside)} outside every district, {assignment.unlocated} without a location"
    )
    if assignment.outside:
        shown = ", ".join(assignment.outside[:10]) + (" ..." if len(assignment.outside) > 10 else "")
        click.secho(f"outside every district (left as they were): {shown}", fg="yellow", err=True)


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("record_id", metavar="ID")
@click.option("--km", type=float, default=1.0, show_default=True, help="Radius in kilometres.")
@click.option("--only", type=KIND, help="List only records of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
@reports_errors
def near(settings: Settings, kind: str, record_id: str, km: float, only: str | None, as_json: bool) -> None:
    """Records within a distance of a record, nearest first (measured in metres, not degrees).

    \b
    Examples:
      commons near assets nap-asilo --km 2
      commons near assets nap-asilo --km 5 --only actors
    """
    from .geo.near import near_records

    found = near_records(settings.open(), kind, record_id, km, only=only)
    if as_json:
        click.echo(json.dumps([vars(n) for n in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f"Nothing within {km:g} km of {record_id}.")
    for n in found:
        click.echo(f"{n.km:>9.3f} km  {n.kind:<7}  {n.id:<32}  {n.title}")


@cli.command()
@click.argument("dest", type=click.Path(path_type=Path))
@pass_settings
@reports_errors
def backup(settings: Settings, dest: Path) -> None:
    """Copy the registry to DEST with SQLite's online backup: safe while others write.

    DEST may be a folder; the copy is then named after the registry and the time.
    An existing file is never overwritten.

    \b
    Examples:
      commons backup backups/
      commons backup registry-2024-06-01.db
    """
    from .backup import backup_registry

    made = backup_registry(settings.open(), dest)
    click.echo(f"Backed up {settings.db} to {made}")


@cli.command(name="restore-backup")
@click.argument("src", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_settings
@reports_errors
def restore_backup_command(settings: Settings, src: Path, yes: bool) -> None:
    """Replace the registry with a backup, after checking the backup from end to end.

    The backup must pass SQLite's integrity check and `commons check` before
    anything is touched; the registry it replaces is kept beside it as
    NAME.before-restore-TIME.db.

    \b
    Example:
      commons restore-backup backups/registry-20240601T120000Z.db
    """
    from .backup import restore_backup

    if not yes and settings.db.exists():
        click.confirm(f"Replace {settings.db} with {src}? (the current registry is kept beside it)", abort=True)
    restored = restore_backup(src, settings.db, by=settings.by)
    kept = f"; the previous registry is kept as {restored.kept}" if restored.kept else ""
    click.echo(f"Restored {restored.records} records from {src} into {settings.db}{kept}")


def main() -> None:
    try:
        cli(prog_name="commons")
    except BrokenPipeError:
        # The reader (e.g. `| head`) has gone; stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
