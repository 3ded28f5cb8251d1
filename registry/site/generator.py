"""The Pelican generator that writes the registry's pages: it plans each page type in turn and renders what changed.

It reads public.db once, asks every page type (`registry.site.pages`) for the
files it makes, each with a hash of its inputs, and renders only those whose
hash changed: a lean loop over Jinja2 templates instead of feeding thousands of
Markdown files through Pelican's readers. It runs inside Pelican, so it shares
the theme, the Jinja environment and the settings, and its pages sit beside the
guidebook's.
"""

from __future__ import annotations

import sys
import time
from collections import ChainMap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pelican.generators import Generator

from registry import __version__
from registry.model import vocab
from registry.publishing.files import digest, files_digest, read_json_cache, write_json_cache
from registry.site.build_state import BuildState
from registry.site.cache import PageCache
from registry.site.data import Key, SiteData, affected_records, load_site_data, localise, record_signatures
from registry.site.glossary import GLOSSARY_FILE, load_glossary
from registry.site.guide import order_chapters
from registry.site.output import render_all
from registry.site.pages import (
    contribute,
    data_page,
    documents,
    feeds,
    frameworks,
    glossary,
    guide,
    home,
    indexes,
    map_page,
    records,
    redirects,
    search_page,
)
from registry.site.pages.list_rows import row
from registry.site.pages.planning import GLOBAL, PageBuild, attributes, page_location
from registry.site.pages.sitemap import write_robots, write_sitemap
from registry.site.settings import GUIDE_LINKS, SiteSettings
from registry.site.views import ViewContext, record_url
from registry.site.words import Words

# Every page type, in the order its files are planned; a new page type is one module and one line here.
PAGE_TYPES = (
    records,
    indexes,
    redirects,
    home,
    guide,
    glossary,
    map_page,
    data_page,
    feeds,
    search_page,
    contribute,
    documents,
    frameworks,
)


