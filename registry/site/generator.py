"""The Pelican generator that writes a page for every public record, the indexes, feeds and sitemap.

It reads public.db once, builds a plain-data view per page, hashes it with the
templates and site code, and renders only pages whose hash changed: a lean loop
over Jinja2 templates instead of feeding thousands of Markdown files through
Pelican's readers. It runs inside Pelican, so it shares the theme, the Jinja
environment and the settings, and its pages sit beside the guidebook's.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pelican.generators import Generator

from registry import __version__
from registry.model import vocab
from registry.model.kinds import KINDS
from registry.publishing.files import digest, files_digest
from registry.site.cache import PageCache
from registry.site.data import SiteData, affected_records, load_site_data, record_signatures
from registry.site.feeds import FEEDS, agreements_feed, expiring_feed
from registry.site.guide import chapter_list, order_chapters
from registry.site.indexes import index_pages, row
from registry.site.output import render_all, write_text
from registry.site.settings import GUIDE_LINKS, BuildState, SiteSettings, translations
from registry.site.sitemap import render_sitemap
from registry.site.views import ViewContext, dump_json, page_view, record_json
from registry.site.words import Words

GLOBAL = "site"
HOME_CHANGES = 8


def relative_root(path: str) -> str:
    """The way back to the site root from a file: './' at the top, '../../' two folders down."""
    depth = path.count("/")
    return "../" * depth if depth else "./"


def attributes(value: Any) -> Any:
    """Views as namespaces, recursively, for rendering: Jinja reads `view.title` from a dict only after a failed
    getattr, which cost a third of a record page's render time. JSON-LD stays a dict for the json filter."""
    if type(value) is dict:
        return SimpleNamespace(**{k: v if k == "jsonld" else attributes(v) for k, v in value.items()})
    if type(value) is list:
        return [attributes(v) for v in value]
    return value


def page_location(path: str) -> dict[str, str]:
    """What a template needs to know about where its page is: the way to the root and the site section."""
    return {"root": relative_root(path), "output_file": path, "section": path.split("/", 1)[0] if "/" in path else ""}


@dataclass(slots=True)
class Planned:
    """One file to produce: its place, the hash of its inputs, how to make it, and the group it is rebuilt with."""

    path: str
    key: str | None  # None: worked out by `make`, which then returns (key, text)
    make: Callable[[], Any]
    group: str = GLOBAL


class RecordFile:
    """A record's page or JSON document, planned without holding its view.

    A 100k-record site plans 200k of these; as a dataclass with bound partials
    each cost about 1 KB (200 MB in all, copied again into every render
    worker), with slots and no closures about 100 bytes.
    """

    __slots__ = ("owner", "ctx", "kind", "record", "document", "key")

    def __init__(self, owner: RecordsGenerator, ctx: ViewContext, kind: str, record: dict[str, Any], document: bool) -> None:
        self.owner, self.ctx, self.kind, self.record, self.document = owner, ctx, kind, record, document
        self.key: str | None = None  # None: worked out while rendering, and returned by make()

    @property
    def path(self) -> str:
        record_id = self.record["id"]
        return f"{self.kind}/{record_id}/{record_id}.json" if self.document else f"{self.kind}/{record_id}/index.html"

    @property
    def group(self) -> str:
        return f"{self.kind}/{self.record['id']}"

    def _inputs(self) -> tuple[str, dict[str, Any]]:
        if self.document:
            return "json", record_json(self.owner.data, self.kind, self.record)
        return KINDS[self.kind].page, page_view(self.owner.data, self.ctx, self.kind, self.record)

    def inputs_key(self) -> str:
        return digest(*self._inputs())

    def make(self) -> str | tuple[str, str]:
        """The file's text; with its inputs' hash when the plan did not know it."""
        template, view = self._inputs()
        text = dump_json(view) if self.document else self.owner._render(self.path, template, lambda: view)
        return text if self.key is not None else (digest(template, view), text)


