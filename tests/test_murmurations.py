"""Other SSE maps can take our actors: a valid Murmurations profile per public actor, and ESSGlobal concepts in the JSON-LD.

The profiles are checked against the Murmurations schemas themselves (vendored
in tests/vendor/murmurations/) and the concepts against ESSGlobal's own scheme
(tests/vendor/essglobal/), so a mapping that drifts from either fails here.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import rdflib
from conftest import BuiltSite, build_example_copy
from jsonschema import Draft7Validator
from rdflib.namespace import RDF, SKOS

from registry.model import essglobal
from registry.model.vocab import ACTOR_KINDS
from registry.operations.records import add_record, update_record
from registry.publishing.murmurations import actor_profile, profile_bytes, write_profiles
from registry.publishing.plain_text import plain_text
from registry.publishing.publish import publish_registry
from registry.store.database import open_registry

VENDOR = Path(__file__).parent / "vendor"
SITE_URL = "https://lab.example.org/"
URL_FIELDS = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def schemas() -> dict[str, Draft7Validator]:
    folder = VENDOR / "murmurations"
    names = ("organizations_schema-v1.0.0", "default-v2.0.0")
    return {name: Draft7Validator(json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))) for name in names}


def schema_errors(profile: dict[str, Any]) -> list[str]:
    return [f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for name, v in schemas().items() for e in v.iter_errors(profile)]


def essglobal_concepts() -> dict[str, str]:
    """Each concept of the vendored Organisational Structure scheme, with its English label."""
    graph = rdflib.Graph().parse(VENDOR / "essglobal" / "organisational-structure.ttl", format="turtle")
    return {str(c): str(graph.value(c, SKOS.prefLabel)) for c in graph.subjects(RDF.type, SKOS.Concept)}


def urls_in(value: Any) -> list[str]:
    """Every value of a profile held in a field whose name says it is an address."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if isinstance(item, str) and (key.endswith("url") or key in ("url", "image", "rss")):
                found.append(item)
            else:
                found += urls_in(item)
        return found
    if isinstance(value, list):
        return [u for item in value for u in urls_in(item)]
    return []


