"""Murmurations profiles: each public actor as an organisation other SSE maps can take from the Murmurations index.

A lab registers the address of each profile with the index (docs: "Other maps");
maps that aggregate from it (Karte von morgen, Mykomap and others) then show
our actors with no import of their own. A profile follows the network's
`organizations_schema-v1.0.0` (vendored, with the fields it uses, in
tests/vendor/murmurations/ for the tests) and the index's default schema. It is
made from the public copy only, so a private field cannot reach it, and every
value is checked against the schema's rule for its field: a value that breaks
one is left out, and an actor whose name breaks the schema has no profile.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.model import essglobal, vocab
from registry.model.kinds import KINDS, LINKS
from registry.model.values import EMAIL_RE, URL_RE, alpha_2_codes
from registry.publishing.files import digest, file_stamp, files_digest, read_json_cache, write_if_changed, write_json_cache
from registry.publishing.plain_text import plain_text
from registry.publishing.public_update import Updated
from registry.store.database import decode_row

SCHEMA = "organizations_schema-v1.0.0"
FOLDER = "murmurations"
ACTORS = "actors"
# The schema's limits on the fields we fill.
MAX_NAME = 200
MAX_TAG = 100
MAX_TAGS = 100
MAX_URL = 2000
MAX_LOCALITY = 100
# The page of a case study or agreement is about the actors it names.
SUBJECT_OF = "https://schema.org/subjectOf"


@dataclass
class Profiles:
    """The profiles a build wrote, and the public actors that have none, with the reason."""

    files: list[Path] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    addressed: bool = True

    def notes(self) -> list[str]:
        """What a build says about the profiles: the actors left out, and what a profile lacks without a public address."""
        notes = [f"no Murmurations profile for actor {actor_id}: {reason}" for actor_id, reason in sorted(self.missing.items())]
        if self.files and not self.addressed:
            notes.append(
                "Murmurations profiles in data/murmurations/ have no links to the actors' pages without --site-url, "
                "and an index takes a profile only by its public address: build with --site-url to register them"
            )
        return notes


def profiles_folder(directory: Path) -> Path:
    """Where the profiles are in the data folder: data/murmurations/."""
    return directory / FOLDER


def profile_path(directory: Path, actor_id: str) -> Path:
    """Where an actor's profile is in the data folder: data/murmurations/<id>.json."""
    return profiles_folder(directory) / profile_name(actor_id)


def profile_name(actor_id: str) -> str:
    return f"{actor_id}.json"


def _url(value: Any) -> str | None:
    """An http(s) address the schema accepts, or None: a `javascript:` or malformed link never reaches a profile."""
    text = str(value or "").strip()
    return text if URL_RE.match(text) and len(text) <= MAX_URL else None


def _unix_time(partial_date: Any) -> int | None:
    """A founding date (YYYY, YYYY-MM or YYYY-MM-DD) as the schema's Unix time: the start of its first day, UTC."""
    text = str(partial_date or "")
    try:
        day = dt.date.fromisoformat((text + "-01-01")[:10] if len(text) < 10 else text)
    except ValueError:
        return None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _geolocation(lat: Any, lon: Any) -> dict[str, float] | None:
    """The actor's point, when it has both coordinates and they are on the globe."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon))
    if not numbers or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"lat": lat, "lon": lon}


def _tags(record: dict[str, Any]) -> list[str]:
    """Words a map filters by: the actor's kind, its ESSGlobal structures and how it governs itself."""
    words = [vocab.label(vocab.ACTOR_KINDS, record.get("kind"))]
    words += [essglobal.STRUCTURES[code] for code in essglobal.actor_structures(record)]
    if record.get("governance") and record["governance"] != "unknown":
        words.append(vocab.label(vocab.GOVERNANCE_MODELS, record["governance"]))
    unique = {w.strip().casefold(): w.strip() for w in reversed(words) if w and w.strip() and len(w.strip()) <= MAX_TAG}
    return list(reversed(unique.values()))[:MAX_TAGS]


