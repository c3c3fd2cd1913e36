"""Themes from free text, offline: vectors, clusters, and labels from class-based TF-IDF.

Two paths give the vectors:

* ``minilm``: the all-MiniLM-L6-v2 sentence model (:mod:`personacraft.text.embed`: offline,
  from its package; needs the ``text`` extra);
* ``tfidf``: TF-IDF of words and word pairs reduced by NMF to topic weights; numpy and
  scikit-learn only. It is chosen automatically when the model stack is absent.

Texts are normalised and de-duplicated first (each distinct text is embedded once), and
texts of fewer than :data:`MIN_WORDS` words get no theme. On both paths the vectors lose the
directions every text shares (:func:`remove_common_directions`). The number of themes is chosen
by the silhouette (cosine) of k-means on a sample, in ``k_range``; every distinct text is
then assigned to its nearest theme centre. Each theme is labelled with its most
distinctive words and word pairs (class-based TF-IDF, as BERTopic labels topics). The
language of every text is detected (py3langid) and reported, never a reason to fail.
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.metrics.pairwise import cosine_distances

from personacraft.errors import MissingExtraError
from personacraft.text.embed import embed_minilm, model_available
from personacraft.text.naming import anchor_themes, merge_same_names, name_themes, unit_centres, word_matrix
from personacraft.text.redact import without_redacted
from personacraft.wording import whole_label

MIN_WORDS = 3  # docs/voice.md, "Texts with no theme": two words were tried in session 9
SAMPLE = 4000  # texts used to choose k
_SPACES = re.compile(r"\s+")
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
LETTERS = r"(?u)\b[^\W\d_][^\W\d_]+\b"  # words of two letters or more; no numbers, ids or years


@dataclass(frozen=True)
class Themes:
    """The themes of a list of texts, aligned with it."""

    method: str
    labels: np.ndarray  # theme of each text; -1 = too short to say
    distance: np.ndarray  # cosine distance of each text to its theme's centre (nan without a theme)
    names: list[str]  # a short readable label per theme
    keywords: list[list[str]]  # the most distinctive words and pairs per theme
    languages: np.ndarray  # ISO 639-1 code of each text ("" when too short to tell)
    # unit-length centre of each theme in the vectors as embedded (before the common directions
    # are removed, where near-duplicate wordings of one complaint lie closest): (k, dims)
    centres: np.ndarray | None = None

    @property
    def k(self) -> int:
        return len(self.names)


COMMON_DIRECTIONS = 3  # principal directions removed from sentence vectors (all-but-the-top)
MIN_FOR_COMMON = 50  # fewer distinct texts than this keep their vectors as they are


def remove_common_directions(X: np.ndarray, d: int = COMMON_DIRECTIONS) -> np.ndarray:
    """Text vectors with their mean and top ``d`` principal directions removed, re-normalised.

    Sentence models put much of every vector along a few directions shared by all texts
    (length, tone, openings like "FYI", shared product phrases), and NMF gives such phrases
    topics of their own; clusters then follow those instead of what the texts are about.
    Removing them ("all-but-the-top", Mu and Viswanath, ICLR 2018) raised theme purity on the
    planted benchmark (100k texts) from 0.67 to 0.94 with MiniLM, and from 0.54 to 0.66 with
    TF-IDF (benchmarks/bench_themes.py, docs/voice.md).
    """
    if len(X) < max(MIN_FOR_COMMON, d + 2):
        return X
    Z = X - X.mean(axis=0)
    if d:
        # the top right singular vectors of Z are the top eigenvectors of the (dims, dims) Z'Z: the
        # same directions as an SVD of Z, in a fraction of its time on 100,000s of texts
        Z64 = Z.astype(np.float64)
        _, vectors = np.linalg.eigh(Z64.T @ Z64)
        top = vectors[:, ::-1][:, :d].T
        Z = Z - (Z @ top.T) @ top
    norm = np.linalg.norm(Z, axis=1, keepdims=True)
    return np.asarray(Z / np.where(norm > 0, norm, 1.0))


def tfidf_vectors(texts: Sequence[str], seed: int, dims: int = 40) -> np.ndarray:
    """Unit-length NMF topic weights of the texts' TF-IDF (words and word pairs)."""
    # texts are distinct here: with few of them, a word in one text still tells that text apart
    tfidf = TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2 if len(texts) >= 200 else 1,
        max_df=0.5,
        sublinear_tf=True,
        stop_words="english",
        token_pattern=LETTERS,
    )
    try:
        X = tfidf.fit_transform(texts)
    except ValueError:  # no term occurs twice: every text stands alone
        return np.eye(len(texts), dtype=np.float32)[:, : max(1, min(len(texts), dims))]
    n = max(1, min(dims, X.shape[1] - 1, X.shape[0] - 1))
    with warnings.catch_warnings():
        # NMF stopping at its iteration cap still gives usable topic weights for clustering
        warnings.simplefilter("ignore", ConvergenceWarning)
        W = NMF(n_components=n, init="nndsvda", max_iter=400, random_state=seed).fit_transform(X)
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    return np.asarray(np.where(norms > 0, W / np.maximum(norms, 1e-12), 0.0), dtype=np.float32)


