"""Says against does on a small hand-made run: the 2×2 tests against scipy, the contradiction rule, and its null."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2_contingency, fisher_exact

from personacraft.hypotheses.says import MIN_EFFECT, says_vs_does, two_by_two
from personacraft.segment.assignment import persona_id_sql
from personacraft.store import Run, Workspace

IDS = ["p1", "p2", "p3"]


def make_run(tmp_path: Path, contrarians: bool) -> tuple[Workspace, Run]:
    """600 customers, 200 per persona, all answered "Main goal". In p1 and p2 those who say "Save money" use a code
    more (90 % against 10 %, 70 % against 30 %); in p3, 40 say it and (with ``contrarians``) none of them uses a
    code, against 70 % of p3's others."""
    ws = Workspace(tmp_path / "ws.duckdb")
    r = ws.new_run(config_hash="x", config={}, inputs=[], version="test")
    rows = []
    rates = {0: (0.9, 0.1, 100), 1: (0.7, 0.3, 100), 2: (0.0 if contrarians else 0.7, 0.7, 40)}
    for p, (saver_rate, other_rate, savers) in rates.items():
        for j in range(200):
            key, saver = f"c{p * 200 + j:03d}", j < savers
            rank = j if saver else j - savers  # the first share of each side use a code
            size = savers if saver else 200 - savers
            code = rank < round((saver_rate if saver else other_rate) * size)
            rows.append((key, "Main goal", "Save money" if saver else "Quality", "survey"))
            rows.append((key, "Discount use", "a code on most orders" if code else "never uses a code", "orders"))
            rows.append((key, "Country", "US", "customers"))  # neither stated nor behaviour: not paired
    cols = [np.array(c, dtype=object) for c in zip(*rows, strict=True)]
    r.write_arrays("attributes", dict(zip(("customer_key", "feature", "value", "source"), cols, strict=True)))
    keys = np.array([f"c{i:03d}" for i in range(600)], dtype=object)
    r.write_arrays("labels", {"customer_key": keys, "persona": (np.arange(600) // 200).astype(np.int32)})
    return ws, r


@pytest.fixture
def planted(tmp_path: Path) -> Iterator[Run]:
    ws, r = make_run(tmp_path, contrarians=True)
    yield r
    ws.close()


@pytest.fixture
def unplanted(tmp_path: Path) -> Iterator[Run]:
    ws, r = make_run(tmp_path, contrarians=False)
    yield r
    ws.close()


def test_the_two_by_two_tests_agree_with_scipy() -> None:
    a, b, c, d = np.array([30, 2, 40]), np.array([10, 8, 60]), np.array([20, 1, 45]), np.array([40, 9, 55])
    out = two_by_two(a, b, c, d)
    big = chi2_contingency([[30, 10], [20, 40]], correction=False)
    assert out["test"][0] == "chi-square" and out["p"][0] == pytest.approx(big.pvalue, rel=1e-9)
    assert out["test"][1] == "fisher"  # an expected count under 5
    assert out["p"][1] == pytest.approx(fisher_exact([[2, 8], [1, 9]]).pvalue, rel=1e-9)
    assert out["diff"][0] == pytest.approx(30 / 40 - 20 / 60)
    assert out["lo"][0] < out["diff"][0] < out["hi"][0]
    assert out["phi"][0] == pytest.approx(np.sqrt(big.statistic / 100))


def test_the_planted_contradiction_is_found_in_its_persona_only(planted: Run) -> None:
    found = says_vs_does(planted, IDS, persona_id_sql("l.persona", 3, IDS), min_group=10)
    assert found["pairs"] == 1  # Main goal x Discount use; Country is neither stated nor behaviour
    assert found["personas"]["p1"] == [] and found["personas"]["p2"] == []
    [clash] = found["personas"]["p3"]
    assert clash["says"] == {"family": "Main goal", "value": "Save money", "source": "survey", "n": 40}
    assert clash["does"]["family"] == "Discount use" and clash["does"]["source"] == "orders"
    # one cell of the pair (of 4 that mirror each other, as families of two values do): 0 % of the 40 use a code
    # on most orders, against 70 % of the 160 others
    assert clash["does"]["value"] == "a code on most orders" and clash["other_cells"] == 3
    assert (clash["share_sayers"], clash["share_others"], clash["n_others"]) == (0.0, 0.7, 160)
    assert clash["difference"] == pytest.approx(-0.7) and clash["ci"][1] < -MIN_EFFECT
    assert clash["p_adjusted"] < 0.05 and clash["test"] == "chi-square"
    # elsewhere (p1 and p2) those who say it use a code more: 80 % of 200 against 20 % of 200
    assert clash["elsewhere"]["difference"] == pytest.approx(0.6) and clash["elsewhere"]["n_sayers"] == 200
    assert "'Save money'" in clash["text"] and "0% show" in clash["text"] and "+60 points" in clash["text"]


def test_no_contradiction_without_the_plant(unplanted: Run) -> None:
    found = says_vs_does(unplanted, IDS, persona_id_sql("l.persona", 3, IDS), min_group=10)
    assert found["tested"] > 0 and all(v == [] for v in found["personas"].values())
    # everyone's links are reported: those who say "Save money" use a code more
    links = {(x["says"]["value"], x["does"]["value"]): x["difference"] for x in found["links"]}
    assert links[("Save money", "a code on most orders")] > MIN_EFFECT


def test_groups_under_the_minimum_are_not_tested(planted: Run) -> None:
    found = says_vs_does(planted, IDS, persona_id_sql("l.persona", 3, IDS), min_group=41)
    assert found["personas"]["p3"] == []  # only 40 of p3 say "Save money"


def test_a_side_with_no_customers_gives_no_warning_and_is_never_beyond() -> None:
    # everyone of the first table says s (no one on the other side), the second is empty: both NaN, no warning
    import warnings

    from personacraft.hypotheses.says import beyond, two_by_two

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = two_by_two(np.array([40.0, 0.0]), np.array([10.0, 0.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0]))
    assert list(beyond(t)) == [0, 0] and list(t["p"]) == [1.0, 1.0]
