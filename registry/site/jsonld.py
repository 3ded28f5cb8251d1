"""schema.org descriptions of records, the site and its data, as JSON-LD that is safe inside a <script> element.

Search engines and aggregators read these; the escaping matters because record
text is data from elsewhere and `</script>` in a name must not end the element.

What they hold, and why:
- Text is plain: Markdown is rendered and its markup dropped (`_text`), as
  schema.org's Text properties are read verbatim.
- Nothing is null or empty: `_prune` drops such values at every depth, so a
  missing party address or asset is left out, never written as `null`.
- `@id` and `url` are the page's public address, the same in every build, and
  only that: without `--site-url` there is no such address, and a relative one
  would resolve against wherever a copy is served (a preview, a mirror), giving
  the same record a different identity in each; so they are left out, as are
  the other links below, and the build says so.
- Vocabulary terms are links: a term's URI is its anchor in the codebook on the
  site's data page (`data/#assets-kind-building`, `term_url`), named from the
  site's root so every language's pages give the same URI; the label rides with
  it as the term's name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from registry.model import essglobal, vocab
from registry.site.sanitise import plain_text, safe_url

CONTEXT = "https://schema.org"
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: dict[str, Any]) -> str:
    """JSON whose text can sit between <script> tags: <, > and & are written as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    """The data without null or empty values, at every depth; a nested thing left with only its @type goes too."""
    kept = {}
    for key, value in data.items():
        value = _pruned(value)
        if value not in (None, "", [], {}):
            kept[key] = value
    return kept


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        value = _prune(value)
        return None if set(value) <= {"@type"} else value
    if isinstance(value, list):
        return [v for v in (_pruned(item) for item in value) if v not in (None, "", [], {})]
    return value


def _text(value: Any) -> str | None:
    """Record text as schema.org Text: the words of its Markdown, without the markup."""
    if not value:
        return None
    return plain_text(str(value)) or None


def term_url(terms: str | None, kind: str, column: str, value: str | None) -> str | None:
    """A vocabulary term's URI: its anchor in the codebook of the data page at `terms`, when the site has an address."""
    return f"{terms}#{term_anchor(kind, column, value)}" if terms and value else None


def term_anchor(kind: str, column: str, value: str | None) -> str:
    """The id of a term in the codebook: kind, column and value (`assets-kind-building`), which the data page writes."""
    return f"{kind}-{column}-{value}"


def _term(schema_type: str, terms: str | None, kind: str, column: str, value: str | None, labels: dict[str, str]) -> dict[str, Any] | None:
    """A vocabulary value as a schema.org DefinedTerm or CategoryCode: its label, its code and, with an address, its URI."""
    if not value:
        return None
    code = "termCode" if schema_type == "DefinedTerm" else "codeValue"
    uri = term_url(terms, kind, column, value)
    return {"@type": schema_type, "@id": uri, "url": uri, "name": vocab.label(labels, value), code: value}


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


