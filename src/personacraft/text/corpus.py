"""Every text of a run with its theme, sentiment, brand and language: the corpus the voice modules read.

:func:`themed` runs one theme model over all texts (ours and other brands', so a theme means the
same for each brand), after leaving out files in another language (text.languages), and sums each
theme up: its name, keywords, kind (pain, need, goal or praise: see text.voice), size and mean rating.
The theme model does not see brand names (each brand of the run, as a whole word, reads "them"): a
sentence model puts "Switched from Trailhead" nearer to anything else naming Trailhead than to
"Switched from Summit", and a theme is what is said, not whom it names (docs/competitors.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from personacraft.text.languages import foreign_files
from personacraft.text.objections import LostReasons
from personacraft.text.redact import without_redacted
from personacraft.text.sentiment import scales, score
from personacraft.text.themes import Themes, find_themes

NEED = re.compile(r"\b(i need|we need|need(s|ed)? (a|an|to|more)|i wish|we wish|would like|please add|missing)\b", re.I)
GOAL = re.compile(r"\b(want to|wanted to|looking for|hope to|hoping to|trying to|goal|so that i|in order to)\b", re.I)


def mention_pattern(brands: Sequence[str]) -> re.Pattern[str] | None:
    """A regex finding any of ``brands`` as whole words, case-insensitive."""
    names = sorted({b.strip() for b in brands if len(b.strip()) >= 3}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(b) for b in names) + r")(?!\w)", re.IGNORECASE)


def without_brands(texts: list[str], brands: Sequence[str]) -> list[str]:
    """``texts`` with every brand of ``brands`` (as :func:`mention_pattern` finds it) replaced by "them"."""
    pattern = mention_pattern(brands)
    return texts if pattern is None else [pattern.sub("them", t) for t in texts]


@dataclass
class TextThemes:
    """Every text of a run (interview notes as their statements), redacted, with its theme."""

    themes: Themes | None
    text_ids: list[str] = field(default_factory=list)
    keys: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    bodies: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    theme_rows: list[dict[str, Any]] = field(default_factory=list)
    sentiment: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int8))  # -1, 0 or +1 per text
    scales: dict[str, float] = field(default_factory=dict)  # top of each kind's rating scale (5, or 10 for NPS)
    lost: LostReasons | None = None  # the lost deals' reasons, set by the text stage (text.objections)
    # per text: its brand, whether ours, and whether its file is in another language (text.languages)
    brands: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    ours: np.ndarray = field(default_factory=lambda: np.array([], dtype=bool))
    foreign: np.ndarray = field(default_factory=lambda: np.array([], dtype=bool))
    ratings: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.float64))
    repeat: np.ndarray = field(default_factory=lambda: np.array([], dtype=bool))
    competitors: dict[str, Any] | None = None  # competitor voice, set by the text stage (text.competitors)


def themed(
    text_ids: list[str],
    keys: list[str],
    bodies: list[str],
    kinds: list[str],
    rating: np.ndarray,
    extra: list[tuple[str, bool, str, bool]],
    *,
    method: str = "auto",
    seed: int = 0,
) -> TextThemes:
    """The themes of redacted texts; ``extra``: each text's brand, whether ours, its file, and whether it repeats
    a text the same author posted before about the same brand (counted once, text.competitors)."""
    # a file in another language than most texts gets no theme: it is reported, not mixed in
    foreign = foreign_files([e[2] for e in extra], bodies)
    core = [without_redacted(b) if not f else "" for b, f in zip(bodies, foreign, strict=True)]
    core = without_brands(core, sorted({e[0] for e in extra}))
    themes = find_themes(core, method=method, seed=seed)
    sentiment = score(bodies, rating, np.array(kinds, dtype=object))
    theme_rows = []
    for c in range(themes.k):
        m = themes.labels == c
        texts_c = [bodies[i] for i in np.flatnonzero(m)]
        negative = float((sentiment[m] < 0).mean()) if m.any() else 0.0
        need = float(np.mean([bool(NEED.search(t)) for t in texts_c])) if texts_c else 0.0
        goal = float(np.mean([bool(GOAL.search(t)) for t in texts_c])) if texts_c else 0.0
        kind = "pain" if negative >= 0.5 else "need" if need >= 0.3 else "goal" if goal >= 0.3 else "praise"
        theme_rows.append(
            {
                "theme": c,
                "name": themes.names[c],
                "keywords": themes.keywords[c],
                "kind": kind,
                "texts": int(m.sum()),
                "negative_share": round(negative, 3),
                "mean_rating": None if not np.isfinite(rating[m]).any() else round(float(np.nanmean(rating[m])), 2),
                "sources": sorted({kinds[i] for i in np.flatnonzero(m)}),
            }
        )
    kind_arr = np.array(kinds, dtype=object)
    tt = TextThemes(
        themes, text_ids, np.array(keys, dtype=object), bodies, kinds, theme_rows, sentiment, scales(kind_arr, rating)
    )
    tt.brands = np.array([e[0] for e in extra], dtype=object)
    tt.ours, tt.foreign, tt.ratings = np.array([e[1] for e in extra], dtype=bool), foreign, rating
    tt.repeat = np.array([e[3] for e in extra], dtype=bool)
    return tt
