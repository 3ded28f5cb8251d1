"""Commands that move data in and out: imports, exports, GIS layers, backups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from registry.cli.base import KIND, Settings, cli, contributions_file_option, parse_assignments, pass_settings, reports_errors, warn
from registry.cli.contributions import receive_saved_contributions
from registry.formats.writers import FORMAT_BY_NAME, FORMATS
from registry.model.errors import suggest
from registry.model.kinds import KINDS


@cli.command(name="import")
@click.argument("sources", nargs=-1, required=True, metavar="[KIND] FILE...")
@click.option("--dry-run", is_flag=True, help="Check everything and say what would be added or changed, but write nothing.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    help="A value for every row that leaves FIELD empty, e.g. --set status=mapped (repeatable); a row's own value wins.",
)
@click.option(
    "--id-from",
    metavar="FIELD",
    help="Make the id of each row without one from FIELD, e.g. --id-from name: 'Città della Scienza' becomes citta-della-scienza (-2, -3... when taken).",
)
@click.option(
    "--update", is_flag=True, help="Rows whose id is already in the registry update that record (logged) instead of being refused."
)
@click.option("--sheet", metavar="NAME", help="The sheet to read from an .xlsx or .ods workbook (default: the first).")
@click.option("--layer", help="The layer to read from a GeoPackage (or a zip holding several Shapefiles).")
@click.option(
    "--columns",
    "columns",
    multiple=True,
    metavar="FIELD=COLUMN,...",
    help="Which column feeds which field, e.g. name=NOME,lat=Y,lon=X or wkt=GEOM; unmapped columns are guessed and reported.",
)
@click.option("--crs", help="CRS of a file that does not say its own, e.g. EPSG:32633 for a CSV in UTM 33N.")
@click.option(
    "--max-mb",
    type=click.IntRange(1, 100_000),
    default=250,
    show_default=True,
    help="The largest file (or zip, expanded) one import reads, in megabytes.",
)
@contributions_file_option
@click.option(
    "--max-records",
    type=click.IntRange(1, 100_000_000),
    default=250_000,
    show_default=True,
    help="The most rows or features one file may hold.",
)
@pass_settings
@reports_errors
def import_command(
    settings: Settings,
    sources: tuple[str, ...],
    dry_run: bool,
    assignments: tuple[str, ...],
    id_from: str | None,
    update: bool,
    sheet: str | None,
    layer: str | None,
    columns: tuple[str, ...],
    crs: str | None,
    max_mb: int,
    contributions_path: Path | None,
    max_records: int,
) -> None:
    """Import records from CSV, JSON, spreadsheet or GIS files: all rows of all files, or none.

    Give a KIND (assets, actors, agreements or cases) and its files, or give
    files (or a folder) named after their kinds, assets.csv, actors.csv,
    agreements.csv and cases.csv, to import a whole dataset in one
    transaction: assets go in before the agreements that name them, whatever
    the order given.

    GIS files (GeoJSON, GeoPackage, zipped Shapefile) and CSVs with coordinate
    or WKT columns under any names are reprojected to WGS84; polygons keep
    their outline and get a point inside it. Column guesses are printed before
    anything is written: check them with --dry-run.

    A file saved from the site (a filled-in questionnaire) is kept as a draft
    for staff to review instead (`commons contributions show`).

    \b
    Examples:
      commons import assets inventory.csv --dry-run
      commons import assets.csv actors.csv agreements.csv cases.csv
      commons import dataset/ --dry-run
      commons import assets beni.gpkg --layer immobili --columns name=NOME,kind=TIPO --dry-run
      commons import actors soci.csv --columns lat=Y,lon=X --crs EPSG:32633
      commons import assets inventario.csv --set status=mapped --set city=Napoli --id-from name
      commons import assets patrimonio.xlsx --sheet Immobili --set status=mapped --id-from name
      commons import assets inventario.csv --set status=mapped --id-from name --update --dry-run
    """
    from registry.formats.import_options import ImportOptions
    from registry.formats.importing import ImportResult, import_or_preview_files
    from registry.formats.limits import MEGABYTE, ImportLimits

    limits = ImportLimits(max_bytes=max_mb * MEGABYTE, max_records=max_records)
    options = ImportOptions(parse_assignments(assignments), id_from=id_from, sheet=sheet, update=update)
    kind, files = _kind_and_files(sources)
    if receive_saved_contributions(settings, files, contributions_path, dry_run):
        return
    results: list[ImportResult]
    if layer or columns or crs:
        results = [_import_one_spatial_file(settings, kind, files, dry_run, layer, columns, crs, limits, options)]
    else:
        results = import_or_preview_files(
            settings.open(), files, kind, dry_run=dry_run, notify=lambda note: click.echo(note, err=True), limits=limits, options=options
        )
    _report_import(results, dry_run)


def _import_one_spatial_file(
    settings: Settings,
    kind: str | None,
    files: list[str],
    dry_run: bool,
    layer: str | None,
    columns: tuple[str, ...],
    crs: str | None,
    limits: Any,
    options: Any,
) -> Any:
    """One GIS file or CSV with coordinates, read with the layer, columns and CRS given."""
    from registry.formats.importing import import_spatial

    if kind is None or len(files) != 1:
        raise click.UsageError(
            "--layer, --columns and --crs describe one file: give its kind and the file, e.g. commons import assets beni.gpkg --layer immobili"
        )
    return import_spatial(
        settings.open(),
        kind,
        Path(files[0]),
        dry_run=dry_run,
        layer=layer,
        columns=columns,
        crs=crs,
        notify=lambda note: click.echo(note, err=True),
        limits=limits,
        options=options,
    )


def _report_import(results: list[Any], dry_run: bool) -> None:
    """Warnings first, then each record updated field by field, then what each file added (or would add), and the total."""
    for result in results:
        warn(result.warnings)
    for result in results:
        for update in result.updates:
            changes = "; ".join(f"{c.field} {_shown(c.before)} → {_shown(c.after)}" for c in update.field_changes)
            click.echo(f"  {update.record_id}: {changes}")
    verb = "Would add" if dry_run else "Added"
    for result in results:
        if result.countries_filled:
            click.echo(f"{result.countries_filled} {result.kind} given the country their point falls in", err=True)
        updated = ""
        if result.updates or result.unchanged:
            updated = f", {'would update' if dry_run else 'updated'} {result.updated} ({result.unchanged} unchanged)"
        click.echo(f"{verb} {result.added} {result.kind}{updated} from {result.path}")
    if len(results) > 1:
        click.echo(f"{verb} {sum(r.added for r in results)} records from {len(results)} files in one transaction")


def _shown(value: Any, width: int = 60) -> str:
    """A field's value in one short line: lists joined, long texts cut, nothing as (empty)."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _kind_and_files(sources: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """`KIND FILE...` or `FILE...`: the first word is a kind when it names one and files follow."""
    first = sources[0]
    if first in KINDS:
        if len(sources) > 1:
            return first, list(sources[1:])
        if not Path(first).exists():
            raise click.UsageError(f"give the file to import after the kind, e.g. commons import {first} {first}.csv")
    elif not Path(first).exists() and not Path(first).suffix:
        kinds = ", ".join(repr(k) for k in KINDS)
        raise click.BadParameter(
            f"{first!r} is neither one of {kinds} nor a file or folder{suggest(first, list(KINDS))}", param_hint="'[KIND] FILE...'"
        )
    return None, list(sources)


@cli.command()
@click.argument("kind", type=KIND)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.name for f in FORMATS]),
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
    from registry.formats.exporting import export_records

    chosen = FORMAT_BY_NAME[fmt]
    if chosen.binary and output is None:
        raise click.UsageError(f"--format {fmt} writes a file: give it with -o FILE{chosen.suffix}")
    if chosen.binary and output is not None and output.suffix.lower() != chosen.suffix:
        raise click.ClickException(f"{output.name}: a {chosen.title} file name ends in {chosen.suffix}")
    content = export_records(settings.open(reading=True), kind, fmt)
    if output is None:
        click.echo(content, nl=False)
        return
    partial = output.with_name(output.name + ".partial")
    if isinstance(content, bytes):
        partial.write_bytes(content)
    else:
        partial.write_text(content, encoding="utf-8")
    partial.replace(output)
    click.echo(f"Wrote {output}")


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
    from registry.geo.districts import load_districts

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
    from registry.geo.districts import assign_districts

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
    from registry.geo.near import near_records

    found = near_records(settings.open(reading=True), kind, record_id, km, only=only)
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
    from registry.store.backups import backup_registry

    made = backup_registry(settings.open(reading=True), dest)
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
    from registry.store.backups import restore_backup

    if not yes and settings.db.exists():
        click.confirm(f"Replace {settings.db} with {src}? (the current registry is kept beside it)", abort=True)
    restored = restore_backup(src, settings.db, by=settings.by)
    kept = f"; the previous registry is kept as {restored.kept}" if restored.kept else ""
    click.echo(f"Restored {restored.records} records from {src} into {settings.db}{kept}")
