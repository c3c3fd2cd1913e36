"""The at-a-glance band: plain sentence, top wants, frustrations and actions, prompts when empty."""

from __future__ import annotations

from personacraft.render.glance import glance

PERSONA = {
    "id": "p1",
    "name": "Deal seeker",
    "share": 0.285,
    "traits": [{"feature": "Discount use", "value": "a code on most orders", "share": 0.946, "lift": 2.192}],
    "goals": [
        {"goal": "Save money", "lift": 2.9, "share": 0.7},
        {"goal": "Follow trends", "lift": 0.6, "share": 0.1},  # less common than average: not theirs
    ],
    "pain_points": [{"label": "Shipping too dear"}, {"label": "Code failed"}],
    "value": {"revenue_share": 0.18, "most_valuable": True},
    "recommendations": {
        "messaging": [
            {"text": "Answer shipping", "evidence": [{"label": "Shipping too dear"}]},
            {"text": "Answer code", "evidence": [{"label": "Code failed"}]},
        ],
        "product": [{"text": "Show shipping early", "evidence": [{"label": "Shipping too dear"}]}],
        "channels": [{"text": "Reach on Facebook ads", "evidence": [{"label": "facebook / cpc"}]}],
    },
}


def test_the_band_says_who_they_are_what_they_want_and_what_to_do() -> None:
    g = glance(PERSONA)
    assert g.sentence.startswith("They are 28% of customers and bring 18% of revenue.")
    assert "2.2× more common than average" in g.sentence
    assert g.wants == ["Save money"]
    assert g.frustrations == ["Shipping too dear", "Code failed"]
    # one action per kind first, and never two resting on the same figure
    assert g.actions == ["Answer shipping", "Reach on Facebook ads", "Answer code"]
    assert g.flags == ["most valuable"]
    assert g.prompts == {}


def test_empty_lists_carry_the_prompt_for_the_export_that_fills_them() -> None:
    g = glance({"id": "p2", "share": 0.1, "missing": {"pain_points": "Add a reviews export to learn their pains."}})
    assert g.wants == [] and g.frustrations == [] and g.actions == []
    assert g.prompts["frustrations"] == "Add a reviews export to learn their pains."
    assert "survey" in g.prompts["wants"]
    assert g.sentence == "They are 10% of customers."
