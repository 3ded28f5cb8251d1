"""After an edit the downloads and the records' search are made in child processes beside the pages; their errors and ends are the build's."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from pathlib import Path

import pytest
from conftest import SITE_TODAY, build_test_site
from site_trees import tree

from registry.model.errors import RegistryError
from registry.operations.forked import Forked, can_fork
from registry.operations.records import update_record
from registry.site.build import build_site
from registry.site.settings import SiteSettings
from registry.store.database import open_registry

pytestmark = pytest.mark.skipif(not can_fork(), reason="work runs beside the build only where processes fork")


def _fail() -> None:
    raise RegistryError("the indexer refused a request: bad record")


def _die() -> None:
    os._exit(3)


def _write_late(path: Path) -> str:
    time.sleep(0.3)
    path.write_text("done", encoding="utf-8")
    return "written"


def _children() -> set[int]:
    """This process's child processes, finished ones not yet waited for included (a quick child may be done already)."""
    return {int(pid) for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()}


def test_an_error_in_the_child_is_raised_in_the_build_with_its_words() -> None:
    with pytest.raises(RegistryError, match="bad record"):
        Forked(_fail, "a failing job").result()
    assert multiprocessing.active_children() == []


def test_a_child_that_dies_is_a_clear_error_naming_its_exit_code_not_a_hang() -> None:
    with pytest.raises(RegistryError, match=r"a dying job stopped without finishing \(exit code 3\)"):
        Forked(_die, "a dying job").result()


def test_closing_without_asking_for_the_result_lets_the_child_finish_what_it_writes(tmp_path: Path) -> None:
    target = tmp_path / "written.txt"
    job = Forked(lambda: _write_late(target), "a slow job")
    job.close()
    assert target.read_text(encoding="utf-8") == "done"
    assert multiprocessing.active_children() == []


def test_work_not_wanted_beside_is_done_at_once_in_this_process(tmp_path: Path) -> None:
    target = tmp_path / "written.txt"
    job = Forked(lambda: _write_late(target), "a clean build's step", beside=False)
    assert target.read_text(encoding="utf-8") == "done", "done before the build moves on"
    assert _children() == set() and job.result() == "written"
    assert job.seconds is None, "its time is the caller's own, not a child's"


def test_a_child_reports_how_long_its_work_took_there(tmp_path: Path) -> None:
    job = Forked(lambda: _write_late(tmp_path / "written.txt"), "a slow job")
    assert job.result() == "written"
    assert job.seconds is not None and job.seconds >= 0.2


def test_after_an_edit_the_downloads_maps_and_search_are_made_in_children_while_the_page_data_is_read(
    example_registry: Path, tmp_path: Path
) -> None:
    output = tmp_path / "output"
    build_test_site(example_registry, output)
    registry = open_registry(example_registry, by="tester")
    try:
        asset_id = registry.conn.execute("SELECT id FROM assets ORDER BY id LIMIT 1").fetchone()[0]
        update_record(registry, "assets", asset_id, {"description": "Now also a rehearsal room for the district's bands."})
    finally:
        registry.close()
    beside: dict[str, int] = {}

    def on_step(step: str) -> None:
        beside[step] = len(_children())

    report = build_site(example_registry, SiteSettings(output=output, today=dt.date.fromisoformat(SITE_TODAY)), on_step)
    assert beside["read"] == 3, "the downloads, the maps and the records' search run while the page data is read"
    assert beside["prune"] == 0, "every child has ended before the build does"
    assert any(name.startswith("assets-") for name in report.search_shards)
    assert set(report.beside) == {"downloads", "maps", "search"}, "each child's own time is reported, not only the wait for it"
    assert all(seconds > 0 for seconds in report.beside.values())
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean)
    assert tree(output / "pagefind") == tree(clean / "pagefind")


def test_the_build_summary_names_each_childs_time_on_a_line_of_its_own(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from benchmarks.build import parse_steps
    from registry.cli.site import _tell_built
    from registry.site.build import BuildReport

    report = BuildReport(tmp_path, timings={"publish": 0.3, "maps": 0.01, "read": 0.2}, beside={"downloads": 0.4, "maps": 0.5})
    runner = CliRunner()
    with runner.isolation() as (out, _, _):
        _tell_built(report, tmp_path, quiet=False)
        printed = out.getvalue().decode()
    assert "Beside those steps, in child processes: downloads 0.40s, maps 0.50s" in printed.splitlines()
    assert parse_steps(printed) == {"publish": 0.3, "maps": 0.01, "read": 0.2}, "the steps' line is read as before"
