"""Writing pages: identical bytes are never rewritten, changed files are replaced whole, new ones land in new folders.

registry/site/output.py writes with a few system calls and guesses whether a
file exists to choose what to try first; none of that may change what ends up
on disk or what the build is told about it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

from registry.site.output import _render, write_text


@dataclass
class Plan:
    path: str
    text: str

    @property
    def make(self):  # type: ignore[no-untyped-def]
        return lambda: self.text


def test_new_file_in_missing_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "index.html"
    assert write_text(target, "héllo\n") is True
    assert target.read_bytes() == "héllo\n".encode()


def test_same_bytes_leave_the_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    write_text(target, "same")
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    before = target.stat()
    assert write_text(target, "same") is False
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, 1_000_000_000)


@pytest.mark.parametrize("new", ["sane", "longer text", "", "s"])
def test_changed_bytes_replace_the_file(tmp_path: Path, new: str) -> None:
    target = tmp_path / "page.html"
    write_text(target, "same")
    inode = target.stat().st_ino
    held = target.open("rb")  # a reader of the old file keeps seeing it whole
    try:
        assert write_text(target, new) is True
        assert held.read() == b"same"
    finally:
        held.close()
    assert target.read_text(encoding="utf-8") == new
    assert not (tmp_path / "page.html.tmp").exists()
    assert target.stat().st_ino != inode


def test_empty_text_makes_an_empty_file(tmp_path: Path) -> None:
    target = tmp_path / "empty.txt"
    assert write_text(target, "") is True
    assert target.read_bytes() == b""
    assert write_text(target, "") is False


def test_a_folder_in_the_way_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "page.html").mkdir()
    with pytest.raises(IsADirectoryError):
        write_text(tmp_path / "page.html", "text")
    assert not (tmp_path / "page.html.tmp").exists()


def test_files_get_the_mode_open_gives(tmp_path: Path) -> None:
    write_text(tmp_path / "ours.html", "x")
    (tmp_path / "theirs.html").write_text("x")
    assert stat.S_IMODE((tmp_path / "ours.html").stat().st_mode) == stat.S_IMODE((tmp_path / "theirs.html").stat().st_mode)


def test_render_reports_what_is_on_disk(tmp_path: Path) -> None:
    """Fresh, then unchanged, then mixed: each file's reported size and mtime are its stat, and `changed` is true."""
    plans = [Plan(f"kind/r{i}/index.html", f"page {i}") for i in range(5)] + [Plan(f"kind/r{i}/r{i}.json", "{}") for i in range(5)]
    first = _render(plans, tmp_path)
    assert [w[3] for w in first] == [True] * 10
    again = _render(plans, tmp_path)
    assert [w[3] for w in again] == [False] * 10
    plans[2] = Plan("kind/r2/index.html", "page 2, edited")
    plans.append(Plan("kind/new/index.html", "new page"))
    mixed = _render(plans, tmp_path)
    assert [w[3] for w in mixed] == [False, False, True] + [False] * 7 + [True]
    for rel, size, mtime, _, _ in first[:2] + mixed:
        st = (tmp_path / rel).stat()
        assert (st.st_size, st.st_mtime_ns) == (size, mtime), rel
    for plan in plans:
        assert (tmp_path / plan.path).read_text(encoding="utf-8") == plan.text