class RecordsGenerator(Generator):  # type: ignore[misc]
    """Record pages, indexes, home, map, data, search, feeds and sitemap, from the public copy."""

    def generate_context(self) -> None:
        """Load the registry and give the guidebook's pages what they show: chapter order, the case list."""
        self.site: SiteSettings = self.settings["COMMONS_SITE"]
        self.state: BuildState = self.settings["COMMONS_STATE"]
        shared = self.state.data if self.state.data is not None else load_site_data(self.site.public_db)
        self.data: SiteData = localise(shared, self.site.language)
        self.words = Words(self.site.catalogue(), self.site.language)
        self.glossary = load_glossary(self.site.content / GLOSSARY_FILE)
        records = self.data.records
        linked_path = self.site.cache_dir / "glossary-links.json"
        previous = {} if self.site.force else read_json_cache(linked_path)
        linked: dict[str, str] = {}
        self.chapters = order_chapters(
            self.context.get("pages", []),
            self.glossary,
            lambda kind, record_id: record_id in records.get(kind, {}),
            ChainMap(linked, previous),
        )
        if linked != previous:
            write_json_cache(linked_path, linked)
        self.context["guide_chapters"] = self.chapters
        # The case-studies chapter lists a page's worth of the registry's cases and links to the rest, so it stays light.
        cases = self.data.records["cases"]
        self.context["registry_cases"] = [row("cases", cases[i], self.words) for i in sorted(cases)[: self.site.rows_per_page]]
        self.context["registry_cases_count"] = len(cases)
        self.context["site_maps"] = dict(self.state.maps)

    def _fingerprint(self) -> str:
        """Templates, code, settings, the guide's chapters and the maps present: a change checks every page.

        All of the package's code, not only the site's: pages show the model's
        labels and declarations, which a record's values and signature do not hold.
        """
        templates = [p for p in (self.site.theme / "templates").rglob("*") if p.is_file()]
        code = sorted(Path(__file__).parent.parent.rglob("*.py"))
        guide = [(p.slug, p.title) for p in self.chapters]
        return digest(
            __version__,
            sys.version,
            files_digest(templates + code),
            self.site.fingerprint(),
            guide,
            self.state.maps,
            self.site.rows_per_page,
        )

    def _globals(self) -> dict[str, Any]:
        return {
            "SITENAME": self.site.site_name,
            "SITE_LANG": self.site.language,
            "SITE_DIR": self.site.direction,
            "DATASETTE_URL": self.site.datasette_url,
            "SEARCH_ENABLED": self.site.search,
            "site_maps": dict(self.state.maps),
            "vocab": vocab,
        }

    def _render(self, path: str, template: str, make_view: Callable[[], dict[str, Any]]) -> str:
        return str(self.get_template(template).render(self._globals(), **page_location(path), view=attributes(make_view())))

    def _page_build(self, records: set[Key] | None, kinds: set[str] | None, known: dict[str, Any]) -> PageBuild:
        """What the page types plan from, on a full build (records and kinds None) or an incremental one."""
        site = self.site
        chapters = {slug: f"guide/{slug}/" for slug in (p.slug for p in self.chapters)}
        ctx = ViewContext(
            today=site.today,
            site_url=site.site_url,
            datasette_url=site.datasette_url,
            datasette_database=site.datasette_database,
            record_map=bool(self.state.maps.get("record")),
            chapters={name: chapters[slug] for name, slug in GUIDE_LINKS.items() if slug in chapters},
            words=self.words,
            shared_root=site.to_site_root,
            root_url=site.root_url,
        )
        return PageBuild(self.data, site, self.state, self.words, self.chapters, ctx, self._render, records, kinds, known, self.glossary)

    def _record_dates(self) -> dict[str, str]:
        """Each record page's last change, by its file: the sitemap's lastmod."""
        return {f"{record_url(kind, record_id)}index.html": changed[:10] for (kind, record_id), changed in self.data.last_changed.items()}

    def generate_output(self, writer: Any) -> None:
        """Write every planned file whose inputs changed; keep the rest as they are."""
        started = time.perf_counter()
        site, state = self.site, self.state
        cache = PageCache(
            site.cache_dir / "pages.marshal",
            site.output,
            self._fingerprint(),
            site.today.isoformat(),
            forget=site.force,
        )
        signatures = record_signatures(self.data)
        changed = cache.changed_records(signatures)
        if changed is None:
            records, kinds = None, None
        else:
            records = affected_records(self.data, changed)
            kinds = {key.split("/", 1)[0] for key in changed}
            cache.keep_groups_except({f"{k}/{i}" for k, i in records} | {f"{k}/" for k in kinds} | {GLOBAL})
        build = self._page_build(records, kinds, cache.previous)
        plans = [planned for page_type in PAGE_TYPES for planned in page_type.plan(build)]
        todo = [plan for plan in plans if plan.key is None or not cache.fresh(plan.path, plan.key, plan.group, plan.listed)]
        del plans
        state.timings["records: views and hashes"] = time.perf_counter() - started
        groups = {plan.path: (plan.key, plan.group, plan.listed) for plan in todo}
        for path, size, mtime, differs, made_key in render_all(todo, site.output, site.workers, site.progress, "Writing pages"):
            key, group, listed = groups[path]
            cache.current[path] = [key or made_key, size, mtime, group, listed]
            state.rendered.append(path)
            if differs:
                state.changed.add(path)
        state.skipped = len(cache.current) - len(todo)
        state.timings["records: render and write"] = time.perf_counter() - started - state.timings["records: views and hashes"]
        html = sorted(set(cache.listed()) | {p.save_as for p in self.context.get("pages", []) if p.save_as})
        write_sitemap(cache, state, html, site.output, site.site_url, site.alternates(), self._record_dates())
        if site.root_url and site.language == site.default_language:
            write_robots(cache, state, site.output, [f"{site.root_url}{site.prefix(code)}sitemap.xml" for code in site.languages])
        state.produced.update(cache.current)
        cache.save(signatures)
        state.timings["records"] = time.perf_counter() - started
