"""The yardsticks for the build: the same record pages rendered by plain Jinja2 + Markdown, by Hugo, and by Hugo + Pagefind.

Both render one page per public record (the same count our build makes) from
the build's own public.db, with a minimal template: a title, the record's
short fields as a list and its long texts as Markdown. The Jinja2 side is the
lower bound a Python generator can reach; Hugo is what partners would compare
us with, and Hugo followed by Pagefind on its pages is the fair peer of a build
that includes its search index. Each runs as a command, cold, like `commons build`.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .context import Context
from .measure import Run, median, run

SECTIONS = {"assets": "assets", "actors": "actors", "agreements": "agreements", "cases": "case_studies"}
LONG = 80  # characters: longer texts are Markdown bodies, shorter ones list items

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} · Commons Lab</title>
<link rel="stylesheet" href="../../theme/site.css"></head>
<body><header><a href="../../">Commons Lab</a> › <a href="../">{{ section }}</a></header>
<main><h1>{{ title }}</h1>
<dl>{% for name, value in fields %}<dt>{{ name }}</dt><dd>{{ value }}</dd>{% endfor %}</dl>
{% for name, html in texts %}<section><h2>{{ name }}</h2>{{ html|safe }}</section>{% endfor %}
</main><footer>Data: ODC-By 1.0</footer></body></html>
"""

HUGO_CONFIG = """baseURL = "/"
title = "Commons Lab"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""
HUGO_SINGLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · Commons Lab</title>
<link rel="stylesheet" href="../../theme/site.css"></head>
<body><header><a href="../../">Commons Lab</a> › <a href="../">{{ .Section }}</a></header>
<main><h1>{{ .Title }}</h1>
<dl>{{ range $name, $value := .Params.fields }}<dt>{{ $name }}</dt><dd>{{ $value }}</dd>{{ end }}</dl>
{{ .Content }}
</main><footer>Data: ODC-By 1.0</footer></body></html>
"""
HUGO_LIST = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1></body></html>
"""


@dataclass
class ReferenceFigures:
    """Seconds (median of the samples) and peak memory of each reference build; Hugo's are None when it is not installed."""

    pages: int
    jinja2_seconds: list[float]
    jinja2_peak_mb: float
    hugo_seconds: list[float] | None
    hugo_peak_mb: float | None
    hugo_version: str | None
    hugo_pagefind_seconds: list[float] | None = None  # Hugo, then Pagefind indexing Hugo's pages
    hugo_pagefind_peak_mb: float | None = None
    ours_seconds: list[float] = field(default_factory=list)  # our clean builds, interleaved with these

    @property
    def jinja2(self) -> float:
        return median(self.jinja2_seconds)

    @property
    def hugo(self) -> float | None:
        return median(self.hugo_seconds) if self.hugo_seconds else None

    @property
    def hugo_pagefind(self) -> float | None:
        return median(self.hugo_pagefind_seconds) if self.hugo_pagefind_seconds else None