def _relationships(record: dict[str, Any], site_url: str | None, related: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The actor's ESSGlobal concepts, and with a public address the case studies and agreements that name it."""
    links = [
        {"predicate_url": essglobal.ORGANISATIONAL_STRUCTURE_PROPERTY, "object_url": essglobal.concept_uri(code)}
        for code in essglobal.actor_structures(record)
    ]
    if site_url:
        pages = sorted({f"{site_url}{kind}/{record_id}/" for kind, record_id in related})
        links += [{"predicate_url": SUBJECT_OF, "object_url": page} for page in pages if _url(page)]
    return links


def actor_profile(record: dict[str, Any], site_url: str | None = None, related: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """An actor's public fields as a Murmurations organisation profile; raise ValueError when the schema cannot take it.

    `related` names the records (kind, id) whose pages are about the actor:
    with the site's public address they become relationships, and the actor's
    own page one of its URLs.
    """
    name = str(record.get("name") or "").strip()
    if not name:
        raise ValueError("it has no name, which the schema requires")
    if len(name) > MAX_NAME:
        raise ValueError(f"its name is {len(name)} characters long and the schema allows {MAX_NAME}")
    country = record.get("country") if record.get("country") in alpha_2_codes() else None
    city = str(record.get("city") or "").strip()
    email = str(record.get("email") or "").strip()
    page = _url(f"{site_url}{ACTORS}/{record['id']}/") if site_url else None
    profile = {
        "linked_schemas": [SCHEMA],
        "name": name,
        "description": plain_text(record.get("description")),
        "primary_url": _url(record.get("website")),
        "urls": [{"name": "Record in the registry", "url": page}] if page else None,
        "tags": _tags(record),
        "locality": city if len(city) <= MAX_LOCALITY else None,
        "full_address": ", ".join(part for part in (city, country) if part),
        "country_iso_3166": country,
        "geolocation": _geolocation(record.get("lat"), record.get("lon")),
        "starts_at": _unix_time(record.get("founded")),
        "contact_details": {"email": email} if EMAIL_RE.match(email) else None,
        "telephone": str(record.get("phone") or "").strip(),
        "relationships": _relationships(record, site_url, related or []),
        "unique_id": record["id"],
    }
    return {key: value for key, value in profile.items() if value not in (None, "", [], {})}


def _related_records(conn: sqlite3.Connection) -> dict[str, list[tuple[str, str]]]:
    """For each actor, the records of other kinds linked to it (the agreements it is party to, its case studies)."""
    related: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for link in LINKS:
        if ACTORS not in (link.left_kind, link.right_kind) or link.left_kind == link.right_kind:
            continue
        actor_column, other_column, other_kind = (
            (link.right_column, link.left_column, link.left_kind)
            if link.right_kind == ACTORS
            else (link.left_column, link.right_column, link.right_kind)
        )
        rows = conn.execute(f"SELECT [{actor_column}], [{other_column}] FROM [{link.table}] ORDER BY 1, 2")
        for actor_id, other_id in rows:
            related[actor_id].append((other_kind, other_id))
    return related


def profile_bytes(profile: dict[str, Any]) -> bytes:
    """A profile as a file: sorted keys and fixed spacing, so the same actor always gives the same bytes."""
    return (json.dumps(profile, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def write_profiles(
    conn: sqlite3.Connection,
    directory: Path,
    site_url: str | None,
    cache: Path | None = None,
    version: str | None = None,
    updated: Updated | None = None,
) -> Profiles:
    """A profile per public actor in <directory>/murmurations/, written only when its bytes change.

    With a cache (the site build keeps one outside its output), an actor whose
    row and links are the same as last time, and whose profile is still on disk
    as written, is not made again: after one edit only that actor's profile is.
    The code and the address are part of the key, so the files stay what a
    clean build would write. `version` is the public copy's, kept with the
    profiles; when they were made from the version an update in place started
    from (`updated`) and it changed no table a profile is made from, not even
    the actors' rows are read.
    """
    code = files_digest([Path(__file__), Path(__file__).with_name("plain_text.py"), Path(essglobal.__file__)])
    previous = read_json_cache(cache)
    known: dict[str, list[Any]] = previous.get("actors", {}) if previous.get("code") == [code, site_url] else {}
    # The copy's version sits in a small file of its own, written last: the profiles' cache is megabytes at 100k actors.
    version_path = cache.with_name(cache.stem + "-version.json") if cache is not None else None
    since = updated.since(read_json_cache(version_path).get("version")) if updated is not None and version is not None else None
    made = _kept_profiles(directory, site_url, known) if known and since is not None and not since.tables & profile_sources() else None
    if made is None:
        made = _made_profiles(conn, directory, site_url, known, cache, [code, site_url])
    if version_path is not None:
        write_json_cache(version_path, {"version": version})
    return made


def profile_sources() -> set[str]:
    """The public tables a profile is made from: the actors, and the links that relate them to other records."""
    return {KINDS[ACTORS].table, *(link.table for link in LINKS if ACTORS in (link.left_kind, link.right_kind))}


def _kept_profiles(directory: Path, site_url: str | None, known: dict[str, list[Any]]) -> Profiles | None:
    """The last build's profiles, when every one is still on disk as written; None otherwise."""
    result = Profiles(addressed=site_url is not None)
    folder = profiles_folder(directory)  # joined once: one Path per profile instead of three took 0.3 s off 35,000
    for actor_id, (_, stamp, refused) in known.items():
        if refused:
            result.missing[actor_id] = refused
            continue
        path = folder / profile_name(actor_id)
        if file_stamp(path) != stamp:
            return None
        result.files.append(path)
    return result


def _made_profiles(
    conn: sqlite3.Connection, directory: Path, site_url: str | None, known: dict[str, list[Any]], cache: Path | None, code: list[Any]
) -> Profiles:
    """Every actor's profile, made again where its row or links changed or its file did."""
    kind = KINDS[ACTORS]
    current: dict[str, list[Any]] = {}
    related = _related_records(conn)
    result = Profiles(addressed=site_url is not None)
    cursor = conn.execute(f"SELECT * FROM [{kind.table}] ORDER BY id")
    columns = [d[0] for d in cursor.description]
    for row in cursor:
        record = decode_row(kind, dict(zip(columns, row, strict=True)))
        actor_id = record["id"]
        key = digest(row, related.get(actor_id, []))
        path = profile_path(directory, actor_id)
        entry = known.get(actor_id)
        if entry and entry[0] == key and (entry[1] == file_stamp(path) or entry[2]):
            current[actor_id] = entry
        else:
            try:
                write_if_changed(path, profile_bytes(actor_profile(record, site_url, related.get(actor_id, []))))
                current[actor_id] = [key, file_stamp(path), None]
            except ValueError as refused:
                current[actor_id] = [key, None, str(refused)]
        if current[actor_id][2]:
            result.missing[actor_id] = current[actor_id][2]
        else:
            result.files.append(path)
    if cache is not None:
        write_json_cache(cache, {"code": code, "actors": current})
    return result
