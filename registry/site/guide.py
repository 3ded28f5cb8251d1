"""The guidebook's chapters in reading order, each knowing its neighbours.

Chapters are Pelican pages from content/guide; their `Order` metadata, not
their file names, decides the sequence shown by previous/next links.
"""

from __future__ import annotations

from typing import Any


def _order(page: Any) -> tuple[int, str]:
    try:
        return int(str(getattr(page, "order", ""))), page.slug
    except ValueError:
        return 10_000, page.slug


def order_chapters(pages: list[Any]) -> list[Any]:
    """The guide's pages sorted by Order, with `prev_chapter`, `next_chapter` and `number` set on each."""
    chapters = sorted((p for p in pages if getattr(p, "section", "") == "guide/"), key=_order)
    for n, page in enumerate(chapters):
        page.number = n + 1
        page.prev_chapter = chapters[n - 1] if n > 0 else None
        page.next_chapter = chapters[n + 1] if n + 1 < len(chapters) else None
    return chapters


def chapter_list(chapters: list[Any]) -> list[dict[str, Any]]:
    """The chapters as plain data for the guide's contents page and the home page."""
    return [
        {"number": getattr(p, "number", n + 1), "title": p.title, "url": p.url, "summary": str(getattr(p, "summary", "") or "")}
        for n, p in enumerate(chapters)
    ]
