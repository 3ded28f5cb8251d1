"""Record rules: what each kind of record holds and what makes a value acceptable.

This is the one place the rules live. The CLI, the importers, the store and the
tests all call `clean_record`, so a value refused by `commons add` is refused by
`commons import` with the same words.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from . import vocab
from .errors import ValidationError

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PARTIAL_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TEXT = 20_000
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lone surrogates are how Python carries bytes it could not decode (a terminal or file
# in another encoding); SQLite cannot store them, so they are refused as a wrong encoding.
SURROGATES_RE = re.compile(r"[\ud800-\udfff]")
# Either of the two above, so clean text (nearly all of it) is searched once.
SUSPECT_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
DEGREE_LIMITS = {"lat": 90.0, "lon": 180.0}


@dataclass(frozen=True)
class Field:
    """One column of a record: its type, whether it is required, and what it means."""

    name: str
    type: str
    description: str
    required: bool = False
    choices: Mapping[str, str] | None = None
    ref: str | None = None
    private: bool = False


@dataclass(frozen=True)
class Kind:
    """A kind of record: the CLI word, its table, its fields and what full-text search covers."""

    name: str
    table: str
    singular: str
    title_field: str
    fields: tuple[Field, ...]
    search_fields: tuple[str, ...]
    index_fields: tuple[str, ...] = ()

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def field_name_set(self) -> frozenset[str]:
        """The field names as a set, for checking every key of every imported row."""
        return frozenset(f.name for f in self.fields)

    @property
    def public_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.private]

    @property
    def private_field_names(self) -> list[str]:
        return [f.name for f in self.fields if f.private]


def _id_field(what: str) -> Field:
    return Field("id", "slug", f"Stable identifier of the {what}: a lowercase slug, its address on the site forever.", required=True)


def _place_fields(what: str) -> tuple[Field, ...]:
    return (
        Field("city", "text", f"City or municipality of the {what}."),
        Field("country", "country", f"Country of the {what}, as an ISO 3166-1 alpha-2 code (IT, ES, ...)."),
        Field("lat", "lat", f"Latitude of the {what} in decimal degrees, WGS84 (-90 to 90)."),
        Field("lon", "lon", f"Longitude of the {what} in decimal degrees, WGS84 (-180 to 180)."),
    )


def _freshness_fields() -> tuple[Field, ...]:
    return (
        Field("last_verified", "date", "Date (YYYY-MM-DD) someone last checked this record against reality; older than a year is stale."),
        Field("confidence", "text", "Note on how certain the record is: what is estimated, unverified or disputed between sources."),
        Field("internal_notes", "text", "Staff-only notes. Private: never published.", private=True),
    )


ASSETS = Kind(
    name="assets",
    table="assets",
    singular="asset",
    title_field="name",
    fields=(
        _id_field("asset"),
        Field("name", "text", "Name of the asset in English or as commonly known.", required=True),
        Field("name_local", "text", "Name in the local language."),
        Field("kind", "enum", "What sort of place it is.", required=True, choices=vocab.ASSET_KINDS),
        Field(
            "status",
            "enum",
            "Where the asset stands in its lifecycle, from mapped to under agreement (or lost).",
            required=True,
            choices=vocab.ASSET_STATUSES,
        ),
        Field("since", "partial_date", "When the current status began (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Field("owner", "enum", "Who owns the asset.", choices=vocab.ASSET_OWNERS),
        Field("description", "markdown", "What the asset is and its story, in Markdown."),
        Field("address", "text", "Street address."),
        Field("district", "text", "District or neighbourhood; can be assigned from loaded district boundaries."),
        *_place_fields("asset"),
        Field("geometry", "geometry", "Outline of the asset as a GeoJSON Polygon or MultiPolygon in WGS84."),
        Field("website", "url", "Public website of the asset or its community (http or https)."),
        Field("opening_hours", "opening_hours", "Opening hours in OpenStreetMap opening_hours syntax, e.g. 'Mo-Fr 10:00-20:00'."),
        *_freshness_fields(),
    ),
    search_fields=("name", "name_local", "description", "address", "district", "city"),
    index_fields=("kind", "status", "city", "district", "country", "owner"),
)

ACTORS = Kind(
    name="actors",
    table="actors",
    singular="actor",
    title_field="name",
    fields=(
        _id_field("actor"),
        Field("name", "text", "Name of the organisation, collective or public body.", required=True),
        Field("kind", "enum", "What sort of actor it is.", required=True, choices=vocab.ACTOR_KINDS),
        Field("legal_form", "text", "Legal form as registered (e.g. SCCL cooperative, association), if any."),
        Field("governance", "enum", "How the actor takes decisions.", choices=vocab.GOVERNANCE_MODELS),
        Field("founded", "partial_date", "When the actor was founded (YYYY, YYYY-MM or YYYY-MM-DD)."),
        Field("description", "markdown", "Who the actor is and what it does, in Markdown."),
        *_place_fields("actor"),
        Field("website", "url", "Public website (http or https)."),
        Field("email", "email", "Public contact email of the organisation (not of a person)."),
        Field("phone", "text", "Public contact phone of the organisation (not of a person)."),
        Field("contact_person", "text", "Name of a contact person. Private: never published.", private=True),
        Field("contact_person_email", "email", "Personal email of the contact person. Private: never published.", private=True),
        Field("contact_person_phone", "text", "Personal phone of the contact person. Private: never published.", private=True),
        *_freshness_fields(),
    ),
    search_fields=("name", "legal_form", "description", "city"),
    index_fields=("kind", "city", "country", "governance"),
)

AGREEMENTS = Kind(
    name="agreements",
    table="agreements",
    singular="agreement",
    title_field="title",
    fields=(
        _id_field("agreement"),
        Field("title", "text", "What the agreement does, in a line.", required=True),
        Field("kind", "enum", "The legal instrument's type.", required=True, choices=vocab.AGREEMENT_KINDS),
        Field("status", "enum", "Whether the agreement is in force.", required=True, choices=vocab.AGREEMENT_STATUSES),
        Field("asset_id", "ref", "The commons asset the agreement is about, if any (an asset id).", ref="assets"),
        Field("instrument", "text", "The act that made it, e.g. 'Giunta resolution 446/2016'."),
        Field("adopted_on", "date", "Date the instrument was adopted (YYYY-MM-DD)."),
        Field("starts_on", "date", "Date the agreement takes effect (YYYY-MM-DD)."),
        Field("expires_on", "date", "Date the agreement ends (YYYY-MM-DD); empty means open-ended."),
        Field("description", "markdown", "What the agreement is and how it came about, in Markdown."),
        Field("commitments", "markdown", "What each side commits to (e.g. hours of community work, opening to the public)."),
        Field("rent_eur_per_year", "number", "Rent or fee due per year in euros; 0 when waived, empty when unknown."),
        Field("fees_waived", "text", "Rents, fees or charges the municipality waives, in words."),
        Field("maintenance_by", "enum", "Who bears maintenance of the asset.", choices=vocab.COST_BEARERS),
        Field("utilities_by", "enum", "Who pays utilities (water, energy).", choices=vocab.COST_BEARERS),
        Field("document_url", "url", "Link to the agreement or resolution text (http or https)."),
        Field("city", "text", "Municipality that is party to the agreement."),
        Field("country", "country", "Country, as an ISO 3166-1 alpha-2 code."),
        *_freshness_fields(),
    ),
    search_fields=("title", "instrument", "description", "commitments"),
    index_fields=("kind", "status", "expires_on", "city", "asset_id"),
)

CASES = Kind(
    name="cases",
    table="case_studies",
    singular="case study",
    title_field="title",
    fields=(
        _id_field("case study"),
        Field("title", "text", "Title of the co-production case.", required=True),
        *_place_fields("case"),
        Field("start_year", "year", "Year the case began."),
        Field("end_year", "year", "Year the case ended; empty while it goes on."),
        Field("summary", "markdown", "What happened, in Markdown."),
        Field("outcomes", "markdown", "What the case achieved, in Markdown."),
        Field("key_figures", "text", "Figures that tell the case's size and results."),
        Field("policy_areas", "enum_list", "Policy areas the case serves (a list).", choices=vocab.POLICY_AREAS),
        Field("level", "enum", "Co-production level: compliance, support or transformation.", choices=vocab.LEVELS),
        Field("design_by", "enum", "Who designs the service (Bovaird matrix).", choices=vocab.DESIGN_DELIVERY),
        Field("delivery_by", "enum", "Who delivers the service (Bovaird matrix).", choices=vocab.DESIGN_DELIVERY),
        Field("scenario", "enum", "Cuts (substitutive) or transformation (additive) scenario.", choices=vocab.SCENARIOS),
        Field("scope", "enum", "Individual or collective co-production.", choices=vocab.SCOPES),
        Field("phases", "enum_list", "Phases of a co-production process the case reached (a list).", choices=vocab.PHASES),
        *_freshness_fields(),
    ),
    search_fields=("title", "summary", "outcomes", "key_figures", "city"),
    index_fields=("city", "country", "level", "design_by", "delivery_by", "scenario", "start_year"),
)

KINDS: dict[str, Kind] = {k.name: k for k in (ASSETS, ACTORS, AGREEMENTS, CASES)}
KIND_BY_TABLE: dict[str, Kind] = {k.table: k for k in KINDS.values()}


@dataclass(frozen=True)
class LinkSpec:
    """A many-to-many link between two kinds, stored in its own table, maybe with a role."""

    table: str
    left_kind: str
    left_column: str
    right_kind: str
    right_column: str
    roles: Mapping[str, str] | None
    description: str


LINKS: tuple[LinkSpec, ...] = (
    LinkSpec(
        "agreement_parties",
        "agreements",
        "agreement_id",
        "actors",
        "actor_id",
        vocab.PARTY_ROLES,
        "The parties to each agreement and their role.",
    ),
    LinkSpec(
        "case_study_actors",
        "cases",
        "case_study_id",
        "actors",
        "actor_id",
        vocab.CASE_ROLES,
        "The actors involved in each case study and their role.",
    ),
    LinkSpec("case_study_assets", "cases", "case_study_id", "assets", "asset_id", None, "The commons assets each case study involves."),
)


def get_kind(name: str) -> Kind:
    """Look a kind up by its CLI word, suggesting the closest when it is misspelt."""
    if name in KINDS:
        return KINDS[name]
    if name in KIND_BY_TABLE:
        return KIND_BY_TABLE[name]
    raise ValidationError([f"unknown kind {name!r}: use one of {', '.join(KINDS)}{suggest(name, list(KINDS))}"])


def find_link(kind_a: str, kind_b: str) -> tuple[LinkSpec, bool]:
    """The link between two kinds and whether the arguments came in reverse order."""
    for spec in LINKS:
        if (spec.left_kind, spec.right_kind) == (kind_a, kind_b):
            return spec, False
        if (spec.left_kind, spec.right_kind) == (kind_b, kind_a):
            return spec, True
    pairs = ", ".join(f"{s.left_kind}–{s.right_kind}" for s in LINKS)
    raise ValidationError([f"{kind_a} and {kind_b} cannot be linked: links exist between {pairs}"])


def suggest(value: str, allowed: Mapping[str, str] | list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value.lower().replace(" ", "_"), list(allowed), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _parse_date(value: str) -> dt.date:
    if not DATE_RE.fullmatch(value):
        raise ValueError("not YYYY-MM-DD")
    return dt.date.fromisoformat(value)


def coerce_value(f: Field, value: Any) -> Any:
    """Turn one raw value into its stored form or raise ValueError with what is allowed."""
    if f.type == "enum_list":
        items = _as_list(value)
        bad = [i for i in items if f.choices is not None and i not in f.choices]
        if bad:
            raise ValueError(f"{bad[0]!r} is not allowed{suggest(bad[0], f.choices or {})}; allowed: {', '.join(f.choices or {})}")
        return sorted(set(items), key=list(f.choices or {}).index) or None
    if isinstance(value, (dict, list)) and f.type != "geometry":
        raise ValueError("expected a single value, got a structure")
    text = value if isinstance(value, str) else None
    if text is not None:
        if SUSPECT_CHARS_RE.search(text):
            if CONTROL_CHARS_RE.search(text):
                raise ValueError("contains control characters; remove them")
            raise ValueError("contains bytes that are not valid UTF-8 (a wrong encoding?); retype it or save the file as UTF-8")
        text = text.strip()
        if len(text) > MAX_TEXT:
            raise ValueError(f"is {len(text)} characters long; at most {MAX_TEXT} are allowed")
    if f.type in ("text", "markdown", "ref"):
        return text if text is not None else str(value).strip()
    if f.type == "slug":
        s = str(value)
        if not SLUG_RE.fullmatch(s) or len(s) > 120:
            raise ValueError("must be a slug: lowercase letters, digits and single hyphens, e.g. 'ex-asilo-filangieri'")
        return s
    if f.type == "enum":
        s = str(value).strip()
        if f.choices is not None and s not in f.choices:
            raise ValueError(f"{s!r} is not allowed{suggest(s, f.choices)}; allowed: {', '.join(f.choices)}")
        return s
    if f.type in ("lat", "lon", "number"):
        if isinstance(value, bool):
            raise ValueError("must be a number")
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"must be a number, got {value!r}") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("must be a finite number")
        limit = DEGREE_LIMITS.get(f.type)
        if limit is not None and not -limit <= number <= limit:
            raise ValueError(f"{number} is out of range; allowed -{limit:g} to {limit:g} (decimal degrees, WGS84)")
        if f.type == "number" and number < 0:
            raise ValueError("must not be negative")
        return round(number, 7) if limit is not None else number
    if f.type == "year":
        try:
            year = int(str(value).strip())
        except ValueError:
            raise ValueError(f"must be a year like 2016, got {value!r}") from None
        if not 1000 <= year <= 2999:
            raise ValueError(f"{year} is not a plausible year (1000–2999)")
        return year
    if f.type == "date":
        s = str(value).strip()
        try:
            return _parse_date(s).isoformat()
        except ValueError:
            raise ValueError(f"{s!r} is not a date; use YYYY-MM-DD, e.g. 2016-06-01") from None
    if f.type == "partial_date":
        s = str(value).strip()
        if not PARTIAL_DATE_RE.match(s):
            raise ValueError(f"{s!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")
        try:
            dt.date.fromisoformat((s + "-01-01")[:10] if len(s) < 10 else s)
        except ValueError:
            raise ValueError(f"{s!r} is not a real date") from None
        return s
    if f.type == "url":
        s = str(value).strip()
        if not URL_RE.match(s):
            raise ValueError(f"{s!r} is not a web address; only http:// or https:// URLs are allowed")
        return s
    if f.type == "email":
        s = str(value).strip()
        if not EMAIL_RE.match(s):
            raise ValueError(f"{s!r} is not an email address")
        return s
    if f.type == "country":
        return _country_code(str(value))
    if f.type == "opening_hours":
        return _opening_hours(str(value))
    if f.type == "geometry":
        return _geometry(value)
    raise ValueError(f"unknown field type {f.type}")  # pragma: no cover - a programming error


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    s = str(value).strip()
    if s.startswith("["):
        try:
            parsed = json.loads(s)
        except json.JSONDecodeError:
            raise ValueError("is not a valid JSON list; use a comma-separated list like 'housing,energy'") from None
        if not isinstance(parsed, list):
            raise ValueError("must be a list")
        return [str(v).strip() for v in parsed if str(v).strip()]
    return [p.strip() for p in re.split(r"[,;]", s) if p.strip()]


def _country_code(value: str) -> str:
    s = value.strip()
    if len(s) == 2 and s.upper() in alpha_2_codes():
        return s.upper()
    import pycountry

    try:
        match = pycountry.countries.lookup(s)
        hint = f" (did you mean {match.alpha_2!r} for {match.name}?)"
    except LookupError:
        hint = ""
    raise ValueError(f"{s!r} is not an ISO 3166-1 alpha-2 country code{hint}")


@cache
def alpha_2_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code pycountry knows.

    Read from pycountry's own data file when it is where pycountry keeps it:
    importing pycountry reads package metadata, a tenth of a second that an
    import of a thousand rows would otherwise spend on one country code.
    """
    import importlib.util

    spec = importlib.util.find_spec("pycountry")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    try:
        data = Path(folders[0], "databases", "iso3166-1.json").read_text(encoding="utf-8")
        return frozenset(str(entry["alpha_2"]) for entry in json.loads(data)["3166-1"])
    except (IndexError, OSError, ValueError, KeyError, TypeError):
        import pycountry

        return frozenset(str(c.alpha_2) for c in pycountry.countries)


