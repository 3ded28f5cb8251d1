"""sitemap.xml and robots.txt: every page of the site, for search engines.

The sitemap protocol accepts only absolute addresses, so both files are written
only when the site's public address is known (`--site-url`); without it the
build leaves them out and says so. Each language's folder has its own sitemap
(a sitemap lists only addresses under its own folder), and robots.txt at the
site's root names every one of them.

A record page's `lastmod` is the day its record last changed, from the change
log; other pages (lists, chapters) have no date that is both true and stable
from build to build, so they carry none rather than an invented one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from registry.publishing.files import digest
from registry.site.build_state import BuildState
from registry.site.cache import PageCache
from registry.site.output import write_text
from registry.site.pages.planning import GLOBAL, page_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


XHTML_NS = "http://www.w3.org/1999/xhtml"


def render_sitemap(
    paths: Iterable[str], site_url: str, lastmod: dict[str, str] | None = None, alternates: list[tuple[str, str]] | None = None
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
        lines.append(f"    <loc>{escape(site_url + address)}</loc>")
        if lastmod and lastmod.get(path):
            lines.append(f"    <lastmod>{escape(lastmod[path][:10])}</lastmod>")
        for code, base in links:
            lines.append(f'    <xhtml:link rel="alternate" hreflang="{code}" href="{_attribute(base + address)}" />')
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
    cache: PageCache,
    state: BuildState,
    html: list[str],
    output: Path,
    site_url: str | None,
    alternates: list[tuple[str, str]],
    lastmod: dict[str, str],
) -> None:
    """Write sitemap.xml for the site's pages, only when the list of pages changed: at 100k records it took 2 s.

    Without a public address there is none: the file is not made, so the build's prune removes an older one.
    """
    if not site_url:
        return
    lastmod = {path: lastmod[path] for path in html if path in lastmod}
    key = digest("sitemap", html, site_url, alternates, lastmod)
    if cache.fresh("sitemap.xml", key, GLOBAL):
        return
    _write(cache, state, output, "sitemap.xml", key, render_sitemap(html, site_url, lastmod, alternates))


def render_robots(sitemaps: list[str]) -> str:
    """robots.txt: every page may be crawled, and here are the sitemaps that list them."""
    return "User-agent: *\nAllow: /\n\n" + "".join(f"Sitemap: {url}\n" for url in sitemaps)


def write_robots(cache: PageCache, state: BuildState, output: Path, sitemaps: list[str]) -> None:
    """Write robots.txt at the site's root, naming the sitemap of every language."""
    key = digest("robots", sitemaps)
    if cache.fresh("robots.txt", key, GLOBAL):
        return
    _write(cache, state, output, "robots.txt", key, render_robots(sitemaps))


def _write(cache: PageCache, state: BuildState, output: Path, name: str, key: str, text: str) -> None:
    """Write a site-wide file, report it when its bytes changed, and remember it so the next build can keep it."""
    path = output / name
    if write_text(path, text):
        state.rendered.append(name)
        state.changed.add(name)
    written = path.stat()
    cache.current[name] = [key, written.st_size, written.st_mtime_ns, GLOBAL]
