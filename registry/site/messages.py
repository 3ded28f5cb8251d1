"""The site's messages that live in declarations rather than in `_()` calls, for Babel's extraction.

Kinds declare their titles, menu words, index lines, filters, list columns,
fields and map layers once (registry/model/kinds.py), and the vocabularies
their labels and explanations (registry/model/vocab.py). This extractor hands
all of them to `pybabel extract`, so the catalogues cover them without each
being wrapped in a marker.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from registry.model import vocab
from registry.model.kinds import KINDS
from registry.model.relations import RELATIONS

Message = tuple[int, str, Any, list[str]]


def _labels(mapping: Mapping[Any, Any], comment: str) -> Iterator[Message]:
    for value in mapping.values():
        if isinstance(value, str) and value:
            yield 0, "gettext", value, [comment]


def declared_messages() -> Iterator[Message]:
    """Every word a kind or vocabulary declares for people, with a comment saying where it is shown."""
    for kind in KINDS.values():
        where = f"kind {kind.name}"
        yield 0, "gettext", kind.plural_title, [f"{where}: heading of its pages"]
        if kind.menu:
            yield 0, "gettext", kind.menu, [f"{where}: menu entry"]
        yield 0, "ngettext", kind.lede, [f"{where}: line under its index heading; {{count}} is the number of records"]
        if kind.description:
            yield 0, "gettext", kind.description, [f"{where}: what one record is (data page)"]
        for facet in kind.facets:
            yield 0, "gettext", facet.title, [f"{where}: filter heading"]
        for column in kind.list_columns:
            yield 0, "gettext", column.title, [f"{where}: column of its lists"]
        for f in kind.fields:
            yield 0, "gettext", f.title, [f"{where}: name of the field {f.name}"]
            yield 0, "gettext", f.description, [f"{where}: what the field {f.name} holds (data page)"]
        if kind.contributions is not None and kind.contributions.suggest:
            yield 0, "gettext", kind.contributions.suggest, [f"{where}: call to suggest a new record (contribution forms)"]
        layer = kind.map_layer
        if layer is not None:
            for text in (layer.label, layer.noun, layer.singular, layer.color_title, layer.own_map or ""):
                if text:
                    yield 0, "gettext", text, [f"{where}: map layer"]
    for relation in RELATIONS:
        where = f"table {relation.table}"
        yield 0, "gettext", relation.title, [f"{where}: its name on the data page"]
        yield 0, "gettext", relation.description, [f"{where}: what one row is (data page)"]
        for f in relation.fields:
            yield 0, "gettext", f.description, [f"{where}: what the column {f.name} holds (data page)"]
    for name in sorted(dir(vocab)):
        value = getattr(vocab, name)
        if name.isupper() and isinstance(value, dict) and not name.endswith("_COLORS"):
            yield from _labels(value, f"vocabulary {name}")


def extract_declarations(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[Message]:
    """Babel's extraction method: the file it is given only says where; the messages come from the declarations."""
    yield from declared_messages()
