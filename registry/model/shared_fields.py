"""The fields every kind of record shares: its id, its place, its language and how fresh it is."""

from __future__ import annotations

from registry.model.declaration import Facet, Field


def id_field(what: str) -> Field:
    return Field("id", "slug", f"Stable identifier of the {what}: a lowercase slug, its address on the site forever.", required=True)


def place_fields(what: str) -> tuple[Field, ...]:
    return (
        Field("city", "text", f"City or municipality of the {what}."),
        Field("country", "country", f"Country of the {what}, as an ISO 3166-1 alpha-2 code (IT, ES, ...)."),
        Field("lat", "lat", f"Latitude of the {what} in decimal degrees, WGS84 (-90 to 90).", label="Latitude"),
        Field("lon", "lon", f"Longitude of the {what} in decimal degrees, WGS84 (-180 to 180).", label="Longitude"),
    )


def language_fields(what: str) -> tuple[Field, ...]:
    return (
        Field(
            "lang",
            "language",
            f"Language the {what}'s own text is written in, as a code (en, it, es, ar...); English when empty.",
            label="Language",
        ),
        Field(
            "translations",
            "translations",
            f'The {what}\'s name and texts in other languages, as JSON by language code, e.g. {{"it": {{"name": "..."}}}}; '
            "give one with --set name@it=... (an empty value removes it).",
            label="Translations",
        ),
    )


def freshness_fields() -> tuple[Field, ...]:
    return (
        Field("last_verified", "date", "Date (YYYY-MM-DD) someone last checked this record against reality; older than a year is stale."),
        Field("confidence", "text", "Note on how certain the record is: what is estimated, unverified or disputed between sources."),
        Field("internal_notes", "text", "Staff-only notes. Private: never published.", private=True),
    )


CITY = Facet("city", "city", "City")
