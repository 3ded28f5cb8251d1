"""Addresses spell names in Latin letters in every script, and the addresses older versions gave still lead there.

Older versions dropped every letter with no ASCII decomposition (Wrocław was
`city/wrocaw/`); links to those addresses land on a small redirect page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from conftest import build_test_site
from site_trees import tree

from registry.model.slugs import SLUG_MAX, legacy_slug, shared_slugs, slugify
from registry.operations.records import add_record, update_record
from registry.store.checks import check_registry
from registry.store.database import create_registry, open_registry

LONG_NAME = "Comunità " * 44 + "finale"  # 402 characters


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Wrocław", "wroclaw"),
        ("Città", "citta"),
        ("São Paulo", "sao-paulo"),
        ("Ελευσίνα", "eleusina"),
        ("صفاقس", "sfqs"),
        ("北京", "bei-jing"),
        ("Москва", "moskva"),
        ("Napoli", "napoli"),
    ],
)
def test_a_name_is_spelled_in_latin_letters_not_cut_short(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_a_script_with_no_latin_spelling_keeps_its_own_letters() -> None:
    assert slugify("𐌰𐌱𐌲") == "𐌰𐌱𐌲"  # Gothic: Unidecode knows no spelling for it


def test_names_with_no_letters_get_addresses_of_their_own() -> None:
    house, tree = slugify("🏠"), slugify("🌳🌳")
    assert house.startswith("unnamed-") and tree.startswith("unnamed-")
    assert house != tree


def test_a_long_name_is_cut_and_told_apart_by_a_hash_of_the_whole() -> None:
    slug = slugify(LONG_NAME)
    assert len(slug.encode("utf-8")) <= SLUG_MAX
    assert slug.startswith("comunita-comunita-")
    assert re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{8}", slug)
    assert slugify(LONG_NAME + " bis") != slug


@pytest.mark.parametrize(
    ("name", "old"),
    [("Wrocław", "wrocaw"), ("Città", "citta"), ("Ελευσίνα", "ελευσίνα"), ("صفاقس", "صفاقس"), ("🏠", "unnamed"), ("Napoli", "napoli")],
)
def test_the_legacy_slug_is_the_address_older_versions_published(name: str, old: str) -> None:
    assert legacy_slug(name) == old


def test_values_that_share_a_slug_are_named_together() -> None:
    found = shared_slugs(["Città", "Citta", "Napoli", "Città", "苏州", "宿州"])
    assert found == {"citta": ["Citta", "Città"], "su-zhou": ["宿州", "苏州"]}


# --- A small registry built into a site: the addresses, the redirects, the rebuilds ---

CITIES = {"wro": "Wrocław", "cit-1": "Città", "cit-2": "Città", "cit-3": "Citta", "ele": "Ελευσίνα", "nap": "Napoli"}


def _registry(path: Path) -> Path:
    reg = create_registry(path, by="tester")
    for record_id, city in CITIES.items():
        add_record(reg, "assets", {"id": record_id, "name": f"Place {record_id}", "kind": "building", "status": "mapped", "city": city})
    reg.close()
    return path


def _build(db: Path, output: Path, **options: Any) -> None:
    build_test_site(db, output, languages=("en", "ar"), search=False, maps=False, **options)


@pytest.fixture(scope="module")
def slug_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A registry with cities in several scripts and spellings, built in English and Arabic: (registry, output)."""
    folder = tmp_path_factory.mktemp("slugs")
    db = _registry(folder / "registry.db")
    _build(db, folder / "output")
    return db, folder / "output"


