"""The registry's data catalogue for open-data portals: DCAT-AP 3 with the terms of DCAT-AP_IT, in Turtle and JSON-LD.

Portals (CKAN with ckanext-dcat or ckanext-dcatapit, data.europa.eu, dati.gov.it
and other national catalogues) harvest a catalogue file instead of scraping
pages. The catalogue is made from the data package (`data/datapackage.json`):
one dcat:Dataset per "dataset" group of its resources and one
dcat:Distribution per resource, so the package, the downloads and the
catalogue never disagree about a file, its size, its checksum or its licence.

Properties follow DCAT-AP 3.0.1 (SEMICeu/DCAT-AP, releases/3.0.1: the "Quick
Reference of Classes and Properties" and shacl/dcat-ap-SHACL.ttl): every
mandatory and recommended property of Catalogue, Dataset, Distribution,
Agent, Location, Period of Time, Checksum and, when the registry is served by
Datasette, Data Service. The Italian profile adds what it makes mandatory
(AgID, italia/linee-guida-cataloghi-dati-dcat-ap-it, DCAT-AP_IT 1.0):
dcatapit:* classes beside the DCAT ones, dct:identifier, dct:modified,
dct:rightsHolder and dct:accrualPeriodicity on each dataset, agents with
dct:identifier, licences as dcatapit:LicenseDocument with their ADMS type,
a vcard:Organization contact point, and dcatapit:startDate/endDate.

Portals need absolute addresses, so a catalogue is made only for a site with
a public address. Nothing here reads the clock: dates come from the change log.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from registry.publishing.coverage import Coverage, RegistryFacts, registry_facts
from registry.publishing.downloads import download_tables
from registry.publishing.files import digest, file_stamp, files_digest, read_json_cache, write_if_changed, write_json_cache

DCATAP = Namespace("http://data.europa.eu/r5r/")
DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")

AUTHORITY = "http://publications.europa.eu/resource/authority/"
DATA_THEME = URIRef(AUTHORITY + "data-theme")
FREQUENCY = URIRef(AUTHORITY + "frequency/IRREG")  # staff edit the registry when something happens, not on a schedule
AVAILABILITY = URIRef(AUTHORITY + "planned-availability/STABLE")
PUBLIC_ACCESS = URIRef(AUTHORITY + "access-right/PUBLIC")
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

# EU Vocabularies' file types for the formats the downloads come in.
FILE_TYPES = {"csv": "CSV", "json": "JSON", "geojson": "GEOJSON", "gpkg": "GPKG", "sqlite": "SQLITE"}

# What each format is written to, beside the Table Schema of the package.
FORMAT_STANDARDS = {"geojson": "https://www.rfc-editor.org/rfc/rfc7946", "csv": "https://www.rfc-editor.org/rfc/rfc4180"}
TABLE_SCHEMA = "https://specs.frictionlessdata.io/table-schema/"

# The EU data themes (http://publications.europa.eu/resource/authority/data-theme) a dataset is about.
# A commons registry is about places of cities and the people who run them; agreements are acts of government.
THEME_LABELS = {"REGI": "Regions and cities", "SOCI": "Population and society", "GOVE": "Government and public sector"}
DEFAULT_THEMES = ("REGI", "SOCI")
DATASET_THEMES = {"agreements": ("GOVE", "REGI"), "agreement_parties": ("GOVE", "SOCI"), "cases": ("GOVE", "SOCI")}

# ADMS licence types of the licences a lab is likely to choose, by their SPDX-style names.
LICENCE_TYPES = {
    "ODC-By-1.0": ("Attribution",),
    "ODbL-1.0": ("Attribution", "ShareAlike"),
    "CC-BY-4.0": ("Attribution",),
    "CC-BY-SA-4.0": ("Attribution", "ShareAlike"),
    "CC0-1.0": ("PublicDomain",),
    "PDDL-1.0": ("PublicDomain",),
}

# EU Vocabularies' language codes for the languages a site is built in (ISO 639-1 to the EU table).
EU_LANGUAGES = {
    "ar": "ARA", "bg": "BUL", "ca": "CAT", "cs": "CES", "da": "DAN", "de": "DEU", "el": "ELL", "en": "ENG", "es": "SPA",
    "et": "EST", "eu": "EUS", "fi": "FIN", "fr": "FRA", "ga": "GLE", "gl": "GLG", "hr": "HRV", "hu": "HUN", "it": "ITA",
    "lt": "LIT", "lv": "LAV", "mt": "MLT", "nl": "NLD", "pl": "POL", "pt": "POR", "ro": "RON", "sk": "SLK", "sl": "SLV",
    "sv": "SWE", "tr": "TUR", "uk": "UKR",
}  # fmt: skip

PREFIXES = {
    "dcat": DCAT, "dct": DCTERMS, "dcatap": DCATAP, "dcatapit": DCATAPIT, "foaf": FOAF, "skos": SKOS,
    "spdx": SPDX, "vcard": VCARD, "gsp": GSP, "xsd": XSD,
}  # fmt: skip

CATALOGUE_FILES = ("catalog.ttl", "catalog.jsonld")


@dataclass(frozen=True)
class CatalogueSite:
    """What the catalogue says about the site that publishes it: its name, public address and languages."""

    name: str
    url: str  # absolute, ending with "/"
    languages: tuple[str, ...] = ("en",)
    datasette_url: str | None = None
    contact_email: str | None = None


def catalogue_graph(package: dict[str, Any], site: CatalogueSite, facts: RegistryFacts) -> Graph:
    """The DCAT-AP catalogue of a data package, as an rdflib Graph with absolute addresses under `site.url`."""
    return _Catalogue(package, site, facts).graph


class _Catalogue:
    """One catalogue being described: the graph and the nodes every dataset shares (publisher, contact, licence)."""

    def __init__(self, package: dict[str, Any], site: CatalogueSite, facts: RegistryFacts) -> None:
        self.package, self.site, self.facts = package, site, facts
        self.graph = Graph(bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self.base = site.url + "data/"
        self.here = self.base + "catalog.ttl#"
        self.landing = URIRef(self.base)
        modified = package.get("created") or facts.issued
        self.modified = _date(modified)
        self.issued = _date(facts.issued or modified)
        self.tables = {t.name: t for t in download_tables()}
        self.publisher = self._agent()
        self.contact = self._contact()
        self.licence = self._licence()
        self.languages = [
            URIRef(f"{AUTHORITY}language/{EU_LANGUAGES[c.split('-')[0]]}") for c in site.languages if c.split("-")[0] in EU_LANGUAGES
        ]
        self._describe()

    def add(self, subject: URIRef | BNode, predicate: URIRef, *objects: Any) -> None:
        for value in objects:
            if value is not None:
                self.graph.add((subject, predicate, value))

    def _describe(self) -> None:
        catalogue = URIRef(self.here + "catalogue")
        self.add(catalogue, RDF.type, DCAT.Catalog, DCATAPIT.Catalog)
        self.add(catalogue, DCTERMS.title, Literal(self.package.get("title") or self.site.name))
        self.add(catalogue, DCTERMS.description, Literal(self.package.get("description") or self.site.name))
        self.add(catalogue, DCTERMS.publisher, self.publisher)
        self.add(catalogue, FOAF.homepage, URIRef(self.site.url))
        self.add(catalogue, DCTERMS.language, *self.languages)
        self.add(catalogue, DCTERMS.license, self.licence)
        self.add(catalogue, DCTERMS.issued, self.issued)
        self.add(catalogue, DCTERMS.modified, self.modified)
        self.add(catalogue, DCTERMS.spatial, self._location("registry", self.facts.coverage.get("")))
        self.add(catalogue, DCAT.themeTaxonomy, DATA_THEME)
        self.add(DATA_THEME, RDF.type, SKOS.ConceptScheme)
        self.add(DATA_THEME, DCTERMS.title, Literal("Data theme", lang="en"))
        datasets = [self._dataset(name, resources) for name, resources in _datasets(self.package).items()]
        self.add(catalogue, DCAT.dataset, *datasets)
        if self.site.datasette_url:
            self.add(catalogue, DCAT.service, self._service(datasets))

    def _agent(self) -> URIRef:
        agent = URIRef(self.here + "publisher")
        self.add(agent, RDF.type, FOAF.Agent, DCATAPIT.Agent)
        self.add(agent, FOAF.name, Literal(self.site.name))
        self.add(agent, DCTERMS.identifier, Literal(self.site.url))
        self.add(agent, FOAF.homepage, URIRef(self.site.url))
        return agent

    def _contact(self) -> URIRef:
        contact = URIRef(self.here + "contact")
        self.add(contact, RDF.type, VCARD.Organization, VCARD.Kind, DCATAPIT.Organization)
        self.add(contact, VCARD.fn, Literal(self.site.name))
        self.add(contact, VCARD.hasURL, URIRef(self.site.url))
        if self.site.contact_email:
            self.add(contact, VCARD.hasEmail, URIRef("mailto:" + self.site.contact_email))
        return contact

    def _licence(self) -> URIRef | None:
        licences = self.package.get("licenses") or []
        if not licences or not licences[0].get("path"):
            return None
        chosen = licences[0]
        licence = URIRef(chosen["path"])
        self.add(licence, RDF.type, DCTERMS.LicenseDocument, DCATAPIT.LicenseDocument)
        self.add(licence, FOAF.name, Literal(chosen.get("title") or chosen.get("name") or chosen["path"]))
        for kind in LICENCE_TYPES.get(str(chosen.get("name")), ()):
            self.add(licence, DCTERMS.type, URIRef(f"http://purl.org/adms/licencetype/{kind}"))
        return licence

    def _dataset(self, name: str, resources: list[dict[str, Any]]) -> URIRef:
        dataset = URIRef(self.here + f"dataset-{name}")
        first = resources[0]
        table = self.tables.get(name)
        title = table.title if table else first.get("title") or name
        description = table.description if table else first.get("description") or title
        first_change, last_change = self.facts.changed.get(name, (None, None))
        coverage = self.facts.coverage.get(name) or Coverage()
        whole = self.facts.coverage.get("") or Coverage()
        self.add(dataset, RDF.type, DCAT.Dataset, DCATAPIT.Dataset)
        self.add(dataset, DCTERMS.identifier, Literal(str(dataset)))
        self.add(dataset, DCTERMS.title, Literal(title, lang="en"))
        self.add(dataset, DCTERMS.description, Literal(description, lang="en"))
        self.add(dataset, DCAT.keyword, *(Literal(k, lang="en") for k in sorted(set(self.package.get("keywords", [])))))
        self.add(dataset, DCTERMS.publisher, self.publisher)
        self.add(dataset, DCTERMS.rightsHolder, self.publisher)
        self.add(dataset, DCAT.contactPoint, self.contact)
        for theme in DATASET_THEMES.get(name, DEFAULT_THEMES):
            concept = URIRef(f"{AUTHORITY}data-theme/{theme}")
            self.add(dataset, DCAT.theme, concept)
            self.add(concept, RDF.type, SKOS.Concept)
            self.add(concept, SKOS.prefLabel, Literal(THEME_LABELS[theme], lang="en"))
            self.add(concept, SKOS.inScheme, DATA_THEME)
        # A table of links between records lies where and when the records it links do.
        self.add(dataset, DCTERMS.spatial, self._location(name, coverage if coverage.bbox else whole))
        self.add(dataset, DCTERMS.temporal, self._period(name, coverage if coverage.start else whole))
        self.add(dataset, DCTERMS.accrualPeriodicity, FREQUENCY)
        self.add(dataset, DCTERMS.issued, _date(first_change) or self.issued)
        self.add(dataset, DCTERMS.modified, _date(last_change) or self.modified)
        self.add(dataset, DCTERMS.language, *self.languages)
        self.add(dataset, DCTERMS.accessRights, PUBLIC_ACCESS)
        self.add(dataset, DCAT.landingPage, self.landing)
        self.add(dataset, FOAF.page, URIRef(self.base + "datapackage.json"))
        self.add(dataset, DCAT.distribution, *(self._distribution(r) for r in resources))
        return dataset

    def _distribution(self, resource: dict[str, Any]) -> URIRef:
        distribution = URIRef(self.here + f"distribution-{resource['name']}")
        fmt = str(resource.get("format", "")).lower()
        self.add(distribution, RDF.type, DCAT.Distribution, DCATAPIT.Distribution)
        title = resource.get("title") or f"{resource['name']} ({fmt.upper()})"
        self.add(distribution, DCTERMS.title, Literal(title, lang="en"))
        self.add(distribution, DCTERMS.description, Literal(resource.get("description") or title, lang="en"))
        self.add(distribution, DCAT.accessURL, self.landing)
        self.add(distribution, DCAT.downloadURL, URIRef(self.base + resource["path"]))
        if resource.get("mediatype"):
            self.add(distribution, DCAT.mediaType, URIRef(MEDIA_TYPES + resource["mediatype"]))
        if fmt in FILE_TYPES:
            self.add(distribution, DCTERMS.format, URIRef(f"{AUTHORITY}file-type/{FILE_TYPES[fmt]}"))
        if isinstance(resource.get("bytes"), int):
            self.add(distribution, DCAT.byteSize, Literal(resource["bytes"], datatype=XSD.nonNegativeInteger))
        algorithm, _, value = str(resource.get("hash", "")).partition(":")
        if algorithm == "sha256" and value:
            checksum = BNode(f"checksum-{resource['name']}")
            self.add(distribution, SPDX.checksum, checksum)
            self.add(checksum, RDF.type, SPDX.Checksum)
            self.add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
            self.add(checksum, SPDX.checksumValue, Literal(value.lower(), datatype=XSD.hexBinary))
        self.add(distribution, DCTERMS.license, self.licence)
        self.add(distribution, DCATAP.availability, AVAILABILITY)
        self.add(distribution, DCTERMS.modified, self.modified)
        if resource.get("schema"):
            self.add(distribution, DCTERMS.conformsTo, URIRef(TABLE_SCHEMA))
        if fmt in FORMAT_STANDARDS:
            self.add(distribution, DCTERMS.conformsTo, URIRef(FORMAT_STANDARDS[fmt]))
        return distribution

    def _location(self, name: str, coverage: Coverage | None) -> BNode | None:
        if coverage is None or coverage.bbox is None:
            return None
        west, south, east, north = (round(v, 6) for v in coverage.bbox)
        location = BNode(f"location-{name}")
        self.add(location, RDF.type, DCTERMS.Location)
        polygon = f"POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}))"
        self.add(location, DCAT.bbox, Literal(polygon, datatype=GSP.wktLiteral))
        self.add(
            location,
            DCAT.centroid,
            Literal(f"POINT({round((west + east) / 2, 6)} {round((south + north) / 2, 6)})", datatype=GSP.wktLiteral),
        )
        return location

    def _period(self, name: str, coverage: Coverage) -> BNode | None:
        if coverage.start is None:
            return None
        period = BNode(f"period-{name}")
        self.add(period, RDF.type, DCTERMS.PeriodOfTime)
        for value, terms in ((coverage.start, (DCAT.startDate, DCATAPIT.startDate)), (coverage.end, (DCAT.endDate, DCATAPIT.endDate))):
            for term in terms:
                self.add(period, term, _partial_date(value))
        return period

    def _service(self, datasets: list[URIRef]) -> URIRef:
        """Datasette serving the public copy: a Data Service that answers SQL and JSON over every dataset."""
        service = URIRef(self.here + "datasette")
        self.add(service, RDF.type, DCAT.DataService)
        self.add(service, DCTERMS.title, Literal(f"{self.site.name} in Datasette"))
        self.add(service, DCAT.endpointURL, URIRef(str(self.site.datasette_url)))
        self.add(service, DCAT.endpointDescription, URIRef("https://docs.datasette.io/en/stable/json_api.html"))
        self.add(service, DCTERMS.conformsTo, URIRef("https://docs.datasette.io/en/stable/json_api.html"))
        self.add(service, DCAT.servesDataset, *datasets)
        self.add(service, DCAT.contactPoint, self.contact)
        self.add(service, DCTERMS.publisher, self.publisher)
        self.add(service, DCAT.keyword, *(Literal(k, lang="en") for k in sorted(self.package.get("keywords", []))))
        self.add(service, DCAT.theme, *(URIRef(f"{AUTHORITY}data-theme/{t}") for t in DEFAULT_THEMES))
        self.add(service, DCTERMS.license, self.licence)
        return service


def _datasets(package: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The package's resources grouped by the dataset they belong to, in the package's order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for resource in package.get("resources", []):
        groups.setdefault(str(resource.get("dataset") or resource["name"]), []).append(resource)
    return groups


def _date(value: str | None) -> Literal | None:
    """A change-log time as the day it happened: what DCAT-AP_IT asks of dct:issued and dct:modified."""
    return Literal(value[:10], datatype=XSD.date) if value else None


def _partial_date(value: str | None) -> Literal | None:
    """A year, a month or a day, typed as what it is."""
    if not value:
        return None
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(value), XSD.date)
    return Literal(value, datatype=datatype)


def catalogue_documents(graph: Graph) -> dict[str, bytes]:
    """The catalogue as Turtle and as JSON-LD, the same bytes for the same graph whatever the hash seed."""
    turtle = graph.serialize(format="turtle", encoding="utf-8")
    context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    expanded = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    return {
        "catalog.ttl": turtle,
        "catalog.jsonld": (json.dumps(_canonical(expanded), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"),
    }


def _canonical(value: Any) -> Any:
    """JSON-LD with every list in a fixed order: rdflib emits nodes and values in the order its store holds them."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False, sort_keys=True))
    return value


