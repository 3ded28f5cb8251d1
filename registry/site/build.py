"""One build of the website: publish the public copy, draw the maps, run Pelican, index for search.

Every step writes only files whose bytes changed, and the files a previous build
made that this one did not (a removed record's page, an emptied filter) are
deleted, so an incremental build leaves the same tree as a clean one. After an
edit, the downloads, the maps and the records' search bundles are made in child
processes while the page data is read (`forked.py`). Timings of each step are
returned for the CLI and the benchmarks.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.model.errors import RegistryError
from registry.model.kinds import KINDS
from registry.operations.forked import Forked
from registry.publishing.files import digest, file_stamp, files_digest, read_json_cache, write_json_cache
from registry.site.build_state import BuildState
from registry.site.languages import SOURCE_LANGUAGE, catalogue_digest, language
from registry.site.open_data import write_open_data
from registry.site.settings import SiteSettings, pelican_settings
from registry.site.translated_content import ChapterStatus, stage_content

if TYPE_CHECKING:
    from registry.publishing.publish import Published
    from registry.site.search_index import Indexed


def map_files() -> dict[str, str]:
    """The map pages: the overview, the one every record page embeds, and one per kind with a map of its own."""
    own = {kind.name: f"map/{kind.name}.html" for kind in KINDS.values() if kind.map_layer and kind.map_layer.own_map}
    return {"overview": "map/overview.html", "record": "map/record.html", **own}


# Search engines accept only absolute addresses, and a relative one in JSON-LD would name a record differently on every copy.
NO_SITE_URL = (
    "no --site-url: sitemap.xml, robots.txt, canonical links, og:url and the JSON-LD @id, url and term links are left out, "
    "because they need the site's public address"
)


@dataclass
class BuildReport:
    """What a build did: where the site is, how long each step took, which pages were written."""

    output: Path
    timings: dict[str, float] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)
    skipped: int = 0
    removed: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    maps: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    details: dict[str, float] = field(default_factory=dict)
    search_shards: list[str] = field(default_factory=list)
    beside: dict[str, float] = field(default_factory=dict)  # seconds of the work done in child processes, by name

    @property
    def total(self) -> float:
        return sum(self.timings.values())


def _noop(step: str) -> None:
    pass


@contextlib.contextmanager
def _timed(report: BuildReport, step: str, on_step: Callable[[str], None]) -> Iterator[None]:
    on_step(step)
    start = time.perf_counter()
    try:
        yield
    finally:
        report.timings[step] = report.timings.get(step, 0.0) + time.perf_counter() - start


def build_site(db: Path, site: SiteSettings, on_step: Callable[[str], None] = _noop) -> BuildReport:
    """Build the whole site from a registry file into `site.output`; raise RegistryError on failure."""
    report = BuildReport(site.output)
    if not site.site_url:
        report.notes.append(NO_SITE_URL)
    state = BuildState()
    refuse_private_output(site.output, db)
    site.output.mkdir(parents=True, exist_ok=True)
    produced: set[str] = set()

    with _timed(report, "publish", on_step):
        state.published = published = _publish_copy(db, site)
        report.counts = dict(published.counts)
        produced.update(_relative(published.files, site.output))
        # After an edit the downloads, the maps and the records' search bundles are made in child processes beside the
        # page data's read (forked.py): an update touches little of them. A clean build makes them in turn, as its
        # memory peak beside the page workers would otherwise hold every record's search document too.
        beside = published.updated is not None
    downloads: Forked[tuple[list[Path], list[str]]] | None = None
    maps: Forked[tuple[list[Path], list[str]]] | None = None
    try:
        with _timed(report, "publish", _noop):
            downloads = Forked(functools.partial(publish_downloads, site, published), "the downloads", beside=beside)
        with _timed(report, "maps", on_step):
            maps = Forked(functools.partial(draw_maps, site), "the maps", beside=beside)
        if beside and site.search:
            default = site.for_language(site.default_language)
            state.records_search = Forked(functools.partial(index_records, default, published), RECORDS_SEARCH)

        from registry.site.data import load_site_data

        with _timed(report, "read", on_step):
            state.data = load_site_data(site.public_db)  # read once; each language shows it in its own words
        # Waited for before the pages: the data page lists the downloads, and the pages embed the maps.
        produced.update(_relative(_made_in_step(report, "publish", downloads.result), site.output))
        map_files_made = _made_in_step(report, "maps", maps.result)
        produced.update(_relative(map_files_made, site.output))
        state.maps = {name: bool(map_files_made) and (site.output / path).is_file() for name, path in map_files().items()}
        report.maps = dict(state.maps)
        for code in site.languages:
            produced.update(_build_language(site.for_language(code), state, report, on_step))
    finally:
        for child in (downloads, maps, state.records_search):
            if child is not None:
                child.close()
    report.beside = _beside(downloads=downloads, maps=maps, search=state.records_search)

    with _timed(report, "prune", on_step):
        report.removed = prune(site, produced)
    return report


RECORDS_SEARCH = "the search indexing of the records"


def _beside(**children: Forked[Any] | None) -> dict[str, float]:
    """How long each piece of work that ran in a child took there: the steps' own timings hold only the wait for it."""
    return {name: child.seconds for name, child in children.items() if child is not None and child.seconds is not None}


