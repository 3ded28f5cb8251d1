"""Commands that publish: the public copy, Datasette, the website and its preview."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from registry.cli.base import Settings, cli, pass_settings, reports_errors, review_days_option

if TYPE_CHECKING:
    from registry.site.build import BuildReport


def public_folder_option(help_text: str) -> Any:
    """-o/--output for the commands that write or read the public copy (publish, serve)."""
    return click.option(
        "-o",
        "--output",
        "directory",
        type=click.Path(file_okay=False, path_type=Path),
        default="public",
        show_default=True,
        help=help_text,
    )


@cli.command()
@public_folder_option("Folder for public.db and the CSV, JSON and GeoJSON downloads.")
@pass_settings
@reports_errors
def publish(settings: Settings, directory: Path) -> None:
    """Write the public copy (public.db and downloads), with every private field left out.

    Datasette and the website both read this copy.

    \b
    Example:
      commons publish -o public
    """
    from registry.publishing.publish import publish_registry

    published = publish_registry(settings.open(reading=True), directory)
    click.echo(f"Published {published.database} and {len(published.files) - 1} downloads in {directory}/")


@cli.command()
@public_folder_option("Folder of the public copy (public.db and downloads).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0 picks a free one).")
@click.option("--no-publish", is_flag=True, help="Serve the public copy already in the folder instead of publishing it again.")
@click.option(
    "--metadata",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Datasette metadata (default: metadata.json here, else the project's).",
)
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
    from registry.publishing.datasette import ServeOptions, serve_registry

    options = ServeOptions(directory=directory, host=host, port=port, publish=not no_publish, metadata=metadata)
    registry = None if no_publish else settings.open(reading=True)

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
    "--site-url",
    envvar="COMMONS_SITE_URL",
    help="Public address of the site, for the sitemap, robots.txt, canonical links, JSON-LD ids, feeds and the data catalogue "
    "(also COMMONS_SITE_URL).",
)
@click.option(
    "--contact-email",
    envvar="COMMONS_CONTACT_EMAIL",
    help="The lab's public e-mail address (an office's, not a person's), named as the data catalogue's contact; "
    "with it every index and record page carries a form that sends a contribution to it (also COMMONS_CONTACT_EMAIL).",
)
@click.option(
    "--intake-url",
    envvar="COMMONS_INTAKE_URL",
    help="Address of the lab's contribution intake service: the forms post to <address>/contributions instead of "
    "preparing an e-mail (also COMMONS_INTAKE_URL).",
)
@review_days_option
@click.option(
    "--datasette-url",
    envvar="COMMONS_DATASETTE_URL",
    help="Address of the registry in Datasette, linked from pages (also COMMONS_DATASETTE_URL).",
)
@click.option("--tiles-url", envvar="COMMONS_TILES_URL", help="Map tile URL template (default: OpenStreetMap; also COMMONS_TILES_URL).")
@click.option(
    "--tiles-attribution", envvar="COMMONS_TILES_ATTRIBUTION", help="Credit line for the map tiles (also COMMONS_TILES_ATTRIBUTION)."
)
@click.option(
    "--default-lang",
    default="en",
    show_default=True,
    help="The language at the site's root; every other language goes under /<code>/.",
)
@click.option(
    "--lang",
    "languages",
    help="Build only these languages besides the default, comma-separated (e.g. es,it; naming only the default builds it alone); "
    "default: every language with a catalogue in locale/.",
)
@click.option("--no-search", is_flag=True, help="Skip the search index (faster while writing chapters).")
@click.option(
    "--example", is_flag=True, help="Build the embedded Naples example: create the registry from it first if the file does not exist."
)
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
    contact_email: str | None,
    intake_url: str | None,
    review_days: int,
    datasette_url: str | None,
    tiles_url: str | None,
    tiles_attribution: str | None,
    default_lang: str,
    languages: str | None,
    no_search: bool,
    example: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Build the website into a folder: public copy, maps, guide and record pages, search index.

    Only pages whose data or templates changed are rewritten. The folder works
    on any static host, under any subpath.

    \b
    Examples:
      commons build
      commons --db example.db build --example
      commons --db naples.db build --output site --datasette-url https://data.example.org/
      commons build --site-url https://commons.example.org/ --contact-email commons@example.org
      commons build --contact-email commons@example.org --intake-url https://intake.example.org/ --review-days 10
      commons build --default-lang it --lang es,fr
    """
    from registry.site.build import build_site
    from registry.site.languages import site_languages
    from registry.site.settings import DEFAULT_TILES_ATTRIBUTION, DEFAULT_TILES_URL, SiteSettings, project_root

    db = _registry_to_build(db_override or settings.db, example, settings.by)
    chosen = [code.strip() for code in languages.split(",") if code.strip()] if languages is not None else None
    site = SiteSettings(
        output=output,
        site_url=site_url,
        contact_email=contact_email,
        intake_url=intake_url,
        review_days=review_days,
        datasette_url=datasette_url,
        search=not no_search,
        force=force,
        progress=_progress_bar(quiet),
        language=default_lang,
        languages=site_languages(project_root() / "locale", default_lang, chosen),
        tiles_url=tiles_url or DEFAULT_TILES_URL,
        tiles_attribution=tiles_attribution or DEFAULT_TILES_ATTRIBUTION,
    )
    _tell_built(build_site(db, site, on_step=_announce_steps(quiet)), output, quiet)


