"""The three map pages of the site, built with folium around our own data loader.

folium gives the scaffold (the Leaflet map, tiles, the initial view); the
points come from the data files through `commons-map.js`, which clusters them
per zoom, so a page stays a few kilobytes whatever the registry's size.
Pages link only local scripts: folium's CDN defaults (Leaflet from jsDelivr,
jQuery, Bootstrap, Font Awesome) are replaced or dropped.
"""

from __future__ import annotations

import hashlib
import pathlib
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from registry.maps.data import Columns, LayerData, dumps, encode_layer, read_columns, short_hash
from registry.maps.layers import SCRIPT_WORDS, LayerSpec, map_layers, translated_layer
from registry.maps.vendor import Asset, copy_map_static, copy_vendor
from registry.model.vocab import N_
from registry.publishing.files import read_json_cache, write_if_changed, write_json_cache

DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILES_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
DEFAULT_MAX_ZOOM = 19
MAP_DIR = "map"
DATA_DIR = "data"
VIEWPORT_RE = re.compile(r'<meta name="viewport"[^>]*>', re.DOTALL)
STAMP_FORMAT = "<!-- commons-map inputs {} -->"
# Where a page's settings and fingerprint go in its frame: names that neither folium nor the settings' JSON can produce.
CONFIG_SLOT = "COMMONS_MAP_CONFIG_SLOT"
STAMP_SLOT = "COMMONS_MAP_STAMP_SLOT"
WORLD = ((-60.0, -170.0), (75.0, 170.0))


@dataclass(frozen=True)
class MapOptions:
    """Behaviour shared by every page; settings can override the tiles and zooms."""

    tiles_url: str
    tiles_attribution: str
    max_zoom: int
    cell_size: int = 64
    cluster_until: int = 17
    shapes_from: int = 13
    record_zoom: int = 16

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> MapOptions:
        return cls(
            tiles_url=str(settings.get("TILES_URL") or DEFAULT_TILES_URL),
            tiles_attribution=str(settings.get("TILES_ATTRIBUTION") or DEFAULT_TILES_ATTRIBUTION),
            max_zoom=int(settings.get("TILES_MAX_ZOOM") or DEFAULT_MAX_ZOOM),
            cell_size=int(settings.get("MAP_CLUSTER_CELL_PX") or 64),
            cluster_until=int(settings.get("MAP_CLUSTER_UNTIL_ZOOM") or 17),
        )

    def tiles(self) -> dict[str, Any]:
        """The tile layer as the map script creates it, for pages that add tiles late."""
        return {"url": self.tiles_url, "attribution": self.tiles_attribution, "maxZoom": self.max_zoom}

    def script_options(self, collapse_control: bool) -> dict[str, Any]:
        return {
            "cellSize": self.cell_size,
            "clusterUntil": self.cluster_until,
            "shapesFrom": self.shapes_from,
            "recordZoom": min(self.record_zoom, self.max_zoom),
            "collapseControl": collapse_control,
        }


def render_site_maps(
    conn: sqlite3.Connection,
    output: pathlib.Path,
    settings: dict,
    languages: Sequence[MapLanguage] = (),
    cache: pathlib.Path | None = None,
    columns: Sequence[Columns] | None = None,
) -> list[pathlib.Path]:
    """Write the overview, record and case-study maps, their data and their scripts under *output*.

    The data and scripts are written once; the pages once per language, in its
    folder (`es/map/`), reading the shared data. Returns every file the maps
    need, whether rewritten or already up to date, so the site build can list or
    check them. Settings read: TILES_URL, TILES_ATTRIBUTION, TILES_MAX_ZOOM,
    MAP_CLUSTER_CELL_PX and MAP_CLUSTER_UNTIL_ZOOM; any may be missing or None.
    `cache` is a file outside the site where the pages' frames are kept between builds;
    `columns`, each layer's as `read_columns` gives them, when the caller has read them already.
    """
    output = pathlib.Path(output)
    options = MapOptions.from_settings(settings)
    vendor = copy_vendor(output)
    static = copy_map_static(output)
    files = [output / a.path for a in (*vendor.values(), *static.values())]
    specs = map_layers()
    read = list(columns) if columns is not None else [read_columns(conn, spec) for spec in specs]
    layers = [
        encode_layer(spec, layer, f"{spec.key}-shapes-{{}}.json", f"{spec.key}-names-{{}}.json")
        for spec, layer in zip(specs, read, strict=True)
    ]
    data_dir = output / MAP_DIR / DATA_DIR
    data_files: dict[str, str] = {}
    for layer in layers:
        key = layer.spec.key
        data_files[key] = f"{key}.json?v={short_hash(layer.main)}"
        files.append(_write(data_dir / f"{key}.json", layer.main))
        for number, names in enumerate(layer.names):
            files.append(_write(data_dir / f"{key}-names-{number}.json", names))
        for number, chunk in enumerate(layer.chunks):
            files.append(_write(data_dir / f"{layer.spec.key}-shapes-{number}.json", chunk))
    _remove_stale(data_dir, files)
    skeletons = read_json_cache(cache)
    kept: dict[str, str] = {}
    for language in languages or (MapLanguage(),):
        links = _Links(vendor, static, language.prefix)
        for name, page in _pages(layers, data_files, language.gettext).items():
            path = output / language.prefix / MAP_DIR / name
            files.append(_write_page(path, page, options, links, language, skeletons, kept))
    if cache is not None and kept != skeletons:
        write_json_cache(cache, kept)
    return files