def _publish_copy(db: Path, site: SiteSettings) -> Published:
    """The public copy, updated in place from the change log when the last build's state allows it."""
    from registry.publishing.publish import publish_copy
    from registry.store.database import open_registry

    registry = open_registry(db, reading=True)
    try:
        return publish_copy(registry, site.data_dir, site.today, None if site.force else site.cache_dir / "public-copy.json")
    finally:
        registry.close()


def publish_downloads(site: SiteSettings, published: Published) -> tuple[list[Path], list[str]]:
    """The downloads, their data package, the catalogue and the profiles, made from the public copy; with the notes they leave."""
    from registry.publishing.publish import publish_downloads as downloads_of_copy

    notes: list[str] = []
    files = downloads_of_copy(published, site.cache_dir / "downloads.json", site.site_name)
    return files + write_open_data(site, notes, published), notes


def _made_in_step(report: BuildReport, step: str, result: Callable[[], tuple[list[Path], list[str]]]) -> list[Path]:
    """The files a piece of work made, its wait counted in its step; the notes it left go to the report."""
    with _timed(report, step, _noop):
        files, notes = result()
    report.notes += notes
    return files


def refuse_private_output(output: Path, db: Path) -> None:
    """Refuse to build a site into a folder that holds the registry or another database: a host would publish it."""
    from registry.publishing.files import private_files_in

    found = private_files_in(output, db)
    if found:
        named = f" (it holds {', '.join(found[:3])})"
        raise RegistryError(
            f"refusing to build into {output}{named}: a site folder is published whole, and the registry is private; "
            "build into a folder of its own, e.g. --output output"
        )


def _build_language(site: SiteSettings, shared: BuildState, report: BuildReport, on_step: Callable[[str], None]) -> set[str]:
    """One language's pages, feeds and search index, in its own folder; return the files made, from the site's root."""
    state = BuildState(maps=dict(shared.maps), data=shared.data, published=shared.published)
    made: set[str] = set()
    with _timed(report, "pelican", on_step):
        for status in _stage_content(site):
            report.notes.append(status.describe())
        _run_pelican(site, state)
        made.update(state.produced)
        static = site.theme / "static"
        made.update(f"theme/{p.relative_to(static).as_posix()}" for p in static.rglob("*") if p.is_file())
    prefix = site.prefix(site.language)
    report.rendered += [prefix + path for path in state.rendered]
    report.skipped += state.skipped
    for step, seconds in state.timings.items():
        report.details[step] = report.details.get(step, 0.0) + seconds
    if site.search:
        from registry.site.search_index import index_shards, page_shard, place_search_index

        with _timed(report, "search", on_step):
            parts = [index_shards(site.output, [page_shard(site.output)], site.language, site.cache_dir, site.workers)]
            # The records' bundles are made once, with the default language's pages; every language's search page loads them.
            if site.language == site.default_language:
                forked = shared.records_search
                parts.append(forked.result() if forked is not None else index_records(site, state.published))
            files, indexed = place_search_index(site.output, site.cache_dir, parts)
            made.update(files)
            report.search_shards += [prefix + shard for shard in indexed]
    return {prefix + path for path in made}


def index_records(site: SiteSettings, published: Published | None) -> Indexed:
    """Bring the records' search bundles up to date, reading only the buckets an update in place touched."""
    from registry.site.search_index import index_shards
    from registry.site.search_records import record_shards

    state = None if site.force else site.cache_dir / "search-records.json"
    return index_shards(
        site.output, record_shards(site.public_db, site.language, state, published), site.language, site.cache_dir, site.workers
    )


def _stage_content(site: SiteSettings) -> list[ChapterStatus]:
    """Point the build at what this language shows: the chapters as written, or their translations staged with notices."""
    if site.language == SOURCE_LANGUAGE:
        return []
    staged = site.cache_dir / "content"
    notes = stage_content(site.content, site.language, staged)
    site.content = staged
    return [n for n in notes if n.state == "stale"]


