"""The guide is our own words: no run of twelve words is copied from the guidebook outside marked quotations."""

from __future__ import annotations

from pathlib import Path

import pytest
from copying import run_hashes, unquoted

ROOT = Path(__file__).resolve().parent.parent
KNOWN = frozenset((ROOT / "tests" / "fixtures" / "guidebook-12-word-hashes.txt").read_text(encoding="ascii").split())
ENGLISH = sorted(p for p in (ROOT / "content").rglob("*.md") if "translations" not in p.relative_to(ROOT / "content").parts)


def test_the_fixture_holds_the_guidebooks_runs_and_finds_quoted_ones() -> None:
    assert len(KNOWN) > 10_000
    # The matrix's cell names are quoted from the guidebook: found in the raw text, left out once quotations are.
    matrix = (ROOT / "content" / "guide" / "03-design-and-delivery.md").read_text(encoding="utf-8")
    assert any(digest in KNOWN for digest, _ in run_hashes(matrix))
    assert not any(digest in KNOWN for digest, _ in run_hashes(unquoted(matrix)))


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: str(p.relative_to(ROOT / "content")))
def test_no_twelve_words_are_copied_from_the_guidebook(path: Path) -> None:
    copied = [run for digest, run in run_hashes(unquoted(path.read_text(encoding="utf-8"))) if digest in KNOWN]
    assert copied == [], f"{path.name} repeats the guidebook word for word; say it in our own words or quote it: {copied[:3]}"


def test_the_glossary_is_in_our_own_words() -> None:
    from registry.site.glossary import load_glossary

    definitions = "\n\n".join(t.definition for t in load_glossary(ROOT / "content" / "glossary.toml"))
    copied = [run for digest, run in run_hashes(unquoted(definitions)) if digest in KNOWN]
    assert copied == [], f"the glossary repeats the guidebook word for word: {copied[:3]}"