def write_catalogue(graph: Graph, directory: Path) -> list[Path]:
    """Write catalog.ttl and catalog.jsonld into the data folder, only where their bytes changed."""
    written = []
    for name, content in catalogue_documents(graph).items():
        write_if_changed(directory / name, content)
        written.append(directory / name)
    return written


def published_catalogue(public_db: Path, package: dict[str, Any], site: CatalogueSite, directory: Path) -> Graph:
    """The catalogue of a published registry: its facts read from the public copy, its files' sizes from the data folder."""
    conn = sqlite3.connect(f"file:{public_db}?mode=ro", uri=True)
    try:
        facts = registry_facts(conn)
    finally:
        conn.close()
    return catalogue_graph(_with_sizes(package, directory), site, facts)


def publish_catalogue(
    public_db: Path, package: dict[str, Any], site: CatalogueSite, directory: Path, cache: Path | None = None
) -> list[Path]:
    """Write the catalogue of a published registry beside its data package.

    With a cache file, a catalogue whose public copy, package, site and code
    are as last time, and whose files are as written, is not made again: at a
    million records reading the coverage scans every table.
    """
    paths = [directory / name for name in CATALOGUE_FILES]
    key = digest(file_stamp(public_db), package, vars(site), files_digest([Path(__file__)]))
    previous = read_json_cache(cache)
    if previous.get("key") == key and previous.get("stamps") == [file_stamp(p) for p in paths]:
        return paths
    written = write_catalogue(published_catalogue(public_db, package, site, directory), directory)
    if cache is not None:
        write_json_cache(cache, {"key": key, "stamps": [file_stamp(p) for p in written]})
    return written


def _with_sizes(package: dict[str, Any], directory: Path) -> dict[str, Any]:
    """The package with every resource's size and SHA-256, read from its file where the package leaves them out.

    The package omits them for JSON tables (Frictionless cannot check them
    there); portals show a distribution's size and check its download by them.
    """
    resources = []
    for resource in package.get("resources", []):
        path = directory / str(resource.get("path", ""))
        if ("bytes" not in resource or "hash" not in resource) and path.is_file():
            data = path.read_bytes()
            resource = {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest(), **resource}
        resources.append(resource)
    return {**package, "resources": resources}
