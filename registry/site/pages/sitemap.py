"""sitemap.xml: every page of the site, for search engines.

The sitemap protocol asks for absolute addresses; they are used when the
site's public URL is configured (`--site-url`). Without it, addresses are
written relative to the site root so the file still lists every page.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from registry.publishing.files import digest
from registry.site.cache import PageCache
from registry.site.output import write_text
from registry.site.pages.planning import GLOBAL, page_url
from registry.site.settings import BuildState

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


XHTML_NS = "http://www.w3.org/1999/xhtml"


def render_sitemap(
    paths: Iterable[str], site_url: str | None, lastmod: dict[str, str] | None = None, alternates: list[tuple[str, str]] | None = None
) -> str:
    """A sitemap of the given HTML files, sorted so it is the same for the same site.

    With more than one language, each address lists the same page in every
    language (`xhtml:link rel="alternate" hreflang`), as search engines ask.
    """
    ET.register_namespace("", SITEMAP_NS)
    ET.register_namespace("xhtml", XHTML_NS)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    several = alternates is not None and len(alternates) > 1
    for path in sorted(set(paths)):
        url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = (site_url or "") + page_url(path) or "./"
        if lastmod and lastmod.get(path):
            ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = lastmod[path][:10]
        for code, base in (alternates or []) if several else []:
            ET.SubElement(url, f"{{{XHTML_NS}}}link", {"rel": "alternate", "hreflang": code, "href": base + page_url(path) or "./"})
    ET.indent(urlset)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(urlset, encoding="unicode") + "\n"


def write_sitemap(
    cache: PageCache, state: BuildState, html: list[str], output: Path, site_url: str | None, alternates: list[tuple[str, str]]
) -> None:
    """Write sitemap.xml for the site's pages, only when the list of pages changed: at 100k records it took 2 s."""
    key = digest("sitemap", html, site_url, alternates)
    if cache.fresh("sitemap.xml", key, GLOBAL):
        return
    sitemap = output / "sitemap.xml"
    if write_text(sitemap, render_sitemap(html, site_url, alternates=alternates)):
        state.rendered.append("sitemap.xml")
        state.changed.add("sitemap.xml")
    written = sitemap.stat()
    cache.current["sitemap.xml"] = [key, written.st_size, written.st_mtime_ns, GLOBAL]
