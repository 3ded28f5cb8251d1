"""schema.org descriptions of records, as JSON-LD that is safe inside a <script> element.

Search engines and aggregators read these; the escaping matters because record
text is data from elsewhere and `</script>` in a name must not end the element.
"""

from __future__ import annotations

import json
from typing import Any

from registry.model import essglobal, vocab
from registry.site.sanitise import safe_url

CONTEXT = "https://schema.org"
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: dict[str, Any]) -> str:
    """JSON whose text can sit between <script> tags: <, > and & are written as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _address(record: dict[str, Any]) -> dict[str, Any] | None:
    address = _prune(
        {
            "@type": "PostalAddress",
            "streetAddress": record.get("address"),
            "addressLocality": record.get("city"),
            "addressCountry": record.get("country"),
        }
    )
    return address if len(address) > 1 else None


def _geo(record: dict[str, Any]) -> dict[str, Any] | None:
    if record.get("lat") is None or record.get("lon") is None:
        return None
    return {"@type": "GeoCoordinates", "latitude": record["lat"], "longitude": record["lon"]}


def place(record: dict[str, Any], url: str | None) -> dict[str, Any]:
    """An asset as a schema.org Place."""
    return _prune(
        {
            "@context": CONTEXT,
            "@type": "Place",
            "@id": url,
            "url": url,
            "identifier": record["id"],
            "name": record.get("name"),
            "alternateName": record.get("name_local"),
            "description": record.get("description"),
            "address": _address(record),
            "geo": _geo(record),
            "openingHours": record.get("opening_hours"),
            "sameAs": safe_url(record.get("website")),
            "additionalType": vocab.label(vocab.ASSET_KINDS, record.get("kind")),
        }
    )


def organization(record: dict[str, Any], url: str | None) -> dict[str, Any]:
    """An actor as a schema.org Organization."""
    return _prune(
        {
            "@context": CONTEXT,
            "@type": "Organization",
            "@id": url,
            "url": url,
            "identifier": record["id"],
            "name": record.get("name"),
            "description": record.get("description"),
            "foundingDate": record.get("founded"),
            "address": _address(record),
            "location": _prune({"@type": "Place", "geo": _geo(record)}) if _geo(record) else None,
            "email": record.get("email"),
            "telephone": record.get("phone"),
            "sameAs": safe_url(record.get("website")),
            # ESSGlobal's concepts for the kind and the legal form: addresses SSE maps read, not our words.
            "additionalType": [essglobal.concept_uri(code) for code in essglobal.actor_structures(record)],
        }
    )


LEGAL_FORCE = {"active": "InForce", "suspended": "NotInForce", "expired": "NotInForce", "revoked": "NotInForce"}


def legislation(record: dict[str, Any], url: str | None, parties: list[dict[str, Any]], asset: dict[str, Any] | None) -> dict[str, Any]:
    """An agreement as a schema.org Legislation: the legal act, its dates, its parties and its object."""
    return _prune(
        {
            "@context": CONTEXT,
            "@type": "Legislation",
            "@id": url,
            "url": url,
            "identifier": record["id"],
            "name": record.get("title"),
            "description": record.get("description"),
            "legislationIdentifier": record.get("instrument"),
            "legislationType": vocab.label(vocab.AGREEMENT_KINDS, record.get("kind")),
            "legislationDate": record.get("adopted_on"),
            "legislationDateVersion": record.get("starts_on"),
            "expires": record.get("expires_on"),
            "legislationLegalForce": LEGAL_FORCE.get(record.get("status") or ""),
            "legislationJurisdiction": record.get("city"),
            "sameAs": safe_url(record.get("document_url")),
            "legislationPassedBy": [
                {"@type": "Organization", "name": p["title"], "url": p.get("url")} for p in parties if p.get("role") == "municipality"
            ],
            "contributor": [
                {"@type": "Organization", "name": p["title"], "url": p.get("url")} for p in parties if p.get("role") != "municipality"
            ],
            "about": _prune({"@type": "Place", "name": asset.get("title"), "url": asset.get("url")}) if asset else None,
        }
    )


def case_study(record: dict[str, Any], url: str | None) -> dict[str, Any]:
    """A case study as a schema.org CreativeWork about a place and a period."""
    years = "/".join(str(y) for y in (record.get("start_year"), record.get("end_year") or "..") if y) if record.get("start_year") else None
    return _prune(
        {
            "@context": CONTEXT,
            "@type": "CreativeWork",
            "@id": url,
            "url": url,
            "identifier": record["id"],
            "name": record.get("title"),
            "abstract": record.get("summary"),
            "temporalCoverage": years,
            "spatialCoverage": _prune({"@type": "Place", "address": _address(record), "geo": _geo(record)}),
            "keywords": [vocab.label(vocab.POLICY_AREAS, p) for p in record.get("policy_areas") or []],
        }
    )


def thing(schema_type: str, title_field: str, record: dict[str, Any], url: str | None) -> dict[str, Any]:
    """Any kind's record as the schema.org type its kind declares: a name, an identifier, a place if it has one."""
    return _prune(
        {
            "@context": CONTEXT,
            "@type": schema_type,
            "@id": url,
            "url": url,
            "identifier": record["id"],
            "name": record.get(title_field),
            "description": record.get("description"),
            "address": _address(record),
            "geo": _geo(record) if schema_type == "Place" else None,
            "location": _prune({"@type": "Place", "geo": _geo(record)}) if _geo(record) and schema_type != "Place" else None,
        }
    )
