"""How a kind of record is declared: its fields, links and what every layer above asks of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Field:
    """One column of a record: its type, whether it is required, and what it means."""

    name: str
    type: str
    description: str
    required: bool = False
    choices: Mapping[str, str] | None = None
    ref: str | None = None
    private: bool = False


@dataclass(frozen=True)
class Kind:
    """A kind of record: the CLI word, its table, its fields and what full-text search covers."""

    name: str
    table: str
    singular: str
    title_field: str
    fields: tuple[Field, ...]
    search_fields: tuple[str, ...]
    index_fields: tuple[str, ...] = ()

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def field_name_set(self) -> frozenset[str]:
        """The field names as a set, for checking every key of every imported row."""
        return frozenset(f.name for f in self.fields)

    @property
    def public_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.private]

    @property
    def private_field_names(self) -> list[str]:
        return [f.name for f in self.fields if f.private]


@dataclass(frozen=True)
class LinkSpec:
    """A many-to-many link between two kinds, stored in its own table, maybe with a role."""

    table: str
    left_kind: str
    left_column: str
    right_kind: str
    right_column: str
    roles: Mapping[str, str] | None
    description: str
