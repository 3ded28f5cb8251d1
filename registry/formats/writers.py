"""Every format records are written in, one row each: `commons export`, the site's downloads and each record's JSON use this table.

A new format is a writer function and a row in FORMATS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from registry.formats.csv_text import csv_pieces
from registry.formats.geojson import geojson_pieces, write_geojson
from registry.formats.geopackage import write_geopackage
from registry.formats.json_text import json_pieces
from registry.formats.pieces import PieceWriter
from registry.model.declaration import Kind
from registry.model.errors import ValidationError

Writer = Callable[[Kind, Sequence[Mapping[str, Any]], list[str]], "str | bytes"]
RowWriter = Callable[[Sequence[Mapping[str, Any]], list[str]], str]


@dataclass(frozen=True)
class Format:
    """A file format: its name on the command line, its title and suffix, and how it writes a kind's records."""

    name: str
    title: str
    suffix: str
    media_type: str
    write: Writer
    spatial: bool = False  # only for kinds whose records have a place
    binary: bool = False  # written to a file, never to standard output
    download: bool = True  # one of the site's downloads
    rows: RowWriter | None = None  # for tables that are not a kind's (links, timelines, sources): the tabular formats
    pieces: PieceWriter | None = None  # the same text cut at its records, for formats the site's downloads splice

    def applies_to(self, kind: Kind) -> bool:
        return kind.has_place or kind.place_from is not None or not self.spatial


def csv_rows(records: Sequence[Mapping[str, Any]], columns: list[str]) -> str:
    return csv_pieces(records, columns).text()


def json_rows(records: Sequence[Mapping[str, Any]], columns: list[str]) -> str:
    return json_pieces(records, columns).text()


def write_csv(kind: Kind, records: Sequence[Mapping[str, Any]], columns: list[str]) -> str:
    return csv_rows(records, columns)


def write_json(kind: Kind, records: Sequence[Mapping[str, Any]], columns: list[str]) -> str:
    return json_rows(records, columns)


FORMATS: tuple[Format, ...] = (
    Format("csv", "CSV", ".csv", "text/csv", write_csv, rows=csv_rows, pieces=csv_pieces),
    Format("json", "JSON", ".json", "application/json", write_json, rows=json_rows, pieces=json_pieces),
    Format("geojson", "GeoJSON", ".geojson", "application/geo+json", write_geojson, spatial=True, pieces=geojson_pieces),
    Format("gpkg", "GeoPackage", ".gpkg", "application/geopackage+sqlite3", write_geopackage, spatial=True, binary=True, download=False),
)
FORMAT_BY_NAME = {f.name: f for f in FORMATS}


def get_format(name: str, kind: Kind) -> Format:
    """A format by name, refused with the reason when it cannot hold this kind's records."""
    fmt = FORMAT_BY_NAME.get(name)
    if fmt is None:
        raise ValidationError([f"--format {name!r} is not a format: use one of {', '.join(FORMAT_BY_NAME)}"])
    if not fmt.applies_to(kind):
        flat = " or ".join(f.name for f in FORMATS if not f.spatial)
        raise ValidationError([f"{kind.name} have no location, so there is nothing to put on a map; export them with --format {flat}"])
    return fmt


def downloads_of(kind: Kind) -> list[Format]:
    """The formats the site offers a kind's records in."""
    return [f for f in FORMATS if f.download and f.applies_to(kind)]


def table_downloads() -> list[Format]:
    """The formats the site offers other tables in (links, timelines, sources, citations): the tabular ones."""
    return [f for f in FORMATS if f.download and f.rows is not None]
