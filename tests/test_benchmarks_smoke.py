"""The benchmark runner at a tiny size: it runs end to end and its table and JSON hold every figure.

The figures themselves are not checked here (a 200-record registry says
nothing about speed, and the suite's timing must not depend on them); that is
what `python -m benchmarks` at full size is for. Determinism of two builds is
tested in test_site.py; this run also checks a rebuild equals a clean build.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.datasette import JOURNALIST_PAGES

ROOT = Path(__file__).resolve().parent.parent
SIZE, ONE_CITY_SIZE, DATASETTE_SIZE = 200, 150, 500


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("bench")
    results = folder / "results.json"
    command = [sys.executable, "-m", "benchmarks", "--sizes", str(SIZE), "--one-city-sizes", str(ONE_CITY_SIZE)]
    command += ["--datasette-sizes", str(DATASETTE_SIZE), "--quick"]
    done = subprocess.run(
        [*command, "--json", str(results), "--work", str(folder / "work")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, json.loads(results.read_text(encoding="utf-8"))


def canned_query_names() -> list[str]:
    metadata = json.loads((ROOT / "metadata.json").read_text(encoding="utf-8"))
    return list(metadata["databases"]["public"]["queries"])


def test_table_has_a_row_for_every_figure(smoke_run: tuple[str, dict[str, Any]]) -> None:
    table, _ = smoke_run
    for measure in (
        "full build",
        "rebuild after one edit",
        "equals clean build: yes",
        "search index (Pagefind) share",
        "import (",
        "raw executemany",
        "overview map bytes",
        "B/point gzipped",
        "overview first render",
        "build peak memory",
        "Jinja2",
        "Hugo",
        "Hugo + Pagefind",
        "machine during these runs",
        "largest page and files of the site",
        f"{ONE_CITY_SIZE} in one city",
        "start-up: commons --help",
        "start-up: commons list assets",
        "commons publish",
    ):
        assert measure in table, measure
    for name in canned_query_names():
        assert f"Datasette `{name}`" in table
    for path in JOURNALIST_PAGES.values():
        assert f"Datasette page `{path}`" in table, path
    assert re.search(r"^\| records +\| measure +\|", table, re.MULTILINE) and "| met |" in table


def test_json_holds_every_figure_beside_its_reference(smoke_run: tuple[str, dict[str, Any]]) -> None:
    _, results = smoke_run
    assert results["machine"]["nproc"] >= 1 and results["machine"]["memory_gb"] > 0 and results["machine"]["cpu"]
    size = results["sizes"][str(SIZE)]
    build, refs, imported, overview = size["build"], size["references"], size["import"], size["overview_map"]
    assert build["full_s"] > 0 and build["rebuild_s"] > 0 and build["peak_memory_mb"] > 0
    assert build["rebuild_identical_to_clean_build"] is True, build["rebuild_differing_files"]
    assert build["record_pages"] == refs["pages"] == SIZE
    assert set(build["rebuild_by_edit_s"]) == {"name", "status", "new record", "removed record"}
    assert all(len(times) == 1 and times[0] > 0 for times in build["rebuild_by_edit_s"].values())
    assert build["largest"]["page"]["path"].endswith(".html") and build["largest"]["page"]["bytes"] > 0
    assert build["largest"]["map data"]["path"].startswith("map/data/")
    assert build["languages"] == 1 + len([p for p in (ROOT / "locale").iterdir() if p.is_dir()])
    assert size["shape"] == "spread" and results["sizes"][f"{ONE_CITY_SIZE} one-city"]["shape"] == "one-city"
    load = size["machine_load"]
    assert load["seconds"] > 0 and isinstance(load["busy"], bool) and load["other_processes_cores"] >= 0
    assert set(build["full_steps_s"]) >= {"publish", "maps", "pelican", "search"}
    assert 0 < build["search_share_of_full"] < 1
    assert refs["jinja2_s"] > 0
    assert refs["hugo"] == "not installed" and refs["hugo_s"] is None or refs["hugo_s"] > 0 and refs["hugo_pagefind_s"] > refs["hugo_s"]
    assert imported["rows"] == SIZE and imported["rows_per_s"] > 0 and imported["raw_rows_per_s"] > 0 and imported["vs_raw"] > 0
    assert overview["points"] > 0 and overview["raw_bytes_per_point"] > overview["gzipped_bytes_per_point"] > 0
    if overview["skipped"]:
        assert not os.environ.get("CI"), f"CI must run the browser part: {overview['skipped']}"
    else:
        assert overview["first_render_ms"] > 0 and overview["js_heap_mb"] > 0
    assert results["startup"]["help_s"] > 0 and results["startup"]["list_assets_s"] > 0
    queries = results["datasette"][str(DATASETTE_SIZE)]["queries"]
    assert set(queries) == set(canned_query_names())
    for name, query in queries.items():
        assert query["status"] == 200, (name, query["error"])
        assert query["p95_ms"] >= query["p50_ms"] > 0 and query["sqlite_p50_ms"] >= 0, name
    pages = results["datasette"][str(DATASETTE_SIZE)]["pages"]
    assert set(pages) == set(JOURNALIST_PAGES)
    for name, page in pages.items():
        assert page["status"] == page["json_status"] == 200, name
        assert page["p95_ms"] >= page["p50_ms"] > 0 and page["json_p95_ms"] >= page["json_p50_ms"] > 0, name
        assert page["path"] == JOURNALIST_PAGES[name] and page["count"] is not None, name
    assert pages["table"]["count"] > pages["filter"]["count"] > 0


def test_targets_are_listed_with_verdicts(smoke_run: tuple[str, dict[str, Any]]) -> None:
    _, results = smoke_run
    names = {t["name"] for t in results["targets"]}
    assert {"import vs raw executemany", "overview map bytes per point gzipped", "start-up: commons --help"} <= names
    assert all(isinstance(t["met"], bool) for t in results["targets"])


def test_readme_table_is_written_from_the_run_between_its_markers(smoke_run: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
    from benchmarks.readme import END, START, write_readme

    _, results = smoke_run
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nProse before.\n\n{START}\nold figures\n{END}\n\nProse after.\n", encoding="utf-8")
    write_readme(readme, results)
    text = readme.read_text(encoding="utf-8")
    assert "old figures" not in text and text.startswith("# Title\n\nProse before.") and text.endswith("Prose after.\n")
    assert results["machine"]["cpu"] in text and f"{SIZE} in one city" not in text and f"{ONE_CITY_SIZE} in one city" in text
    assert text.count("| records | measure |") == 1 and "targets met" in text
    readme.write_text("# A README without the markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="markers"):
        write_readme(readme, results)


def test_a_command_is_measured_at_its_own_memory_not_the_benchmark_s() -> None:
    from benchmarks.measure import run

    ballast = bytearray(400 * 2**20)
    ballast[:: 2**12] = b"\x01" * len(range(0, len(ballast), 2**12))  # every page touched: 400 MB resident here
    holds_sixty_megabytes = "import time; b = b'x' * (60 * 2**20); time.sleep(0.6)"
    result = run([sys.executable, "-c", holds_sixty_megabytes])
    assert len(ballast) and 55 < result.max_rss_mb < 200, result
    assert 55 < result.peak_tree_mb < 200, result
