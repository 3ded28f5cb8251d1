"""Plain-text output for people: aligned tables and record sheets that fit a terminal."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from typing import Any


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).replace("\n", " ")


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], width: int | None = None) -> str:
    """An aligned table; the widest column is shortened so a line fits the terminal."""
    if not rows:
        return "(none)"
    width = width or shutil.get_terminal_size((120, 20)).columns
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    while sum(widths) + 2 * (len(widths) - 1) > width and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def fit(text: str, w: int) -> str:
        return text if len(text) <= w else text[: w - 1] + "…"

    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(fit(v, w).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def format_record(details: Mapping[str, Any], field_names: Sequence[str]) -> str:
    """A record sheet: its fields (and its term's state), then links, terms, timeline and sources."""
    width = max(len(f) for f in field_names)
    lines = [f"{name.ljust(width)}  {_cell(details.get(name))}" for name in field_names if details.get(name) not in (None, "", [])]
    if details.get("term_state"):
        lines.append(f"{'term'.ljust(width)}  {details['term_state']}")
    for kind, linked in (details.get("links") or {}).items():
        lines.append(f"\n{kind}:")
        for item in linked:
            role = f" ({item['role']})" if item.get("role") else ""
            lines.append(f"  {item['id']}{role} — {item.get('title') or ''}")
    if details.get("terms"):
        lines.append("\nterms:")
        for term in details["terms"]:
            act = f" — {term['instrument']}" if term.get("instrument") else ""
            source = f" <{term['source_url']}>" if term.get("source_url") else ""
            lines.append(f"  {term.get('starts_on') or '?'} to {term.get('ends_on') or 'open-ended'}{act}{source}")
    if details.get("timeline"):
        lines.append("\ntimeline:")
        for step in details["timeline"]:
            doc = f" — {step['document']}" if step.get("document") else ""
            lines.append(f"  {step['happened_on']}  {step['status']}{doc}")
    if details.get("sources"):
        lines.append("\nsources:")
        for source in details["sources"]:
            lines.append(f"  [{source['id']}] {source['title']} <{source['url']}>")
    return "\n".join(lines)
