"""Sentiment of each text, and the name of its source wherever a sentiment is shown.

A sentiment means something only with its source: a support chat is a problem being reported
(mostly negative by nature), an NPS comment follows its score, a review its stars. So every
sentiment shown (persona JSON, cards, journey maps) carries its label: "support-chat
sentiment", "support-ticket sentiment", "NPS-survey sentiment", "review sentiment" …
(:func:`source_label`), and a persona's sentiment is given per source, never pooled.

Scores: -1, 0 or +1 per text. A rating decides where there is one, on its own kind's scale (out
of 5, or 0-10 for NPS: a kind whose ratings go above 5), so reviews and NPS answers in one build
are each read on their scale; without one, the words do. A ticket or chat is scored by its words
only (its rating rates the support, not the product), and one without any says -1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

NEGATIVE = re.compile(
    r"\b(not|never|no|too|late|slow|broken|bad|worse|worst|poor|missing|wrong|disappoint\w*|problem\w*|"
    r"issue\w*|fail\w*|error\w*|crash\w*|bug\w*|confus\w*|expensive|annoy\w*|frustrat\w*|hate|waste\w*|refund)\b",
    re.IGNORECASE,
)
POSITIVE = re.compile(
    r"\b(great|love\w*|good|perfect\w*|excellent|happy|beautiful\w*|easy|fast|amazing|recommend\w*|nice|best|thanks?)\b",
    re.IGNORECASE,
)
SUPPORT_KINDS = ("ticket", "chat")
# what a kind of text is called where its sentiment is shown
SOURCE_NAMES = {
    "chat": "support-chat",
    "ticket": "support-ticket",
    "review": "review",
    "survey": "survey",
    "interview": "interview",
    "social": "social-media",
}


def scales(kinds: np.ndarray, ratings: np.ndarray) -> dict[str, float]:
    """The top of each kind's rating scale: 10 when its ratings go above 5 (NPS), else 5."""
    out = {}
    for kind in sorted({str(k) for k in kinds}):
        r = ratings[(kinds == kind) & np.isfinite(ratings)]
        out[kind] = 10.0 if len(r) and r.max() > 5 else 5.0
    return out


def score(bodies: list[str], ratings: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """-1, 0 or +1 per text (see the module doc)."""
    kinds = np.asarray(kinds, dtype=object)
    top, named = np.zeros(len(kinds)), kinds.astype(str)
    for kind, scale in scales(kinds, ratings).items():  # once per kind, not once per text
        top[named == kind] = scale
    neg_at, pos_at = np.where(top == 10, 6.0, 2.0), np.where(top == 10, 9.0, 4.0)
    words = np.sign(np.array([len(POSITIVE.findall(b)) - len(NEGATIVE.findall(b)) for b in bodies], dtype=float))
    support = np.isin(kinds, SUPPORT_KINDS)
    by_rating = np.where(ratings <= neg_at, -1.0, np.where(ratings >= pos_at, 1.0, 0.0))
    return np.asarray(
        np.where(support, np.where(words == 0, -1.0, words), np.where(np.isfinite(ratings), by_rating, words))
    )


def source_name(kind: str, scale: float | None = None) -> str:
    """A kind of text as its sentiment is labelled: "support-chat", "NPS-survey" (a 0-10 survey) …"""
    if kind == "survey" and scale == 10:
        return "NPS-survey"
    return SOURCE_NAMES.get(kind, kind or "text")


def source_label(kinds: Iterable[str], kind_scales: dict[str, float] | None = None) -> str:
    """The label of a sentiment over texts of ``kinds``: "support-chat sentiment",
    "review and support-ticket sentiment"."""
    names = sorted({source_name(k, (kind_scales or {}).get(k)) for k in kinds})
    if not names:
        return "sentiment"
    said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{said} sentiment"


def by_persona(
    keys: np.ndarray,
    persona: np.ndarray,
    kinds: np.ndarray,
    sentiment: np.ndarray,
    kind_scales: dict[str, float],
    published: int,
    min_n: int,
) -> dict[int, list[dict[str, Any]]]:
    """Each persona's sentiment per source kind, against everyone's, from ``min_n`` writers; by writers."""
    out: dict[int, list[dict[str, Any]]] = {}
    kinds = np.asarray(kinds, dtype=object)
    wrote = np.asarray(keys).astype(str) != ""
    for kind in sorted({str(k) for k in kinds}):
        of_kind = (kinds == kind) & wrote
        if not of_kind.any():
            continue
        everyone = sentiment[of_kind]
        for p in range(published):
            m = of_kind & (persona == p)
            writers = len(np.unique(np.asarray(keys)[m].astype(str))) if m.any() else 0
            if writers < min_n:
                continue
            s = sentiment[m]
            out.setdefault(p, []).append(
                {
                    "source": source_label([kind], kind_scales),
                    "kind": kind,
                    "sentiment": round(float(s.mean()), 3),
                    "negative_share": round(float((s < 0).mean()), 4),
                    "positive_share": round(float((s > 0).mean()), 4),
                    "population_sentiment": round(float(everyone.mean()), 3),
                    "texts": int(m.sum()),
                    "n": writers,
                }
            )
    for items in out.values():
        items.sort(key=lambda x: (-x["n"], x["source"]))
    return out
