"""Theme names: 2 to 6 words, no ellipsis, and a word found in at least half of the theme's texts.

Checked on the 231 real UCI reviews (both paths) and on both demos' runs (their ``themes`` and
``text_themes`` tables).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from personacraft.pipeline import BuildResult
from personacraft.store import Workspace
from personacraft.text.naming import MERGE_COSINE, STOP, merge_same_names
from personacraft.text.phrases import candidates, is_noun_phrase, word_classes
from personacraft.text.redact import without_redacted
from personacraft.text.themes import find_themes, model_available

UCI = Path(__file__).parents[1] / "data" / "reviews" / "amazon_cells_labelled_sample.txt"
WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def bad_names(names: list[str], texts_of: list[list[str]]) -> list[str]:
    """Every name that breaks a rule, with why."""
    bad = []
    for name, texts in zip(names, texts_of, strict=True):
        words = name.split()
        held = [{w.lower() for w in WORDS.findall(without_redacted(t) or t)} for t in texts]
        content = [w for w in WORDS.findall(name.lower()) if w not in STOP]
        shared = [w for w in content if sum(w in h for h in held) * 2 >= len(held)]
        if not 2 <= len(words) <= 6 or "…" in name or "..." in name or not shared or not texts:
            bad.append(f"{name!r} ({len(words)} words, {len(texts)} texts, shared {shared})")
    return bad


MINILM = [pytest.mark.skipif(not model_available(), reason="no text extra")]


@pytest.mark.slow  # the sentence model, or k chosen among 27 on 231 texts
@pytest.mark.parametrize("method", ["tfidf", pytest.param("minilm", marks=MINILM)])
def test_names_of_the_real_reviews(method: str) -> None:
    texts = [line.split("\t")[0] for line in UCI.read_text(encoding="utf-8").splitlines() if line.strip()]
    themes = find_themes(texts, method=method, seed=0)
    texts_of = [[texts[i] for i in np.flatnonzero(themes.labels == c)] for c in range(themes.k)]
    assert themes.k >= 4
    assert bad_names(themes.names, texts_of) == []
    assert len({n.lower() for n in themes.names}) == themes.k  # same-name themes were merged


def run_names(result: BuildResult) -> tuple[list[str], list[list[str]]]:
    ws = Workspace(result.out_dir.parent / ".personacraft" / "workspace.duckdb")
    try:
        run = ws.run(result.run_id)
        rows: list[dict[str, Any]] = run.dicts(f"SELECT theme, name FROM {run.t('themes')} ORDER BY theme")
        texts = run.dicts(f"SELECT theme, body_redacted FROM {run.t('text_themes')} WHERE theme >= 0")
    finally:
        ws.close()
    texts_of = [[t["body_redacted"] for t in texts if t["theme"] == r["theme"]] for r in rows]
    return [r["name"] for r in rows], texts_of


def test_names_on_the_retail_demo(built: BuildResult) -> None:
    names, texts_of = run_names(built)
    assert names and bad_names(names, texts_of) == []


def test_names_on_the_saas_demo(saas_demo: tuple[Path, BuildResult]) -> None:
    names, texts_of = run_names(saas_demo[1])
    assert names and bad_names(names, texts_of) == []


CLAIMS = [
    "The NetSuite integration keeps disconnecting.",
    "It keeps failing when we sync.",
    "The delivery was slow and the box was damaged.",
    "Slow delivery again, the parcel arrived late.",
    "So cute, everyone asked where I got it.",
    "The plastic packaging is wasteful.",
    "What a waste of money.",
]


def test_candidates_are_noun_phrases_or_whole_clauses() -> None:
    wc = word_classes(CLAIMS)
    found = set().union(*(candidates(t, wc) for t in CLAIMS))
    # last session's fragments: a verb cut from its clause, and two words joined by "and"
    assert "integration keeps" not in found and "asked and cute" not in found
    assert {"netsuite integration", "slow delivery", "plastic packaging", "waste of money"} <= found
    assert "so cute" in found  # a whole clause of two words
    assert is_noun_phrase("slow delivery", wc) and is_noun_phrase("waste of money", wc)
    assert not is_noun_phrase("integration keeps", wc) and not is_noun_phrase("keeps disconnecting", wc)


def test_near_duplicate_themes_merge_on_name_or_close_centres() -> None:
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    # "Slow delivery" and "The slow deliveries" are one name; themes 2 and 3 have centres at 0.8
    c = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, 1.0, 0], [0, 0.8, 0.6]])
    texts = [
        "slow delivery",
        "slow delivery again",
        "broken zip",
        "zip broke",
        "slow delivery",
        "slow delivery",
        "zip",
        "zip",
    ]
    new, kept = merge_same_names(
        labels, ["Slow delivery", "The slow deliveries", "Broken zip", "Zip broke"], c, texts, np.ones(8)
    )
    assert kept == [0, 2] and new.tolist() == [0, 0, 1, 1, 0, 0, 1, 1]
    # below the threshold they stay apart
    far = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [0.577, 0.577, 0.577]])  # 0.577 < the threshold
    assert merge_same_names(labels, ["A b", "C d", "E f", "G h"], far, texts, np.ones(8))[1] == [0, 1, 2, 3]
    assert MERGE_COSINE > 0.58  # different complaints reach 0.58 on the retail demo (docs/voice.md)
