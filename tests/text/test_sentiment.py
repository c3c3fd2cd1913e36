"""Sentiment by source: each kind read on its own rating scale, and every sentiment named by where it comes from."""

from __future__ import annotations

import numpy as np

from personacraft.text.sentiment import by_persona, scales, score, source_label


def test_reviews_and_nps_answers_are_each_read_on_their_own_scale() -> None:
    kinds = np.array(["review", "review", "survey", "survey", "chat"], dtype=object)
    ratings = np.array([5.0, 1.0, 10.0, 3.0, 5.0])
    bodies = ["Fine.", "Fine.", "Fine.", "Fine.", "Thanks, that fixed it, great help"]
    assert scales(kinds, ratings) == {"chat": 5.0, "review": 5.0, "survey": 10.0}
    # a 5-star review is positive though NPS answers in the same build go to 10; a chat by its words
    assert score(bodies, ratings, kinds).tolist() == [1.0, -1.0, 1.0, -1.0, 1.0]


def test_every_sentiment_is_labelled_by_its_source() -> None:
    assert source_label(["chat"]) == "support-chat sentiment"
    assert source_label(["ticket"]) == "support-ticket sentiment"
    assert source_label(["survey"], {"survey": 10.0}) == "NPS-survey sentiment"
    assert source_label(["survey"], {"survey": 5.0}) == "survey sentiment"
    assert source_label(["review", "chat", "chat"]) == "review and support-chat sentiment"


def test_a_persona_sentiment_is_given_per_source_from_the_minimum_group() -> None:
    keys = np.array([f"c{i}" for i in range(30)] + [f"c{i}" for i in range(5)], dtype=object)
    persona = np.array([0] * 20 + [1] * 10 + [0] * 5)
    kinds = np.array(["chat"] * 30 + ["review"] * 5, dtype=object)
    sentiment = np.array([-1.0] * 15 + [1.0] * 5 + [-1.0] * 10 + [1.0] * 5)
    out = by_persona(keys, persona, kinds, sentiment, {"chat": 5.0, "review": 5.0}, 2, 10)
    assert [x["source"] for x in out[0]] == ["support-chat sentiment"]  # 5 reviewers: under the minimum
    chat = out[0][0]
    assert (chat["n"], chat["texts"], chat["sentiment"], chat["population_sentiment"]) == (20, 20, -0.5, -0.667)
    assert [x["n"] for x in out[1]] == [10]