def _tell_built(report: BuildReport, output: Path, quiet: bool) -> None:
    """What the build did (unless quiet), and where the site is and how to view it."""
    if not quiet:
        for note in report.notes:
            click.secho(note, fg="yellow", err=True)
        timings = ", ".join(f"{step} {seconds:.2f}s" for step, seconds in report.timings.items())
        click.echo(
            f"Built {len(report.rendered)} changed files ({report.skipped} unchanged, {len(report.removed)} removed) "
            f"in {report.total:.2f}s: {timings}"
        )
        if report.beside:
            beside = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in report.beside.items())
            click.echo(f"Beside those steps, in child processes: {beside}")
    click.echo(
        f"The site is in {report.output}/\nView it with: commons preview --output {output}   (or: python -m http.server -d {output})"
    )


def _registry_to_build(db: Path, example: bool, by: str | None) -> Path:
    """The registry file, made from the embedded example first when asked and missing."""
    if example and not db.is_file():
        from registry.operations.examples import init_registry

        registry, counts = init_registry(db, example=True, by=by)
        registry.close()
        click.echo(f"Created {db} from the embedded example ({', '.join(f'{n} {k}' for k, n in counts.items())})", err=True)
    if not db.is_file():
        raise click.ClickException(f"no registry at {db}: create one with `commons --db {db} init --example`, or pass --db")
    return db


def _progress_bar(quiet: bool) -> Any:
    """A progress bar on stderr for long steps, unless quiet."""

    def progress(items: Any, length: int, label: str) -> Any:
        if quiet or length < 8:
            yield from items
            return
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield from bar

    return progress


BUILD_STEPS = {
    "publish": "Publishing the public copy",
    "maps": "Drawing the maps",
    "read": "Reading the public copy for the pages",
    "pelican": "Writing the guide and record pages",
    "search": "Indexing every page for search (Pagefind)",
    "prune": "Removing files the site no longer has",
}


def _announce_steps(quiet: bool) -> Any:
    """Say each step of the build as it starts, unless quiet."""

    def on_step(step: str) -> None:
        if not quiet:
            click.echo(f"{BUILD_STEPS.get(step, step)}…", err=True)

    return on_step


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default="output",
    show_default=True,
    help="The built site folder to serve.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port on 127.0.0.1 (0 picks a free one).")
@pass_settings
def preview(settings: Settings, output: Path, port: int) -> None:
    """Serve the built site on this computer only (127.0.0.1) until Ctrl-C.

    \b
    Example:
      commons build && commons preview --port 8000
    """
    import functools as ft
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from registry.publishing.files import private_files_in

    private = private_files_in(output, settings.db)
    if private:
        raise click.ClickException(
            f"refusing to serve {output}: it holds {', '.join(private[:3])}, which must not be published; "
            "preview the folder `commons build` made (e.g. --output output)"
        )
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
