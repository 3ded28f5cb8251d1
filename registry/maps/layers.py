"""What each map layer shows, as the map script reads it: made from the kinds' declared map layers.

The words come from the kinds and their vocabularies, so a map legend says what
the CLI and the record pages say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from registry.model.declaration import Kind, MapLayer
from registry.model.kinds import KINDS
from registry.model.vocab import N_


@dataclass(frozen=True)
class LayerSpec:
    """One overlay of the maps: a kind's records, drawn as its declared map layer says, with its categories' words."""

    key: str
    table: str
    title_column: str
    base: str
    style: MapLayer
    categories: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def years(self) -> bool:
        return self.style.years

    @property
    def own_map(self) -> str | None:
        return self.style.own_map

    def config(self, file: str) -> dict[str, Any]:
        """The layer's settings as the map script reads them."""
        style = self.style
        return {
            "key": self.key,
            "file": file,
            "label": style.label,
            "noun": style.noun,
            "singular": style.singular,
            "base": self.base,
            "color": style.color,
            "colorBy": style.color_by,
            "colorTitle": style.color_title,
            # Lists of pairs, not objects: the legend keeps the vocabulary's order.
            "colors": [[value, color] for value, color in (style.colors or {}).items()],
            "labels": {name: [[v, label] for v, label in words.items()] for name, words in self.categories.items()},
            "facts": list(style.facts),
            "radius": style.radius,
            "weight": style.weight,
            "stroke": style.stroke,
            "clusterOffset": list(style.cluster_offset),
        }


def layer_for(kind: Kind) -> LayerSpec:
    """The map layer a kind declares, with the words of the categories its popups show."""
    if kind.map_layer is None:
        raise ValueError(f"{kind.name} declares no map layer")
    categories = {fact: dict(kind.field(fact).choices or {}) for fact in kind.map_layer.facts}
    return LayerSpec(kind.name, kind.table, kind.title_field, f"../{kind.name}/", kind.map_layer, categories)


def map_layers() -> list[LayerSpec]:
    """Every kind's layer, in the kinds' order: the maps show what the declarations say."""
    return [layer_for(kind) for kind in KINDS.values() if kind.map_layer is not None]


# The map script's interface words, in English; a page hands them to the script in its own language.
SCRIPT_WORDS = {
    "legend": N_("Legend"),
    "colouredBy": N_("{label} by {what}"),
    "notRecorded": N_("{what} not recorded"),
    "groupHint": N_("group of {noun}: zoom in"),
    "clusterTitle": N_("{n} {noun}: zoom in"),
    "here": N_("{n} {noun} here"),
    "more": N_("… and {n} more"),
    "noRecord": N_("No record to show: the address should end in #assets/<id>, #actors/<id> or #cases/<id>."),
    "notOnMap": N_("This record is not on the map."),
    "noLocation": N_("This record has no location on the map."),
    "failed": N_("The map data could not be loaded."),
}


def translated_layer(spec: LayerSpec, gettext: Callable[[str], str]) -> LayerSpec:
    """A layer with its words in a language: its names, its colour legend's title, its categories' labels."""
    style = spec.style
    words = replace(
        style,
        label=gettext(style.label),
        noun=gettext(style.noun),
        singular=gettext(style.singular),
        color_title=gettext(style.color_title) if style.color_title else "",
        own_map=gettext(style.own_map) if style.own_map else None,
    )
    categories = {name: {value: gettext(text) for value, text in labels.items()} for name, labels in spec.categories.items()}
    return replace(spec, style=words, categories=categories)
