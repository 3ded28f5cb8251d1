"""What every page type plans with: the build's inputs, and a planned file with the hash of what it is made from.

A page type yields `Planned` files; the generator renders only those whose
hash differs from the last build's.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from registry.publishing.files import digest
from registry.site.build_state import BuildState
from registry.site.data import Key, SiteData
from registry.site.glossary import Term
from registry.site.settings import SiteSettings
from registry.site.views import ViewContext
from registry.site.words import Words

GLOBAL = "site"
Render = Callable[[str, str, Callable[[], dict[str, Any]]], str]


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


def page_url(path: str) -> str:
    """A page's address from its file: folders end with a slash, index.html is dropped."""
    if path == "index.html":
        return ""
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def page_location(path: str) -> dict[str, str]:
    """What a template needs to know about where its page is: the way to the root, the site section, its address."""
    return {
        "root": relative_root(path),
        "output_file": path,
        "section": path.split("/", 1)[0] if "/" in path else "",
        "page_path": page_url(path),
    }


@dataclass(slots=True)
class Planned:
    """One file to produce: its place, the hash of its inputs, how to make it, the group it is rebuilt with,
    and whether the sitemap lists it (a redirect from an old address is made, not listed)."""

    path: str
    key: str | None  # None: worked out by `make`, which then returns (key, text)
    make: Callable[[], Any]
    group: str = GLOBAL
    listed: bool = True


@dataclass
class PageBuild:
    """What page types plan from: the public data, the settings, the words, and which records changed.

    `records` and `kinds` are None on a full build; on an incremental one they
    name the records and kinds whose pages may show something that changed.
    `known` holds the files the last build wrote, with their hashes.
    """

    data: SiteData
    site: SiteSettings
    state: BuildState
    words: Words
    chapters: list[Any]
    ctx: ViewContext
    render: Render
    records: set[Key] | None
    kinds: set[str] | None
    known: dict[str, Any]
    glossary: list[Term] = field(default_factory=list)  # the terms this language's chapters link to

    @property
    def today(self) -> dt.date:
        return self.site.today

    def page(self, path: str, template: str, view: dict[str, Any], group: str = GLOBAL, *, listed: bool = True) -> Planned:
        """A page made from a template and a view, hashed by both."""
        return self.page_made(path, template, lambda: view, group, listed=listed)

    def page_made(
        self,
        path: str,
        template: str,
        make_view: Callable[[], dict[str, Any]],
        group: str = GLOBAL,
        *,
        listed: bool = True,
        make_key: Callable[[], Any] | None = None,
    ) -> Planned:
        """A page whose view is made only when it is written; hashed by what `make_key` makes, else by the view made and dropped.

        For the list pages: together their rows are every record again, once
        per filter, and holding them in the plans until the workers write
        them cost a quarter of the build's memory at 100k records.
        """
        key = digest(template, (make_key or make_view)())
        return Planned(path, key, functools.partial(self.render, path, template, make_view), group, listed)
