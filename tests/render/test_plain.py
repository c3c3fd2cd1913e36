"""Plain words on the pages: trait values, cut labels made whole, the data period, rows that say nothing,
and the one badge (name, initials, colour) every page, card and export shows."""

from __future__ import annotations

from personacraft.personas.identity import PALETTE, badge, initials
from personacraft.render.glance import glance
from personacraft.render.plain import channel_rows, informative, pain_rows, period_of, trait_rows, value_note
from personacraft.render.report import compare_rows
from personacraft.wording import period_label, question_label, value_label, whole_label

PERSONA = {
    "id": "p2",
    "name": "Deal-seeking evening shopper",
    "share": 0.285,
    "story": {"name": "Sara Stevens"},
    "traits": [
        {
            "feature": "What's your main goal when you shop with us?",
            "value": "Save money",
            "share": 0.7,
            "population_share": 0.25,
            "lift": 2.9,
            "n": 458,
            "p_adjusted": 1e-9,
        },
        {
            "feature": "First channel",
            "value": "facebook / cpc",
            "share": 0.42,
            "population_share": 0.14,
            "lift": 2.93,
            "n": 350,
        },
    ],
    "channels": [{"channel": "(direct) / (none)", "share": 0.37, "lift": 2.8, "n": 99}],
    "pain_points": [
        {
            "label": "Too much plastic in the packaging for a…",
            "keywords": ["plastic", "packaging"],
            "share": 0.16,
            "lift": 6.1,
            "n": 40,
            "quotes": ["Too much plastic in the packaging for a premium brand. Sad."],
        },
    ],
    "value": {
        "revenue_share": 0.43,
        "most_valuable": True,
        "horizon": "next 12 months",
        "reliable": False,
        "unreliable_because": "too few repeat buyers",
    },
}


def test_a_badge_is_the_same_name_initials_and_colour_everywhere() -> None:
    b = badge(PERSONA, 1)
    assert (b.who, b.name, b.initials, b.color) == ("Sara Stevens", PERSONA["name"], "SS", PALETTE[1])
    bare = badge({"id": "p9", "name": "Big-basket weekday shopper"}, 9)
    assert bare.who == bare.name and bare.person is None and bare.initials == "BB" and bare.color == PALETTE[1]
    assert initials("") == "?" and initials("anna") == "A"


def test_values_are_said_in_plain_words() -> None:
    assert value_label("First channel", "facebook / cpc") == "Facebook ads"
    assert value_label("Last step", "page_view → begin_checkout") == "Viewed a page → Started checkout"
    assert value_label("Device", "mobile") == "mobile"
    assert question_label("How old are you?") == "Age"
    rows = trait_rows(PERSONA)
    assert rows[0]["label"] == "Main goal" and rows[0]["title"] == PERSONA["traits"][0]["feature"]
    assert rows[0]["words"] == "2.9× more common than average"
    assert rows[1]["value"] == "Facebook ads" and rows[1]["raw"] == "facebook / cpc"
    assert channel_rows(PERSONA)[0]["label"] == "Direct"
    assert "Facebook ads" in glance(PERSONA).sentence or "Save money" in glance(PERSONA).sentence


def test_a_cut_label_is_made_whole_never_left_with_an_ellipsis() -> None:
    assert whole_label("Too much plastic in the packaging for a…", PERSONA["pain_points"][0]["quotes"]) == (
        "Too much plastic in the packaging for a premium brand"
    )
    assert whole_label("The delivery was late and the gift missed…") == "The delivery was late and the gift"
    assert whole_label("Shipping is slow") == "Shipping is slow"
    pains = pain_rows(PERSONA)
    assert pains[0]["label"].endswith("premium brand") and "keywords" not in pains[0]
    assert glance(PERSONA).frustrations == ["Too much plastic in the packaging for a premium brand"]


def test_the_data_period_in_words() -> None:
    period = {"what": "orders", "from": "2023-03-02", "to": "2024-12-30"}
    assert period_label(period) == "Orders from March 2023 to December 2024"
    assert period_label({"what": "events", "from": "2024-05-01", "to": "2024-05-31"}) == "Events in May 2024"
    assert period_label(None) is None and period_label({"from": "soon"}) is None
    assert period_of({"provenance": {"data_period": period}}) == "Orders from March 2023 to December 2024"
    assert period_of({"provenance": {}}) is None


def test_value_figures_carry_their_horizon_and_why_they_are_unreliable() -> None:
    note = value_note(PERSONA["value"])
    assert note["horizon"] == "next 12 months" and note["unreliable"] == "unreliable, because too few repeat buyers"
    assert value_note({})["unreliable"] is None and value_note({"reliable": False})["unreliable"] == "unreliable"


def test_rows_that_say_nothing_are_left_out() -> None:
    assert not informative(["Buyer", "Buyer", "Buyer"])  # the same in every column
    assert not informative([None, None, ""])  # unknown everywhere
    assert informative(["Buyer", "Decision maker"]) and informative(["42%"]) and informative([None, "x"])
    other = {**PERSONA, "id": "p3", "share": 0.1, "value": {"revenue_share": 0.1}}
    items = [
        {"p": p, "g": glance(p), "traits": trait_rows(p), "channels": channel_rows(p), "note": value_note(p["value"])}
        for p in (PERSONA, other)
    ]
    for it in items:
        it["p"] = {**it["p"], "persona_type": "buyer"}
    labels = [r["label"] for r in compare_rows(items)]
    assert "Type" not in labels and "Top channel" not in labels  # same type, same channel: nothing to compare
    assert labels[:2] == ["Share of customers", "Share of revenue"]
