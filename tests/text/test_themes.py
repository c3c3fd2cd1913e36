"""Themes from text on both paths: the sentence model and TF-IDF with NMF."""

from __future__ import annotations

import numpy as np
import pytest

from personacraft.text.themes import find_themes, model_available

PLANTED = {
    "shipping cost": (
        "Shipping costs are too high for small orders.",
        "The delivery fee is more than the item, shipping is too expensive.",
        "Paying ten dollars shipping for one shirt is too much.",
    ),
    "sizing": (
        "The sizing runs small, I had to return the shoes.",
        "Wrong size chart, the fit is much smaller than listed.",
        "Sizes are inconsistent, the jacket was too small.",
    ),
    "packaging": (
        "Too much plastic in the packaging for a premium brand.",
        "The packaging is wasteful, please use less plastic.",
        "Expected recyclable packaging at this price.",
    ),
    "stock": (
        "Everything sells out in minutes, restock faster.",
        "The item I wanted was out of stock again.",
        "Out of stock in my size, so disappointing.",
    ),
}


def planted(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    names = list(PLANTED)
    y = rng.integers(0, len(names), n)
    texts = [str(rng.choice(PLANTED[names[i]])) + rng.choice(["", " Thanks.", " Sad.", " Really."]) for i in y]
    return texts, y


def purity(labels: np.ndarray, y: np.ndarray) -> float:
    ok = labels >= 0
    return sum(np.bincount(y[ok & (labels == c)]).max() for c in np.unique(labels[ok])) / ok.sum()


# the sentence model takes seconds to load: its runs are in the slow lane
MINILM = [pytest.mark.skipif(not model_available(), reason="no text extra"), pytest.mark.slow]
METHODS = ["tfidf", pytest.param("minilm", marks=MINILM)]


@pytest.mark.parametrize("method", METHODS)
def test_planted_themes_come_out_pure_and_labelled(method: str) -> None:
    texts, y = planted(400, seed=1)
    themes = find_themes(texts, method=method, seed=0)
    assert themes.method == method
    assert purity(themes.labels, y) >= 0.8
    assert all(themes.names) and all(themes.keywords) and len(set(themes.names)) == themes.k
    assert themes.labels.max() == themes.k - 1 and len(themes.keywords) == themes.k
    # every planted theme is the majority of some theme
    majors = {int(np.bincount(y[themes.labels == c]).argmax()) for c in range(themes.k)}
    assert majors == set(range(len(PLANTED)))


OPENINGS = ["", "Honestly, ", "To be fair, ", "Hi, ", "Update: "]


@pytest.mark.parametrize("method", METHODS)
def test_themes_follow_what_texts_say_not_how_they_open(method: str) -> None:
    # shared openings must neither make a theme nor merge themes, and never name one
    rng = np.random.default_rng(3)
    texts, y = planted(600, seed=3)
    texts = [str(rng.choice(OPENINGS)) + t for t in texts]
    themes = find_themes(texts, method=method, seed=0)
    assert purity(themes.labels, y) >= 0.8
    majors = {int(np.bincount(y[themes.labels == c]).argmax()) for c in range(themes.k)}
    assert majors == set(range(len(PLANTED)))
    openings = tuple(o.strip(" ,:") for o in OPENINGS if o)
    assert not any(name.startswith(openings) for name in themes.names), themes.names


@pytest.mark.parametrize("method", METHODS)
def test_short_duplicate_foreign_and_empty_texts_do_not_break_it(method: str) -> None:
    texts, _ = planted(60, seed=2)
    odd = [
        "",
        "   ",
        "ok",
        "Great!!",
        "😀😀😀",
        "Der Versand war viel zu teuer für eine kleine Bestellung.",
        "La livraison était beaucoup trop lente pour un cadeau.",
    ]
    themes = find_themes(texts + odd + texts[:10], method=method, seed=0)
    n = len(texts)
    assert list(themes.labels[n : n + 5]) == [-1] * 5  # too short to say
    assert themes.labels[n + 5] >= 0 and themes.languages[n + 5] == "de" and themes.languages[n + 6] == "fr"
    assert np.array_equal(themes.labels[:10], themes.labels[-10:])  # a duplicate lands where its twin did
    assert find_themes([], method=method).k == 0


def test_auto_is_the_model_when_installed_and_unknown_methods_are_refused() -> None:
    assert find_themes(["a b c d"] * 3).method == ("minilm" if model_available() else "tfidf")
    with pytest.raises(ValueError, match="unknown theme method"):
        find_themes(["x y z"], method="bert")
