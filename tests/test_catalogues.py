"""Every language's catalogue is complete and current: no missing, fuzzy or stale message, no broken placeholder.

The template is extracted afresh from the code, the templates and the kinds'
declarations, exactly as the README's extract command does, so a new string
fails here until every catalogue has it translated.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ("es", "it", "fr", "ar", "pt", "el")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    pot = tmp_path_factory.mktemp("pot") / "commons.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    command = [str(pybabel), "extract", "-F", "babel.cfg", "-k", "N_", "-c", "Translators:", "--no-location", "-o", str(pot), "."]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with pot.open("rb") as f:
        return read_po(f)


def catalogue(code: str) -> Catalog:
    with (LOCALE / code / "LC_MESSAGES" / "commons.po").open("rb") as f:
        return read_po(f, locale=code)


def test_the_partners_languages_all_have_a_catalogue() -> None:
    have = {p.parent.parent.name for p in LOCALE.glob("*/LC_MESSAGES/commons.po")}
    assert set(LANGUAGES) <= have


def test_the_checked_in_template_is_current(template: Catalog) -> None:
    with (LOCALE / "commons.pot").open("rb") as f:
        checked_in = read_po(f)
    assert {m.id for m in checked_in if m.id} == {m.id for m in template if m.id}, "run the extract command in the README"


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_has_every_message_translated_none_fuzzy_none_stale(code: str, template: Catalog) -> None:
    po = catalogue(code)
    wanted = {m.id for m in template if m.id}
    have = {m.id: m for m in po if m.id}
    missing = [m for m in wanted if m not in have]
    untranslated = [i for i, m in have.items() if not m.string or (isinstance(m.string, tuple) and not all(m.string))]
    fuzzy = [i for i, m in have.items() if m.fuzzy]
    stale = [i for i in have if i not in wanted] + list(po.obsolete)
    assert (missing, untranslated, fuzzy, stale) == ([], [], [], []), "run the update command in the README, then translate"


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_keeps_every_placeholder(code: str) -> None:
    problems = []
    for message in catalogue(code):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        # A form for exactly one thing may say "one" instead of the number, as languages do.
        for form in forms:
            found = set(PLACEHOLDER.findall(form))
            if found - wanted or (wanted - found) - {"%(count)s", "{count}"}:
                problems.append((ids[0], form))
    assert problems == []
