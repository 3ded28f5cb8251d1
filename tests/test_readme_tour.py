"""The README's tour of the CLI runs as written, line by line, on a fresh example registry."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def tour_lines() -> list[str]:
    """The `commons` lines of the first code block under "A tour of the CLI", in order."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## A tour of the CLI") :]
    block = re.search(r"```\n(.*?)```", section, flags=re.S)
    assert block is not None, "the tour has a code block"
    return [line for line in block.group(1).splitlines() if line.startswith("commons ")]


def test_the_tour_covers_the_daily_commands() -> None:
    commands = {shlex.split(line, comments=True)[1] for line in tour_lines()}
    assert {
        "init",
        "add",
        "edit",
        "timeline",
        "cite",
        "verify",
        "log",
        "remove",
        "restore",
        "import",
        "export",
        "check",
        "dump",
        "publish",
    } <= commands


def test_every_line_of_the_readme_tour_runs_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in [name for name in os.environ if name.startswith("COMMONS_")]:
        monkeypatch.delenv(variable)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for line in tour_lines():
        result = runner.invoke(cli, shlex.split(line, comments=True)[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (tmp_path / "registry.db").is_file() and (tmp_path / "public" / "public.db").is_file()
    assert (tmp_path / "registry-text").is_dir()
