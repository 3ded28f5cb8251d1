"""Long lists cut into numbered pages, so a list page stays light at any size and an edit rewrites few of them.

A list's records are paged in the order of their ids: ids never change, so
renaming a record rewrites only the page it is on, and a record that arrives
or leaves moves only the pages after it. Page 1 is the list's own address;
page n is `page/n/` under it, linked with rel="prev" and rel="next" and by
number, all plain links that work without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from registry.model.declaration import LATER_PAGES

ROWS_PER_PAGE = 100
T = TypeVar("T")
# Numbers shown around the current page before the list of page links is cut with a gap.
AROUND = 2


@dataclass(frozen=True)
class ListPage:
    """One page of a list: its number, its file, its address and the ids it shows."""

    number: int
    count: int  # how many pages the list has
    path: str
    url: str
    ids: list[str]


def page_address(base: str, number: int) -> str:
    """The address of page `number` of the list at `base` (`assets/city/napoli/`), relative to the site root."""
    return base if number == 1 else f"{base}{LATER_PAGES}/{number}/"


def paginate(base: str, ids: list[str], per_page: int = ROWS_PER_PAGE, *, in_given_order: bool = False) -> list[ListPage]:
    """The pages of a list of record ids, in id order (or as given, for a list whose order is its point, soonest first);
    an empty list still has its first page."""
    ordered = list(ids) if in_given_order else sorted(ids)
    chunks = [ordered[n : n + per_page] for n in range(0, len(ordered), per_page)] or [[]]
    return [
        ListPage(number, len(chunks), f"{page_address(base, number)}index.html", page_address(base, number), chunk)
        for number, chunk in enumerate(chunks, 1)
    ]


def page_links(page: ListPage, base: str) -> dict[str, Any] | None:
    """The links a page of a list shows: previous, next and numbered pages, with gaps in a long run; None for a one-page list."""
    if page.count == 1:
        return None
    shown = {1, 2, page.count - 1, page.count, *range(page.number - AROUND, page.number + AROUND + 1)} & set(range(1, page.count + 1))
    shown |= {n for n in range(2, page.count) if n - 1 in shown and n + 1 in shown}  # a gap of one page shows that page instead
    numbers: list[dict[str, Any]] = []
    for number in sorted(shown):
        if numbers and number != numbers[-1]["number"] + 1:
            numbers.append({"gap": True, "number": number - 1})
        numbers.append({"gap": False, "number": number, "url": page_address(base, number), "current": number == page.number})
    return {
        "number": page.number,
        "count": page.count,
        "prev": page_address(base, page.number - 1) if page.number > 1 else None,
        "next": page_address(base, page.number + 1) if page.number < page.count else None,
        "numbers": numbers,
    }


def largest(items: list[T], limit: int, size: Callable[[T], int]) -> list[T]:
    """The `limit` largest items (a list's biggest groups), in their own order: what a page shows of a long list of groups
    before a link to all of them (thousands of cities would otherwise make one page megabytes)."""
    if len(items) <= limit:
        return items
    ranked = sorted(range(len(items)), key=lambda n: (-size(items[n]), n))[:limit]
    return [items[n] for n in sorted(ranked)]
