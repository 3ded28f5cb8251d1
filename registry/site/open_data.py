"""What the publish step adds for other systems once the data package exists: a catalogue for portals, profiles for maps.

Both are addressed from the site's public address (`--site-url`): a DCAT-AP
catalogue is written only with one, and Murmurations profiles carry page links
only with one; the build's notes say what a site without it leaves out.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from registry.site.settings import SiteSettings

if TYPE_CHECKING:
    from registry.publishing.publish import Published

CATALOGUE_NOTE = "no data catalogue (data/catalog.ttl): portals need absolute addresses; build with --site-url to write it"
CONTACT_NOTE = (
    "the data catalogue names no contact e-mail, which DCAT-AP_IT portals require: build with --contact-email and the lab's public address"
)


def write_open_data(site: SiteSettings, notes: list[str], published: Published | None = None) -> list[Path]:
    """The catalogue and the profiles; notes get a line for each thing left out and why.

    `published` says which version of the public copy this is and what changed in it, so profiles no change touched are kept.
    """
    return [*_write_catalogue(site, notes), *_write_profiles(site, notes, published)]


def _write_catalogue(site: SiteSettings, notes: list[str]) -> list[Path]:
    """The DCAT-AP catalogue of the data package, for open-data portals; only a site with a public address has one."""
    if not site.root_url:
        notes.append(CATALOGUE_NOTE)
        return []
    # Imported only here: rdflib costs a twentieth of a second, and a site without an address has no catalogue.
    from registry.publishing.catalogue import CatalogueSite, publish_catalogue
    from registry.publishing.datapackage import PACKAGE_FILE

    package = json.loads((site.data_dir / PACKAGE_FILE).read_text(encoding="utf-8"))
    if not site.contact_email:
        notes.append(CONTACT_NOTE)
    about = CatalogueSite(site.site_name, site.root_url, site.languages, site.datasette_url, site.contact_email)
    return publish_catalogue(site.public_db, package, about, site.data_dir, site.cache_dir / "catalogue.json")


def _write_profiles(site: SiteSettings, notes: list[str], published: Published | None) -> list[Path]:
    """Each public actor's Murmurations profile in data/murmurations/, addressed from the site's public address."""
    from registry.publishing.murmurations import write_profiles

    conn = sqlite3.connect(f"file:{site.public_db}?mode=ro", uri=True)
    try:
        version, updated = (published.version, published.updated) if published is not None else (None, None)
        profiles = write_profiles(conn, site.data_dir, site.root_url, site.cache_dir / "murmurations.json", version, updated)
    finally:
        conn.close()
    notes += profiles.notes()
    return profiles.files
