"""sitemap.xml: every page of the site, for search engines.

The sitemap protocol asks for absolute addresses; they are used when the
site's public URL is configured (`--site-url`). Without it, addresses are
written relative to the site root so the file still lists every page.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def page_url(path: str) -> str:
    """A page's address from its file: folders end with a slash, index.html is dropped."""
    if path == "index.html":
        return ""
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def render_sitemap(paths: Iterable[str], site_url: str | None, lastmod: dict[str, str] | None = None) -> str:
    """A sitemap of the given HTML files, sorted so it is the same for the same site."""
    ET.register_namespace("", SITEMAP_NS)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for path in sorted(set(paths)):
        url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = (site_url or "") + page_url(path) or "./"
        if lastmod and lastmod.get(path):
            ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = lastmod[path][:10]
    ET.indent(urlset)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(urlset, encoding="unicode") + "\n"
