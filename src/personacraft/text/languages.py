"""Which files of texts are in another language than most texts, told by stop-word ratios.

A light detector, enough to keep a review file in German or French out of English themes: the
share of a text's words that are common function words of each language (about thirty per
language, below) names its language when it reaches :data:`MIN_RATIO`. A file's language is
that of most of its texts that have one; a file whose language is not the run's main language
is *foreign*: its texts get no theme, and it is reported (competitors.json ``languages``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and is was it to of for in my this that with not but very you have are they be on at too",
        "de": "der die das und ist nicht ich es mit zu ein eine sehr für auf den dem war sie wir auch aber noch nur",
        "fr": "le la les et est pas je il un une des très pour avec mais du de que qui sur ce en au trop",
        "es": "el la los las y es no un una muy para con pero por que del se lo en mi al más fue",
        "nl": "de het een en is niet ik dat met voor op te van zijn maar ook erg was heel",
        "it": "il lo la le e è non un una molto per con ma che di del sono mi ho troppo",
        "pt": "o a os as e é não um uma muito para com mas que do da em meu foi",
    }.items()
}
MIN_RATIO = 0.15  # share of a text's words that are one language's function words
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def language(text: str) -> str:
    """The language whose function words make up most of ``text`` ("" when none reaches :data:`MIN_RATIO`)."""
    words = [w.lower() for w in _WORDS.findall(text)]
    if len(words) < 3:
        return ""
    best, share = "", 0.0
    for lang, stop in STOPWORDS.items():
        s = sum(w in stop for w in words) / len(words)
        if s > share:
            best, share = lang, s
    return best if share >= MIN_RATIO else ""


def file_languages(files: Sequence[str], texts: Sequence[str], sample: int = 300) -> dict[str, str]:
    """Each file's language: that of most of (the first ``sample`` of) its texts that have one."""
    seen: dict[str, Counter[str]] = {}
    for f, t in zip(files, texts, strict=True):
        c = seen.setdefault(f, Counter())
        if sum(c.values()) < sample:
            lang = language(t)
            c[lang or "?"] += 1
    out = {}
    for f, c in seen.items():
        known = Counter({k: v for k, v in c.items() if k != "?"})
        out[f] = known.most_common(1)[0][0] if known else ""
    return out


def foreign_files(files: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """Per text, whether its file is in another language than the run's main one (by texts)."""
    langs = file_languages(files, texts)
    per_text = [langs.get(f, "") for f in files]
    counts = Counter(x for x in per_text if x)
    if not counts:
        return np.zeros(len(files), dtype=bool)
    main = counts.most_common(1)[0][0]
    return np.array([bool(x) and x != main for x in per_text], dtype=bool)
