"""Near-duplicate themes: two clusters that hold the same complaint in other words, found to merge them.

K-means on sentence vectors splits one complaint worded three ways ("delivery was far too
slow", "too slow for a present", "the delivery was late and the gift missed the birthday")
into three themes, and a persona then shows one pain three times. Two themes of the same kind
are near-duplicates when **both** hold:

- their centres (:attr:`~personacraft.text.themes.Themes.centres`, the vectors as embedded) have
  a cosine of at least :data:`MERGE_COSINE`; and
- their labels share a word stem and their centres a cosine of at least :data:`SURE_COSINE`, or
  their labels and keywords share two stems (:func:`stems`;
  stop words, words every shop text uses such as "order", and stems found in most themes of
  the run, such as a sign-off, do not count).

On the retail demo's reviews (MiniLM) the wordings of one complaint lie at 0.49 to 0.74, and
the closest different complaints that pass the lexical test at 0.36 ("prices went up" against
"recyclable packaging at this price"); docs/voice.md gives the figures and the command. On the
TF-IDF path the NMF centres of two themes are close to orthogonal, so nothing merges there.

Themes merge transitively (connected components), and the first of each group, in the order
given, leads it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from personacraft.text.themes import LETTERS, NOT_KEYWORDS

MERGE_COSINE = 0.4
SURE_COSINE = 0.55  # from here one shared label stem is enough; below, two shared stems are needed
COMMON_SHARE = 0.5  # a stem in more than this share of all themes does not count (with 4 themes or more)
# words of any shop's or product's texts: a shared one says nothing about the complaint
GENERIC = frozenset(
    """order orders ordered item items product products purchase purchased buy bought customer service
    time times day days week weeks month brand store shop""".split()  # noqa: SIM905 - a word list reads best as text
)
_TOKEN = re.compile(LETTERS)
_SUFFIXES = ("ing", "ed", "es", "er", "s", "e", "y")


def stem(word: str) -> str:
    """A crude English stem: one common suffix off ("sizing", "sizes", "size" -> "siz")."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stems(label: str, keywords: Sequence[str] = ()) -> frozenset[str]:
    """The content-word stems of a theme's label and keywords."""
    words = _TOKEN.findall(" ".join([label, *keywords]).lower())
    return frozenset(stem(w) for w in words if w not in NOT_KEYWORDS and w not in GENERIC)


def share_a_stem(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two stem sets share a stem, or one stem ends another ("stock" in "restock")."""
    return (
        bool(a & b)
        or any(len(x) >= 4 and len(y) > len(x) and y.endswith(x) for x in a for y in b)
        or any(len(y) >= 4 and len(x) > len(y) and x.endswith(y) for x in a for y in b)
    )


def cosine(centres: np.ndarray | None, a: int, b: int) -> float:
    """The cosine of two theme centres (0 when the centres are unknown)."""
    if centres is None or max(a, b) >= len(centres):
        return 0.0
    return float(centres[a] @ centres[b])


def near_duplicate_groups(
    themes: Sequence[int],
    centres: np.ndarray | None,
    labels: Sequence[str],
    keywords: Sequence[Sequence[str]],
    kinds: Sequence[str],
    *,
    min_cosine: float = MERGE_COSINE,
) -> list[list[int]]:
    """The given theme ids in groups of near-duplicates (see the module doc), each led by its first."""
    ids = list(dict.fromkeys(int(t) for t in themes))
    # a stem in most themes (a sign-off every text ends with) tells none of them apart
    every = [stems(labels[t], keywords[t]) for t in range(len(labels))]
    df: dict[str, int] = {}
    for found in every:
        for w in found:
            df[w] = df.get(w, 0) + 1
    common = {w for w, n in df.items() if len(every) >= 4 and n > COMMON_SHARE * len(every)}
    named = {t: stems(labels[t]) - common for t in ids}
    words = {t: every[t] - common for t in ids}
    parent = {t: t for t in ids}

    def root(t: int) -> int:
        while parent[t] != t:
            t = parent[t]
        return t

    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if kinds[a] != kinds[b] or root(a) == root(b):
                continue
            close = cosine(centres, a, b)
            two = len(words[a] & words[b]) >= 2
            # one shared stem is enough only for close centres: short names share a word more often
            # ("Out of stock in my size" and "Sizing runs small" at 0.44)
            lexical = two or (share_a_stem(named[a], named[b]) and close >= SURE_COSINE)
            if lexical and close >= min_cosine:
                ra, rb = root(a), root(b)
                first, second = (ra, rb) if ids.index(ra) < ids.index(rb) else (rb, ra)
                parent[second] = first
    groups: dict[int, list[int]] = {}
    for t in ids:
        groups.setdefault(root(t), []).append(t)
    return list(groups.values())
