"""Likely duplicates: two records of one kind with alike names at the same place, and one score for how likely.

The warning at entry (`add`, `import`) and `commons duplicates` ask the same
question and get the same answer:

    score = 0.75 × name + 0.25 × place        (0 to 100)

- name: how alike the two names are (0 to 100, `name_similarity`), once case
  and accents are folded, punctuation dropped, and words that say little about
  which place it is ("ex", articles, "di", "de"...) left out: "L'Asilo" and
  "L'Asilo (ex Asilo Filangieri)" are 90 alike, "Transition Italia" and
  "Citizen Association for Energy Transition" 67.
- place: 100 when both give the same street and house number ("vico g. maffei,
  4" is "Vico Giuseppe Maffei 4"), unless their cities differ or their points
  are over a kilometre apart; otherwise, when both are located within 100 m of
  each other, 100 at the same point falling to 50 at 100 m; else 0.

A pair scoring DUPLICATE_SCORE (80) or more is a likely duplicate: alike names
within 100 m or at the same address. A name alone scores at most 75, so the same
name a kilometre away, or with no place to compare, is not warned about;
`commons duplicates KIND --min-score 70` lists such pairs too.

Work per record is bounded: records are found by a grid of ~111 m cells and by
street and house number, and each is compared with at most MAX_COMPARED others.
"""

from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from registry.model.declaration import Kind

DUPLICATE_SCORE = 80
NAME_WEIGHT, PLACE_WEIGHT = 0.75, 0.25
CONTAINED_WEIGHT = 0.9  # one name's words all found in the other: alike, not the same
NAME_ONLY_MAX = round(100 * NAME_WEIGHT)  # the best score a pair with nothing but a name in common can reach
DUPLICATE_RADIUS_M = 100.0
ADDRESS_CONTRADICTED_M = 1_000.0  # two points this far apart are not one address, whatever the text says
CELL_DEGREES = 0.001  # about 111 m of latitude
METRES_PER_DEGREE = 111_195.0  # of latitude, and of longitude at the equator
MAX_COMPARED = 200  # where more stand at one spot (all put at a town's centre), those in its own cell come first
MAX_BLOCK = 50  # a name word shared by more records than this tells nothing about which pairs are alike

# Words that tell places apart poorly: "ex", and articles and prepositions of the languages our labs write in.
# fmt: off
NAME_STOP_WORDS = frozenset((
    "ex", "the", "of", "and", "a", "l", "la", "le", "lo", "il", "i", "gli", "di", "del", "della", "dello", "dei",
    "degli", "delle", "da", "e", "ed", "d", "de", "el", "los", "las", "y", "des", "du", "et", "les", "o", "os", "as",
    "do", "dos", "das", "al", "en", "in", "on", "at", "for", "per", "con", "para", "por",
))
# Words that name the type of street: "Via Maffei 4" and "Vico Maffei 4" are told apart by the rest.
STREET_TYPE_WORDS = frozenset((
    "via", "viale", "vle", "vico", "vicolo", "piazza", "piazzale", "piazzetta", "pza", "pzza", "largo", "corso",
    "cso", "salita", "calata", "strada", "str", "traversa", "rampa", "rampe", "lungomare", "contrada", "localita",
    "carrer", "calle", "cl", "avenida", "avinguda", "avda", "av", "plaza", "placa", "pl", "paseo", "passeig",
    "camino", "cami", "ronda", "rua", "travessa", "estrada", "praca", "avenue", "ave", "street", "st", "road", "rd",
    "lane", "ln", "square", "sq", "place", "rue", "boulevard", "bd", "chemin", "allee", "ulica", "ul", "aleja", "al",
))
# fmt: on
# Abbreviations written with a dot inside a word, spelt out before the address is cut into words.
ADDRESS_ABBREVIATIONS = (
    (re.compile(r"\bv\.\s?le\b"), "viale"),
    (re.compile(r"\bp\.\s?(?:zza|za|zzale)\b"), "piazza"),
    (re.compile(r"\bc\.\s?so\b"), "corso"),
    (re.compile(r"\bc/\s?"), "calle "),
)
WORD_RE = re.compile(r"[^\W_]+")
BRACKETS_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def fold(text: str) -> str:
    """Lower case without accents: "Città" and "citta" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_name(text: str) -> str:
    """A name as compared: folded words, without punctuation or words that tell places apart poorly."""
    words = WORD_RE.findall(fold(text))
    telling = [w for w in words if w not in NAME_STOP_WORDS]
    return " ".join(telling or words)


@dataclass(frozen=True)
class Address:
    """A street address reduced to what identifies it: the house number and the street's own words."""

    number: str
    street: tuple[str, ...]

    def buckets(self) -> Iterator[tuple[str, str]]:
        """Buckets to find it by: its number with each full word of its street."""
        for word in self.street:
            if len(word) > 2:
                yield self.number, word


