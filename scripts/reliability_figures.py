"""Run the reliability tests and write their figures into the README's Reliability section.

    .venv/bin/python scripts/reliability_figures.py            # the long profile (about 7 minutes on 2 cores)
    .venv/bin/python scripts/reliability_figures.py --short    # the suite's own counts, for a quick look

The test suite itself never edits a tracked file; this script is the one
explicit step that does, and only after every reliability module passed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import reliability  # noqa: E402


def main() -> int:
    chosen = "short" if "--short" in sys.argv[1:] else "long"
    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder) / "figures.json"
        env = {**os.environ, reliability.FIGURES_ENV: str(figures), reliability.PROFILE_ENV: chosen}
        modules = [f"tests/{name}" for name in reliability.MODULES]
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", *modules], cwd=ROOT, env=env)
        if done.returncode != 0 or not figures.is_file():
            print("The reliability tests did not all pass; the README is left as it was.", file=sys.stderr)
            return 1
        reliability.load_counts(figures)
    if not reliability.write_readme_section(ROOT / "README.md"):
        print("README.md has no reliability markers; nothing written.", file=sys.stderr)
        return 1
    print("Wrote the Reliability section of README.md.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
