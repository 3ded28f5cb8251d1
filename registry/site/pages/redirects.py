"""Redirects from the filter pages' old addresses: where an older version named a value's page differently.

Older versions dropped the letters of a value that had no ASCII decomposition
(Wrocław was `city/wrocaw/`); links and bookmarks to those addresses still
exist. Each gets a small page that sends the reader on to the value's page now,
in the page's language. None is written where the address did not change, where
a real page now has it, or where two values once shared it (there is no one
place to send them). Redirects are made but never listed in the sitemap.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from registry.model.kinds import KINDS
from registry.model.slugs import legacy_slug, slugify
from registry.site.pages.indexes import facet_values, record_values
from registry.site.pages.planning import PageBuild, Planned


@dataclass(frozen=True)
class Redirect:
    """A value's page that moved: its facet's folder (`assets/city/`), its old and new slugs, the value's label."""

    folder: str
    old: str
    new: str
    label: str


def facet_redirects(build: PageBuild, kind: str) -> Iterator[Redirect]:
    """The old addresses of the kind's filter pages that differ from their new ones and that nothing else holds.

    Vocabulary values are ASCII keys whose addresses never changed, so only free-text facets are looked at.
    """
    spec = KINDS[kind]
    for facet in spec.facets:
        if spec.field(facet.field).choices is not None:
            continue
        pages = {value.slug: value.label for value in facet_values(build.data, kind, facet, build.words)}
        moved: dict[str, set[str]] = {}
        for text in {text for record in build.data.records[kind].values() for text in record_values(record, facet)}:
            moved.setdefault(legacy_slug(text), set()).add(slugify(text))
        for old, targets in sorted(moved.items()):
            new = next(iter(targets))
            if len(targets) == 1 and new != old and old not in pages:
                yield Redirect(f"{kind}/{facet.name}/", old, new, pages[new])


def plan(build: PageBuild) -> Iterator[Planned]:
    """A redirect page at each old address; on an incremental build, only for the kinds that changed."""
    for kind in build.data.records:
        if build.kinds is None or kind in build.kinds:
            for redirect in facet_redirects(build, kind):
                # Relative, so it works under any subpath and in every language's folder.
                target = f"../{redirect.new}/"
                # A canonical link needs the public address, as on every other page; without it there is none.
                canonical = f"{build.ctx.site_url}{redirect.folder}{redirect.new}/" if build.ctx.site_url else None
                view = {"label": redirect.label, "target": target, "canonical": canonical}
                yield build.page(f"{redirect.folder}{redirect.old}/index.html", "redirect", view, f"{kind}/", listed=False)
