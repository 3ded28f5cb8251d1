"""What the steps of one build tell each other, from the publish step to the last language's pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from registry.operations.forked import Forked
from registry.site.data import SiteData

if TYPE_CHECKING:
    from registry.publishing.publish import Published
    from registry.site.search_index import Indexed


@dataclass
class BuildState:
    """Which maps exist, which files (relative to the output) the build made, and what the first steps left for the rest."""

    maps: dict[str, bool] = field(default_factory=dict)
    produced: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    rendered: list[str] = field(default_factory=list)
    skipped: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    data: SiteData | None = None  # the public copy read once, shared by every language
    published: Published | None = None  # the publish step's public copy: its version, and what its update replaced
    records_search: Forked[Indexed] | None = None  # the records' search bundles, indexed beside the pages after an edit