def detect_languages(texts: Sequence[str]) -> np.ndarray:
    try:
        import py3langid
    except ImportError:  # the detector is optional: say nothing rather than guess
        return np.array([""] * len(texts), dtype=object)
    return np.array([py3langid.classify(t)[0] for t in texts], dtype=object)


def _choose_k(X: np.ndarray, weights: np.ndarray, k_range: tuple[int, int], seed: int) -> int:
    """The k of the best silhouette (cosine) on a sample drawn in proportion to how often each text occurs."""
    rng = np.random.default_rng(seed)
    sample = X[rng.choice(len(X), size=min(SAMPLE, int(weights.sum())), replace=True, p=weights / weights.sum())]
    lo, hi = k_range
    hi = min(hi, len(np.unique(sample.round(4), axis=0)) - 1)
    if hi < max(2, lo):
        return max(1, min(lo, hi + 1))
    best_k, best = lo, -np.inf
    distances = cosine_distances(sample)  # once for every k (silhouette_score would compute them per k)
    for k in range(max(2, lo), hi + 1):
        labels = KMeans(k, n_init=3, random_state=seed).fit_predict(sample)
        if len(set(labels)) < 2:
            continue
        score = float(silhouette_score(distances, labels, metric="precomputed"))
        if score > best + 1e-9:
            best_k, best = k, score
    return best_k


