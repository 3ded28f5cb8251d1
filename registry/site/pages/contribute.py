"""The contributor's page: what the public may send, how it reaches the lab, how staff review it and how it is credited.

It exists in every language whether or not the site takes contributions: without
an address to send them to, it says so and how a lab opens them.
"""

from __future__ import annotations

from collections.abc import Iterator

from registry.model.kinds import KINDS
from registry.site.pages.indexes import suggest_call
from registry.site.pages.planning import PageBuild, Planned


def plan(build: PageBuild) -> Iterator[Planned]:
    site, words = build.site, build.words
    view = {
        "open": site.takes_contributions,
        "email": site.contact_email,
        "intake": site.intake_action,
        "review_days": site.review_days,
        "suggest": [
            {"kind": kind.name, "call": suggest_call(kind.name, words), "title": words.kind_title(kind.name)}
            for kind in KINDS.values()
            if suggest_call(kind.name, words)
        ],
        "change": [
            {
                "kind": kind.name,
                "title": words.kind_title(kind.name),
                "fields": [words.gettext(kind.field(name).title) for name in kind.contributions.fields],
            }
            for kind in KINDS.values()
            if kind.contributions is not None and kind.contributions.forms
        ],
    }
    yield build.page("contribute/index.html", "contribute", view)
