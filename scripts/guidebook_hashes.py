"""Write the hashes of the guidebook's twelve-word runs, which the tests compare the chapters against.

Run once per edition of the guidebook:
    python scripts/guidebook_hashes.py path/to/guidebook.txt
It writes tests/fixtures/guidebook-12-word-hashes.txt: hashes only, sorted, one per line.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from copying import run_hashes  # noqa: E402

TARGET = ROOT / "tests" / "fixtures" / "guidebook-12-word-hashes.txt"


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/guidebook_hashes.py GUIDEBOOK.txt")
    text = Path(sys.argv[1]).read_text(encoding="utf-8")
    hashes = sorted({digest for digest, _ in run_hashes(text)})
    TARGET.write_text("\n".join(hashes) + "\n", encoding="ascii")
    print(f"wrote {len(hashes)} hashes to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