def _opening_hours(value: str) -> str:
    import opening_hours

    s = value.strip()
    try:
        opening_hours.OpeningHours(s)
    except Exception:
        raise ValueError(f"{s!r} is not in OpenStreetMap opening_hours syntax, e.g. 'Mo-Fr 10:00-20:00; Sa 10:00-14:00'") from None
    return s


def _geometry(value: Any) -> str:
    from shapely.geometry import shape

    try:
        data = json.loads(value) if isinstance(value, str) else value
        geom = shape(data)
    except Exception:
        raise ValueError("is not valid GeoJSON geometry; give a Polygon or MultiPolygon object") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"must be a Polygon or MultiPolygon, got {geom.geom_type}")
    if geom.is_empty or not geom.is_valid:
        raise ValueError("is empty or self-intersecting; fix the outline in a GIS")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError("has coordinates outside WGS84 longitude/latitude; reproject to EPSG:4326")
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


@dataclass
class Cleaned:
    """A record that passed the rules, with the warnings it still deserves."""

    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def describe(kind: Kind, record_id: Any, where: str = "") -> str:
    """The prefix every message about a record starts with, so users know which one."""
    rid = f" {record_id!r}" if record_id not in (None, "") else ""
    return f"{where}{kind.singular}{rid}"


def clean_record(
    kind: Kind,
    raw: Mapping[str, Any],
    *,
    partial: bool = False,
    where: str = "",
    check_country: bool = True,
) -> Cleaned:
    """Validate and normalise a record; raise ValidationError listing every problem found.

    `partial` is for edits: only the given fields are checked, and required fields
    may be absent (they already hold values). Cross-field rules run on the merged
    record, which the store passes in for edits.
    """
    problems: list[str] = []
    who = describe(kind, raw.get("id"), where)
    known = kind.field_name_set
    for name in raw:
        if name not in known:
            problems.append(
                f"{who}: unknown field {name!r}{suggest(name, kind.field_names)}; fields of {kind.name}: {', '.join(kind.field_names)}"
            )
    values: dict[str, Any] = {}
    for f in kind.fields:
        if f.name not in raw:
            if f.required and not partial:
                problems.append(f"{who}: field {f.name!r} is required ({f.description})")
            continue
        value = raw[f.name]
        if value is None or (isinstance(value, str) and value.strip() == "") or value == []:
            if f.required:
                problems.append(f"{who}: field {f.name!r} is required and cannot be empty ({f.description})")
            values[f.name] = None
            continue
        try:
            values[f.name] = coerce_value(f, value)
        except ValueError as exc:
            problems.append(f"{who}: field {f.name!r}: {exc}")
    warnings: list[str] = []
    if not problems and not partial:  # an edit's few fields are checked together with the rest of the record
        problems.extend(_cross_field_problems(kind, values, who))
    if problems:
        raise ValidationError(problems)
    if check_country:
        warnings.extend(country_warnings(values, who))
    return Cleaned(values, warnings)


