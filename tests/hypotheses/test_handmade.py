"""Hand-made personas on a small hand-made run: who fits (all claims at once, in SQL), the Jaccard among the
known customers, and when a group has no evidence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from personacraft.hypotheses.handmade import match
from personacraft.hypotheses.spec import Claim, HandMade
from personacraft.hypotheses.verdicts import Personas, counts
from personacraft.hypotheses.vocabulary import vocabulary
from personacraft.segment.assignment import persona_id_sql
from personacraft.store import Run, Workspace


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    """60 customers: p1 (c00-c29) mostly use a code, p2 (c30-c59) mostly never; a survey answered by 20 of each,
    all of p1's "save money", 2 of p2's."""
    ws = Workspace(tmp_path / "ws.duckdb")
    r = ws.new_run(config_hash="x", config={}, inputs=[], version="test")
    rows = []
    for i in range(60):
        key, first = f"c{i:02d}", i < 30
        code = (i < 25) if first else (i < 35)
        rows.append((key, "Discount use", "a code on most orders" if code else "never uses a code", "orders"))
        if i < 20 or 30 <= i < 50:
            rows.append((key, "Main goal", "Save money" if (i < 20 or i < 32) else "Quality", "survey"))
    cols = [np.array(c, dtype=object) for c in zip(*rows, strict=True)]
    r.write_arrays("attributes", dict(zip(("customer_key", "feature", "value", "source"), cols, strict=True)))
    keys = np.array([f"c{i:02d}" for i in range(60)], dtype=object)
    r.write_arrays("labels", {"customer_key": keys, "persona": (np.arange(60) >= 30).astype(np.int32)})
    yield r
    ws.close()


def person(*pairs: tuple[str, str]) -> HandMade:
    claims = tuple(Claim(f"c{i}", "", "", f, v, "more_than_average", None, 0) for i, (f, v) in enumerate(pairs))
    return HandMade("hm1", "Savers", 0.3, None, "", claims, 1)


def test_the_description_is_matched_among_the_customers_who_can_fit_it(run: Run) -> None:
    personas = Personas(("p1", "p2"), {"p1": "Deal seekers", "p2": "Full price"}, persona_id_sql("l.persona", 2))
    vocab, c = vocabulary(run, min_group=10), counts(run, personas)
    m = match(
        run, person(("Discount use", "a code on most orders"), ("main_goal", "save money")), vocab, c, personas, 10
    )
    # known: the 40 who answered the survey; fit: p1's 20 answers (all coupon users who save) and 2 of p2's
    assert (m.fit, m.known, m.exists, m.nearest) == (22, 40, True, "p1")
    best = m.similar[0]
    assert best["jaccard"] == pytest.approx(20 / 22, abs=1e-4)  # |D ∩ P| / |D ∪ P| = 20 / (22 + 20 - 20)
    assert best["held_share"] == pytest.approx(20 / 22, abs=1e-4) and best["coverage"] == 1.0
    assert best["persona_share"] == 0.5
    doc = m.as_json([])
    assert doc["fit_share"] == pytest.approx(22 / 40, abs=1e-4) and doc["verdict"] == "matched"


def test_too_few_fitting_or_an_unknown_family_is_no_evidence(run: Run) -> None:
    personas = Personas(("p1", "p2"), {"p1": "Deal seekers", "p2": "Full price"}, persona_id_sql("l.persona", 2))
    vocab, c = vocabulary(run, min_group=10), counts(run, personas)
    m = match(run, person(("Discount use", "never uses a code"), ("Main goal", "Save money")), vocab, c, personas, 10)
    assert m.fit == 0 and not m.exists and "fewer than 10" in m.reason
    doc = m.as_json([])
    assert doc["fit_n"] == 0 and doc["fit_share"] is None and doc["similarity"] == []
    # by profile: p1's shares of "never" and "save" (5/30 x 20/20) beat p2's (25/30 x 2/20)
    assert m.nearest == "p1"
    m = match(run, person(("Loyalty tier", "gold")), vocab, c, personas, 10)
    assert not m.exists and m.nearest == "all" and "None of its claims" in m.reason
