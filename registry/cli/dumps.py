"""Commands that turn the registry into reviewable text and back: dump and load."""

from __future__ import annotations

from pathlib import Path

import click

from registry.cli.base import Settings, cli, pass_settings, reports_errors


@cli.command()
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@pass_settings
@reports_errors
def dump(settings: Settings, folder: Path) -> None:
    """Write the registry into DIR as sorted text files a team can review in git.

    One JSON file per record (DIR/assets/nap-asilo.json), one JSON Lines file
    per table of links, timelines, sources, citations and districts, and the
    whole change log (DIR/changes.jsonl). The same registry always gives the
    same bytes; a record removed since the last dump loses its file. DIR must
    hold nothing else (hidden entries such as .git are left alone).
    `commons load DIR` builds a registry from it.

    PRIVATE: the dump holds every field, private ones included (contact people,
    e-mails, phone numbers, internal notes), and who changed what. Keep DIR in a
    private repository; the public copy is made by `commons publish` and
    `commons build`, never from the dump.

    \b
    Examples:
      commons dump dump/
      git -C dump/ diff --stat
    """
    from registry.store.dump import dump_registry

    done = dump_registry(settings.open(reading=True), folder)
    click.echo(
        f"Dumped {done.records} records to {folder}: {len(done.written)} files written, "
        f"{len(done.removed)} removed, {done.unchanged} unchanged"
    )


@cli.command()
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace the registry at --db; the current one is kept beside it.")
@pass_settings
@reports_errors
def load(settings: Settings, folder: Path, replace: bool) -> None:
    """Build the registry at --db from a folder written by `commons dump`.

    Every record is checked with the rules `commons add` applies, and every
    link, timeline step, source, citation and reference with its own; a bad
    file is refused, naming the file, the record and the field, and nothing
    is written. The change log is loaded as it is, so `commons log` tells the
    same history. An existing registry is never overwritten unless you give
    --replace, which keeps it beside the new one as NAME.before-load-TIME.db.

    \b
    Examples:
      commons --db registry.db load dump/
      commons --db registry.db load dump/ --replace
      commons --db registry.db load dump/ && commons --db registry.db build
    """
    from registry.store.load import load_registry

    loaded = load_registry(folder, settings.db, replace=replace, by=settings.by)
    kept = f"; the previous registry is kept as {loaded.kept}" if loaded.kept else ""
    click.echo(f"Loaded {loaded.records} records and {loaded.rows} other rows from {folder} into {settings.db}{kept}")
