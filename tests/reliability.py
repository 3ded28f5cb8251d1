"""Figures from the reliability tests, counted over one pytest session, for the README.

Tests call `record(name, count)`. A test run never edits the README: when
COMMONS_RELIABILITY_FIGURES names a file, conftest's `pytest_sessionfinish`
saves the counts there once every reliability module has run and passed, and
`scripts/reliability_figures.py` (which runs those modules that way) writes
them into the README. Its numbers are always ones a real run produced.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter
from pathlib import Path

COUNTS: Counter[str] = Counter()

# The test modules whose figures go into the README; all must run and pass for it to be rewritten.
MODULES = (
    "test_fuzz_inputs.py",
    "test_crash_safety.py",
    "test_concurrency.py",
    "test_backup.py",
    "test_check_detects.py",
)

START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"


FIGURES_ENV = "COMMONS_RELIABILITY_FIGURES"

# The short profile (the default, and CI's) tries enough to catch a regression in a few minutes; the long one
# (COMMONS_RELIABILITY_PROFILE=long, what scripts/reliability_figures.py runs for the README) reaches the scale
# the figures claim: over 10,000 bad inputs, over 100 SIGKILLs mid-write, 8 concurrent writers.
PROFILE_ENV = "COMMONS_RELIABILITY_PROFILE"


def profile() -> str:
    return "long" if os.environ.get(PROFILE_ENV) == "long" else "short"


def scaled(short: int, long: int) -> int:
    """A count for this session's profile."""
    return long if profile() == "long" else short


def save_counts(path: Path) -> None:
    """Keep this session's figures in a file, for the script that writes them into the README."""
    path.write_text(json.dumps({**COUNTS, "profile": profile()}, sort_keys=True), encoding="utf-8")


PROFILE_RUN = {"profile": "short"}


def load_counts(path: Path) -> None:
    """Read figures a test session saved."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    PROFILE_RUN["profile"] = str(saved.pop("profile", "short"))
    COUNTS.clear()
    COUNTS.update(saved)


def record(name: str, count: int = 1) -> None:
    """Add to a figure; names are the keys `ROWS` reads."""
    COUNTS[name] += count


def _n(name: str) -> str:
    return f"{COUNTS[name]:,}"


def rows() -> list[tuple[str, str]]:
    """The README table: what holds, and the figures that back it."""
    return [
        (
            "**Bad input never hurts.** Hypothesis drives every writing command — `add`, `edit`, `link`, `unlink`, "
            "`cite`, `remove`, `restore`, `import` (CSV, JSON, GeoJSON), `districts load` (broken boundary files) and "
            "`restore-backup` (truncated, foreign and garbage files) — with out-of-range and swapped coordinates, malformed and impossible "
            "dates, unknown vocabulary values, dangling references, duplicate ids, empty and huge strings, control "
            "characters, undecodable arguments, UTF-8 with BOM, Windows-1252 and UTF-16 files, truncated JSON and "
            "GeoJSON, and wrong column sets. Each gets a clear message (exit 1 or 2, the field or line named, no traceback) or a "
            "correct result; when it errs the registry is unchanged row for row.",
            f"{_n('fuzz_cases')} cases tried: {_n('fuzz_refused')} refused clearly, {_n('fuzz_accepted')} accepted and verified",
        ),
        (
            "**Crash safety.** A real `commons import` of 2,000 rows, or a process editing records one after another, "
            "is SIGKILLed after a seeded random delay. Afterwards the registry is wholly before or wholly after each "
            "change: row counts match, every record row has its insert in the change log and every row equals the "
            "log's last `after`, and `commons check` is clean.",
            f"{_n('kills')} kills survived: {_n('kills_mid_write')} while the process was still running, "
            f"{_n('kills_in_txn')} of them inside the import's write transaction; of {_n('kill_imports')} imports, "
            f"{_n('kill_imports_landed')} found complete and the rest wholly absent",
        ),
        (
            "**Disk full and read-only.** An import into a registry that cannot grow (SQLite `max_page_count`, and a "
            "tmpfs barely larger than the registry when the machine lets tests mount one) and edits to a registry the "
            "user may only read (file or folder read-only, run as another user) end with a clear message, a non-zero "
            "exit and no traceback, and change nothing.",
            f"{_n('fault_scenarios')} fault scenarios checked",
        ),
        (
            f"**Concurrency.** {_n('writers')} processes edit the same and different records at once for several seconds. "
            'No error reaches a user except a clear "busy, retry" after the timeout, and no update is lost: '
            "every change is in the change log, each entry's `before` is the previous entry's `after`, and the "
            "final rows equal the log's last `after`.",
            f"{_n('writers')} concurrent writers held, {_n('updates_checked')} updates checked, "
            f"{_n('busy_clear')} busy timeouts reported clearly",
        ),
        (
            "**Backups.** `commons backup` uses SQLite's online backup while another process writes; "
            "`commons restore-backup` checks a file (integrity, a commons registry, every record valid) before "
            "touching anything, keeps the old registry as `<name>.before-restore-<time>.db` and swaps atomically.",
            f"{_n('backups_taken')} backups taken under writes, {_n('bad_backups_refused')} bad files refused "
            f"with the registry byte-identical, {_n('restores')} restores",
        ),
        (
            "**`commons check` catches damage done behind the store's back** (unknown vocabulary values, broken "
            "foreign keys, dangling citations, invalid dates, corrupted pages).",
            f"{_n('corruptions_detected')} kinds of damage detected",
        ),
    ]


def render(today: dt.date) -> str:
    """The text between the README markers."""
    lines = [
        f"Written by `python scripts/reliability_figures.py`, which runs `pytest tests/test_fuzz_inputs.py "
        f"tests/test_crash_safety.py tests/test_concurrency.py tests/test_backup.py tests/test_check_detects.py` "
        f"in the {PROFILE_RUN['profile']} profile (`{PROFILE_ENV}={PROFILE_RUN['profile']}`), on {today.isoformat()}. "
        "The test suite runs the short profile, which tries the same things fewer times.",
        "",
        "| What holds | Figures from the last run |",
        "| --- | --- |",
    ]
    lines += [f"| {what} | {figures} |" for what, figures in rows()]
    return "\n".join(lines)


def write_readme_section(readme: Path, today: dt.date | None = None) -> bool:
    """Replace what lies between the markers; leave the file alone when they are missing."""
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        return False
    body = render(today or dt.date.today())
    updated = pattern.sub(lambda _: f"{START}\n{body}\n{END}", text, count=1)
    if updated != text:
        tmp = readme.with_name(readme.name + ".reliability.tmp")
        tmp.write_text(updated, encoding="utf-8")
        tmp.replace(readme)
    return True