def _write_page(
    path: pathlib.Path,
    page: Page,
    options: MapOptions,
    links: _Links,
    language: MapLanguage,
    skeletons: dict[str, str],
    kept: dict[str, str],
) -> pathlib.Path:
    """Write one map page unless its inputs are unchanged; folium is asked only when the page's frame changed.

    folium costs half a second to import, and an edit to a record changes only
    the data versions in a page's settings: the frame folium draws around them
    (title, view, tiles, scripts) is kept from the last build and filled in.
    """
    config = page.config(options, language)
    stamp = _inputs_stamp(page, config, options, links)
    frame = _inputs_stamp(page, {**config, "layers": None}, options, links) + language.code
    skeleton = skeletons.get(frame)
    if not _has_stamp(path, stamp):
        skeleton = skeleton or page_skeleton(page.title, config, options, links, language)
        _write(path, fill_skeleton(skeleton, config, stamp))
    if skeleton is not None:
        kept[frame] = skeleton
    return path


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class MapLanguage:
    """A language the map pages are written in: where its pages go (`es/`, or the root) and its gettext."""

    prefix: str = ""
    gettext: Callable[[str], str] = _identity
    code: str = "en"
    direction: str = "ltr"

    @property
    def up(self) -> str:
        """From this language's map folder to the site's map folder."""
        return "../" * (self.prefix.count("/") + 1) + f"{MAP_DIR}/" if self.prefix else ""


def _pages(layers: list[LayerData], data_files: dict[str, str], gettext: Callable[[str], str]) -> dict[str, Page]:
    """The map pages, with their words in one language."""
    every = [(translated_layer(layer.spec, gettext), data_files[layer.spec.key]) for layer in layers]
    pages = {
        "overview.html": Page(gettext(N_("Map of the commons")), "overview", every, _overview_bounds(layers), collapse_control=False),
        "record.html": Page(
            gettext(N_("Where this record is")), "record", every, _union([layer.bounds for layer in layers]), collapse_control=True
        ),
    }
    for layer, entry in zip(layers, every, strict=True):
        if layer.spec.own_map:
            spec = entry[0]
            pages[f"{spec.key}.html"] = Page(spec.own_map or "", spec.key, [entry], layer.bounds, collapse_control=True, max_fit_zoom=6)
    return pages


@dataclass(frozen=True)
class Page:
    """One map page: its title, what the script does there, its layers and where it opens."""

    title: str
    mode: str
    layers: list[tuple[LayerSpec, str]]
    bounds: Bounds | None
    collapse_control: bool
    max_fit_zoom: int = 15

    def config(self, options: MapOptions, language: MapLanguage) -> dict[str, Any]:
        """The settings handed to commons-map.js."""
        south, west, north, east = self.bounds or (*WORLD[0], *WORLD[1])
        return {
            "mode": self.mode,
            # Fitted by the script without animation: a zoom animation still running
            # when a record page asks for its record would swallow that request.
            "bounds": [[south, west], [north, east]],
            "fitMaxZoom": self.max_fit_zoom if self.bounds else 2,
            "dataBase": f"{language.up}{DATA_DIR}/",
            "layers": [spec.config(file) for spec, file in self.layers],
            "options": options.script_options(self.collapse_control),
            # A record page adds its tiles once it has found the record, so it never
            # fetches the tiles of the wide view it starts from.
            **({"tiles": options.tiles()} if self.mode == "record" else {}),
            "words": {key: language.gettext(text) for key, text in SCRIPT_WORDS.items()},
            "direction": language.direction,
        }


def _inputs_stamp(page: Page, config: dict[str, Any], options: MapOptions, links: _Links) -> str:
    """A fingerprint of everything a page is made from, this module's code and folium's version included."""
    from importlib.metadata import version

    parts = [
        pathlib.Path(__file__).read_bytes(),
        dumps(config),
        page.title.encode(),
        repr(options).encode(),
        repr((links.scripts(), links.styles())).encode(),
        version("folium").encode(),
    ]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def _has_stamp(path: pathlib.Path, stamp: str) -> bool:
    try:
        with path.open("rb") as page:
            return STAMP_FORMAT.format(stamp).encode() in page.read(200)
    except OSError:
        return False


def _write(path: pathlib.Path, content: str | bytes) -> pathlib.Path:
    write_if_changed(path, content)
    return path


def _remove_stale(data_dir: pathlib.Path, keep: list[pathlib.Path]) -> None:
    """Outline chunks from an earlier, larger build would otherwise linger in the site."""
    wanted = {p.resolve() for p in keep}
    for path in data_dir.glob("*.json"):
        if path.resolve() not in wanted:
            path.unlink()


Bounds = tuple[float, float, float, float]


