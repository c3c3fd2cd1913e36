"""Actions from behaviour alone: each play fires only on a trait that stands out, and cites its figures."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from personacraft.personas.actions import recommendations
from personacraft.personas.plays import PLAYS, threshold
from personacraft.personas.prompts import FIELDS, SOURCES, present, prompt_for, prompted

MIN_N = 30
FIGURE = re.compile(r"\d+% of them, \d+\.\d× more common than average, n = [\d,]+")


def cell(feature: str, value: str, share: float, pop: float, n_known: int = 1000, p: float = 1e-6) -> dict[str, Any]:
    """A profile cell of persona 0 as segment.profile writes it."""
    n = round(share * n_known)
    return {
        "persona": 0,
        "feature": feature,
        "value": value,
        "source": "orders",
        "n": n,
        "n_known": n_known,
        "share": share,
        "population_share": pop,
        "lift": share / pop,
        "p_adjusted": p,
        "effect_size": share - pop,
    }


def recs(cells: list[dict[str, Any]], **figures: Any) -> dict[str, Any]:
    persona = {"id": "p1", "value": {}}
    block, evidence = recommendations(persona, cells, 0, MIN_N, figures=figures, have=present(cells, False))
    # every action is in the evidence, once, with its facts
    claims = [e["claim"] for e in evidence]
    shown = [r["text"] for f in ("messaging", "channels", "sales", "product", "retention") for r in block[f] or []]
    assert claims == shown
    return block


def texts(block: dict[str, Any], field: str) -> list[str]:
    return [r["text"] for r in block[field] or []]


DEAL_SEEKER = [
    cell("Discount use", "a code on most orders", 0.95, 0.43),
    cell("Shopping time", "evening (18 to 24 h)", 0.69, 0.33),
    cell("Shopping days", "mostly weekdays", 0.70, 0.54),
    cell("Order value", "under $69", 0.61, 0.33),
    cell("Orders", "4 or more orders", 0.58, 0.42),
]


def test_a_code_using_evening_shopper_gets_a_threshold_send_times_and_a_loyalty_play() -> None:
    block = recs(DEAL_SEEKER, aov_median=61.2, buyers=1000, orders_per_customer=3.98)
    product = texts(block, "product")
    assert product == [
        "Set a free-shipping threshold at $75, just above their median order of $61, instead of another code: "
        "they use a code on most orders (95% of them, 2.2× more common than average, n = 950)."
    ]
    assert texts(block, "channels") == [
        "Send emails and run ads on weekday evenings, between 18 and 21 h: they order in the evening "
        "(69% of them, 2.1× more common than average, n = 690) and mostly on weekdays (70%, 1.3×)."
    ]
    assert any("loyalty" in t and "3.98" not in t and "4.0 orders per customer" in t for t in texts(block, "retention"))
    # the threshold cites the median order it sits above; small baskets of code users get the threshold, not bundles
    threshold_facts = block["product"][0]["evidence"]
    assert {"feature": "median order value", "value": 61.2, "n": 1000, "source": "orders"} in threshold_facts
    assert not any("bundles that take" in t for t in product)
    # every action cites a share, a lift and an n
    for field in ("messaging", "channels", "product", "retention"):
        for r in block[field]:
            assert FIGURE.search(r["text"]), r["text"]
            assert all("n" in f for f in r["evidence"])
    assert block["sales"] is None and block["missing"]["sales"] == SOURCES["crm"].prompt


def test_a_play_needs_its_trait_to_stand_out() -> None:
    # the same values at the population's rate, or too few members, or not significant: no play
    flat = [cell(c["feature"], str(c["value"]), c["share"], c["share"]) for c in DEAL_SEEKER]
    few = [cell(c["feature"], str(c["value"]), c["share"], c["population_share"], n_known=30) for c in DEAL_SEEKER]
    noise = [cell(c["feature"], str(c["value"]), c["share"], c["population_share"], p=0.2) for c in DEAL_SEEKER]
    for cells in (flat, few, noise):
        block = recs(cells, aov_median=61.2, buyers=1000)
        assert all(block[f] is None for f in ("messaging", "channels", "product", "retention")), block
    # a code on most orders, but for under half of the members: no threshold
    assert recs([cell("Discount use", "a code on most orders", 0.45, 0.2)])["product"] is None
    # the lift bar: share 95 % but everyone uses codes as much (lift 1.1)
    assert recs([cell("Discount use", "a code on most orders", 0.95, 0.86)])["messaging"] is None


def test_big_baskets_lapsed_one_timers_and_mobile_shoppers() -> None:
    cells = [
        cell("Order value", "$137 and more", 0.89, 0.33),
        cell("Recency", "last bought over a year ago", 0.38, 0.18),
        cell("Orders", "1 order", 0.55, 0.17),
        cell("Device", "mobile", 0.90, 0.55),
        cell("Top product", "Cashmere Crew Sweater", 0.25, 0.05),
    ]
    block = recs(cells, revenue_per_customer=1161.14, population_revenue_per_customer=438.0, buyers=800)
    retention = texts(block, "retention")
    assert any(t.startswith("Give them VIP perks") and "$1,161" in t and "$438" in t for t in retention)
    assert any(t.startswith("Win back") for t in retention)
    assert any(t.startswith("Turn the first order into a second") for t in retention)
    product = texts(block, "product")
    assert any("mobile-first" in t for t in product) and any("Cashmere Crew Sweater" in t for t in product)


def test_send_times_follow_the_most_distinctive_daypart() -> None:
    cells = [
        cell("Shopping time", "evening (18 to 24 h)", 0.53, 0.33),  # the most common, 1.6x
        cell("Shopping time", "night (0 to 6 h)", 0.38, 0.07),  # the most distinctive, 5.4x
    ]
    assert texts(recs(cells), "channels")[0].startswith("Send emails and run ads at night, around 23 h")


def test_boxes_hold_at_most_four_actions_those_from_texts_first() -> None:
    pain = {"label": "Shipping costs are too high for small orders", "keywords": [], "share": 0.16, "lift": 3.5}
    pain |= {"n": 71, "quotes": ["q"]}
    cells = [*DEAL_SEEKER, cell("Season", "holiday season (Nov to Dec)", 0.6, 0.2)]
    persona = {"id": "p1", "value": {}, "pain_points": [pain]}
    block, _ = recommendations(persona, cells, 0, MIN_N, figures={}, have=frozenset({"orders", "texts"}))
    messaging = texts(block, "messaging")
    assert messaging[0].startswith("Answer \u201cShipping costs") and "free or clear shipping" in messaging[0]
    assert all(len(block[f] or []) <= 4 for f in ("messaging", "channels", "sales", "product", "retention"))


@pytest.mark.parametrize(("median", "expected"), [(61.2, 75), (45.0, 55), (10.0, 15), (100.0, 120)])
def test_the_threshold_sits_just_above_the_median_order(median: float, expected: int) -> None:
    assert threshold(median) == expected and threshold(median) > median


def test_a_field_empty_for_want_of_a_source_says_which_export_to_add() -> None:
    have = frozenset({"orders"})
    missing = {"pains": "no pain theme …", "typical_day": "no order times …", "age": "no age …"}
    out = prompted("story", missing, have)
    assert out["pains"] == SOURCES["texts"].prompt and out["age"] == SOURCES["survey"].prompt
    assert out["typical_day"] == "no order times …"  # the orders are there: the reason stays
    assert prompt_for("recommendations", "channels", have) == SOURCES["analytics"].prompt
    assert prompt_for("recommendations", "channels", have | {"analytics"}) is None
    # one prompt per source, each naming an export and what it unlocks
    assert all(s.prompt.startswith("Add ") and s.export in s.prompt for s in SOURCES.values())
    assert {k for v in FIELDS.values() for k in ((v,) if isinstance(v, str) else v)} <= set(SOURCES)
    # subscriptions are enough for retention plays (SaaS), orders are not needed
    assert prompt_for("recommendations", "retention", frozenset({"billing"})) is None
    assert prompt_for("recommendations", "retention", frozenset({"texts"})) == SOURCES["orders"].prompt
    assert set(PLAYS) >= {"codes", "time", "mobile", "big", "lapsed"}


def test_the_docs_table_lists_every_kind_of_source_and_what_it_unlocks() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "personas.md").read_text(encoding="utf-8")
    for name, source in SOURCES.items():
        row = next((line for line in docs.splitlines() if line.startswith(f"| {name} |")), "")
        assert source.unlocks in row and all(f"`{k}`" in row or "_*" in row for k in source.kinds[:1]), name
