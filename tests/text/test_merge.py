"""Cards that stand alone, the text side: near-duplicate themes merge, quotes fit their theme, clean keywords."""

from __future__ import annotations

import numpy as np
import pytest

from personacraft.text.merge import near_duplicate_groups, share_a_stem, stems
from personacraft.text.redact import redacted_share, without_redacted
from personacraft.text.themes import Themes, find_themes, label_themes, model_available
from personacraft.text.voice import theme_quotes
from tests.text.test_themes import PLANTED, planted


@pytest.mark.skipif(not model_available(), reason="no text extra")
def test_wordings_of_one_complaint_merge_and_different_complaints_do_not() -> None:
    texts, y = planted(600, seed=5)
    # one theme per wording: twelve themes for four complaints
    themes = find_themes(texts, method="minilm", k=12, seed=0)
    major = [int(np.bincount(y[themes.labels == c]).argmax()) for c in range(themes.k)]
    kinds = ["pain"] * themes.k
    groups = near_duplicate_groups(range(themes.k), themes.centres, themes.names, themes.keywords, kinds)
    # a group never mixes complaints, and wordings of one complaint do merge
    assert all(len({major[t] for t in g}) == 1 for g in groups), [[themes.names[t] for t in g] for g in groups]
    assert len(groups) < themes.k
    # themes of another kind never merge
    mixed = near_duplicate_groups(range(themes.k), themes.centres, themes.names, themes.keywords, ["pain", "need"] * 6)
    assert all(len({i % 2 for i in g}) == 1 for g in mixed)
    # without centres nothing merges
    assert len(near_duplicate_groups(range(themes.k), None, themes.names, themes.keywords, kinds)) == themes.k


def test_stems_leave_out_stop_words_and_words_every_shop_uses() -> None:
    assert stems("The sizing runs small", ["sizes", "order"]) == {"siz", "run", "small"}
    assert share_a_stem(stems("Out of stock"), stems("restock faster"))
    assert not share_a_stem(stems("Shipping costs are too high for small orders"), stems("too slow for a present"))


def test_keywords_are_phrases_as_written_without_placeholders() -> None:
    texts = [
        "Shipping costs are too high for small orders. Reach me at [email]",
        "Shipping costs are too high for small orders.",
        "Shipping costs are too high for small orders. Call me at [phone].",
        "The discount code did not work at checkout.",
    ]
    _, keywords = label_themes(texts, np.array([0, 0, 0, 1]), 2)
    assert "shipping costs" in keywords[0] and "small orders" in keywords[0]
    flat = {w for k in keywords for w in k}
    assert not flat & {"high small", "email", "phone", "reach", "call", "orders reach", "code did"}, flat


def test_redacted_sentences_are_measured_and_left_out() -> None:
    assert without_redacted("Nice quality. Reach me at [email]") == "Nice quality."
    assert redacted_share("Reach me at [email]") == 1.0 and redacted_share("All good here.") == 0.0
    assert 0.5 < redacted_share("Nice quality. Reach me at [email]") < 1.0


def test_a_pain_is_quoted_with_negative_texts_that_are_not_mostly_redacted() -> None:
    bodies = [
        "Nice quality. Reach me at [email] or call me at [phone].",  # nearest, positive, mostly redacted
        "Lovely packaging, great gift for my sister.",  # positive
        "The packaging is wasteful, please use less plastic.",
        "Too much plastic in the packaging for a premium brand. Reach me at [email]",
        "Too much plastic in the packaging for a premium brand.",  # the same, without the placeholder
    ]
    themes = Themes(
        method="tfidf",
        labels=np.zeros(5, dtype=np.int64),
        distance=np.array([0.01, 0.02, 0.1, 0.2, 0.3]),
        names=["The packaging is wasteful"],
        keywords=[["packaging", "plastic"]],
        languages=np.array(["en"] * 5, dtype=object),
    )
    persona = np.zeros(5, dtype=np.int64)
    sentiment = np.array([1, 1, -1, -1, -1])
    quotes = theme_quotes(bodies, themes, persona, 0, 0, 3, sentiment=sentiment)
    assert quotes == [bodies[2], bodies[4]]
    # without sentiment (a need, a barrier) positive texts may be quoted, mostly redacted ones never
    assert bodies[0] not in theme_quotes(bodies, themes, persona, 0, 0, 5)
    # merged labels: a text of another theme of the group is quoted too
    merged = theme_quotes(bodies, themes, persona, 0, 7, 3, labels=np.array([7, 7, 7, 9, 9]), sentiment=sentiment)
    assert merged == [bodies[2]]


def test_planted_complaints_share_no_keywords_with_contact_details() -> None:
    texts = [t + " Reach me at [email]." for group in PLANTED.values() for t in group] * 3
    themes = find_themes(texts, method="tfidf", k=4, seed=0)
    flat = {w for k in themes.keywords for w in k}
    assert not flat & {"reach", "email"}, flat
    assert not any("[email]" in n or n.lower().startswith("reach") for n in themes.names), themes.names