class _Head(HTMLParser):
    """The parts of a redirect page a browser and a search engine act on."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "meta" and ("name" in a or "http-equiv" in a):
            self.meta[a.get("name") or a["http-equiv"]] = a.get("content", "")
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a.get("href")
        elif tag == "a":
            self.links.append(a.get("href", ""))


def _head(page: Path) -> _Head:
    parsed = _Head()
    parsed.feed(page.read_text(encoding="utf-8"))
    return parsed


def _follow(output: Path, relpath: str) -> str:
    """Where a redirect page sends a browser, relative to the output folder: its refresh URL resolved as a browser does."""
    head = _head(output / relpath)
    refresh = re.fullmatch(r"0; url=(.+)", head.meta["refresh"])
    assert refresh, head.meta["refresh"]
    target = urljoin("https://example.org/site/" + relpath, refresh.group(1))
    assert target.startswith("https://example.org/site/")
    return target.removeprefix("https://example.org/site/")


@pytest.mark.parametrize("prefix", ["", "ar/"])
def test_a_city_page_moves_to_its_latin_spelling_and_the_old_address_redirects_there(slug_site: tuple[Path, Path], prefix: str) -> None:
    _, output = slug_site
    assert (output / f"{prefix}assets/city/wroclaw/index.html").is_file()
    old = f"{prefix}assets/city/wrocaw/index.html"
    target = _follow(output, old)
    assert target == f"{prefix}assets/city/wroclaw/"
    assert (output / target / "index.html").is_file()
    head = _head(output / old)
    assert head.meta["robots"] == "noindex"
    assert head.canonical is None, "a canonical link needs the public address, which this build has not"
    assert head.links == ["../wroclaw/"], "a reader whose browser does not follow the refresh has a link"
    assert head.lang == ("ar" if prefix else "en")
    assert _follow(output, f"{prefix}assets/city/ελευσίνα/index.html") == f"{prefix}assets/city/eleusina/"


def test_a_name_whose_address_did_not_change_has_no_redirect(slug_site: tuple[Path, Path]) -> None:
    _, output = slug_site
    folders = {p.name for p in (output / "assets" / "city").iterdir() if p.is_dir()}
    assert folders == {"wroclaw", "wrocaw", "citta", "eleusina", "ελευσίνα", "napoli"}


def test_redirects_are_left_out_of_the_sitemap(slug_site: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = slug_site
    output = tmp_path / "output"
    _build(db, output, site_url="https://example.org/lab/")
    sitemap = (output / "sitemap.xml").read_text(encoding="utf-8")
    assert "assets/city/wroclaw/" in sitemap
    assert "wrocaw" not in sitemap and "ελευσίνα" not in sitemap


def test_two_spellings_of_one_city_share_a_page_that_names_both(slug_site: tuple[Path, Path]) -> None:
    db, output = slug_site
    page = (output / "assets" / "city" / "citta" / "index.html").read_text(encoding="utf-8")
    assert "Città / Citta" in page, "the spelling most records use comes first"
    assert all(f"assets/cit-{n}/" in page for n in (1, 2, 3))
    home = (output / "index.html").read_text(encoding="utf-8")
    assert home.count("assets/city/citta/") == 1
    assert 'Città / Citta</a> <span class="count">(3)</span>' in home
    reg = open_registry(db, reading=True)
    try:
        notices = check_registry(reg).notices
    finally:
        reg.close()
    assert any("'Citta' or 'Città' share one page (assets/city/citta/)" in n for n in notices), notices


def test_a_rebuild_keeps_the_redirects_and_equals_a_clean_build(slug_site: tuple[Path, Path], tmp_path: Path) -> None:
    db, clean = slug_site
    again = tmp_path / "again"
    _build(db, again)
    _build(db, again)  # from the first build's cache: nothing re-rendered, nothing pruned
    assert (again / "assets" / "city" / "wrocaw" / "index.html").is_file()
    assert tree(again) == tree(clean)


def test_a_redirect_goes_when_its_city_does_and_the_rebuild_equals_a_clean_build(tmp_path: Path) -> None:
    db = _registry(tmp_path / "registry.db")
    incremental = tmp_path / "incremental"
    site_url = "https://commons.example.org/lab/"
    _build(db, incremental, site_url=site_url)
    assert (incremental / "assets" / "city" / "wrocaw" / "index.html").is_file()
    reg = open_registry(db, by="tester")
    update_record(reg, "assets", "wro", {"city": "Łódź"})
    reg.close()
    _build(db, incremental, site_url=site_url)
    clean = tmp_path / "clean"
    _build(db, clean, site_url=site_url)
    assert not (incremental / "assets" / "city" / "wrocaw").exists()
    assert _follow(incremental, "assets/city/odz/index.html") == "assets/city/lodz/"
    assert _head(incremental / "ar/assets/city/odz/index.html").canonical == f"{site_url}ar/assets/city/lodz/"
    assert tree(incremental) == tree(clean)
