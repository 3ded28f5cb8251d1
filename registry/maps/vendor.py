"""Leaflet, its cluster styles and our map script, copied from installed packages into the site.

Maps must render with no internet but tiles, and must not tell a CDN who reads
them, so every script and stylesheet a map page loads is a local file. Copies
go through `write_if_changed`, so a rebuild leaves unchanged files untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from registry.maps.data import short_hash
from registry.publishing.files import write_if_changed

VENDOR_DIR = Path("theme") / "vendor"


@dataclass(frozen=True)
class Asset:
    """A file a map page links to: where it is in the site, and its content version."""

    path: Path
    version: str


def _xstatic_dir(module: str) -> Path:
    from importlib import import_module

    return Path(import_module(module).BASE_DIR)


def copy_vendor(output: Path) -> dict[str, Asset]:
    """Copy Leaflet and Leaflet.markercluster into output/theme/vendor; return what pages link to."""
    leaflet = _xstatic_dir("xstatic.pkg.leaflet")
    cluster = _xstatic_dir("xstatic.pkg.leaflet_markercluster")
    copies = {
        "leaflet.js": (leaflet / "leaflet.js", VENDOR_DIR / "leaflet" / "leaflet.js"),
        "leaflet.css": (leaflet / "leaflet.css", VENDOR_DIR / "leaflet" / "leaflet.css"),
        "markercluster.js": (cluster / "leaflet.markercluster.js", VENDOR_DIR / "leaflet-markercluster" / "leaflet.markercluster.js"),
        "MarkerCluster.css": (cluster / "MarkerCluster.css", VENDOR_DIR / "leaflet-markercluster" / "MarkerCluster.css"),
        "MarkerCluster.Default.css": (
            cluster / "MarkerCluster.Default.css",
            VENDOR_DIR / "leaflet-markercluster" / "MarkerCluster.Default.css",
        ),
    }
    for image in sorted((leaflet / "images").glob("*.png")):
        copies[f"images/{image.name}"] = (image, VENDOR_DIR / "leaflet" / "images" / image.name)
    assets = {}
    for name, (source, target) in copies.items():
        data = source.read_bytes()
        write_if_changed(output / target, data)
        assets[name] = Asset(target, short_hash(data))
    return assets


def copy_map_static(output: Path) -> dict[str, Asset]:
    """Copy our own map script and stylesheet, shipped in the package, next to the map pages."""
    static = resources.files("registry.maps").joinpath("static")
    assets = {}
    for name in ("commons-map.js", "commons-map.css"):
        data = static.joinpath(name).read_bytes()
        target = Path("map") / name
        write_if_changed(output / target, data)
        assets[name] = Asset(target, short_hash(data))
    return assets
