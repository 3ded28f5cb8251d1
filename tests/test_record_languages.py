"""Records in more than one language: name@it and description@es through add, edit, import and export, and pages that use them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from conftest import build_test_site

from registry.cli import cli


def run(runner: CliRunner, db: Path, *args: str, ok: bool = True) -> str:
    result = runner.invoke(cli, ["--db", str(db), "--by", "tester", *args])
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def add_asset(runner: CliRunner, db: Path, *fields: str, ok: bool = True) -> str:
    """`commons add assets` with the Asilo's required fields, plus FIELD=VALUE pairs (which may replace them)."""
    given = {"id": "asilo", "name": "The Asilo", "kind": "building", "status": "recognised"}
    given.update(dict(pair.split("=", 1) for pair in fields))
    return run(runner, db, "add", "assets", *(arg for name, value in given.items() for arg in ("--set", f"{name}={value}")), ok=ok)


def snapshot(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT * FROM assets ORDER BY id").fetchall()
    conn.close()
    return rows


def test_texts_in_other_languages_are_added_edited_and_removed_by_field_and_language(runner: CliRunner, db_path: Path) -> None:
    add_asset(runner, db_path, "name@it=L'Asilo", "description@it=Un bene comune a Napoli.")
    run(runner, db_path, "edit", "assets", "asilo", "--set", "name@es=El Asilo")
    shown = json.loads(run(runner, db_path, "show", "assets", "asilo", "--json"))
    assert shown["translations"] == {"es": {"name": "El Asilo"}, "it": {"description": "Un bene comune a Napoli.", "name": "L'Asilo"}}
    run(runner, db_path, "edit", "assets", "asilo", "--set", "description@it=")
    shown = json.loads(run(runner, db_path, "show", "assets", "asilo", "--json"))
    assert shown["translations"]["it"] == {"name": "L'Asilo"}


def test_a_field_that_cannot_be_translated_or_a_bad_language_is_refused_and_nothing_changes(runner: CliRunner, db_path: Path) -> None:
    add_asset(runner, db_path)
    before = snapshot(db_path)
    refused = run(runner, db_path, "edit", "assets", "asilo", "--set", "status@it=mapped", ok=False)
    assert "'status@it'" in refused and "name, description" in refused
    refused = run(runner, db_path, "edit", "assets", "asilo", "--set", "name@not a language=x", ok=False)
    assert "is not a language code" in refused
    refused = add_asset(runner, db_path, "id=other", "name=O", "kind=land", "status=mapped", "lang=klingon!", ok=False)
    assert "field 'lang'" in refused
    assert snapshot(db_path) == before


def test_translations_survive_export_and_import_in_csv_and_json(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    add_asset(runner, db_path, "name@it=L'Asilo", "lang=en")
    for fmt in ("csv", "json"):
        exported = tmp_path / f"assets.{fmt}"
        run(runner, db_path, "export", "assets", "--format", fmt, "-o", str(exported))
        fresh = tmp_path / f"fresh-{fmt}.db"
        run(runner, fresh, "init")
        run(runner, fresh, "import", "assets", str(exported))
        assert json.loads(run(runner, fresh, "show", "assets", "asilo", "--json"))["translations"] == {"it": {"name": "L'Asilo"}}


def test_a_csv_column_per_language_is_read_as_translations(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    table = tmp_path / "assets.csv"
    table.write_text("id,name,name@it,kind,status\nasilo,The Asilo,L'Asilo,building,recognised\n", encoding="utf-8")
    run(runner, db_path, "import", "assets", str(table))
    assert json.loads(run(runner, db_path, "show", "assets", "asilo", "--json"))["translations"] == {"it": {"name": "L'Asilo"}}


def test_pages_show_the_visitors_language_and_fall_back_to_the_original_with_a_note(
    runner: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    add_asset(runner, db_path, "description=A commons in Naples.", "name@it=L'Asilo", "description@it=Un bene comune a Napoli.")
    site = tmp_path / "site"
    build_test_site(db_path, site, languages=("en", "it", "es"), search=False)
    italian = (site / "it" / "assets" / "asilo" / "index.html").read_text(encoding="utf-8")
    assert "L&#39;Asilo" in italian and "Un bene comune a Napoli." in italian and "translation-notice" not in italian
    spanish = (site / "es" / "assets" / "asilo" / "index.html").read_text(encoding="utf-8")
    assert "The Asilo" in spanish and 'class="notice translation-notice"' in spanish and 'lang="en"' in spanish
    english = (site / "assets" / "asilo" / "index.html").read_text(encoding="utf-8")
    assert "The Asilo" in english and "translation-notice" not in english
    assert "L&#39;Asilo" in (site / "it" / "assets" / "index.html").read_text(encoding="utf-8")  # lists use the translation too
    download = json.loads((site / "assets" / "asilo" / "asilo.json").read_text(encoding="utf-8"))  # one JSON for every language
    assert download["properties"]["name"] == "The Asilo" and download["properties"]["translations"]["it"]["name"] == "L'Asilo"
