"""Theme names people can read: a 2 to 6 word phrase near the theme's centre, anchored on a shared word.

Three steps, after k-means (:func:`~personacraft.text.themes.find_themes`):

1. **Anchor.** Each theme's *anchor* is the content word (no stop word) found in the largest
   weighted share of its texts. A text without its theme's anchor that holds another theme's moves
   to the nearest such theme. When fewer than half of the theme's texts hold it, the theme's
   texts without it are kept only up to as many as hold it (the most central first); the rest
   move to the nearest theme whose anchor they hold, else to no theme (label -1, "no clear
   theme"). So every theme has a word in at least half of its texts.
2. **Name.** Candidates (:mod:`personacraft.text.phrases`) are the noun phrases of 2 to 6 words
   and the whole clauses of 2 to 6 words of the theme's 60 most central texts that hold a word
   found in at least half of the theme's texts; those found in two texts or more are preferred.
   Each is scored by the cosine of its vector (the same sentence model as the texts: MiniLM) to
   the theme's centre, as KeyBERT does; among those within :data:`NEAR` of the best a noun phrase
   wins, then the closest (a word costing :data:`SHORTER`). On the TF-IDF path the candidate held
   by most texts wins (a noun phrase first). The name is whole: never cut, no ellipsis. With no
   candidate, the two most shared nouns ("Battery and charger").
3. **Merge.** Themes that get the same name (once lower-cased, without determiners or a plural "s")
   or whose centres lie at a cosine of :data:`MERGE_COSINE` or more are one theme (two wordings of
   one complaint).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from personacraft.text.phrases import DETERMINERS, WordClasses, candidates, is_noun_phrase, spellings, word_classes
from personacraft.text.redact import without_redacted

_I = re.compile(r"(?<![\w'’])i(?=$|[\s'’])")  # the pronoun, capitalised: "Everyone asked where I got it"
LETTERS = r"(?u)\b[^\W\d_][^\W\d_]+\b"
_TOKEN = re.compile(LETTERS)
CENTRAL = 60  # central texts whose phrases are candidates
NEAR = 0.1  # phrases this close (cosine) to the best one count as equally good: a noun phrase among them wins
# two themes whose centres (as embedded) lie this close are one complaint in other words: on the retail
# demo the wordings of one complaint lie at 0.49 to 0.74 and different complaints up to 0.58
# ("Shipping costs" and "Shipping took two weeks"); only the closest pairs are sure (docs/voice.md)
MERGE_COSINE = 0.65
SHORTER = 0.02  # what a word costs among those: the shorter of two phrases wins unless the longer is this much closer
MIN_SHARE = 0.5  # a name holds a word found in at least this share of the theme's texts
# words that never start or end a name, beyond the stop words (fillers, verbs of saying, pronoun forms)
EDGE = frozenset("did does got went just really thanks thank ve ll don didn doesn isn wasn im it's".split())  # noqa: SIM905


def _stop() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | EDGE


STOP = _stop()
# stop words that may open a name: "Out of stock", "Too small", "Not waterproof", "No tracking"
OPENERS = frozenset("out too not no never over less more".split())  # noqa: SIM905


Words = tuple[Any, np.ndarray]  # word_matrix's answer: (binary sparse matrix or None, vocabulary)


def word_matrix(texts: Sequence[str]) -> Words:
    """Which content words each text holds: a binary sparse matrix and its vocabulary (made once per
    set of texts and handed to the steps below as ``words``: 3 s a time on 160,000 texts)."""
    vec = CountVectorizer(token_pattern=LETTERS, lowercase=True, binary=True, stop_words=sorted(STOP))
    try:
        B = vec.fit_transform([without_redacted(t) for t in texts])
    except ValueError:  # no content word at all
        return None, np.array([], dtype=object)
    return B.tocsr(), np.asarray(vec.get_feature_names_out(), dtype=object)


def theme_sums(labels: np.ndarray, weights: np.ndarray, k: int) -> Any:
    """(k, texts) sparse: each text's weight in its theme's row; texts of no theme (-1) in none.
    Multiplied by a (texts, columns) matrix, it sums each theme's rows."""
    from scipy import sparse

    m = np.flatnonzero(labels >= 0)
    return sparse.csr_matrix((weights[m], (labels[m], m)), shape=(k, len(labels)))