def records(public_db: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every public record as (section, row), from the build's public copy."""
    conn = sqlite3.connect(f"file:{public_db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        for section, table in SECTIONS.items():
            for row in conn.execute(f"SELECT * FROM [{table}] ORDER BY id"):
                yield section, dict(row)
    finally:
        conn.close()


def split_fields(row: dict[str, Any]) -> tuple[str, list[tuple[str, Any]], list[tuple[str, str]]]:
    """A record's title, its short fields and its long texts."""
    title = str(row.get("name") or row.get("title") or row["id"])
    fields = [(k, v) for k, v in row.items() if v not in (None, "") and not (isinstance(v, str) and len(v) > LONG)]
    texts = [(k, v) for k, v in row.items() if isinstance(v, str) and len(v) > LONG]
    return title, fields, texts


def render_jinja2(public_db: Path, out: Path) -> int:
    """Render one page per record with Jinja2 and Python-Markdown, as a lean generator would; returns the page count."""
    import jinja2
    import markdown

    template = jinja2.Environment(autoescape=True).from_string(PAGE)
    md = markdown.Markdown(output_format="html")
    pages = 0
    for section, row in records(public_db):
        title, fields, texts = split_fields(row)
        html = template.render(title=title, section=section, fields=fields, texts=[(k, md.reset().convert(v)) for k, v in texts])
        target = out / section / str(row["id"]) / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        pages += 1
    return pages


def write_hugo_site(public_db: Path, site: Path) -> int:
    """A Hugo site with one Markdown page per record (JSON front matter) and a minimal layout; returns the page count."""
    if site.exists():
        shutil.rmtree(site)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    pages = 0
    for section, row in records(public_db):
        title, fields, texts = split_fields(row)
        front = json.dumps({"title": title, "slug": str(row["id"]), "fields": dict(fields)}, ensure_ascii=False, default=str)
        body = "\n\n".join(f"## {k}\n\n{v}" for k, v in texts)
        target = site / "content" / section / f"{row['id']}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"{front}\n\n{body}\n", encoding="utf-8")
        pages += 1
    return pages


def hugo_version() -> str | None:
    """Hugo's version line, or None when `hugo` is not on PATH."""
    if not shutil.which("hugo"):
        return None
    done = subprocess.run(["hugo", "version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().split(" BuildDate")[0] or "hugo"


def pagefind_command() -> list[str] | None:
    """Pagefind's own command line (the binary `pagefind[bin]` installs), or None when it is missing."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    executable = get_executable()
    return [str(executable)] if executable else None


def measure_references(ctx: Context, public_db: Path, size: int, ours: Callable[[], Run] | None = None) -> ReferenceFigures:
    """Time the references in rounds, interleaved with our own clean build when `ours` is given.

    Each round runs ours, then Jinja2, Hugo, and Hugo followed by Pagefind on
    Hugo's pages (what a Hugo user who wants search runs), each into a fresh
    folder: a slow patch of the shared machine then falls on every side alike.
    """
    folder = ctx.folder(str(size), "references")
    version, pagefind = hugo_version(), pagefind_command()
    site = folder / "hugo-site"
    pages = write_hugo_site(public_db, site) if version else 0
    samples: dict[str, list[float]] = {"jinja2": [], "hugo": [], "hugo+pagefind": [], "ours": []}
    peaks: dict[str, float] = {name: 0.0 for name in samples}
    for _ in range(ctx.repeats(size)):
        if ours is not None:
            samples["ours"].append(ours().seconds)
        for name, command in _reference_commands(public_db, folder, site, version, pagefind).items():
            shutil.rmtree(folder / "out", ignore_errors=True)
            done = run(command, env=ctx.env)
            if name == "jinja2":
                pages = int(json.loads(done.stdout)["pages"])
            samples[name].append(done.seconds)
            peaks[name] = max(peaks[name], done.peak_tree_mb)
    shutil.rmtree(folder, ignore_errors=True)
    figures = ReferenceFigures(
        pages,
        samples["jinja2"],
        peaks["jinja2"],
        samples["hugo"] or None,
        peaks["hugo"] or None,
        version,
        samples["hugo+pagefind"] or None,
        peaks["hugo+pagefind"] or None,
        samples["ours"],
    )
    hugo_text = f"{figures.hugo:.2f}s" if figures.hugo is not None else "not installed"
    with_search = f", Hugo + Pagefind {figures.hugo_pagefind:.2f}s" if figures.hugo_pagefind is not None else ""
    ctx.note(f"  references {size}: Jinja2 {figures.jinja2:.2f}s, Hugo {hugo_text}{with_search} for {pages} pages")
    return figures


def _reference_commands(public_db: Path, folder: Path, site: Path, hugo: str | None, pagefind: list[str] | None) -> dict[str, list[str]]:
    """The command of each reference that can run here, each writing into folder/out."""
    out = folder / "out"
    commands = {"jinja2": [sys.executable, "-m", "benchmarks.references", "jinja2", str(public_db), str(out)]}
    if hugo:
        hugo_build = ["hugo", "--quiet", "--source", str(site), "--destination", str(out)]
        commands["hugo"] = hugo_build
        if pagefind:
            # One command, so its time and the peak memory of both processes are measured together.
            script = f"{shlex.join(hugo_build)} && {shlex.join([*pagefind, '--site', str(out)])} >/dev/null"
            commands["hugo+pagefind"] = ["sh", "-c", script]
    return commands


def main() -> None:
    parser = argparse.ArgumentParser(description="The Jinja2 + Markdown reference render, run as its own command.")
    parser.add_argument("engine", choices=["jinja2"])
    parser.add_argument("public_db", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    start = time.perf_counter()
    pages = render_jinja2(args.public_db, args.out)
    print(json.dumps({"pages": pages, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