def _cross_field_problems(kind: Kind, values: Mapping[str, Any], who: str) -> list[str]:
    problems = []
    has_lat, has_lon = values.get("lat") is not None, values.get("lon") is not None
    if has_lat != has_lon and "lat" in kind.field_name_set and ("lat" in values or "lon" in values):
        problems.append(f"{who}: fields 'lat' and 'lon' go together: give both or neither")
    if kind.name == "agreements":
        start = values.get("starts_on") or values.get("adopted_on")
        end = values.get("expires_on")
        if start and end and end < start:
            problems.append(
                f"{who}: field 'expires_on' ({end}) is before the agreement starts ({start}); an agreement cannot expire before it starts"
            )
    if kind.name == "cases":
        start, end = values.get("start_year"), values.get("end_year")
        if start and end and end < start:
            problems.append(f"{who}: field 'end_year' ({end}) is before 'start_year' ({start})")
    return problems


def country_warnings(values: Mapping[str, Any], who: str, found: str | None = None) -> list[str]:
    """Warn when a point falls outside its record's country: most often lat and lon swapped."""
    lat, lon, country = values.get("lat"), values.get("lon"), values.get("country")
    if lat is None or lon is None or not country:
        return []
    found = found or country_at(lat, lon)
    if found and found != country:
        swapped = country_at(lon, lat) if -90 <= lon <= 90 else None
        hint = " — lat and lon look swapped" if swapped == country else " — check the coordinates or the country"
        return [f"warning: {who}: point ({lat}, {lon}) falls in {found}, not {country}{hint}"]
    return []


