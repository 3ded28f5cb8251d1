"""The DCAT-AP catalogue portals harvest: every mandatory and recommended property, the same graph in both files, stable bytes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BuiltSite, build_example_copy, build_test_site
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns  # as a module: pytest probes the names a test module holds, and rdflib warns then
from rdflib.compare import isomorphic

from registry.publishing.catalogue import DCATAP, DCATAPIT, SPDX, VCARD
from registry.site.open_data import CATALOGUE_NOTE

SITE_URL = "https://commons.example.org/lab/"
DATASETTE_URL = "https://data.example.org/public"
HOSTILE_NAME = 'Lab "Bene Comune" <b>&</b> > \n second line """ \\ end'

# DCAT-AP 3.0.1, "Quick Reference of Classes and Properties": mandatory and recommended properties,
# with DCAT-AP_IT's mandatory ones (dct:identifier, dct:modified, dct:rightsHolder, dct:accrualPeriodicity).
CATALOGUE = (
    ns.DCTERMS.title, ns.DCTERMS.description, ns.DCTERMS.publisher, ns.DCAT.dataset, ns.DCTERMS.spatial, ns.FOAF.homepage,
    ns.DCTERMS.language, ns.DCTERMS.license, ns.DCTERMS.modified, ns.DCTERMS.issued, ns.DCAT.service, ns.DCAT.themeTaxonomy,
)  # fmt: skip
DATASET = (
    ns.DCTERMS.title, ns.DCTERMS.description, ns.DCAT.contactPoint, ns.DCAT.distribution, ns.DCTERMS.spatial, ns.DCAT.keyword,
    ns.DCTERMS.publisher, ns.DCTERMS.temporal, ns.DCAT.theme, ns.DCTERMS.identifier, ns.DCTERMS.modified, ns.DCTERMS.rightsHolder,
    ns.DCTERMS.accrualPeriodicity,
)  # fmt: skip
DISTRIBUTION = (
    ns.DCAT.accessURL, ns.DCAT.downloadURL, DCATAP.availability, ns.DCTERMS.description, ns.DCTERMS.format, ns.DCTERMS.license,
    ns.DCAT.mediaType, ns.DCAT.byteSize, SPDX.checksum,
)  # fmt: skip
DATA_SERVICE = (
    ns.DCAT.endpointURL, ns.DCTERMS.title, ns.DCTERMS.conformsTo, ns.DCAT.contactPoint, ns.DCAT.endpointDescription, ns.DCAT.keyword,
    ns.DCTERMS.publisher, ns.DCAT.servesDataset, ns.DCAT.theme,
)  # fmt: skip
AUTHORITY = "http://publications.europa.eu/resource/authority/"