def _union(bounds: list[Bounds | None]) -> Bounds | None:
    present = [b for b in bounds if b is not None]
    if not present:
        return None
    return min(b[0] for b in present), min(b[1] for b in present), max(b[2] for b in present), max(b[3] for b in present)


def _overview_bounds(layers: list[LayerData]) -> Bounds | None:
    """Frame the places (assets and actors); layers with a map of their own (case studies) only when nothing else is mapped."""
    local = _union([layer.bounds for layer in layers if not layer.spec.own_map])
    return local or _union([layer.bounds for layer in layers])


@dataclass(frozen=True)
class _Links:
    vendor: dict[str, Asset]
    static: dict[str, Asset]
    prefix: str = ""  # the language's folder, where its map pages are

    def href(self, asset: Asset) -> str:
        """From <language>/map/<page>.html to the asset (kept once, at the site's root), with its content version."""
        path = asset.path.as_posix()
        if self.prefix:
            relative = "../" * (self.prefix.count("/") + 1) + path
        else:
            relative = path.removeprefix(f"{MAP_DIR}/") if path.startswith(f"{MAP_DIR}/") else f"../{path}"
        return f"{relative}?v={asset.version}"

    def scripts(self) -> list[tuple[str, str]]:
        return [("leaflet", self.href(self.vendor["leaflet.js"])), ("commons_map", self.href(self.static["commons-map.js"]))]

    def styles(self) -> list[tuple[str, str]]:
        names = ("leaflet.css", "MarkerCluster.css", "MarkerCluster.Default.css")
        return [(n, self.href(self.vendor[n])) for n in names] + [("commons_map_css", self.href(self.static["commons-map.css"]))]


def fill_skeleton(skeleton: str, config: dict[str, Any], stamp: str) -> str:
    """A page from its frame: the fingerprint and the settings put in their slots."""
    return skeleton.replace(STAMP_SLOT, stamp, 1).replace(CONFIG_SLOT, dumps(config).decode("utf-8"), 1)


def page_skeleton(title: str, config: dict[str, Any], options: MapOptions, links: _Links, language: MapLanguage | None = None) -> str:
    """A page's frame as folium draws it: Leaflet, local scripts, and slots for the settings and fingerprint, which change with the data."""
    import folium

    (south, west), (north, east) = config["bounds"]
    figure = folium.Figure(title=title)
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=2,
        tiles=None,
        max_zoom=options.max_zoom,
        control_scale=True,
        prefer_canvas=True,
        world_copy_jump=True,
    )
    fmap.default_js = links.scripts()
    fmap.default_css = links.styles()
    if "tiles" not in config:
        folium.TileLayer(
            tiles=options.tiles_url,
            attr=options.tiles_attribution,
            name="Map",
            max_zoom=options.max_zoom,
            max_native_zoom=options.max_zoom,
            control=False,
        ).add_to(fmap)
    _StartScript().add_to(fmap)
    fmap.add_to(figure)
    _number_elements(figure)
    html = figure.render()
    return _finish(html, STAMP_SLOT, language or MapLanguage())


def _StartScript() -> Any:  # noqa: N802 - reads as the element it builds
    """A folium element whose script hands the map and its settings (in their slot) to commons-map.js."""
    from branca.element import MacroElement
    from jinja2 import Template

    class StartScript(MacroElement):  # type: ignore[misc]
        _template = Template(
            "{% macro script(this, kwargs) %}\n    CommonsMap.start({{ this._parent.get_name() }}, {{ this.config_json }});\n{% endmacro %}"
        )

        def __init__(self) -> None:
            super().__init__()
            self._name = "CommonsMapStart"
            self.config_json = CONFIG_SLOT

    return StartScript()


def _walk(element: Any) -> Iterator[Any]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _number_elements(figure: Any) -> None:
    """folium names elements with random ids; number them instead so two builds are byte-identical."""
    from collections import OrderedDict

    for n, element in enumerate(_walk(figure)):
        element._id = f"{n:04d}"
    for element in _walk(figure):
        element._children = OrderedDict((child.get_name(), child) for child in element._children.values())


def _finish(html: str, stamp: str, language: MapLanguage) -> str:
    """The page's language, its inputs' fingerprint, scripts inside the body, and no trailing spaces, so diffs show only real changes."""
    opening = f'<html lang="{language.code}" dir="{language.direction}">'
    html = html.replace("<!DOCTYPE html>\n<html>", "<!DOCTYPE html>\n" + STAMP_FORMAT.format(stamp) + "\n" + opening, 1)
    # folium writes its scripts after </body>, which HTML does not allow: the body ends after them instead.
    body_end = html.rfind("</body>")
    if body_end != -1 and html[body_end + len("</body>") :].strip() != "</html>":
        html = html[:body_end] + html[body_end + len("</body>") :].replace("</html>", "</body>\n</html>", 1)
    # folium's viewport forbids pinch-zoom, which people with low vision rely on.
    html = VIEWPORT_RE.sub('<meta name="viewport" content="width=device-width, initial-scale=1.0" />', html, count=1)
    lines = [line.rstrip() for line in html.splitlines()]
    return "\n".join(line for line in lines if line) + "\n"