def place(record: dict[str, Any], url: str | None, terms: str | None = None) -> dict[str, Any]:
    """An asset as a schema.org Place, its kind a link to the term."""
    return _prune(
        {
            "@context": CONTEXT,
            "@type": "Place",
            "@id": url,
            "url": url,
            "identifier": record["id"],
            "name": record.get("name"),
            "alternateName": record.get("name_local"),
            "description": _text(record.get("description")),
            "address": _address(record),
            "geo": _geo(record),
            "openingHours": record.get("opening_hours"),
            "sameAs": safe_url(record.get("website")),
            "additionalType": term_url(terms, "assets", "kind", record.get("kind")),
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
            "description": _text(record.get("description")),
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


# By term state (registry/model/terms.py): a lapsed agreement says "active" but no longer holds.
LEGAL_FORCE = {"in_force": "InForce", "renewed": "InForce", "ending": "InForce", "lapsed": "NotInForce", "terminated": "NotInForce"}


def legislation(
    record: dict[str, Any],
    url: str | None,
    parties: list[dict[str, Any]],
    asset: dict[str, Any] | None,
    terms: str | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    """An agreement as a schema.org Legislation: the legal act, its dates (adopted, applying from, expiring), its parties and its object.

    Its legal force follows its term state (`state`), not its status alone.

    `starts_on` is the day the agreement applies from (`legislationDateOfApplicability`),
    not a version's date; parties and asset carry their page's address as `@id` when there is one.
    """
    return _prune(
        {
            "@context": CONTEXT,
            "@type": "Legislation",
            "@id": url,
            "url": url,
            "identifier": record["id"],
            "name": record.get("title"),
            "description": _text(record.get("description")),
            "legislationIdentifier": record.get("instrument"),
            "legislationType": _term("CategoryCode", terms, "agreements", "kind", record.get("kind"), vocab.AGREEMENT_KINDS),
            "legislationDate": record.get("adopted_on"),
            "legislationDateOfApplicability": record.get("starts_on"),
            "expires": record.get("expires_on"),
            "legislationLegalForce": LEGAL_FORCE.get(state or ""),
            "legislationJurisdiction": record.get("city"),
            "sameAs": safe_url(record.get("document_url")),
            "legislationPassedBy": [_linked("Organization", p) for p in parties if p.get("role") == "municipality"],
            "contributor": [_linked("Organization", p) for p in parties if p.get("role") != "municipality"],
            "about": _linked("Place", asset) if asset else None,
        }
    )


def _linked(schema_type: str, ref: dict[str, Any]) -> dict[str, Any]:
    """Another record named in this one: its name, and its page's address as @id and url when there is one."""
    return {"@type": schema_type, "@id": ref.get("url"), "url": ref.get("url"), "name": ref.get("title")}


def case_study(record: dict[str, Any], url: str | None, terms: str | None = None) -> dict[str, Any]:
    """A case study as a schema.org CreativeWork about a place and a period, its policy areas terms of the vocabulary."""
    years = "/".join(str(y) for y in (record.get("start_year"), record.get("end_year") or "..") if y) if record.get("start_year") else None
    return _prune(
        {
            "@context": CONTEXT,
            "@type": "CreativeWork",
            "@id": url,
            "url": url,
            "identifier": record["id"],
            "name": record.get("title"),
            "abstract": _text(record.get("summary")),
            "temporalCoverage": years,
            "spatialCoverage": _prune({"@type": "Place", "address": _address(record), "geo": _geo(record)}),
            "keywords": [
                _term("DefinedTerm", terms, "cases", "policy_areas", p, vocab.POLICY_AREAS) for p in record.get("policy_areas") or []
            ],
        }
    )


def review(record: dict[str, Any], url: str | None, name: str, item: dict[str, Any] | None) -> dict[str, Any]:
    """An assessment as a schema.org Review of the case study or agreement it scores, by the organisation that assessed it."""
    return _prune(
        {
            "@context": CONTEXT,
            "@type": "Review",
            "@id": url,
            "url": url,
            "identifier": record["id"],
            "name": name,
            "itemReviewed": item,
            "author": {"@type": "Organization", "name": record.get("assessor")},
            "datePublished": record.get("assessed_on"),
            "reviewBody": _text(record.get("summary")),
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
            "description": _text(record.get("description")),
            "address": _address(record),
            "geo": _geo(record) if schema_type == "Place" else None,
            "location": _prune({"@type": "Place", "geo": _geo(record)}) if _geo(record) and schema_type != "Place" else None,
        }
    )


def website(name: str, url: str | None, language: str) -> dict[str, Any]:
    """The site as a schema.org WebSite, for the home page."""
    return _prune({"@context": CONTEXT, "@type": "WebSite", "@id": url, "url": url, "name": name, "inLanguage": language})


def data_catalog(package: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    """The downloads as a schema.org DataCatalog of Datasets, one per dataset of the data package, each file a DataDownload.

    Made from the Frictionless descriptor (`datapackage.json`), whose resources
    name the dataset they belong to, so dataset search sees the files the data
    page lists and nothing else.
    """
    licences = [licence.get("path") for licence in package.get("licenses") or [] if licence.get("path")]
    licence = licences[0] if licences else catalogue.licence
    publisher = {"@type": "Organization", "@id": catalogue.site, "url": catalogue.site, "name": catalogue.name}
    groups: dict[str, list[dict[str, Any]]] = {}
    for resource in package.get("resources") or []:
        groups.setdefault(str(resource.get("dataset") or resource.get("name")), []).append(resource)
    datasets = [_dataset(name, resources, package, catalogue, licence, publisher) for name, resources in groups.items()]
    return _prune(
        {
            "@context": CONTEXT,
            "@type": "DataCatalog",
            "@id": catalogue.page,
            "url": catalogue.page,
            "name": package.get("title") or catalogue.name,
            "description": _text(package.get("description")),
            "inLanguage": catalogue.language,
            "license": licence,
            "creator": publisher,
            "publisher": publisher,
            "keywords": package.get("keywords"),
            "spatialCoverage": _box(_union(list(catalogue.boxes.values()))),
            "dataset": datasets,
        }
    )


Box = tuple[float, float, float, float]  # south, west, north, east


@dataclass(frozen=True)
class Catalogue:
    """What the data catalogue says besides the data package: who publishes it, where, and what the data covers."""

    name: str
    language: str
    site: str | None = None  # the site's public address
    page: str | None = None  # the data page's
    files: str | None = None  # the data folder's, which resource paths are relative to
    licence: str = "https://opendatacommons.org/licenses/by/1-0/"
    titles: dict[str, str] = field(default_factory=dict)  # by dataset: its name for people, without a file format
    boxes: dict[str, Box] = field(default_factory=dict)  # by dataset: the records' points, as a box
    periods: dict[str, str] = field(default_factory=dict)  # by dataset: ISO 8601 intervals, e.g. "2012/.."


def bounding_box(points: list[tuple[float, float]]) -> Box | None:
    """The smallest box holding the points (lat, lon), or None without any."""
    if not points:
        return None
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return min(lats), min(lons), max(lats), max(lons)


def _union(boxes: list[Box]) -> Box | None:
    return bounding_box([corner for b in boxes for corner in ((b[0], b[1]), (b[2], b[3]))])


def _box(box: Box | None) -> dict[str, Any] | None:
    """A box as schema.org writes one: a GeoShape whose box is "south west north east"."""
    if box is None:
        return None
    return {"@type": "Place", "geo": {"@type": "GeoShape", "box": " ".join(str(round(v, 6)) for v in box)}}


def _dataset(
    name: str,
    resources: list[dict[str, Any]],
    package: dict[str, Any],
    catalogue: Catalogue,
    licence: str | None,
    publisher: dict[str, Any],
) -> dict[str, Any]:
    """One dataset of the package: its files as DataDownloads, its coverage in place and time."""
    first = resources[0]
    title = catalogue.titles.get(name) or str(first.get("title") or name)
    return {
        "@type": "Dataset",
        "@id": f"{catalogue.page}#dataset-{name}" if catalogue.page else None,
        "identifier": name,
        "name": title,
        "description": _text(first.get("description")) or title,
        "license": licence,
        "creator": publisher,
        "publisher": publisher,
        "isAccessibleForFree": True,
        "keywords": package.get("keywords"),
        "dateModified": package.get("created"),
        "spatialCoverage": _box(catalogue.boxes.get(name)),
        "temporalCoverage": catalogue.periods.get(name),
        "includedInDataCatalog": {"@type": "DataCatalog", "@id": catalogue.page, "name": package.get("title") or catalogue.name},
        "distribution": [
            {
                "@type": "DataDownload",
                "name": r.get("title") or r.get("name"),
                "encodingFormat": r.get("mediatype"),
                "contentUrl": f"{catalogue.files}{r['path']}" if catalogue.files and r.get("path") else None,
            }
            for r in resources
        ],
    }
