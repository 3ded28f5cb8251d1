"""sitemap.xml: every page of the site, for search engines.

The sitemap protocol asks for absolute addresses; they are used when the
site's public URL is configured (`--site-url`). Without it, addresses are
written relative to the site root so the file still lists every page.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

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
    Written as text, not through ElementTree: with seven languages a sitemap of
    10k pages holds 80k elements, and building them as a tree took 0.6 s per
    language.
    """
    several = alternates is not None and len(alternates) > 1
    links = [(_attribute(code), base) for code, base in alternates or []] if several else []
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<urlset xmlns="{SITEMAP_NS}"' + (f' xmlns:xhtml="{XHTML_NS}">' if several else ">"),
    ]
    for path in sorted(set(paths)):
        address = page_url(path)
        lines.append("  <url>")
        lines.append(f"    <loc>{escape((site_url or '') + address or './')}</loc>")
        if lastmod and lastmod.get(path):
            lines.append(f"    <lastmod>{escape(lastmod[path][:10])}</lastmod>")
        for code, base in links:
            lines.append(f'    <xhtml:link rel="alternate" hreflang="{code}" href="{_attribute(base + address or "./")}" />')
        lines.append("  </url>")
    if len(lines) == 2:  # no page: an empty element, as XML writers close it
        lines[1] = lines[1][:-1] + " />"
    else:
        lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _attribute(value: str) -> str:
    """Text for a double-quoted XML attribute."""
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"})


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