def theme_shares(B: Any, labels: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """(k, words): the weighted share of each theme's texts holding each word."""
    hits = np.asarray((theme_sums(labels, weights, k) @ B).todense())
    ok = labels >= 0
    size = np.bincount(labels[ok], weights=weights[ok], minlength=k)
    return np.asarray(hits / np.maximum(size, 1e-12)[:, None])


def anchor_themes(
    texts: Sequence[str],
    X: np.ndarray,
    labels: np.ndarray,
    dist: np.ndarray,
    weights: np.ndarray,
    k: int,
    words: Words | None = None,
) -> np.ndarray:
    """Labels where every theme's anchor word is in at least half its texts (step 1 of the module doc)."""
    B, vocab = words if words is not None else word_matrix(texts)
    if B is None or not len(vocab):
        return labels
    labels = labels.copy()
    shares = theme_shares(B, labels, weights, k)
    anchors = shares.argmax(axis=1)
    has = np.asarray(B[:, anchors].todense()).astype(bool)  # (n, k): text holds theme c's anchor
    # a text without its theme's anchor that holds another theme's goes to the nearest such theme
    ok = labels >= 0
    lost = np.flatnonzero(ok & ~has[np.arange(len(labels)), np.maximum(labels, 0)] & has.any(axis=1))
    if len(lost):
        sim = np.where(has[lost], X[lost] @ unit_centres(X, labels, weights, k).T, -np.inf)
        labels[lost] = sim.argmax(axis=1)
        shares = theme_shares(B, labels, weights, k)
    dropped: list[int] = []
    for c in range(k):
        rows = np.flatnonzero(labels == c)
        if not len(rows) or shares[c, anchors[c]] >= MIN_SHARE:
            continue
        with_anchor = float(weights[rows[has[rows, c]]].sum())
        without = rows[~has[rows, c]]
        without = without[np.argsort(dist[without], kind="stable")]
        keep = np.cumsum(weights[without]) <= with_anchor
        dropped += without[~keep].tolist()
    if not dropped:
        return labels
    d = np.array(dropped)
    labels[d] = -1
    sim = np.where(has[d], X[d] @ unit_centres(X, labels, weights, k).T, -np.inf)
    best = sim.argmax(axis=1)
    labels[d] = np.where(np.isfinite(sim[np.arange(len(d)), best]), best, -1)
    return labels


def unit_centres(X: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """(k, dims): the unit-length weighted mean of each theme's vectors; texts of no theme (-1) count for none."""
    centres = np.asarray(theme_sums(labels, weights, k) @ X, dtype=np.float64)
    return np.asarray(centres / np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12))


def name_themes(
    texts: Sequence[str],
    labels: np.ndarray,
    dist: np.ndarray,
    weights: np.ndarray,
    k: int,
    centres: np.ndarray | None,
    embed: Callable[[list[str]], np.ndarray] | None,
    words: Words | None = None,
) -> list[str]:
    """One readable name per theme (step 2 of the module doc); ``embed`` None scores by frequency."""
    B, vocab = words if words is not None else word_matrix(texts)
    if B is None or not len(vocab):
        return [f"Theme {c + 1}" for c in range(k)]
    shares = theme_shares(B, labels, weights, k)
    wc = word_classes(texts)
    names: list[str] = []
    picks: list[tuple[int, list[str]]] = []
    for c in range(k):
        rows = np.flatnonzero(labels == c)
        shared = {str(vocab[j]) for j in np.flatnonzero(shares[c] >= MIN_SHARE)}
        if not len(rows) or not shared:
            names.append(f"Theme {c + 1}")
            continue
        central = rows[np.argsort(dist[rows], kind="stable")][:CENTRAL]
        counts: dict[str, float] = {}
        for i in central:
            for gram in candidates(texts[int(i)], wc):
                if shared & set(gram.split()):
                    counts[gram] = counts.get(gram, 0.0) + float(weights[i])
        often = {g: n for g, n in counts.items() if n >= 2} or counts
        # a phrase inside a longer one held as often says less: "Wrong VAT number", not "VAT number"
        often = {g: n for g, n in often.items() if not _inside(g, n, often, wc)}
        share = {str(vocab[j]): float(shares[c, j]) for j in np.flatnonzero(shares[c] > 0)}
        ranked = sorted(
            often,
            key=lambda g: (
                -often[g],
                not is_noun_phrase(g, wc),
                -max(share.get(w, 0.0) for w in g.split()),  # the phrase of the most shared word
                len(g.split()),
                g,
            ),
        )[:40]
        if not ranked:
            names.append(_fallback(shares[c], vocab, wc))
            continue
        names.append("")
        picks.append((c, ranked))
    if picks:
        if embed is not None and centres is not None:
            flat = [g for _, ranked in picks for g in ranked]
            V = embed(flat)
            at = 0
            for c, ranked in picks:
                scores = V[at : at + len(ranked)] @ centres[c]
                at += len(ranked)
                # of the phrases nearly as close as the best, a noun phrase; then the closest, a word
                # costing SHORTER ("Out of stock" rather than "Out of stock in my size")
                near = [i for i in range(len(ranked)) if scores[i] >= scores.max() - NEAR]
                nps = [i for i in near if is_noun_phrase(ranked[i], wc)] or near
                names[c] = ranked[max(nps, key=lambda i: (scores[i] - SHORTER * len(ranked[i].split()), -i))]
        else:
            for c, ranked in picks:
                names[c] = ranked[0]
    spelt = spellings(texts[int(i)] for i in np.flatnonzero(labels >= 0)[:: max(1, int((labels >= 0).sum()) // 5000)])
    return [_I.sub("I", _capital(" ".join(spelt.get(w, w) for w in n.split()))) for n in names]


def _inside(g: str, n: float, often: dict[str, float], wc: WordClasses) -> bool:
    """Whether a longer phrase held as often holds ``g`` (a noun phrase only gives way to a noun phrase)."""
    np_g = is_noun_phrase(g, wc)
    return any(
        m == n and h != g and f" {g} " in f" {h} " and (is_noun_phrase(h, wc) or not np_g) for h, m in often.items()
    )


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


def _fallback(share: np.ndarray, vocab: np.ndarray, wc: WordClasses) -> str:
    """A name when no phrase of the theme's texts holds a shared word: its most shared nouns."""
    order = np.argsort(-share, kind="stable")
    shared = [str(vocab[j]) for j in order if share[j] >= MIN_SHARE]
    nouns = [w for w in shared if wc.head(w)][:2]
    if len(nouns) > 1:
        return f"{nouns[0].capitalize()} and {nouns[1]}"
    return f"Comments on {nouns[0]}" if nouns else f'Comments with "{shared[0]}"'


def _key(name: str) -> str:
    """A name as compared for merging: lower case, no determiner, no plural "s" ("The batteries" ~ "battery")."""
    words = [w for w in name.lower().split() if w not in DETERMINERS]
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def merge_same_names(
    labels: np.ndarray,
    names: list[str],
    centres: np.ndarray | None = None,
    texts: Sequence[str] = (),
    weights: np.ndarray | None = None,
    words: Words | None = None,
) -> tuple[np.ndarray, list[int]]:
    """Labels with near-duplicate themes joined (step 3): the same name once normalised, or centres
    (unit length, as embedded) at a cosine of :data:`MERGE_COSINE` or more, when the joined theme still
    has a word in half its ``texts``; and the kept themes, in order. The first theme of a group leads it."""
    k = len(names)
    target = np.arange(k)

    def root(c: int) -> int:
        while target[c] != c:
            c = int(target[c])
        return c

    first: dict[str, int] = {}
    for c, name in enumerate(names):
        target[c] = root(first.setdefault(_key(name), c))
    B = None
    if len(texts) and weights is not None and centres is not None:
        B = (words if words is not None else word_matrix(texts))[0]
    if B is not None and centres is not None and weights is not None and len(centres) == k and k > 1:
        ok = labels >= 0
        size = np.bincount(labels[ok], weights=weights[ok], minlength=k)
        hits = theme_shares(B, labels, weights, k) * size[:, None]
        group = {c: {c} for c in range(k)}
        close = np.argwhere(np.triu(centres @ centres.T, 1) >= MERGE_COSINE)
        for a, b in sorted(close.tolist()):
            ra, rb = root(a), root(b)
            both = sorted(group[ra] | group[rb])
            if ra == rb or (hits[both].sum(axis=0) / max(size[both].sum(), 1e-12)).max() < MIN_SHARE:
                continue
            lead, other = min(ra, rb), max(ra, rb)
            target[other] = lead
            group[lead] = set(both)
    target = np.array([root(c) for c in range(k)])
    kept = sorted(set(target.tolist()))
    remap = np.full(k, -1)
    remap[kept] = np.arange(len(kept))
    new = np.where(labels >= 0, remap[target[np.maximum(labels, 0)]], -1)
    return new, kept