def normalise_address(text: str | None) -> Address | None:
    """The number and street of an address, or None when it gives no house number to compare."""
    if not text:
        return None
    folded = BRACKETS_RE.sub(" ", fold(text))
    for pattern, spelt in ADDRESS_ABBREVIATIONS:
        folded = pattern.sub(spelt, folded)
    street: list[str] = []
    for word in WORD_RE.findall(folded):
        if any(c.isdigit() for c in word):
            telling = tuple(w for w in street if w not in STREET_TYPE_WORDS and w not in NAME_STOP_WORDS)
            return Address(word, telling) if any(len(w) > 2 for w in telling) else None
        street.append(word)
    return None


def same_street(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether the shorter street's words appear in the longer's, in order; an initial stands for its word."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    position = 0
    for word in short:
        while position < len(long) and not _same_word(word, long[position]):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True


def _same_word(a: str, b: str) -> bool:
    return a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres; plenty for a 100 m duplicate check."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Candidate:
    """A record as the comparison sees it: its id, name, point, address and city, each normalised once."""

    id: str
    title: str
    name: str
    lat: float | None = None
    lon: float | None = None
    address: Address | None = None
    city: str = ""

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


def candidate(kind: Kind, values: Mapping[str, Any]) -> Candidate:
    """A record's values (stored or about to be) made ready to compare."""
    title = str(values.get(kind.title_field) or "")
    lat, lon = values.get("lat"), values.get("lon")
    return Candidate(
        id=str(values["id"]),
        title=title,
        name=normalise_name(title),
        lat=float(lat) if lat is not None and lon is not None else None,
        lon=float(lon) if lat is not None and lon is not None else None,
        address=normalise_address(values.get("address")),
        city=normalise_name(str(values.get("city") or "")),
    )


@dataclass(frozen=True)
class Match:
    """Two records that may be one, with the score and the evidence behind it."""

    first: Candidate
    second: Candidate
    score: int
    name: int
    distance_m: float | None
    same_address: bool

    def reasons(self) -> str:
        """Why, in words: "names 90% alike, 14 m apart, same address"."""
        said = [f"names {self.name}% alike"]
        if self.distance_m is not None:
            said.append(f"{self.distance_m:,.0f} m apart" if self.distance_m < 10_000 else f"{self.distance_m / 1000:,.0f} km apart")
        if self.same_address:
            said.append("same address")
        return ", ".join(said)

    def as_json(self) -> dict[str, Any]:
        return {
            "ids": [self.first.id, self.second.id],
            "names": [self.first.title, self.second.title],
            "score": self.score,
            "name_similarity": self.name,
            "distance_m": None if self.distance_m is None else round(self.distance_m, 1),
            "same_address": self.same_address,
        }


def name_similarity(a: str, b: str) -> int:
    """How alike two normalised names are, 0 to 100.

    The best of rapidfuzz's plain ratio (a typo), the ratio with words sorted
    (words swapped) and nine tenths of token_set_ratio, which is full when one
    name's words are all in the other ("asilo" in "asilo asilo filangieri"):
    strong, but not the same name. WRatio was not used: it gives 86 to any two
    long names that share one word ("transition", "community").
    """
    if not a or not b:
        return 0
    return _whole(max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b), CONTAINED_WEIGHT * fuzz.token_set_ratio(a, b)))


def score_pair(a: Candidate, b: Candidate) -> Match:
    """How likely two records are one, by the rule in this module's docstring."""
    place, distance, same_address = _place(a, b)
    name = name_similarity(a.name, b.name)
    return Match(a, b, _whole(NAME_WEIGHT * name + PLACE_WEIGHT * place), name, distance, same_address)


def match_at_least(a: Candidate, b: Candidate, min_score: int) -> Match | None:
    """The pair's match when it scores min_score or more, else None.

    The place is weighed first: it is cheap, and a pair with no place in common
    cannot reach the warning, so most pairs a grid cell holds stop before their
    names are compared.
    """
    place, distance, same_address = _place(a, b)
    if _whole(NAME_WEIGHT * 100 + PLACE_WEIGHT * place) < min_score:
        return None
    name = name_similarity(a.name, b.name)
    score = _whole(NAME_WEIGHT * name + PLACE_WEIGHT * place)
    return Match(a, b, score, name, distance, same_address) if score >= min_score else None


def _place(a: Candidate, b: Candidate) -> tuple[float, float | None, bool]:
    """The place score (0 to 100), the distance in metres when both are located, and whether the address is the same."""
    distance = None
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        distance = distance_m(a.lat, a.lon, b.lat, b.lon)
    same_address = (
        a.address is not None
        and b.address is not None
        and a.address.number == b.address.number
        and same_street(a.address.street, b.address.street)
        and (not a.city or not b.city or a.city == b.city)
        and (distance is None or distance <= ADDRESS_CONTRADICTED_M)
    )
    if same_address:
        return 100.0, distance, True
    if distance is not None and distance <= DUPLICATE_RADIUS_M:
        return 100 - 50 * distance / DUPLICATE_RADIUS_M, distance, False
    return 0.0, distance, False


def _whole(value: float) -> int:
    """Rounded half up, as people round: 92.5 is 93."""
    return math.floor(value + 0.5)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


