"""Which column of a GIS or CSV file feeds which field: explicit mappings and sensible guesses.

Municipal inventories name their columns NOME, Y_WGS84, DENOMINACION or
(in Shapefiles, cut to ten characters) DESCRIPTIO. Staff say what goes where
with `--columns name=NOME,lat=Y`; what they leave out is guessed from common
names in the partners' languages, and every guess is reported before anything
is written, so a wrong one is caught on a dry run.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from registry.model.declaration import Kind
from registry.model.errors import ValidationError, suggest

# Fields that do not exist on records but say where a location comes from.
LOCATION_SOURCES = ("wkt",)

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "slug", "identifier", "identificativo", "identificador", "identifiant", "record_id"),
    "name": (
        "name",
        "nome",
        "nom",
        "nombre",
        "denominazione",
        "denominacion",
        "denomination",
        "title",
        "titolo",
        "titre",
        "titulo",
        "label",
        "ism",
        "nome_bene",
        "nome_spazio",
    ),
    "title": ("title", "titolo", "titre", "titulo", "name", "nome", "nom", "nombre"),
    "lat": (
        "lat",
        "latitude",
        "latitud",
        "latitudine",
        "y",
        "lat_wgs84",
        "lat_dd",
        "y_wgs84",
        "ycoord",
        "y_coord",
        "coord_y",
        "point_y",
        "wgs84_lat",
        "lat_y",
    ),
    "lon": (
        "lon",
        "lng",
        "long",
        "longitude",
        "longitud",
        "longitudine",
        "x",
        "lon_wgs84",
        "lng_wgs84",
        "lon_dd",
        "x_wgs84",
        "xcoord",
        "x_coord",
        "coord_x",
        "point_x",
        "wgs84_lon",
        "lon_x",
    ),
    "wkt": ("wkt", "geom", "geometry", "geometria", "geometrie", "the_geom", "shape", "wkt_geom", "geom_wkt"),
    "city": (
        "city",
        "comune",
        "ciudad",
        "ville",
        "municipio",
        "municipality",
        "town",
        "citta",
        "localita",
        "commune",
        "municipi",
        "madina",
    ),
    "address": ("address", "indirizzo", "direccion", "adresse", "adreca", "addr", "via", "street", "unwan"),
    "country": ("country", "paese", "pais", "pays", "nazione", "country_code", "iso2"),
    "description": ("description", "descrizione", "descripcion", "descriptio", "descrizion", "descript", "desc", "note"),
    "website": ("website", "url", "web", "sito", "sito_web", "sitio_web", "site_web", "homepage"),
    "district": (
        "district",
        "quartiere",
        "barrio",
        "quartier",
        "municipalita",
        "distretto",
        "neighbourhood",
        "neighborhood",
        "barri",
        "circoscrizione",
    ),
    "owner": ("owner", "proprieta", "proprietario", "propietario", "proprietaire"),
    "kind": ("kind", "type", "tipo", "tipologia", "categoria", "category"),
    "status": ("status", "stato", "estado", "statut", "state"),
}


def normalise(name: str) -> str:
    """Column names compared the way people write them: no accents, case or punctuation."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@dataclass
class ColumnPlan:
    """Where each field's value comes from, and what to tell the user about it."""

    sources: dict[str, str] = field(default_factory=dict)
    guesses: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def notes(self, kind: Kind) -> list[str]:
        notes = []
        if self.guesses:
            notes.append(f"guessed columns: {', '.join(self.guesses)} (change with --columns FIELD=COLUMN, e.g. --columns name=NOME,lat=Y)")
        if self.ignored:
            notes.append(
                f"ignored columns that are not fields of {kind.name}: {', '.join(self.ignored)} (map them with --columns FIELD=COLUMN)"
            )
        return notes


def parse_columns(specs: Iterable[str]) -> dict[str, str]:
    """`name=NOME,lat=Y` (the option may repeat) as {field: column}; a malformed pair is an error."""
    mapping: dict[str, str] = {}
    for spec in specs:
        for pair in spec.split(","):
            if not pair.strip():
                continue
            if "=" not in pair:
                raise ValidationError([f"--columns: {pair.strip()!r} is not FIELD=COLUMN (e.g. --columns name=NOME,lat=Y)"])
            target, source = (part.strip() for part in pair.split("=", 1))
            if not target or not source:
                raise ValidationError([f"--columns: {pair.strip()!r} needs both a field and a column, as FIELD=COLUMN"])
            mapping[target] = source
    return mapping


def plan_columns(kind: Kind, columns: list[str], mapping: dict[str, str], *, location_columns: bool) -> ColumnPlan:
    """Decide which column feeds each field: the mapping first, then exact names, then guesses.

    `location_columns` is true for CSV files, where lat/lon or WKT come from
    columns; GIS files carry their location in the geometry instead.
    """
    targets = set(kind.field_names) | (set(LOCATION_SOURCES) if location_columns else set())
    problems = []
    for target, source in mapping.items():
        if target not in targets:
            allowed = sorted(targets)
            problems.append(f"--columns: {target!r} is not a field of {kind.name}{suggest(target, allowed)}; fields: {', '.join(allowed)}")
        if source not in columns:
            problems.append(
                f"--columns {target}={source}: the file has no column {source!r}{suggest_column(source, columns)}; its columns are: {', '.join(columns)}"
            )
    if problems:
        raise ValidationError(problems)
    plan = ColumnPlan(sources=dict(mapping))
    used = set(mapping.values())
    for column in columns:
        # A text in another language (name@it) is a field of its own, read into the record's translations.
        in_language = column.partition("@")[0] in kind.translatable_fields and column.partition("@")[2]
        if (column in targets or in_language) and column not in plan.sources and column not in used:
            plan.sources[column] = column
            used.add(column)
    for column in columns:
        if column in used:
            continue
        guess = _guess(kind, column, targets, plan.sources)
        if guess:
            plan.sources[guess] = column
            plan.guesses.append(f"{column} → {guess}")
            used.add(column)
        else:
            plan.ignored.append(column)
    if location_columns and ("lat" in plan.sources) != ("lon" in plan.sources):
        have, missing = ("lat", "lon") if "lat" in plan.sources else ("lon", "lat")
        raise ValidationError(
            [f"column {plan.sources[have]!r} gives {have} but no column gives {missing}; map it with --columns {missing}=COLUMN"]
        )
    return plan


def suggest_column(value: str, columns: list[str]) -> str:
    """The closest column name, compared without case or accents, as files spell columns every way."""
    by_norm = {normalise(c): c for c in columns}
    close = difflib.get_close_matches(normalise(value), list(by_norm), n=1, cutoff=0.6)
    return f" (did you mean {by_norm[close[0]]!r}?)" if close else ""


def _guess(kind: Kind, column: str, targets: set[str], taken: dict[str, str]) -> str | None:
    norm = normalise(column)
    for target, aliases in ALIASES.items():
        if target in targets and target not in taken and norm in aliases:
            return target
    # Shapefiles cut column names to ten characters: 'descriptio' is 'description'.
    if len(norm) >= 8:
        matches = [f for f in kind.field_names if f.startswith(norm) and f not in taken]
        if len(matches) == 1:
            return matches[0]
    return None
