"""What a municipal file lacks, filled before the rules run: values for every row, ids made from names, countries.

A city's inventory has names and places but none of our `status` or slug ids.
`--set status=mapped` gives every row a value it leaves empty (its own value
always wins), `--id-from name` makes each id from a field, transliterated to
the id rule and numbered -2, -3... where it would repeat one in the file or
the registry, and a located record without a country gets the one its point
falls in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import ValidationError, suggest
from registry.model.rules import countries_at
from registry.model.slugs import slugify
from registry.model.values import SLUG_RE, coerce_value

MAX_ID = 120

Row = tuple[str, dict[str, Any]]


def check_options(kinds: Sequence[Kind], assignments: Mapping[str, str], id_from: str | None) -> None:
    """Refuse a `--set` or `--id-from` naming a field some imported kind lacks, or a value its field refuses."""
    problems: list[str] = []
    for kind in kinds:
        for name, value in assignments.items():
            if name == "id":
                problems.append(
                    f"--set id={value}: every row would get the same id; give ids in the file or make them with --id-from FIELD"
                )
            elif name not in kind.field_name_set:
                problems.append(
                    f"--set {name}={value}: {kind.name} have no field {name!r}{suggest(name, kind.field_names)}; fields: {', '.join(kind.field_names)}"
                )
            else:
                try:
                    coerce_value(kind.field(name), value)
                except ValueError as exc:
                    problems.append(f"--set {name}={value}: field {name!r}: {exc}")
        if id_from is not None and (id_from not in kind.field_name_set or id_from == "id"):
            problems.append(
                f"--id-from {id_from}: {kind.name} have no field {id_from!r}{suggest(id_from, kind.field_names)} to make ids from; "
                f"name the field a column feeds, e.g. --id-from {kind.title_field}"
            )
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))


def with_assignments(values: Mapping[str, Any], assignments: Mapping[str, str]) -> dict[str, Any]:
    """A row's values, with the `--set` values for the fields it leaves empty."""
    filled = dict(values)
    for name, value in assignments.items():
        if _empty(filled.get(name)):
            filled[name] = value
    return filled


def make_ids(kind: Kind, rows: Sequence[Row], id_from: str, taken: Collection[str]) -> list[Row]:
    """Give each row without an id one slugged from a field, unique within the file and against `taken`.

    Ids the file gives are kept and reserved first, so a made id never takes
    one of them; the first row of a name gets the plain slug, later ones -2,
    -3... in file order, so the same file always makes the same ids.
    """
    used = set(taken) | {str(values["id"]) for _, values in rows if not _empty(values.get("id"))}
    made: list[Row] = []
    problems: list[str] = []
    for where, values in rows:
        if not _empty(values.get("id")):
            made.append((where, values))
            continue
        source = values.get(id_from)
        # A name of only symbols (an emoji) would make an id of a hash: nobody could read or type it.
        named = not _empty(source) and any(c.isalnum() for c in str(source))
        base = slugify(str(source))[:MAX_ID].strip("-") if named else ""
        if not base or not SLUG_RE.fullmatch(base):
            shown = f"{id_from} {str(source)[:60]!r} gives no id" if not _empty(source) else f"no {id_from!r} to make an id from"
            problems.append(f"{where}{kind.singular}: {shown} (--id-from {id_from}); give this row an id")
            continue
        record_id, n = base, 1
        while record_id in used:
            n += 1
            suffix = f"-{n}"
            record_id = base[: MAX_ID - len(suffix)].rstrip("-") + suffix
        used.add(record_id)
        made.append((where, {**values, "id": record_id}))
    if problems:
        raise ValidationError(problems[:20] + ["nothing was imported; fix these rows and run the import again"])
    return made


def fill_countries(records: Sequence[dict[str, Any]]) -> tuple[int, list[tuple[dict[str, Any], str | None]]]:
    """Give located records without a country the one their point falls in, in one lookup.

    Returns how many were filled, and each located record that has a country
    with the country its point falls in, for the "point outside its country"
    warning the caller words.
    """
    located = [values for values in records if values.get("lat") is not None and values.get("lon") is not None]
    if not located:
        return 0, []
    found = countries_at([(values["lat"], values["lon"]) for values in located])
    filled = 0
    given: list[tuple[dict[str, Any], str | None]] = []
    for values, country in zip(located, found, strict=True):
        if values.get("country"):
            given.append((values, country))
        elif country:
            values["country"] = country
            filled += 1
    return filled, given


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []
