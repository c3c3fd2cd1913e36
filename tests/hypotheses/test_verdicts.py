"""Grading on a small hand-made run: the counts from SQL, each verdict's numbers, and the cases without a test."""

from __future__ import annotations

import pytest

from personacraft.hypotheses.spec import Claim
from personacraft.hypotheses.verdicts import Graded, Personas, counts, finish, grade
from personacraft.hypotheses.vocabulary import vocabulary
from personacraft.segment.assignment import persona_id_sql
from personacraft.store import Run
from tests.hypotheses.test_handmade import run  # noqa: F401 (the fixture)

PERSONAS = Personas(("p1", "p2"), {"p1": "Deal seekers", "p2": "Full price"}, persona_id_sql("l.persona", 2))


def graded(r: Run, *claims: Claim, min_group: int = 10) -> list[dict[str, object]]:
    vocab, c = vocabulary(r, min_group=min_group), counts(r, PERSONAS)
    out: list[Graded] = [grade(x, PERSONAS.resolve(x.persona), vocab, c, PERSONAS, min_group) for x in claims]
    finish(out)
    return [g.out for g in out]


def claim(persona: str, family: str, value: str, expect: str, share: float | None = None) -> Claim:
    return Claim("h", "", persona, family, value, expect, share, 1)


def test_each_verdict_carries_its_numbers(run: Run) -> None:  # noqa: F811
    [more, less, common, behind] = graded(
        run,
        claim("Deal seekers", "discount_use", "a_code_on_most_orders", "more_than_average"),
        claim("p1", "Discount use", "a code on most orders", "less_than_average"),
        claim("p2", "Discount use", "never uses a code", "most_common"),
        claim("P2", "Main goal", "Save money", "most_common"),
    )
    assert more["verdict"] == "supported" and more["persona"] == "p1" and more["n"] == 30
    assert (more["share"], more["population_share"], more["lift"]) == (pytest.approx(25 / 30, abs=1e-4), 0.5, 1.667)
    assert more["ci"][0] < 25 / 30 < more["ci"][1] and more["threshold"] == 0.5
    assert less["verdict"] == "contradicted"
    assert common["verdict"] == "supported"  # 25 never against 5: the runner-up's share of 5 is not shown
    assert common["runner_up"] == {"label": "a code on most orders", "share": None} and common["threshold"] is None
    assert behind["verdict"] == "contradicted" and behind["runner_up"]["label"] == "Quality"
    assert all(h["p_adjusted"] >= h["p_value"] for h in (more, less, common, behind))  # type: ignore[operator]


def test_a_share_of_fewer_customers_than_the_minimum_is_not_shown(run: Run) -> None:  # noqa: F811
    [rare] = graded(run, claim("p1", "Discount use", "never uses a code", "less_than_average"))
    # 5 of p1's 30 never use a code: the verdict and n are shown, not the share of those 5
    assert rare["verdict"] == "supported" and rare["n"] == 30 and rare["fewer_than"] == 10
    assert rare["share"] is None and rare["ci"] is None and rare["lift"] is None
    assert str(rare["reason"]).startswith("fewer than 10 of 30 against the average 50%")


def test_too_few_known_everyone_against_the_average_and_unknown_names(run: Run) -> None:  # noqa: F811
    [few, everyone, value] = graded(
        run,
        claim("p1", "Main goal", "Save money", "majority"),
        claim("all", "Discount use", "never uses a code", "more_than_average"),
        claim("p1", "Discount use", "always", "majority"),
        min_group=25,
    )
    assert few["verdict"] == "inconclusive" and few["share"] is None and few["n"] == 20
    assert "at least 25 (the privacy minimum group size)" in str(few["reason"])
    assert everyone["verdict"] == "not_testable" and "for all customers the share is the average" in str(
        everyone["reason"]
    )
    assert value["verdict"] == "not_testable" and str(value["reason"]).startswith(
        "No value 'always' of 'Discount use' in this run"
    )
