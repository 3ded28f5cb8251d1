"""What each map layer shows, as the map script reads it: made from the kinds' declared map layers.

The words come from the kinds and their vocabularies, so a map legend says what
the CLI and the record pages say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from registry.model.declaration import Kind
from registry.model.kinds import KINDS
from registry.model.vocab import N_


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
    own_map: str | None = None

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


def layer_for(kind: Kind) -> LayerSpec:
    """The map layer a kind declares, in the terms the map script reads."""
    layer = kind.map_layer
    if layer is None:
        raise ValueError(f"{kind.name} declares no map layer")
    return LayerSpec(
        key=kind.name,
        table=kind.table,
        title_column=kind.title_field,
        label=layer.label,
        noun=layer.noun,
        singular=layer.singular,
        base=f"../{kind.name}/",
        color=layer.color,
        color_by=layer.color_by,
        color_title=layer.color_title,
        colors=dict(layer.colors or {}),
        categories={fact: dict(kind.field(fact).choices or {}) for fact in layer.facts},
        facts=layer.facts,
        years=layer.years,
        radius=layer.radius,
        weight=layer.weight,
        stroke=layer.stroke,
        cluster_offset=layer.cluster_offset,
        own_map=layer.own_map,
    )


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
    return replace(
        spec,
        label=gettext(spec.label),
        noun=gettext(spec.noun),
        singular=gettext(spec.singular),
        color_title=gettext(spec.color_title) if spec.color_title else "",
        categories={name: {value: gettext(text) for value, text in words.items()} for name, words in spec.categories.items()},
        own_map=gettext(spec.own_map) if spec.own_map else None,
    )
