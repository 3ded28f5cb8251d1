"""An import warns about records that may duplicate one nearby, however fast the check has become."""

from __future__ import annotations

import difflib
import random
import sqlite3
import string

from registry.model.kinds import KINDS
from registry.operations.inserting import DUPLICATE_NAME_SIMILARITY, possible_duplicates, similar_names


def test_similar_names_answers_as_the_full_ratio_does() -> None:
    rng = random.Random(3)
    words = ["giardino", "liberato", "ex", "asilo", "filangieri", "lido", "pola", "scugnizzo", "villa", "medusa", "1", "12"]
    names = [" ".join(rng.choices(words, k=rng.randint(1, 4))) for _ in range(300)]
    names += ["".join(rng.choices(string.ascii_lowercase + " ", k=rng.randint(0, 12))) for _ in range(300)]
    pairs = [(rng.choice(names), rng.choice(names)) for _ in range(20_000)]
    pairs += [(name, name + rng.choice(["", "x", " bis", " 2"])) for name in names]
    for a, b in pairs:
        assert similar_names(a, b) == (difflib.SequenceMatcher(None, a, b).ratio() >= DUPLICATE_NAME_SIMILARITY), (a, b)


def test_a_close_name_within_100_m_is_warned_about_in_the_batch_and_the_registry() -> None:
    kind = KINDS["assets"]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE assets (id, name, lat, lon)")
    conn.execute("INSERT INTO assets VALUES ('lido-pola', 'Lido Pola', 40.7990, 14.1670)")
    items = [
        ("line 2: ", {"id": "lido-pola-2", "name": "Lido  Pola!", "lat": 40.7995, "lon": 14.1672}),  # 58 m away
        ("line 3: ", {"id": "far-pola", "name": "Lido Pola", "lat": 40.8100, "lon": 14.1670}),  # 1.2 km away
        ("line 4: ", {"id": "villa", "name": "Villa Medusa", "lat": 40.7991, "lon": 14.1671}),  # near, another name
        ("line 5: ", {"id": "far-pola-bis", "name": "Lido Pola bis", "lat": 40.8101, "lon": 14.1671}),  # near line 3
    ]
    warnings = possible_duplicates(conn, kind, items)
    assert warnings == [
        "warning: line 2: asset 'lido-pola-2' may duplicate 'lido-pola' (58 m away)",
        "warning: line 5: asset 'far-pola-bis' may duplicate 'far-pola' (14 m away)",
    ]