def _cluster(X: np.ndarray, weights: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    big = len(X) > 50_000
    model = (
        MiniBatchKMeans(k, n_init=3, random_state=seed, batch_size=4096)
        if big
        else KMeans(k, n_init=5, random_state=seed)
    ).fit(X, sample_weight=weights)
    centres = model.cluster_centers_ / np.maximum(np.linalg.norm(model.cluster_centers_, axis=1, keepdims=True), 1e-12)
    labels = np.asarray(model.labels_)
    distance = 1.0 - (X * centres[labels]).sum(axis=1)
    return labels, distance


_CLAUSE = re.compile(r"[.!?;:,()\"]+|\s[-–—]\s")
_TOKEN = re.compile(LETTERS)
# words that say nothing of what a theme is about, beyond sklearn's English stop words
NOT_KEYWORDS = ENGLISH_STOP_WORDS | {"did", "does", "got", "went", "just", "really", "thanks", "thank", "ve", "ll"}


def _phrases(text: str) -> list[str]:
    """The words of a text and its pairs of adjacent words within a clause, stop words left out."""
    out: list[str] = []
    for clause in _CLAUSE.split(text.lower()):
        words = _TOKEN.findall(clause)
        out += [w for w in words if w not in NOT_KEYWORDS]
        out += [f"{a} {b}" for a, b in itertools.pairwise(words) if a not in NOT_KEYWORDS and b not in NOT_KEYWORDS]
    return out


def label_themes(texts: Sequence[str], labels: np.ndarray, k: int, top: int = 6) -> tuple[list[str], list[list[str]]]:
    """Class-based TF-IDF: each theme's words and pairs weighed against how common they are overall.

    A pair is two words next to each other in a clause, neither a stop word ("small orders", never
    "high small" across "for"); sentences that hold a redaction placeholder ("Reach me at [email].")
    are left out.
    """
    vec = CountVectorizer(analyzer=_phrases, min_df=1)
    try:
        X = vec.fit_transform([without_redacted(t) for t in texts])
    except ValueError:
        return [f"Theme {i + 1}" for i in range(k)], [[] for _ in range(k)]
    terms = np.asarray(vec.get_feature_names_out())
    tf = np.zeros((k, X.shape[1]))
    for c in range(k):
        rows = np.flatnonzero(labels == c)
        if len(rows):
            tf[c] = np.asarray(X[rows].sum(axis=0)).ravel()
    freq = tf.sum(axis=0)
    avg = tf.sum() / max(k, 1)
    ctfidf = (tf / np.maximum(tf.sum(axis=1, keepdims=True), 1)) * np.log1p(avg / np.maximum(freq, 1))
    names, keywords = [], []
    for c in range(k):
        order = np.argsort(-ctfidf[c], kind="stable")
        words = [str(terms[j]) for j in order if ctfidf[c, j] > 0][: top * 3]
        # a pair says more than its words: keep a word only if no kept pair contains it
        pairs = [w for w in words if " " in w]
        chosen = pairs[:3] + [w for w in words if " " not in w and not any(w in p.split() for p in pairs[:3])]
        chosen = chosen[:top]
        keywords.append(chosen)
        names.append(chosen[0].capitalize() if chosen else f"Theme {c + 1}")
    # two themes may share a first phrase: add the second to tell them apart
    for c, name in enumerate(names):
        if names.count(name) > 1 and len(keywords[c]) > 1:
            names[c] = f"{name} / {keywords[c][1]}"
    return names, keywords


def _central_name(texts: Sequence[str], labels: np.ndarray, dist: np.ndarray, c: int, words: int = 12) -> str:
    """The longest whole clause (at most ``words`` words) of the theme's most central text that has one;
    never a clause cut short, so a label always reads as a whole phrase."""
    rows = np.flatnonzero(labels == c)
    if not len(rows):
        return ""
    ranked = rows[np.argsort(dist[rows], kind="stable")]
    for row in ranked[:20]:
        clauses = [c.strip(" .!?;,:") for c in re.split(r"(?<=[.!?;:])\s|,\s", texts[int(row)])]
        # the longest clause names the theme, not an opening like "Hi," or "To be fair,"
        fitting = [c for c in clauses if 2 <= len(c.split()) <= words]
        if fitting:
            return max(fitting, key=lambda c: len(_WORDS.findall(c)))
    text = texts[int(ranked[0])]
    clause = max((c.strip(" .!?;,:") for c in re.split(r"(?<=[.!?;:])\s|,\s", text)), key=len)
    return whole_label(" ".join(clause.split()[:words]) + "…")


def _named(
    texts: list[str],
    X: np.ndarray,
    raw: np.ndarray,
    labels: np.ndarray,
    dist: np.ndarray,
    weights: np.ndarray,
    k: int,
    method: str,
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Anchor, name and merge the themes (:mod:`personacraft.text.naming`): labels, names, distances."""
    words = word_matrix(texts)
    labels = anchor_themes(texts, X, labels, dist, weights, k, words)
    embed = embed_minilm if method == "minilm" else None
    for _ in range(3):  # a merge changes a theme's texts: name again until no two names are the same
        centres = unit_centres(raw, labels, weights, k)
        names = name_themes(texts, labels, dist, weights, k, centres, embed, words)
        labels, kept = merge_same_names(labels, names, centres if method == "minilm" else None, texts, weights, words)
        merged, names, k = len(kept) < k, [names[c] for c in kept], len(kept)
        centre_of = unit_centres(X, labels, weights, k)[np.maximum(labels, 0)]
        dist = np.where(labels >= 0, 1.0 - (X * centre_of).sum(axis=1), np.nan)
        if not merged:
            break
    return labels, names, dist


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def find_themes(
    texts: Sequence[str],
    *,
    method: str = "auto",
    k: int | None = None,
    k_range: tuple[int, int] = (4, 30),
    seed: int = 0,
) -> Themes:
    """Themes of ``texts``; ``method`` is ``auto``, ``minilm`` or ``tfidf``."""
    if method == "auto":
        method = "minilm" if model_available() else "tfidf"
    if method not in ("minilm", "tfidf"):
        raise ValueError(f"unknown theme method {method!r} (expected auto, minilm or tfidf)")
    if method == "minilm" and not model_available():
        raise MissingExtraError('Text themes with the MiniLM sentence model ([text] method = "minilm")', "text")
    clean = [normalise(t or "") for t in texts]
    keys = [t.lower() for t in clean]
    _, first, inverse, counts = np.unique(
        np.array(keys, dtype=object), return_index=True, return_inverse=True, return_counts=True
    )
    unique = [clean[i] for i in first]
    long_enough = np.array([len(_WORDS.findall(t)) >= MIN_WORDS for t in unique], dtype=bool)
    u_labels = np.full(len(unique), -1, dtype=np.int64)
    u_dist = np.full(len(unique), np.nan)
    u_lang = np.array([""] * len(unique), dtype=object)
    names: list[str] = []
    keywords: list[list[str]] = []
    centres = None
    idx = np.flatnonzero(long_enough)
    if len(idx):
        chosen = [unique[i] for i in idx]
        u_lang[idx] = detect_languages(chosen)
        raw = embed_minilm(chosen) if method == "minilm" else tfidf_vectors(chosen, seed)
        X = remove_common_directions(raw)
        weights = counts[idx].astype(np.float64)
        n_themes = k if k is not None else _choose_k(X, weights, k_range, seed)
        n_themes = max(1, min(n_themes, len(chosen)))
        labels, dist = _cluster(X, weights, n_themes, seed)
        # themes whose most central texts open the same way are one theme (e.g. split by a greeting)
        central = [_central_name(chosen, labels, dist, c) for c in range(n_themes)]
        first_of = {name: i for i, name in reversed(list(enumerate(central))) if name}
        merged = np.array([first_of.get(central[c], c) for c in range(n_themes)])
        kept = np.unique(merged)
        labels = np.searchsorted(kept, merged[labels])
        n_themes = len(kept)
        if n_themes < len(central):
            dist = 1.0 - (X * unit_centres(X, labels, weights, n_themes)[labels]).sum(axis=1)
        labels, names, dist = _named(chosen, X, raw, labels, dist, weights, n_themes, method)
        n_themes = len(names)
        _, keywords = label_themes(chosen, labels, n_themes)
        centres = unit_centres(raw, labels, weights, n_themes)
        u_labels[idx], u_dist[idx] = labels, dist
    return Themes(
        method=method,
        labels=u_labels[inverse],
        distance=u_dist[inverse],
        names=names,
        keywords=keywords,
        languages=u_lang[inverse],
        centres=centres,
    )
