"""Recommendations use texts by their purpose: support chats for customer success and product, lost deals for sales."""

from __future__ import annotations

from typing import Any

from personacraft.personas.actions import recommendations
from personacraft.personas.facts import Facts
from personacraft.personas.story import _objections

CHAT_PAIN = {
    "label": "Exporting the ledger times out every time",
    "keywords": ["ledger times", "exporting"],
    "share": 0.36,
    "lift": 2.9,
    "n": 133,
    "source": "texts: chat",
    "kinds": ["chat"],
    "quotes": ["Exporting the ledger times out every time."],
}
OBJECTION = {
    "label": "Went with a competitor",
    "keywords": ["went with a competitor"],
    "share": 0.25,
    "lift": 1.3,
    "n": 30,
    "n_known": 120,
    "lost_deals": 140,
    "source": "lost-deal reasons (hubspot_deals:deals.csv)",
    "quotes": ["Went with a competitor"],
}


def _recs(**persona: Any) -> dict[str, Any]:
    base = {"pain_points": [CHAT_PAIN], "needs": None, "goals": None, "channels": [], "value": {}}
    recs, _ = recommendations({**base, **persona}, [], 0, 10, b2b=True)
    return recs


def _texts(box: list[dict[str, Any]] | None) -> list[str]:
    return [r["text"] for r in box or []]


def test_a_support_chat_theme_is_never_a_sales_objection() -> None:
    recs = _recs()
    assert not any("ledger" in t or "object" in t for t in _texts(recs["sales"]))
    # it goes to customer success (the retention box) and to the product
    assert any("Customer success" in t and "ledger" in t and "support chats" in t for t in _texts(recs["retention"]))
    assert any("ledger" in t for t in _texts(recs["product"]))


def test_sales_objections_come_from_lost_deals_with_their_counts() -> None:
    sales = _texts(_recs(objections=[OBJECTION])["sales"])
    assert len(sales) == 1 and "Went with a competitor" in sales[0]
    assert "30 of their accounts' 120 lost deals with a reason" in sales[0]
    assert "side-by-side comparison" in sales[0]


def test_the_story_objections_follow_the_same_rule() -> None:
    f = Facts()
    said = _objections({"objections": [OBJECTION]}, [CHAT_PAIN], f)
    assert said and all("competitor" in s and "ledger" not in s for s in said)
    f = Facts()
    assert _objections({"objections": None}, [CHAT_PAIN], f) == [] and "objections" in f.missing
    f = Facts()  # no deals at all (a shop): a chat pain is still no objection; a review pain is
    assert _objections({}, [CHAT_PAIN], f) == [] and "support" in f.missing["objections"]
    review = {**CHAT_PAIN, "source": "texts: review", "kinds": ["review"]}
    assert _objections({}, [review], Facts())


def test_objections_with_one_answer_make_one_action_citing_each() -> None:
    price = {**OBJECTION, "label": "Too expensive for our team size", "keywords": ["expensive"], "n": 29}
    steep = {**OBJECTION, "label": "Price too high compared to what they pay now", "keywords": ["price"], "n": 27}
    sales = _texts(_recs(objections=[price, steep, OBJECTION])["sales"])
    assert len(sales) == 2
    assert sales[0].startswith("When they object “Too expensive for our team size” or “Price too high")
    assert "bring value for money: of their accounts' 120 lost deals with a reason, 29 give the first" in sales[0]
    assert "27 give the second" in sales[0]
    assert "competitor" in sales[1]
