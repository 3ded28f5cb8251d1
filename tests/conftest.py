"""Shared fixtures: real registry files in temporary folders, and the CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registry.operations.examples import init_registry
from registry.store.database import Registry, create_registry, open_registry


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh, empty registry file."""
    path = tmp_path / "registry.db"
    create_registry(path, by="tester").close()
    return path


@pytest.fixture
def registry(db_path: Path) -> Iterator[Registry]:
    reg = open_registry(db_path, by="tester")
    yield reg
    reg.close()


@pytest.fixture(scope="session")
def example_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded example loaded once per session; tests get copies."""
    path = tmp_path_factory.mktemp("example") / "registry.db"
    reg, _ = init_registry(path, example=True)
    reg.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    reg.close()
    return path


@pytest.fixture
def example_registry(example_master: Path, tmp_path: Path) -> Path:
    """A private copy of the example registry this test may change."""
    path = tmp_path / "registry.db"
    shutil.copyfile(example_master, path)
    return path


# --- Reliability figures: collected by tests/reliability.py, saved for scripts/reliability_figures.py ---

_reliability_outcomes: dict[str, set[str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember how each reliability module's tests ended, so only a passing run's figures are kept."""
    import reliability

    module = Path(report.nodeid.split("::", 1)[0]).name
    if module in reliability.MODULES and (report.when == "call" or report.outcome != "passed"):
        _reliability_outcomes.setdefault(module, set()).add(report.outcome)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Save the reliability figures, when asked for them and every reliability module ran and none failed."""
    import os

    import reliability

    target = os.environ.get(reliability.FIGURES_ENV)
    ran_all = all("passed" in _reliability_outcomes.get(m, set()) for m in reliability.MODULES)
    failed = any("failed" in outcomes for outcomes in _reliability_outcomes.values())
    if target and ran_all and not failed:
        reliability.save_counts(Path(target))


# --- The built website: the example registry built once per session (tests/test_site.py, test_browser_site.py) ---

SITE_TODAY = "2025-06-01"


@dataclass
class BuiltSite:
    """A site built from a copy of the example registry, and what the build reported."""

    output: Path
    db: Path
    report: Any


def build_test_site(db: Path, output: Path, **options: Any) -> Any:
    """Build a site the way `commons build` does, with a fixed 'today' so pages do not depend on the clock."""
    import datetime as dt

    from registry.site.build import build_site
    from registry.site.settings import SiteSettings

    options.setdefault("today", dt.date.fromisoformat(SITE_TODAY))
    return build_site(db, SiteSettings(output=output, **options))


def build_example_copy(example_master: Path, folder: Path, **options: Any) -> BuiltSite:
    """A copy of the example registry in `folder`, built into folder/output."""
    db = folder / "registry.db"
    shutil.copyfile(example_master, db)
    output = folder / "output"
    return BuiltSite(output, db, build_test_site(db, output, **options))


@pytest.fixture(scope="session")
def built_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The example built once, search index included; tests must not change it."""
    return build_example_copy(example_master, tmp_path_factory.mktemp("site"))


SITE_LANGUAGES = ("en", "es", "fr", "ar", "pt")


@pytest.fixture(scope="session")
def multilingual_site(example_master: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The example built in English (at the root), Spanish, French, Arabic and Portuguese, search included."""
    return build_example_copy(example_master, tmp_path_factory.mktemp("multilingual"), languages=SITE_LANGUAGES)


ROOT = Path(__file__).resolve().parents[1]
SCALE = 5_000  # records: SQLite plans the public copy's queries exactly as it does at 1M (checked with EXPLAIN QUERY PLAN)


@pytest.fixture(scope="session")
def scaled_public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A public copy of a synthetic registry of SCALE records, made like the benchmark's (benchmarks/synthetic.py)."""
    from registry.publishing.publish import publish_registry

    folder = tmp_path_factory.mktemp("scaled")
    db = folder / "registry.db"
    code = f"from pathlib import Path; from benchmarks.synthetic import write_registry; write_registry(Path({str(db)!r}), {SCALE})"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=300)
    registry = open_registry(db, migrate=False)
    try:
        return publish_registry(registry, folder / "public").database
    finally:
        registry.close()


def pytest_configure(config: pytest.Config) -> None:
    """In CI the browser tests must run, never skip for want of a browser."""
    import os

    if os.environ.get("CI") and not Path("/usr/bin/chromium").exists():
        raise pytest.UsageError("CI needs Debian's chromium at /usr/bin/chromium for the browser tests (apt-get install chromium)")


def snapshot(db: Path) -> list[str]:
    """Every row of every table, as SQL: 'the registry is exactly as it was' made checkable."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