def country_at(lat: float, lon: float) -> str | None:
    """The ISO code of the country whose nearest known town is closest to the point."""
    return countries_at([(lat, lon)])[0]


def countries_at(points: list[tuple[float, float]]) -> list[str | None]:
    """Country codes for many points in one lookup; imports check thousands at once.

    The shipped grid answers for points away from borders; reverse_geocode (about a
    second to load) is asked only for the others, with the same answers.
    """
    from .country_grid import countries_at as lookup

    return lookup(points) if points else []


ReferenceExists = Callable[[str, str], bool]


def reference_problems(kind: Kind, values: Mapping[str, Any], exists: ReferenceExists, where: str = "") -> list[str]:
    """Every field that names another record must name one that exists."""
    problems = []
    for f in kind.fields:
        if f.ref and values.get(f.name) and not exists(f.ref, values[f.name]):
            problems.append(
                f"{describe(kind, values.get('id'), where)}: field {f.name!r}: there is no {KINDS[f.ref].singular} {values[f.name]!r}; add it first or fix the id"
            )
    return problems


def is_stale(last_verified: str | None, today: dt.date | None = None) -> bool:
    """A record not checked against reality for a year is stale."""
    if not last_verified:
        return True
    today = today or dt.date.today()
    return (today - dt.date.fromisoformat(last_verified[:10])).days > 365
