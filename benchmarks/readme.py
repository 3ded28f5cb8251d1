"""The README's Performance table, written from a run's JSON: the figures in the README are always a run's, never typed.

`python -m benchmarks --readme` calls this when its run ends;
`python -m benchmarks.readme RESULTS.json` writes a kept run's figures. Only
the text between the two markers in README.md is replaced, so the prose
around the table stays the authors'.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .context import PROJECT
from .report import NO, NONE, YES, Target, machine_line, summary

START = "<!-- benchmark table: written by `python -m benchmarks --readme`, do not edit by hand -->"
END = "<!-- end of benchmark table -->"
HEADER = ["records", "measure", "ours", "reference (same run)", "ours / reference", "target", "met"]


def table_text(results: dict[str, Any], figures: str | None = None) -> str:
    """The run's heading line, its table and its verdicts, as Markdown; `figures` is where the run's JSON is, if it is kept."""
    m, code = results["machine"], results["machine"].get("code") or {}
    commit = str(code.get("commit", "unknown"))[:7]
    changed = " (with uncommitted changes)" if code.get("changed_files") else ""
    busy = _busy_stages(results)
    lines = [
        f"Run of {results['date']}: `{results['command']}` on {machine_line(m)}; code at commit {commit}{changed};"
        f" the run took {results['run_seconds'] / 60:.0f} minutes." + (f" Every sample: [{figures}]({figures})." if figures else ""),
        "",
        ("The machine was busy during: " + ", ".join(busy) + " — read those ratios with care.")
        if busy
        else "No other process used more than a quarter of a core during any stage.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    for row in results["table"]:
        verdict = NONE if row["met"] is None else (YES if row["met"] else NO)
        cells = [row["records"], row["measure"], row["ours"], row["reference"], row["ratio"], row["target"], verdict]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    lines += ["", summary([Target(**target) for target in results["targets"]])]
    return "\n".join(lines)


def _busy_stages(results: dict[str, Any]) -> list[str]:
    stages = [(key, size.get("machine_load")) for key, size in results["sizes"].items()]
    stages += [(f"Datasette {key}", d.get("machine_load")) for key, d in results.get("datasette", {}).items()]
    return [key for key, load in stages if load and load.get("busy")]


def replace_table(readme: str, table: str) -> str:
    """README text with the part between the markers replaced by `table`; an error when the markers are missing."""
    if readme.count(START) != 1 or readme.count(END) != 1 or readme.index(START) > readme.index(END):
        raise ValueError(f"README.md needs exactly one pair of markers, in order:\n{START}\n{END}")
    before, rest = readme.split(START)
    after = rest.split(END)[1]
    return f"{before}{START}\n{table}\n{END}{after}"


def write_readme(path: Path, results: dict[str, Any], figures: Path | None = None) -> None:
    """Rewrite the README's table; `figures` (the run's JSON) is linked when it lies inside the project, beside the README."""
    shown = None
    if figures is not None and figures.resolve().is_relative_to(path.resolve().parent):
        shown = figures.resolve().relative_to(path.resolve().parent).as_posix()
    path.write_text(replace_table(path.read_text(encoding="utf-8"), table_text(results, shown)), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    import json

    p = argparse.ArgumentParser(prog="python -m benchmarks.readme", description="Write a run's table into README.md's Performance section.")
    p.add_argument("results", type=Path, help="a run's JSON (benchmarks/results/latest.json, or a kept one)")
    p.add_argument("--readme", type=Path, default=PROJECT / "README.md", help="the README to rewrite (default: the project's)")
    args = p.parse_args(argv)
    try:
        write_readme(args.readme, json.loads(args.results.read_text(encoding="utf-8")), args.results)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{args.readme}: Performance table rewritten from {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
