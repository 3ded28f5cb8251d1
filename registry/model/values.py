"""What makes one value acceptable: a coercer per field type, each turning raw input into its stored form."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from registry.model.declaration import Field
from registry.model.errors import suggest

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

# The years a year field may hold: a stored or typed year outside them is a typo.
YEARS = (1000, 2999)


def _parse_date(value: str) -> dt.date:
    if not DATE_RE.fullmatch(value):
        raise ValueError("not YYYY-MM-DD")
    return dt.date.fromisoformat(value)


def coerce_value(f: Field, value: Any) -> Any:
    """Turn one raw value into its stored form or raise ValueError with what is allowed."""
    coerce = COERCERS.get(f.type)
    if coerce is None:  # pragma: no cover - a declaration naming a type nobody wrote is a programming error
        raise ValueError(f"unknown field type {f.type}")
    if f.type != "enum_list":  # a list's items are checked one by one
        if isinstance(value, (dict, list)) and f.type not in ("geometry", "translations", "scores"):
            raise ValueError("expected a single value, got a structure")
        if isinstance(value, str):
            _check_text(value)
    return coerce(f, value)


def _check_text(text: str) -> None:
    """Refuse text holding control characters or undecodable bytes, or too long once its surrounding spaces go."""
    if SUSPECT_CHARS_RE.search(text):
        if CONTROL_CHARS_RE.search(text):
            raise ValueError("contains control characters; remove them")
        raise ValueError("contains bytes that are not valid UTF-8 (a wrong encoding?); retype it or save the file as UTF-8")
    length = len(text.strip())
    if length > MAX_TEXT:
        raise ValueError(f"is {length} characters long; at most {MAX_TEXT} are allowed")


def _text(f: Field, value: Any) -> str:
    return str(value).strip()


def _slug(f: Field, value: Any) -> str:
    s = str(value)
    if not SLUG_RE.fullmatch(s) or len(s) > 120:
        raise ValueError("must be a slug: lowercase letters, digits and single hyphens, e.g. 'ex-asilo-filangieri'")
    return s


def _enum(f: Field, value: Any) -> str:
    s = str(value).strip()
    if f.choices is not None and s not in f.choices:
        raise ValueError(f"{s!r} is not allowed{suggest(s, f.choices)}; allowed: {', '.join(f.choices)}")
    return s


def _enum_list(f: Field, value: Any) -> list[str] | None:
    items = _as_list(value)
    bad = [i for i in items if f.choices is not None and i not in f.choices]
    if bad:
        raise ValueError(f"{bad[0]!r} is not allowed{suggest(bad[0], f.choices or {})}; allowed: {', '.join(f.choices or {})}")
    return sorted(set(items), key=list(f.choices or {}).index) or None


def _number(f: Field, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"must be a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("must be a finite number")
    limit = DEGREE_LIMITS.get(f.type)
    if limit is not None:
        if not -limit <= number <= limit:
            raise ValueError(f"{number} is out of range; allowed -{limit:g} to {limit:g} (decimal degrees, WGS84)")
        return round(number, 7)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _year(f: Field, value: Any) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise ValueError(f"must be a year like 2016, got {value!r}") from None
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"{year} is not a plausible year ({YEARS[0]}–{YEARS[1]})")
    return year


def _date(f: Field, value: Any) -> str:
    s = str(value).strip()
    try:
        return _parse_date(s).isoformat()
    except ValueError:
        raise ValueError(f"{s!r} is not a date; use YYYY-MM-DD, e.g. 2016-06-01") from None


def _partial_date(f: Field, value: Any) -> str:
    s = str(value).strip()
    if not PARTIAL_DATE_RE.match(s):
        raise ValueError(f"{s!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        dt.date.fromisoformat((s + "-01-01")[:10] if len(s) < 10 else s)
    except ValueError:
        raise ValueError(f"{s!r} is not a real date") from None
    return s


def _url(f: Field, value: Any) -> str:
    s = str(value).strip()
    if not URL_RE.match(s):
        raise ValueError(f"{s!r} is not a web address; only http:// or https:// URLs are allowed")
    return s


def _email(f: Field, value: Any) -> str:
    s = str(value).strip()
    if not EMAIL_RE.match(s):
        raise ValueError(f"{s!r} is not an email address")
    return s


LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def _language(f: Field, value: Any) -> str:
    """A language code as Babel (CLDR) knows it: en, it, es, ar, pt-BR."""
    from babel import Locale, UnknownLocaleError

    code = str(value).strip()
    try:
        if not LANGUAGE_RE.match(code):
            raise ValueError
        Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        raise ValueError(f"{code!r} is not a language code; use one like en, it, es, fr, ar") from None
    return code


def _translations(f: Field, value: Any) -> dict[str, dict[str, str]] | None:
    """Texts by language and field: {"it": {"name": "..."}}; empty texts and languages are dropped."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError('is not JSON like {"it": {"name": "..."}}; or give one text with --set name@it=...') from None
    if not isinstance(value, dict) or not all(isinstance(texts, dict) for texts in value.values()):
        raise ValueError('must map language codes to texts by field, like {"it": {"name": "..."}}')
    cleaned: dict[str, dict[str, str]] = {}
    for code, texts in sorted(value.items()):
        language = _language(f, code)
        for name, text in texts.items():
            if text is None or (isinstance(text, str) and not text.strip()):
                continue
            if not isinstance(text, str):
                raise ValueError(f"{name}@{language}: must be text")
            _check_text(text)
            cleaned.setdefault(language, {})[str(name)] = text.strip()
    return cleaned or None