class RecordsGenerator(Generator):  # type: ignore[misc]
    """Record pages, indexes, home, map, data, search, feeds and sitemap, from the public copy."""

    def generate_context(self) -> None:
        """Load the registry and give the guidebook's pages what they show: chapter order, the case list."""
        self.site: SiteSettings = self.settings["COMMONS_SITE"]
        self.state: BuildState = self.settings["COMMONS_STATE"]
        self.data: SiteData = load_site_data(self.site.public_db)
        self.words = Words(translations(self.site.language))
        self.chapters = order_chapters(self.context.get("pages", []))
        self.context["guide_chapters"] = self.chapters
        self.context["registry_cases"] = [row("cases", r, self.words) for r in self.data.records["cases"].values()]
        self.context["site_maps"] = dict(self.state.maps)

    def _fingerprint(self) -> str:
        """Templates, site code, settings, the guide's chapters and the maps present: a change checks every page."""
        templates = [p for p in (self.site.theme / "templates").rglob("*") if p.is_file()]
        code = [p for p in Path(__file__).parent.glob("*.py")]
        guide = [(p.slug, p.title) for p in self.chapters]
        return digest(
            __version__, sys.version, files_digest(templates + code), self.site.fingerprint(), guide, self.state.maps, self.site.list_limit
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

    def _page(self, path: str, template: str, view: dict[str, Any], group: str = GLOBAL) -> Planned:
        return Planned(path, digest(template, view), functools.partial(self._render, path, template, lambda: view), group)

    def _render(self, path: str, template: str, make_view: Callable[[], dict[str, Any]]) -> str:
        return str(self.get_template(template).render(self._globals(), **page_location(path), view=attributes(make_view())))

    def _record_files(self, ctx: ViewContext, kind: str, record: dict[str, Any], known: dict[str, Any]) -> Iterator[RecordFile]:
        """A record's page and its JSON. A file an earlier build made (`known`) is hashed now, to find out whether
        it must be rendered; any other is hashed while it is rendered, in the worker, so its view is built once."""
        page, document = RecordFile(self, ctx, kind, record, False), RecordFile(self, ctx, kind, record, True)
        for planned in (page, document):
            if planned.path in known:
                planned.key = planned.inputs_key()
            yield planned

    def _plan(self, records: set[tuple[str, str]] | None, kinds: set[str] | None, known: dict[str, Any]) -> Iterator[Planned | RecordFile]:
        """Every file of the site, or (on an incremental build) those of the given records and kinds plus site-wide pages."""
        data, site = self.data, self.site
        chapters = {slug: f"guide/{slug}/" for slug in (p.slug for p in self.chapters)}
        ctx = ViewContext(
            today=site.today,
            site_url=site.site_url,
            datasette_url=site.datasette_url,
            datasette_database=site.datasette_database,
            record_map=bool(self.state.maps.get("record")),
            chapters={name: chapters[slug] for name, slug in GUIDE_LINKS.items() if slug in chapters},
            words=self.words,
        )
        for kind, by_id in data.records.items():
            ids = sorted(i for k, i in records if k == kind and i in by_id) if records is not None else list(by_id)
            for record_id in ids:
                yield from self._record_files(ctx, kind, by_id[record_id], known)
            if kinds is None or kind in kinds:
                for page in index_pages(data, kind, site.today, site.list_limit, self.words):
                    yield self._page(page.path, page.template, page.view, f"{kind}/")
        yield self._page("index.html", "home", self._home_view())
        yield self._page("guide/index.html", "guide_index", {"chapters": chapter_list(self.chapters)})
        yield self._page("map/index.html", "map_page", self._map_view())
        yield self._page("data/index.html", "data_page", self._data_view())
        feeds = [{"name": k, "file": f, "title": self.words.gettext(t)} for k, (f, t) in FEEDS.items()]
        yield self._page("feeds/index.html", "feeds_page", {"feeds": feeds})
        if site.search:
            from registry.site.search_index import BUNDLE, bundle_names

            counts = {kind: len(records) for kind, records in data.records.items()}
            yield self._page("search/index.html", "search", {"bundles": [f"{BUNDLE}/{name}/" for name in bundle_names(counts)]})
        gettext = self.words.gettext
        feed_texts = {
            "agreements": agreements_feed(data, site.site_name, site.site_url, gettext),
            "expiring": expiring_feed(data, site.site_name, site.site_url, site.today, gettext),
        }
        for name, text in feed_texts.items():
            yield Planned(f"feeds/{FEEDS[name][0]}", digest("feed", text), functools.partial(str, text))

    def _home_view(self) -> dict[str, Any]:
        data = self.data
        changes = []
        for change in data.recent_changes[:HOME_CHANGES]:
            exists = data.get(change["kind"], change["record_id"]) is not None
            changes.append(
                {
                    "date": change["changed_at"][:10],
                    "action": change["action"],
                    "kind": change["kind"],
                    "kind_title": self.words.kind_title(change["kind"]),
                    "title": data.title(change["kind"], change["record_id"]) if exists else change["title"],
                    "url": f"{change['kind']}/{change['record_id']}/" if exists else None,
                    "fields": change["fields"],
                }
            )
        cities: dict[str, int] = {}
        for asset in data.records["assets"].values():
            if asset.get("city"):
                cities[asset["city"]] = cities.get(asset["city"], 0) + 1
        from registry.site.words import slugify

        return {
            "counts": {kind: len(records) for kind, records in data.records.items()},
            "changes": changes,
            "cities": [
                {"label": c, "count": n, "url": f"assets/city/{slugify(c)}/"}
                for c, n in sorted(cities.items(), key=lambda item: (-item[1], item[0].casefold()))[:12]
            ],
            "chapters": chapter_list(self.chapters)[:4],
        }

    def _map_view(self) -> dict[str, Any]:
        """What the overview map shows, as lists: places by city per kind; past the limit, links to city pages."""
        from registry.site.words import slugify

        limit = self.site.list_limit
        sections = []
        for kind in (k.name for k in KINDS.values() if k.map_layer is not None):
            title = KINDS[kind].title_field
            located = [r for r in self.data.records[kind].values() if r.get("lat") is not None and r.get("lon") is not None]
            groups: dict[str, dict[str, Any]] = {}
            for record in sorted(located, key=lambda r: (str(r.get(title) or "").casefold(), r["id"])):
                city = record.get("city") or ""
                group = groups.setdefault(
                    slugify(city) if city else "",
                    {"label": city or None, "url": f"{kind}/city/{slugify(city)}/" if city else None, "rows": [], "count": 0},
                )
                group["count"] += 1
                if len(located) <= limit:
                    group["rows"].append(row(kind, record, self.words))
            ordered = [groups[k] for k in sorted(groups, key=lambda k: (k == "", (groups[k]["label"] or "").casefold()))]
            sections.append({"kind": kind, "kind_title": self.words.kind_title(kind), "count": len(located), "groups": ordered})
        return {"sections": sections, "count": sum(s["count"] for s in sections)}

    def _data_view(self) -> dict[str, Any]:
        site = self.site
        files = []
        for kind in KINDS.values():
            entry: dict[str, Any] = {
                "kind": kind.name,
                "kind_title": self.words.kind_title(kind.name),
                "count": len(self.data.records[kind.name]),
                "files": [],
            }
            for ext in ("csv", "json", "geojson"):
                path = site.data_dir / f"{kind.name}.{ext}"
                if path.is_file():
                    entry["files"].append(
                        {
                            "format": ext.upper() if ext != "geojson" else "GeoJSON",
                            "href": f"data/{path.name}",
                            "bytes": path.stat().st_size,
                        }
                    )
            files.append(entry)
        database = {"href": "data/public.db", "bytes": site.public_db.stat().st_size} if site.public_db.is_file() else None
        codebook = [
            {
                "kind": kind.name,
                "kind_title": self.words.kind_title(kind.name),
                "table": kind.table,
                "fields": [
                    {"name": f.name, "type": f.type, "description": f.description, "required": f.required, "choices": list(f.choices or [])}
                    for f in kind.public_fields
                ],
            }
            for kind in KINDS.values()
        ]
        return {"kinds": files, "database": database, "codebook": codebook}

    def generate_output(self, writer: Any) -> None:
        """Write every planned file whose inputs changed; keep the rest as they are."""
        started = time.perf_counter()
        site, state = self.site, self.state
        cache = PageCache(
            Path(site.cache or site.output.parent / "cache") / "pages.marshal",
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
        plans = list(self._plan(records, kinds, cache.previous))
        todo = [plan for plan in plans if plan.key is None or not cache.fresh(plan.path, plan.key, plan.group)]
        del plans
        state.timings["records: views and hashes"] = time.perf_counter() - started
        groups = {plan.path: (plan.key, plan.group) for plan in todo}
        for path, size, mtime, differs, made_key in render_all(todo, site.output, site.workers, site.progress, "Writing pages"):
            key, group = groups[path]
            cache.current[path] = [key or made_key, size, mtime, group]
            state.rendered.append(path)
            if differs:
                state.changed.add(path)
        state.skipped = len(cache.current) - len(todo)
        state.timings["records: render and write"] = time.perf_counter() - started - state.timings["records: views and hashes"]
        html = sorted(
            {path for path in cache.current if path.endswith(".html")} | {p.save_as for p in self.context.get("pages", []) if p.save_as}
        )
        # Drawn again only when the list of pages changed: at 100k records writing it took 2 s.
        sitemap_key = digest("sitemap", html, site.site_url)
        if not cache.fresh("sitemap.xml", sitemap_key, GLOBAL):
            sitemap = site.output / "sitemap.xml"
            if write_text(sitemap, render_sitemap(html, site.site_url)):
                state.rendered.append("sitemap.xml")
                state.changed.add("sitemap.xml")
            written = sitemap.stat()
            cache.current["sitemap.xml"] = [sitemap_key, written.st_size, written.st_mtime_ns, GLOBAL]
        state.produced.update(cache.current)
        cache.save(signatures)
        state.timings["records"] = time.perf_counter() - started