def public_actors(output: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(output / "data" / "public.db")
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM actors ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def addressed_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The example built with a public address, as a lab that registers its profiles builds it."""
    return build_example_copy(example_master, tmp_path_factory.mktemp("addressed"), site_url=SITE_URL, search=False)


def test_every_public_actor_has_a_profile_valid_against_the_murmurations_schemas(addressed_site: BuiltSite) -> None:
    actors = public_actors(addressed_site.output)
    folder = addressed_site.output / "data" / "murmurations"
    assert len(actors) > 40
    assert sorted(p.stem for p in folder.glob("*.json")) == [a["id"] for a in actors]
    for actor in actors:
        profile = json.loads((folder / f"{actor['id']}.json").read_text(encoding="utf-8"))
        assert schema_errors(profile) == [], actor["id"]
        assert profile["linked_schemas"] == ["organizations_schema-v1.0.0"]
        assert profile["name"] == actor["name"]
        assert profile["urls"] == [{"name": "Record in the registry", "url": f"{SITE_URL}actors/{actor['id']}/"}]
        assert all(URL_FIELDS.match(u) for u in urls_in(profile)), profile


def test_profiles_carry_the_actors_place_founding_and_the_records_about_it(addressed_site: BuiltSite) -> None:
    folder = addressed_site.output / "data" / "murmurations"
    borda = json.loads((folder / "act-la-borda.json").read_text(encoding="utf-8"))
    assert borda["primary_url"] == "http://www.laborda.coop"
    assert borda["country_iso_3166"] == "ES" and borda["locality"] == "Barcelona"
    assert set(borda["geolocation"]) == {"lat", "lon"}
    assert "Housing cooperative" in borda["tags"] and "Cooperative" in borda["tags"]
    concepts = {r["object_url"] for r in borda["relationships"] if r["predicate_url"] == essglobal.ORGANISATIONAL_STRUCTURE_PROPERTY}
    assert concepts == {essglobal.concept_uri("OS115"), essglobal.concept_uri("OS70")}
    conn = sqlite3.connect(addressed_site.output / "data" / "public.db")
    parties = conn.execute("SELECT actor_id, agreement_id FROM agreement_parties ORDER BY 1, 2").fetchone()
    conn.close()
    party = json.loads((folder / f"{parties[0]}.json").read_text(encoding="utf-8"))
    assert {"predicate_url": "https://schema.org/subjectOf", "object_url": f"{SITE_URL}agreements/{parties[1]}/"} in party["relationships"]
    opg = json.loads((folder / "act-ex-opg.json").read_text(encoding="utf-8"))
    assert opg["starts_at"] == 1425254400  # founded 2015-03-02, at the start of the day, UTC


def test_without_a_public_address_a_profile_has_no_relative_links(addressed_site: BuiltSite) -> None:
    for actor in public_actors(addressed_site.output):
        profile = actor_profile(actor, None, [("agreements", "agr-x"), ("cases", "case-y")])
        assert schema_errors(profile) == []
        assert "urls" not in profile
        assert all(r["object_url"].startswith(essglobal.ESSGLOBAL) for r in profile["relationships"]), profile


HOSTILE = {
    "id": "act-hostile",
    "name": 'The "Quoted" </script><script>alert(1)</script> Collective',
    "kind": "informal_collective",
    "legal_form": "Associazione </script> 'APS'",
    "description": "**Bold** claim with [a link](javascript:alert(1)) and `</script>`\n\n- one\n- two <img src=x onerror=alert(1)>",
    "city": "Napoli",
    "country": "IT",
    "lat": 40.85,
    "lon": 14.26,
    "founded": "2019-02",
}


@pytest.mark.parametrize(
    "website", ["http://example.org/a?b=\"c\"&d='e'", "javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "//evil"]
)
def test_a_hostile_actor_gives_a_valid_profile_with_no_unsafe_address(website: str) -> None:
    profile = actor_profile({**HOSTILE, "website": website}, SITE_URL, [("cases", "case-a")])
    assert schema_errors(profile) == []
    assert all(URL_FIELDS.match(u) for u in urls_in(profile)), profile
    text = profile_bytes(profile).decode("utf-8")
    assert "javascript:" not in text.lower()
    assert profile.get("primary_url") == (website if website.startswith("http://") else None)
    assert profile["name"] == HOSTILE["name"], "a name is data, kept as written and escaped by JSON"
    assert json.loads(text) == profile
    assert profile["description"] == "Bold claim with a link and </script>\n\none\ntwo", "Markdown and HTML become plain text"
    assert "Not-for-profit organisation" in profile["tags"]


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("First paragraph.\n\nSecond - with a hyphen!", "First paragraph.\n\nSecond - with a hyphen!"),
        ("*First* paragraph.\n\nSecond, [linked](https://example.org).", "First paragraph.\n\nSecond, linked."),
        ("## Heading\n\n1. one\n2. two", "Heading\n\none\ntwo"),
        ("R&amp;D &lt;b&gt; <b>bold</b> <script>alert(1)</script>", "R&D <b> bold"),
        ("<!-- only a comment -->", None),
    ],
)
def test_descriptions_become_plain_text_with_paragraphs_kept_apart(markdown: str, plain: str | None) -> None:
    assert plain_text(markdown) == plain


def test_a_name_the_schema_cannot_take_means_no_profile_and_a_note(example_registry: Path, tmp_path: Path) -> None:
    registry = open_registry(example_registry, by="tester")
    add_record(registry, "actors", {"id": "act-long-name", "name": "Cooperativa " * 20, "kind": "cooperative", "city": "Napoli"})
    published = publish_registry(registry, tmp_path / "data")
    registry.close()
    conn = sqlite3.connect(published.database)
    profiles = write_profiles(conn, published.directory, SITE_URL)
    conn.close()
    assert not (published.directory / "murmurations" / "act-long-name.json").exists()
    assert profiles.missing == {"act-long-name": "its name is 239 characters long and the schema allows 200"}
    assert profiles.notes() == [
        "no Murmurations profile for actor act-long-name: its name is 239 characters long and the schema allows 200"
    ]


def test_a_build_without_a_public_address_says_its_profiles_cannot_be_registered(example_registry: Path, tmp_path: Path) -> None:
    registry = open_registry(example_registry, by="tester")
    published = publish_registry(registry, tmp_path / "data")
    registry.close()
    conn = sqlite3.connect(published.database)
    profiles = write_profiles(conn, published.directory, None)
    conn.close()
    assert profiles.files and not profiles.missing
    (note,) = profiles.notes()
    assert "--site-url" in note and "data/murmurations/" in note


def test_profiles_are_rewritten_only_for_the_actor_that_changed_and_equal_a_clean_write(example_registry: Path, tmp_path: Path) -> None:
    def write(folder: Path, cache: Path | None) -> list[Path]:
        registry = open_registry(example_registry, by="tester")
        published = publish_registry(registry, folder)
        registry.close()
        conn = sqlite3.connect(published.database)
        try:
            return write_profiles(conn, folder, SITE_URL, cache).files
        finally:
            conn.close()

    cache = tmp_path / "cache.json"
    files = write(tmp_path / "incremental", cache)
    stamps = {p: p.stat().st_mtime_ns for p in files}
    assert write(tmp_path / "incremental", cache) == files
    assert {p: p.stat().st_mtime_ns for p in files} == stamps
    registry = open_registry(example_registry, by="tester")
    update_record(registry, "actors", "act-coop57", {"description": "A *financial* cooperative.", "founded": "1995"})
    registry.close()
    write(tmp_path / "incremental", cache)
    touched = sorted(p.name for p in files if p.stat().st_mtime_ns != stamps[p])
    assert touched == ["act-coop57.json"]
    write(tmp_path / "clean", None)
    clean, incremental = tmp_path / "clean" / "murmurations", tmp_path / "incremental" / "murmurations"
    assert {p.name: p.read_bytes() for p in clean.iterdir()} == {p.name: p.read_bytes() for p in incremental.iterdir()}
    assert json.loads((clean / "act-coop57.json").read_bytes())["description"] == "A financial cooperative."


def test_a_removed_actors_profile_is_removed_by_the_next_build(example_registry: Path, tmp_path: Path) -> None:
    """The build reports each profile as made, so its prune step deletes the profile of an actor that is gone."""
    from conftest import build_test_site

    from registry.operations.records import remove_record

    registry = open_registry(example_registry, by="tester")
    add_record(registry, "actors", {"id": "act-short-lived", "name": "Short-lived collective", "kind": "informal_collective"})
    registry.close()
    output = tmp_path / "output"
    build_test_site(example_registry, output, site_url=SITE_URL, search=False, maps=False)
    assert (output / "data" / "murmurations" / "act-short-lived.json").is_file()
    registry = open_registry(example_registry, by="tester")
    remove_record(registry, "actors", "act-short-lived")
    registry.close()
    report = build_test_site(example_registry, output, site_url=SITE_URL, search=False, maps=False)
    assert "data/murmurations/act-short-lived.json" in report.removed
    assert not (output / "data" / "murmurations" / "act-short-lived.json").exists()
    assert len(list((output / "data" / "murmurations").glob("*.json"))) == len(public_actors(output))


@pytest.mark.parametrize("kind", list(ACTOR_KINDS))
def test_every_actor_kind_is_a_concept_of_essglobal(kind: str) -> None:
    code = essglobal.kind_structure(kind)
    assert code is not None, f"actor kind {kind!r} has no ESSGlobal concept"
    assert essglobal_concepts()[essglobal.concept_uri(code)] == essglobal.STRUCTURES[code]


def test_every_concept_we_name_is_in_the_scheme_with_its_label() -> None:
    concepts = essglobal_concepts()
    assert {essglobal.concept_uri(c): label for c, label in essglobal.STRUCTURES.items()}.items() <= concepts.items()
    assert {code for code, _ in essglobal.LEGAL_FORM_STRUCTURES} <= set(essglobal.STRUCTURES)


@pytest.mark.parametrize(
    ("legal_form", "code"),
    [
        ("Housing cooperative (SCCL), grant-of-use (cessió d'ús) model", "OS70"),
        ("Not-for-profit limited company run as a parent co-operative", "OS115"),
        ("Special municipal company (azienda speciale), formerly ARIN S.p.A.", "OS220"),
        ("Associazione di promozione sociale (APS)", "OS20"),
        ("ASOCIACIÓN", "OS20"),
        ("Fundació privada", "OS40"),
        ("Stiftung", "OS40"),
        ("Mutuelle", "OS170"),
        ("Società di mutuo soccorso", "OS170"),
        ("Social enterprise", "OS30"),
        ("Impresa sociale", "OS30"),
        ("Workers' co-operative", "OS60"),
        ("Société coopérative d’intérêt collectif (SCIC)", "OS100"),
        ("Spółdzielnia socjalna", "OS115"),
        ("Community Interest Company", "OS120"),
        ("S.r.l.", "OS50"),
        ("Community development bank with its own CNPJ (tax number)", None),
        ("Space agency", None),
        ("", None),
    ],
)
def test_legal_forms_are_matched_to_essglobal_whatever_their_case_accents_or_language(legal_form: str, code: str | None) -> None:
    assert essglobal.legal_form_structure(legal_form) == code


def test_the_jsonld_of_every_example_actor_links_its_essglobal_concepts(addressed_site: BuiltSite) -> None:
    for actor in public_actors(addressed_site.output):
        page = (addressed_site.output / "actors" / actor["id"] / "index.html").read_text(encoding="utf-8")
        blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)]
        (organization,) = [b for b in blocks if b.get("@type") == "Organization"]
        expected = [essglobal.concept_uri(c) for c in essglobal.actor_structures(actor)]
        assert organization["additionalType"] == expected, actor["id"]
        assert essglobal.concept_uri(essglobal.ACTOR_KIND_STRUCTURES[actor["kind"]]) in expected
        assert all(URL_FIELDS.match(u) for u in organization["additionalType"])
