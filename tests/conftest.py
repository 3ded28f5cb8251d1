"""Shared fixtures: real registry files in temporary folders, and the CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.examples import init_registry
from registry.store import Registry, create_registry, open_registry


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
