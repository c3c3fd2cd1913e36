"""Real review text, not planted: themes come out, they are about something, and nothing crashes.

``tests/data/reviews/amazon_cells_labelled_sample.txt`` holds 231 real product reviews with a
human sentiment label (1 positive, 0 negative), a sample of the UCI "Sentiment Labelled
Sentences" data set (see the README beside it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from personacraft.text.sentiment import score as _sentiment
from personacraft.text.themes import find_themes, model_available

DATA = Path(__file__).resolve().parents[1] / "data" / "reviews" / "amazon_cells_labelled_sample.txt"
# the sentence model takes seconds to load: its runs are in the slow lane
MINILM = [pytest.mark.skipif(not model_available(), reason="no text extra"), pytest.mark.slow]
METHODS = ["tfidf", pytest.param("minilm", marks=MINILM)]


def _reviews() -> tuple[list[str], np.ndarray]:
    rows = [line.rsplit("\t", 1) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r[0] for r in rows], np.array([int(r[1]) for r in rows])


@pytest.mark.parametrize("method", METHODS)
def test_themes_come_out_of_real_reviews(method: str) -> None:
    texts, _ = _reviews()
    assert len(texts) == 231
    themes = find_themes(texts, method=method, seed=0)
    assert themes.method == method
    assert 4 <= themes.k <= 30
    # most reviews land in a theme; a review holding no theme's anchor word has none (text.naming: 15-19 %)
    assert (themes.labels >= 0).mean() >= 0.8
    assert all(name.strip() for name in themes.names) and all(themes.keywords)
    # what phone-accessory buyers talk about shows up as themes of its own, and they hold what they say
    for word in ("battery", "service"):
        holding = [c for c in range(themes.k) if any(word in k for k in themes.keywords[c])]
        assert holding, (word, themes.keywords)
        best = max(np.mean([word in texts[i].lower() for i in np.flatnonzero(themes.labels == c)]) for c in holding)
        assert best >= 0.5, (word, best)


def test_sentiment_of_real_reviews_agrees_with_the_human_labels() -> None:
    texts, label = _reviews()
    s = _sentiment(texts, np.full(len(texts), np.nan), np.array(["review"] * len(texts), dtype=object))
    signed = s != 0
    assert signed.mean() >= 0.5  # words decide for most reviews (they carry no rating here)
    assert ((s[signed] > 0) == (label[signed] == 1)).mean() >= 0.85