MAX_WHY = 2_000
MAX_SOURCE = 500


def _scores(f: Field, value: Any) -> dict[str, dict[str, Any]] | None:
    """Scores by criterion: {"transparency": {"score": 2, "why": "...", "source": "..."}}, a score a whole number or "unknown".

    Only the shape is checked here; whether each criterion and score fits the
    assessment's framework is the assessments kind's own check.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(
                'is not JSON like {"transparency": {"score": 2, "why": "...", "source": "..."}}; or give one with --set transparency=2'
            ) from None
    if not isinstance(value, dict):
        raise ValueError('must map criteria to scores, like {"transparency": {"score": 2, "why": "...", "source": "..."}}')
    cleaned: dict[str, dict[str, Any]] = {}
    for criterion, entry in value.items():
        if not isinstance(entry, dict):
            entry = {"score": entry}
        unknown_keys = set(entry) - {"score", "why", "source"}
        if unknown_keys:
            raise ValueError(f"{criterion}: unknown part {sorted(unknown_keys)[0]!r}; each criterion gives score, why and source")
        score = entry.get("score")
        if isinstance(score, str) and score.strip().lstrip("-").isdigit():
            score = int(score.strip())
        elif isinstance(score, str) and score.strip().lower() == "unknown":
            score = "unknown"
        if isinstance(score, bool) or not (isinstance(score, int) or score == "unknown"):
            raise ValueError(f"{criterion}: score {score!r} must be a whole number or 'unknown'")
        texts: dict[str, Any] = {"score": score}
        for part, limit in (("why", MAX_WHY), ("source", MAX_SOURCE)):
            text = entry.get(part)
            if text is None or (isinstance(text, str) and not text.strip()):
                continue
            if not isinstance(text, str):
                raise ValueError(f"{criterion}: {part} must be text")
            _check_text(text)
            if len(text.strip()) > limit:
                raise ValueError(f"{criterion}: {part} is {len(text.strip())} characters long; at most {limit} are allowed")
            texts[part] = text.strip()
        cleaned[str(criterion)] = texts
    return cleaned or None


# One coercer per field type: the table a new type is added to.
COERCERS: dict[str, Callable[[Field, Any], Any]] = {
    "text": _text,
    "markdown": _text,
    "ref": _text,
    "slug": _slug,
    "enum": _enum,
    "enum_list": _enum_list,
    "lat": _number,
    "lon": _number,
    "number": _number,
    "year": _year,
    "date": _date,
    "partial_date": _partial_date,
    "url": _url,
    "email": _email,
    "country": lambda f, value: _country_code(str(value)),
    "opening_hours": lambda f, value: _opening_hours(str(value)),
    "geometry": lambda f, value: _geometry(value),
    "language": _language,
    "translations": _translations,
    "scores": _scores,
}


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
    from shapely.geometry import mapping, shape

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
    oriented = _right_hand(geom)
    if oriented.wkb != geom.wkb:  # RFC 7946: outer rings counterclockwise, holes clockwise
        data = mapping(oriented)
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def _right_hand(geom: Any) -> Any:
    """The outline with its rings turned the way RFC 7946 asks, so every GeoJSON we write passes a strict reader."""
    from shapely.geometry import MultiPolygon
    from shapely.geometry.polygon import orient

    if geom.geom_type == "MultiPolygon":
        return MultiPolygon([orient(part, 1.0) for part in geom.geoms])
    return orient(geom, 1.0)
