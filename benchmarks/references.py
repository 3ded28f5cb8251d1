"""The yardsticks for the build: the same record pages rendered by plain Jinja2 + Markdown, and by Hugo.

Both render one page per public record (the same count our build makes) from
the build's own public.db, with a minimal template: a title, the record's
short fields as a list and its long texts as Markdown. The Jinja2 side is the
lower bound a Python generator can reach; Hugo is what partners would compare
us with. Each runs as a command, cold, like `commons build`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .context import Context
from .measure import median, run

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

    @property
    def jinja2(self) -> float:
        return median(self.jinja2_seconds)

    @property
    def hugo(self) -> float | None:
        return median(self.hugo_seconds) if self.hugo_seconds else None


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


def measure_references(ctx: Context, public_db: Path, size: int) -> ReferenceFigures:
    """Time the Jinja2 and Hugo renders of the same record pages, each into a fresh folder."""
    folder = ctx.folder(str(size), "references")
    jinja_times: list[float] = []
    jinja_peak = 0.0
    pages = 0
    for _ in range(ctx.repeats(size)):
        out = folder / "jinja2"
        shutil.rmtree(out, ignore_errors=True)
        done = run([sys.executable, "-m", "benchmarks.references", "jinja2", str(public_db), str(out)], env=ctx.env)
        pages = int(json.loads(done.stdout)["pages"])
        jinja_times.append(done.seconds)
        jinja_peak = max(jinja_peak, done.peak_tree_mb)
    shutil.rmtree(folder / "jinja2", ignore_errors=True)
    version = hugo_version()
    hugo_times: list[float] | None = None
    hugo_peak: float | None = None
    if version:
        site = folder / "hugo-site"
        write_hugo_site(public_db, site)
        hugo_times, hugo_peak = [], 0.0
        for _ in range(ctx.repeats(size)):
            out = folder / "hugo-out"
            shutil.rmtree(out, ignore_errors=True)
            done = run(["hugo", "--quiet", "--source", str(site), "--destination", str(out)], env=ctx.env)
            hugo_times.append(done.seconds)
            hugo_peak = max(hugo_peak, done.peak_tree_mb)
        shutil.rmtree(folder, ignore_errors=True)
    figures = ReferenceFigures(pages, jinja_times, jinja_peak, hugo_times, hugo_peak, version)
    hugo_text = f"{figures.hugo:.2f}s" if figures.hugo is not None else "not installed"
    ctx.note(f"  references {size}: Jinja2 {figures.jinja2:.2f}s, Hugo {hugo_text} for {pages} pages")
    return figures


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
