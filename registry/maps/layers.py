"""What each map layer shows: which table, which colours, which facts in its popups.

The words come from `registry.vocab`, so a map legend says what the CLI and the
record pages say. The colours are chosen so that assets (coloured by status),
actors (by kind) and case studies (purples, by co-production level) stay
distinguishable when the layers overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.model import vocab


@dataclass(frozen=True)
class LayerSpec:
    """One overlay of the maps: a kind of record, how it is coloured and what its popup says."""

    key: str
    table: str
    title_column: str
    label: str
    noun: str
    singular: str
    base: str
    color: str
    color_by: str | None = None
    color_title: str = ""
    colors: dict[str, str] = field(default_factory=dict)
    categories: dict[str, dict[str, str]] = field(default_factory=dict)
    facts: tuple[str, ...] = ()
    years: bool = False
    radius: int = 7
    weight: float = 1.5
    stroke: str = "#ffffff"
    cluster_offset: tuple[int, int] = (0, 0)

    def config(self, file: str, names: str) -> dict[str, Any]:
        """The layer's settings as the map script reads them."""
        return {
            "key": self.key,
            "file": file,
            "names": names,
            "label": self.label,
            "noun": self.noun,
            "singular": self.singular,
            "base": self.base,
            "color": self.color,
            "colorBy": self.color_by,
            "colorTitle": self.color_title,
            # Lists of pairs, not objects: the legend keeps the vocabulary's order.
            "colors": [[value, color] for value, color in self.colors.items()],
            "labels": {name: [[v, label] for v, label in words.items()] for name, words in self.categories.items()},
            "facts": list(self.facts),
            "radius": self.radius,
            "weight": self.weight,
            "stroke": self.stroke,
            "clusterOffset": list(self.cluster_offset),
        }


STATUS_COLORS = {
    "mapped": "#6b7280",
    "unused": "#b45309",
    "occupied": "#dc2626",
    "recognised": "#2563eb",
    "under_agreement": "#059669",
    "lost": "#111827",
}

ACTOR_KIND_COLORS = {
    "cooperative": "#1f77b4",
    "association": "#ff7f0e",
    "foundation": "#2ca02c",
    "mutual": "#d62728",
    "social_enterprise": "#9467bd",
    "community_bank": "#8c564b",
    "informal_collective": "#e377c2",
    "network": "#7f7f7f",
    "ngo": "#bcbd22",
    "public_body": "#17becf",
    "university": "#393b79",
    "other": "#c7c7c7",
}

LEVEL_COLORS = {
    "compliance": "#c4b5fd",
    "support": "#8b5cf6",
    "transformation": "#4c1d95",
}

ASSETS = LayerSpec(
    key="assets",
    table="assets",
    title_column="name",
    label="Commons assets",
    noun="commons assets",
    singular="Commons asset",
    base="../assets/",
    color="#0f766e",
    color_by="status",
    color_title="status",
    colors=STATUS_COLORS,
    categories={"kind": vocab.ASSET_KINDS, "status": vocab.ASSET_STATUSES},
    facts=("kind", "status"),
    cluster_offset=(-12, 7),
)

ACTORS = LayerSpec(
    key="actors",
    table="actors",
    title_column="name",
    label="SSE actors",
    noun="SSE actors",
    singular="SSE actor",
    base="../actors/",
    color="#c2410c",
    color_by="kind",
    color_title="kind",
    colors=ACTOR_KIND_COLORS,
    categories={"kind": vocab.ACTOR_KINDS},
    facts=("kind",),
    radius=5,
    weight=1.5,
    stroke="#222222",
    cluster_offset=(12, 7),
)

CASES = LayerSpec(
    key="cases",
    table="case_studies",
    title_column="title",
    label="Case studies",
    noun="case studies",
    singular="Case study",
    base="../cases/",
    color="#a78bfa",
    color_by="level",
    color_title="co-production level",
    colors=LEVEL_COLORS,
    categories={"level": vocab.LEVELS},
    facts=("level",),
    years=True,
    radius=8,
    weight=2,
    stroke="#ffffff",
    cluster_offset=(0, -14),
)

LAYERS: tuple[LayerSpec, ...] = (ASSETS, ACTORS, CASES)
LAYER_BY_KEY = {spec.key: spec for spec in LAYERS}
