"""An import warns about records that may duplicate one nearby or at the same address, however large the batch."""

from __future__ import annotations

import sqlite3

import pytest

from registry.model.kinds import KINDS
from registry.operations.duplicates import (
    DUPLICATE_SCORE,
    MAX_COMPARED,
    NAME_ONLY_MAX,
    PlaceIndex,
    candidate,
    normalise_address,
    normalise_name,
    same_street,
    score_pair,
)
from registry.operations.inserting import possible_duplicates

ASSETS = KINDS["assets"]


def test_a_close_name_within_100_m_is_warned_about_in_the_batch_and_the_registry() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE assets (id, name, lat, lon, address, city)")
    conn.execute("INSERT INTO assets VALUES ('lido-pola', 'Lido Pola', 40.7990, 14.1670, NULL, NULL)")
    items = [
        ("line 2: ", {"id": "lido-pola-2", "name": "Lido  Pola!", "lat": 40.7995, "lon": 14.1672}),  # 58 m away
        ("line 3: ", {"id": "far-pola", "name": "Lido Pola", "lat": 40.8100, "lon": 14.1670}),  # 1.2 km away
        ("line 4: ", {"id": "villa", "name": "Villa Medusa", "lat": 40.7991, "lon": 14.1671}),  # near, another name
        ("line 5: ", {"id": "far-pola-bis", "name": "Lido Pola bis", "lat": 40.8101, "lon": 14.1671}),  # near line 3
    ]
    warnings = possible_duplicates(conn, ASSETS, items)
    assert warnings == [
        "warning: line 2: asset 'lido-pola-2' may duplicate 'lido-pola' (score 93: names 100% alike, 58 m apart)",
        "warning: line 5: asset 'far-pola-bis' may duplicate 'far-pola' (score 91: names 90% alike, 14 m apart)",
    ]


def test_the_same_address_written_two_ways_is_warned_about_without_coordinates() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE assets (id, name, lat, lon, address, city)")
    conn.execute("INSERT INTO assets VALUES ('nap-asilo', 'Ex Asilo Filangieri', NULL, NULL, 'Vico Giuseppe Maffei 4, Napoli', 'Napoli')")
    items = [
        ("line 2: ", {"id": "asilo", "name": "L'Asilo", "address": "vico g. maffei, 4", "city": "Napoli"}),
        ("line 3: ", {"id": "asilo-torino", "name": "L'Asilo", "address": "vico g. maffei, 4", "city": "Torino"}),
    ]
    assert possible_duplicates(conn, ASSETS, items) == [
        "warning: line 2: asset 'asilo' may duplicate 'nap-asilo' (score 93: names 90% alike, same address)"
    ]


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("Vico Giuseppe Maffei 4 (also given as via Maffei 4), Napoli", "vico g. maffei, 4", True),
        ("Via Maffei 4", "Vico Maffei 4", True),
        ("P.zza Dante 1, Napoli", "Piazza Dante, 1", True),
        ("Carrer de la Constitució 85-89, 08014 Barcelona", "carrer constitucio 85", True),
        ("Vico Giuseppe Maffei 4", "Vico Giuseppe Maffei 6", False),
        ("Vico Giuseppe Maffei 4", "Via Toledo 4", False),
    ],
)
def test_an_address_is_the_same_whatever_its_spelling_and_punctuation(one: str, other: str, same: bool) -> None:
    a, b = normalise_address(one), normalise_address(other)
    assert a is not None and b is not None
    assert (a.number == b.number and same_street(a.street, b.street)) is same


@pytest.mark.parametrize("address", ["Via Salvator Rosa (house number not verified), Napoli", "", "Zaragoza Activa, La Azucarera"])
def test_an_address_without_a_house_number_is_not_compared(address: str) -> None:
    assert normalise_address(address) is None


def test_names_are_compared_without_case_accents_punctuation_or_words_like_ex() -> None:
    assert normalise_name("L'Asilo (ex Asilo Filangieri)") == "asilo asilo filangieri"
    assert normalise_name("CITTÀ  della Scienza!") == normalise_name("citta scienza")


def test_a_name_alone_never_reaches_the_warning_and_nearness_does() -> None:
    here = {"id": "a", "name": "Lido Pola", "lat": 40.799, "lon": 14.167}
    far = score_pair(candidate(ASSETS, here), candidate(ASSETS, {"id": "b", "name": "Lido Pola", "lat": 40.808, "lon": 14.167}))
    near = score_pair(candidate(ASSETS, here), candidate(ASSETS, {"id": "c", "name": "Lido Pola", "lat": 40.7991, "lon": 14.167}))
    unplaced = score_pair(candidate(ASSETS, here), candidate(ASSETS, {"id": "d", "name": "Lido Pola"}))
    assert far.score == unplaced.score == NAME_ONLY_MAX < DUPLICATE_SCORE <= near.score


def test_the_work_per_record_is_bounded_where_thousands_share_one_point() -> None:
    index = PlaceIndex()
    for n in range(2_000):
        index.add(candidate(ASSETS, {"id": f"r{n}", "name": f"Bene {n}", "lat": 40.85, "lon": 14.25, "address": "Piazza Municipio 1"}))
    newcomer = candidate(ASSETS, {"id": "new", "name": "Bene", "lat": 40.85, "lon": 14.25, "address": "Piazza Municipio 1"})
    assert len(index.neighbours(newcomer)) == MAX_COMPARED
