"""The contribution forms on the site: which controls a kind's forms offer, and each form rendered once per page place.

A kind declares the fields the public may send (`Kind.contributions`); each
becomes the control a browser checks best for its type (a select of the
vocabulary's labels, a number between the degree limits, a date, an address)
and carries the name `f.<field>` that every way a contribution arrives reads
(`registry.model.contributions`). The browser's checks only help the visitor:
every value is checked again with the registry's rules when it is received.

A record page's form is the same for every record of its kind but for the
record's id, so it is rendered once per kind, form and place in the site and
reused; the page adds the id as a hidden field tied to the form by its `form`
attribute. Rendering it on each of 100k record pages would cost as much as the
rest of the page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from registry.model.contributions import FIELD_PREFIX, HONEYPOT, MAX_CONTACT, MAX_FIELD, MAX_NOTE
from registry.model.declaration import Field, Kind
from registry.model.kinds import KINDS
from registry.model.values import DEGREE_LIMITS, PARTIAL_DATE_RE, YEARS
from registry.site.settings import SiteSettings
from registry.site.words import Words

# The id of the form on a page (each page has at most one), which a record page's hidden record field names.
FORM_ID = "contribution"

# The input a browser checks best for each field type; types not named here are a line of text.
INPUTS: dict[str, dict[str, str]] = {
    "lat": {"type": "number", "min": f"{-DEGREE_LIMITS['lat']:g}", "max": f"{DEGREE_LIMITS['lat']:g}", "step": "any"},
    "lon": {"type": "number", "min": f"{-DEGREE_LIMITS['lon']:g}", "max": f"{DEGREE_LIMITS['lon']:g}", "step": "any"},
    "number": {"type": "number", "min": "0", "step": "any"},
    "year": {"type": "number", "min": str(YEARS[0]), "max": str(YEARS[1]), "step": "1"},
    "date": {"type": "date"},
    "partial_date": {"type": "text", "pattern": PARTIAL_DATE_RE.pattern.removeprefix("^").removesuffix("$"), "inputmode": "numeric"},
    "url": {"type": "url"},
    "email": {"type": "email"},
    "country": {"pattern": "[A-Za-z]{2}", "maxlength": "2", "size": "3"},
}
# The field types whose form shows how to write them (the hints are the template's, in the page's language).
HINTED = frozenset({"country", "partial_date", "opening_hours", "lat", "lon"})


@dataclass(frozen=True)
class Control:
    """One field of a form: its name and id, its label, the element and attributes that take it, its choices.

    `hint` names the field type whose hint the template shows under its label (how
    to write a country, a partial date, opening hours, degrees), which the control's
    `aria-describedby` names; empty for none.
    """

    name: str
    id: str
    label: str
    element: str
    attributes: tuple[tuple[str, str], ...] = ()
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""


def control(kind: Kind, f: Field, words: Words, *, required: bool) -> Control:
    """The control that takes one offered field, labelled in the page's language."""
    control_id = f"c-f-{f.name}"
    element, attributes = "input", INPUTS.get(f.type, {})  # no type: a line of text, the input's default
    options: tuple[tuple[str, str], ...] = ()
    if f.choices is not None:
        element, attributes, options = "select", {}, tuple((value, words.label(kind, f.name, value)) for value in f.choices)
    elif f.type == "markdown":
        element, attributes = "textarea", {"rows": "4", "maxlength": str(MAX_FIELD)}
    hint = f.type if f.type in HINTED else ""
    if hint:
        attributes = {**attributes, "aria-describedby": f"{control_id}-hint"}
    return Control(
        name=f"{FIELD_PREFIX}{f.name}",
        id=control_id,
        label=words.gettext(f.title),
        element=element,
        attributes=tuple(attributes.items()),
        required=required and f.required,
        options=options,
        hint=hint,
    )


def form_controls(kind: Kind, action: str, words: Words) -> list[Control]:
    """The controls of a kind's form: a suggestion marks the kind's required fields required; a change requires none."""
    if kind.contributions is None:
        return []
    return [control(kind, kind.field(name), words, required=action == "suggest") for name in kind.contributions.fields]


@dataclass(frozen=True)
class FormSettings:
    """Where the forms send a contribution: the intake service's address, or the lab's e-mail; and how long review takes."""

    email: str | None
    intake: str | None
    review_days: int

    @property
    def open(self) -> bool:
        return bool(self.email or self.intake)

    @classmethod
    def of(cls, site: SiteSettings) -> FormSettings:
        return cls(site.contact_email, site.intake_action, site.review_days)


def form_renderer(env: Any, site: SiteSettings, words: Words) -> Callable[[str, str, str], Markup]:
    """`contribution_form(kind, action, root)` for the templates: a kind's form, rendered once per place and reused.

    Empty when the site takes no contributions, or the kind takes none of this action.
    """
    settings = FormSettings.of(site)

    @functools.lru_cache(maxsize=256)
    def contribution_form(kind_name: str, action: str, root: str) -> Markup:
        kind = KINDS[kind_name]
        offered = kind.contributions
        if not settings.open or offered is None or not offered.forms or (action == "suggest" and not offered.suggest):
            return Markup("")
        title = words.gettext(offered.suggest) if action == "suggest" else ""
        return Markup(
            env.get_template("_contribution_form.html").render(
                root=root,
                kind=kind_name,
                action=action,
                title=title,
                controls=form_controls(kind, action, words),
                form=settings,
                form_id=FORM_ID,
                honeypot=HONEYPOT,
                max_contact=MAX_CONTACT,
                max_note=MAX_NOTE,
            )
        )

    return contribution_form