class PlaceIndex:
    """Records by where they are: a grid of ~111 m cells, and buckets by house number and street word."""

    def __init__(self) -> None:
        # Cells by row, then by column: one dict lookup per row of cells, and plain ints after.
        self._cells: dict[int, dict[int, list[tuple[float, float, Candidate]]]] = defaultdict(lambda: defaultdict(list))
        self._streets: dict[tuple[str, str], list[Candidate]] = defaultdict(list)

    def add(self, record: Candidate) -> None:
        if record.lat is not None and record.lon is not None:
            row, col = _cell(record.lat, record.lon)
            self._cells[row][col].append((record.lat, record.lon, record))
        if record.address is not None:
            for key in record.address.buckets():
                self._streets[key].append(record)

    def neighbours(self, record: Candidate) -> list[Candidate]:
        """Records that could share its place: in its cell and those around it first, then at its address."""
        found: dict[str, Candidate] = {}
        for other in self._near_then_same_street(record):
            if other.id != record.id:
                found.setdefault(other.id, other)
                if len(found) >= MAX_COMPARED:
                    break
        return list(found.values())

    def _near_then_same_street(self, record: Candidate) -> Iterator[Candidate]:
        yield from self._near(record)
        if record.address is not None:
            for key in record.address.buckets():
                yield from self._streets.get(key, ())

    def _near(self, record: Candidate) -> Iterator[Candidate]:
        """Records within the radius, its own cell first; a flat-earth test, exact enough at 100 m, skips the rest."""
        lat, lon = record.lat, record.lon
        if lat is None or lon is None:
            return
        row, col = _cell(lat, lon)
        shrink = max(math.cos(math.radians(lat)), 0.02)
        # A cell is ~111 m tall but narrower away from the equator: look as many columns either side as 111 m needs.
        span = min(50, math.ceil(1 / shrink))
        reach = (DUPLICATE_RADIUS_M * 1.01 / METRES_PER_DEGREE) ** 2
        empty: dict[int, list[tuple[float, float, Candidate]]] = {}
        cells = [(row, col)] + [(r, c) for r in (row - 1, row, row + 1) for c in range(col - span, col + span + 1) if (r, c) != (row, col)]
        for r, c in cells:
            for other_lat, other_lon, other in self._cells.get(r, empty).get(c, ()):
                if (other_lat - lat) ** 2 + ((other_lon - lon) * shrink) ** 2 <= reach:
                    yield other


def stored_candidates(conn: sqlite3.Connection, kind: Kind, condition: str = "", params: Sequence[Any] = ()) -> Iterator[Candidate]:
    """A kind's stored records, ready to compare; only those meeting a SQL condition when one is given."""
    columns = ["id", kind.title_field, *(c for c in ("lat", "lon", "address", "city") if c in kind.field_name_set)]
    sql = f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{kind.table}]" + (f" WHERE {condition}" if condition else "")
    for row in conn.execute(sql, list(params)):
        yield candidate(kind, dict(zip(columns, row, strict=True)))


def likely_duplicates(records: Sequence[Candidate], index: PlaceIndex, min_score: int = DUPLICATE_SCORE) -> Iterator[tuple[int, Match]]:
    """Each record (by position) with the earlier ones it may duplicate, best first; every record joins the index."""
    for position, record in enumerate(records):
        matches = [m for other in index.neighbours(record) if (m := match_at_least(record, other, min_score)) is not None]
        matches.sort(key=lambda m: (-m.score, m.second.id))
        for match in matches:
            yield position, match
        index.add(record)


def find_duplicates(conn: sqlite3.Connection, kind: Kind, min_score: int = DUPLICATE_SCORE) -> list[Match]:
    """Likely pairs already in the registry, best first: alike names at one place and, when min_score is NAME_ONLY_MAX or less, anywhere."""
    records = list(stored_candidates(conn, kind))
    found = {_pair_key(m): m for _, m in likely_duplicates(records, PlaceIndex(), min_score)}
    if min_score <= NAME_ONLY_MAX:
        compared = set(found)
        for a, b in _sharing_a_word(records):
            key = tuple(sorted((a.id, b.id)))
            if key not in compared:
                compared.add(key)
                if (match := match_at_least(a, b, min_score)) is not None:
                    found[key] = match
    ordered = [_in_id_order(m) for m in found.values()]
    return sorted(ordered, key=lambda m: (-m.score, m.first.id, m.second.id))


def _pair_key(match: Match) -> tuple[str, ...]:
    return tuple(sorted((match.first.id, match.second.id)))


def _in_id_order(match: Match) -> Match:
    if match.first.id <= match.second.id:
        return match
    return Match(match.second, match.first, match.score, match.name, match.distance_m, match.same_address)


def _sharing_a_word(records: Iterable[Candidate]) -> Iterator[tuple[Candidate, Candidate]]:
    """Pairs whose names share a word that few names have, or the whole name: where alike names are found."""
    blocks: dict[str, list[Candidate]] = defaultdict(list)
    for record in records:
        for word in {*(w for w in record.name.split() if len(w) > 2), "=" + record.name}:
            blocks[word].append(record)
    for members in blocks.values():
        if 1 < len(members) <= MAX_BLOCK:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    yield a, b