def draw_maps(site: SiteSettings) -> tuple[list[Path], list[str]]:
    """Draw the maps when the maps package is installed; return their files (none: no maps) and a note when they are skipped."""
    if not site.maps:
        return [], []
    try:
        from registry.maps import render_site_maps  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError as exc:
        if exc.name not in ("registry.maps",):
            raise
        return [], ["maps skipped: the registry.maps package is not installed"]
    settings: dict[str, str | None] = {"TILES_URL": site.tiles_url, "TILES_ATTRIBUTION": site.tiles_attribution}
    cache_path = site.cache_dir / "maps.json"
    previous = read_json_cache(cache_path)
    from registry.maps.data import read_columns
    from registry.maps.layers import map_layers

    conn = sqlite3.connect(f"file:{site.public_db}?mode=ro", uri=True)
    try:
        # Read once: the key is made of them, and drawing needs them too (0.8 s at 100k records).
        columns = [read_columns(conn, spec) for spec in map_layers()]
        key = _maps_key(columns, {**settings, "languages": ",".join(f"{c}-{catalogue_digest(site.locale, c)}" for c in site.languages)})
        # Drawing costs 0.3 s at 10k records: keep the last build's maps when their inputs and files are as it left them.
        unchanged = (
            not site.force
            and previous.get("key") == key
            and [file_stamp(Path(p)) for p in previous.get("files", [])] == previous.get("stamps")
        )
        if unchanged:
            paths = list(previous["files"])
        else:
            paths = [
                str(p)
                for p in render_site_maps(conn, site.output, settings, _map_languages(site), site.cache_dir / "map-pages.json", columns)
                or []
            ]
            write_json_cache(cache_path, {"key": key, "files": paths, "stamps": [file_stamp(Path(p)) for p in paths]})
    finally:
        conn.close()
    return [Path(p) for p in paths], []


def _map_languages(site: SiteSettings) -> list[Any]:
    """Every language of the site gets its map pages, in its folder and its words."""
    from registry.maps.render import MapLanguage

    return [
        MapLanguage(site.prefix(code), site.for_language(code).catalogue().gettext, code, language(code).direction)
        for code in site.languages
    ]


def _maps_key(columns: list[Any], settings: dict[str, str | None]) -> str:
    """Everything the maps are drawn from: the records' places and names (each layer's columns), the settings, the maps code."""
    code = files_digest(p for p in (Path(__file__).parent.parent / "maps").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return digest(code, settings, [vars(c) for c in columns])


def _run_pelican(site: SiteSettings, state: BuildState) -> None:
    """Run Pelican programmatically with our settings; its console summary is kept out of our output."""
    from pelican import Pelican
    from pelican.settings import read_settings

    if not (site.content / "guide").is_dir():
        raise RegistryError(f"no guidebook chapters in {site.content}/guide: run the build from the project folder or pass --content")
    if not (site.theme / "templates").is_dir():
        raise RegistryError(f"no theme at {site.theme}: run the build from the project folder or pass --theme")
    settings = read_settings(path=None, override=pelican_settings(site, state))
    with contextlib.redirect_stdout(io.StringIO()):
        Pelican(settings).run()


def _relative(paths: Iterable[Path], output: Path) -> Iterator[str]:
    """Files as paths relative to the output folder; anything outside it is not the site's to prune.

    Compared as text: pathlib's relative_to took 0.9 s for the 35,000 files of a 100k-record rebuild, and
    making each a Path again to spell it 0.4 s.
    """
    root = output.as_posix().rstrip("/") + "/"
    for path in paths:
        text = os.fspath(path).replace(os.sep, "/")
        if text.startswith(root):
            yield text[len(root) :]


def _manifest_path(site: SiteSettings) -> Path:
    return site.cache_dir / "manifest.json"


def _previous_files(site: SiteSettings) -> set[str]:
    """The files the last build into this output made, from its manifest."""
    previous = read_json_cache(_manifest_path(site))
    return set(previous.get("files", [])) if previous.get("output") == str(site.output) else set()


def prune(site: SiteSettings, produced: set[str]) -> list[str]:
    """Delete what the last build made and this one did not, then remember what this one made."""
    previous = _previous_files(site)
    removed = []
    for relpath in sorted(previous - produced):
        path = site.output / relpath
        if path.is_file():
            path.unlink()
            removed.append(relpath)
            _remove_empty_parents(path.parent, site.output)
    if produced != previous:  # the same files: the manifest would be written again byte for byte (0.2 s at 100k records)
        write_json_cache(_manifest_path(site), {"output": str(site.output), "files": sorted(produced)})
    return removed


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