@pytest.fixture(scope="module")
def portal_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The example built with a public address and a Datasette, in English and Italian, by a lab with an awkward name."""
    return build_example_copy(
        example_master,
        tmp_path_factory.mktemp("portal"),
        site_url=SITE_URL,
        datasette_url=DATASETTE_URL,
        site_name=HOSTILE_NAME,
        languages=("en", "it"),
        search=False,
    )


def _graph(site: BuiltSite, name: str = "catalog.ttl") -> Graph:
    path = site.output / "data" / name
    return Graph().parse(path, format="json-ld" if name.endswith(".jsonld") else "turtle")


def _package(site: BuiltSite) -> dict:
    return json.loads((site.output / "data" / "datapackage.json").read_text(encoding="utf-8"))


def _missing(graph: Graph, node: URIRef, properties: tuple[URIRef, ...]) -> list[str]:
    return [graph.qname(p) for p in properties if graph.value(node, p) is None]


def test_catalogue_carries_every_mandatory_and_recommended_property(portal_site: BuiltSite) -> None:
    g = _graph(portal_site)
    (catalogue,) = g.subjects(ns.RDF.type, ns.DCAT.Catalog)
    assert (catalogue, ns.RDF.type, DCATAPIT.Catalog) in g
    assert _missing(g, catalogue, CATALOGUE) == []
    assert g.value(catalogue, ns.DCAT.themeTaxonomy) == URIRef(AUTHORITY + "data-theme")
    assert set(g.objects(catalogue, ns.DCTERMS.language)) == {URIRef(AUTHORITY + "language/ENG"), URIRef(AUTHORITY + "language/ITA")}
    location = g.value(catalogue, ns.DCTERMS.spatial)
    assert (location, ns.RDF.type, ns.DCTERMS.Location) in g and g.value(location, ns.DCAT.bbox) and g.value(location, ns.DCAT.centroid)
    for date in (ns.DCTERMS.issued, ns.DCTERMS.modified):
        assert g.value(catalogue, date).datatype == ns.XSD.date


def test_publisher_rights_holder_and_contact_are_what_the_italian_profile_asks(portal_site: BuiltSite) -> None:
    g = _graph(portal_site)
    for dataset in g.subjects(ns.RDF.type, ns.DCAT.Dataset):
        for role in (ns.DCTERMS.publisher, ns.DCTERMS.rightsHolder):
            agent = g.value(dataset, role)
            assert {ns.FOAF.Agent, DCATAPIT.Agent} <= set(g.objects(agent, ns.RDF.type))
            assert g.value(agent, ns.FOAF.name) == Literal(HOSTILE_NAME)
            assert g.value(agent, ns.DCTERMS.identifier) is not None
        contact = g.value(dataset, ns.DCAT.contactPoint)
        assert (contact, ns.RDF.type, VCARD.Organization) in g and g.value(contact, VCARD.fn) == Literal(HOSTILE_NAME)
        assert g.value(contact, VCARD.hasURL) == URIRef(SITE_URL)


def test_every_dataset_has_its_properties_and_themes_from_the_eu_vocabulary(portal_site: BuiltSite) -> None:
    g = _graph(portal_site)
    datasets = list(g.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert datasets
    for dataset in datasets:
        assert (dataset, ns.RDF.type, DCATAPIT.Dataset) in g
        assert _missing(g, dataset, DATASET) == [], dataset
        assert g.value(dataset, ns.DCTERMS.accrualPeriodicity) == URIRef(AUTHORITY + "frequency/IRREG")
        for theme in g.objects(dataset, ns.DCAT.theme):
            assert str(theme).startswith(AUTHORITY + "data-theme/")
            assert g.value(theme, ns.SKOS.prefLabel) is not None
        period = g.value(dataset, ns.DCTERMS.temporal)
        assert (period, ns.RDF.type, ns.DCTERMS.PeriodOfTime) in g
        assert g.value(period, ns.DCAT.startDate) is not None and g.value(period, ns.DCAT.endDate) is not None
        assert g.value(period, DCATAPIT.startDate) == g.value(period, ns.DCAT.startDate)
        location = g.value(dataset, ns.DCTERMS.spatial)
        assert g.value(location, ns.DCAT.bbox).datatype == URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")


def test_every_distribution_has_its_properties_with_the_right_types(portal_site: BuiltSite) -> None:
    g = _graph(portal_site)
    distributions = list(g.subjects(ns.RDF.type, ns.DCAT.Distribution))
    assert distributions
    for distribution in distributions:
        assert (distribution, ns.RDF.type, DCATAPIT.Distribution) in g
        assert _missing(g, distribution, DISTRIBUTION) == [], distribution
        assert str(g.value(distribution, ns.DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/")
        assert str(g.value(distribution, ns.DCTERMS.format)).startswith(AUTHORITY + "file-type/")
        assert g.value(distribution, DCATAP.availability) == URIRef(AUTHORITY + "planned-availability/STABLE")
        assert g.value(distribution, ns.DCAT.byteSize).datatype == ns.XSD.nonNegativeInteger
        checksum = g.value(distribution, SPDX.checksum)
        assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert g.value(checksum, SPDX.checksumValue).datatype == ns.XSD.hexBinary
        licence = g.value(distribution, ns.DCTERMS.license)
        assert {ns.DCTERMS.LicenseDocument, DCATAPIT.LicenseDocument} <= set(g.objects(licence, ns.RDF.type))
        assert g.value(licence, ns.DCTERMS.type) is not None


def test_one_dataset_per_package_dataset_and_one_distribution_per_resource(portal_site: BuiltSite) -> None:
    g = _graph(portal_site)
    package = _package(portal_site)
    downloads = {str(g.value(d, ns.DCAT.downloadURL)) for d in g.subjects(ns.RDF.type, ns.DCAT.Distribution)}
    assert downloads == {SITE_URL + "data/" + r["path"] for r in package["resources"]}
    assert len(set(g.subjects(ns.RDF.type, ns.DCAT.Dataset))) == len({r["dataset"] for r in package["resources"]})
    for dataset in g.subjects(ns.RDF.type, ns.DCAT.Dataset):
        names = {str(g.value(d, ns.DCAT.downloadURL)).rsplit("/", 1)[1] for d in g.objects(dataset, ns.DCAT.distribution)}
        assert len({r["dataset"] for r in package["resources"] if r["path"] in names}) == 1


def test_every_distribution_names_the_size_and_checksum_of_the_file_it_downloads(portal_site: BuiltSite) -> None:
    g = _graph(portal_site)
    for distribution in g.subjects(ns.RDF.type, ns.DCAT.Distribution):
        url = str(g.value(distribution, ns.DCAT.downloadURL))
        assert url.startswith(SITE_URL)
        data = (portal_site.output / url.removeprefix(SITE_URL)).read_bytes()
        assert int(g.value(distribution, ns.DCAT.byteSize)) == len(data)
        checksum = g.value(distribution, SPDX.checksum)
        assert str(g.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()


def test_datasette_is_described_as_a_data_service_over_every_dataset(portal_site: BuiltSite) -> None:
    g = _graph(portal_site)
    (service,) = g.subjects(ns.RDF.type, ns.DCAT.DataService)
    assert _missing(g, service, DATA_SERVICE) == []
    assert g.value(service, ns.DCAT.endpointURL) == URIRef(DATASETTE_URL + "/")
    assert set(g.objects(service, ns.DCAT.servesDataset)) == set(g.subjects(ns.RDF.type, ns.DCAT.Dataset))


def test_turtle_and_json_ld_hold_the_same_graph(portal_site: BuiltSite) -> None:
    turtle, jsonld = _graph(portal_site), _graph(portal_site, "catalog.jsonld")
    assert len(turtle) > 100
    assert isomorphic(turtle, jsonld)


def test_hostile_text_round_trips_in_both_files(portal_site: BuiltSite) -> None:
    for name in ("catalog.ttl", "catalog.jsonld"):
        g = _graph(portal_site, name)
        assert Literal(HOSTILE_NAME) in set(g.objects(None, ns.FOAF.name)), name


def test_the_catalogue_is_the_same_bytes_whatever_the_hash_seed(portal_site: BuiltSite) -> None:
    """Rdflib keeps triples in sets; the files must not depend on how this interpreter happened to hash them."""
    data = portal_site.output / "data"
    script = (
        "import json, sys; from pathlib import Path;"
        "from registry.publishing.catalogue import CatalogueSite, catalogue_documents, published_catalogue;"
        f"d = Path({str(data)!r}); package = json.loads((d / 'datapackage.json').read_text(encoding='utf-8'));"
        f"site = CatalogueSite({HOSTILE_NAME!r}, {SITE_URL!r}, ('en', 'it'), {DATASETTE_URL + '/'!r});"
        "docs = catalogue_documents(published_catalogue(d / 'public.db', package, site, d));"
        "sys.stdout.buffer.write(docs['catalog.ttl'] + b'\\0' + docs['catalog.jsonld'])"
    )
    root = Path(__file__).resolve().parents[1]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        made = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, check=True).stdout
        assert made == (data / "catalog.ttl").read_bytes() + b"\0" + (data / "catalog.jsonld").read_bytes()


def test_data_page_links_both_catalogue_files(portal_site: BuiltSite) -> None:
    page = (portal_site.output / "data" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="text/turtle"' in page
    assert 'href="../data/catalog.ttl"' in page and 'href="../data/catalog.jsonld"' in page
    italian = (portal_site.output / "it" / "data" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../data/catalog.ttl"' in italian


def test_no_catalogue_without_a_site_url_and_the_build_says_why(built_site: BuiltSite) -> None:
    assert not (built_site.output / "data" / "catalog.ttl").exists()
    assert not (built_site.output / "data" / "catalog.jsonld").exists()
    assert CATALOGUE_NOTE in built_site.report.notes
    assert "--site-url" in CATALOGUE_NOTE
    assert "catalog.ttl" not in (built_site.output / "data" / "index.html").read_text(encoding="utf-8")


def test_rebuilding_keeps_the_catalogue_and_dropping_the_address_removes_it(example_master: Path, tmp_path: Path) -> None:
    site = build_example_copy(example_master, tmp_path, site_url=SITE_URL, search=False, languages=("en",))
    files = [site.output / "data" / name for name in ("catalog.ttl", "catalog.jsonld")]
    first = [f.read_bytes() for f in files]
    (tmp_path / "clean").mkdir()
    clean = build_example_copy(example_master, tmp_path / "clean", site_url=SITE_URL, search=False, languages=("en",))
    assert [(clean.output / "data" / f.name).read_bytes() for f in files] == first
    again = build_test_site(site.db, site.output, site_url=SITE_URL, search=False, languages=("en",))
    assert [f.read_bytes() for f in files] == first and "data/catalog.ttl" not in again.removed
    without = build_test_site(site.db, site.output, search=False, languages=("en",))
    assert {"data/catalog.ttl", "data/catalog.jsonld"} <= set(without.removed)
    assert not any(f.exists() for f in files)
