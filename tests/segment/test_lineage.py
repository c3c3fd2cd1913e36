"""The persona matcher on hand-made overlaps: kept, born, died, split and merged, and the ids they get."""

from __future__ import annotations

import numpy as np

from personacraft.segment.assignment import persona_id, persona_id_sql, persona_ids
from personacraft.segment.lineage import (
    KEEP_DISTANCE,
    assign_ids,
    cramers_v,
    match_members,
    match_profiles,
)
from personacraft.store import scratch


def test_same_people_same_personas_are_kept() -> None:
    m = match_members(np.diag([400, 300, 200]) + 5)
    assert m.status == ["kept", "kept", "kept"]
    assert m.heir == [0, 1, 2] and m.died == []
    assert assign_ids(m, ["p1", "p2", "p3"], {"p1", "p2", "p3"}) == ("p1", "p2", "p3")


def test_reordered_segments_keep_their_ids() -> None:
    # the new run's biggest segment is the old p3: ids follow the people, not the order
    m = match_members(np.array([[0, 0, 300], [0, 250, 0], [500, 0, 0]]))
    assert assign_ids(m, ["p1", "p2", "p7"], {"p1", "p2", "p7"}) == ("p7", "p2", "p1")


def test_born_and_died() -> None:
    # old p2 went nowhere (its members are in no persona now); new segment 1 comes from no one
    C = np.array([[400, 10, 0], [0, 0, 0], [0, 0, 300]])
    m = match_members(C)
    assert m.status == ["kept", "born", "kept"]
    assert m.died == [1]
    ids = assign_ids(m, ["p1", "p2", "p3"], {"p1", "p2", "p3", "p9"})
    assert ids == ("p1", "p10", "p3")  # never an id the workspace used before (p9 included)


def test_split() -> None:
    # old p1 became new 0 and new 2 (each mostly p1); p2 kept
    m = match_members(np.array([[300, 5, 200], [10, 400, 5]]))
    assert m.status == ["split", "kept", "split"]
    assert m.sources[0] == [0] and m.sources[2] == [0]
    assert m.died == []
    assert assign_ids(m, ["p1", "p2"], {"p1", "p2"}) == ("p1", "p2", "p3")  # the larger part keeps the id


def test_merged() -> None:
    # old p1 and p2 are now one segment; p3 kept
    m = match_members(np.array([[300, 5], [250, 0], [5, 400]]))
    assert m.status == ["merged", "kept"]
    assert m.sources[0] == [0, 1] and m.heir[0] == 0
    assert m.died == []


def test_unrelated_keys_are_not_members() -> None:
    rng = np.random.default_rng(1)
    C = rng.multinomial(2000, np.outer([0.4, 0.35, 0.25], [0.5, 0.3, 0.2]).ravel()).reshape(3, 3)
    assert cramers_v(C) < 0.1
    assert cramers_v(np.diag([500, 300, 200])) > 0.99


def test_profiles_match_one_to_one_under_the_threshold() -> None:
    D = np.array([[0.05, 0.6, 0.7], [0.5, 0.08, 0.9], [0.6, 0.7, KEEP_DISTANCE + 0.1]])
    m = match_profiles(D)
    assert m.status == ["kept", "kept", "born"] and m.died == [2]


def test_one_id_rule_in_python_numpy_and_sql() -> None:
    ids = ("p4", "p1", "p7")
    assert [persona_id(s, ids) for s in range(3)] == ["p4", "p1", "p7"]
    got = persona_ids(np.array([0, 2, 1, 3]), np.array([True, True, False, True]), ids)
    assert list(got) == ["p4", "p7", "", ""]
    con = scratch()
    sql = persona_id_sql("s", 3, ids)
    rows = con.execute(f"SELECT s, {sql} FROM range(5) t(s) ORDER BY s").fetchall()
    assert [r[1] for r in rows] == ["p4", "p1", "p7", "", ""]
    assert persona_id(2) == "p3"
