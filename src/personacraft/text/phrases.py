"""Candidate theme names that read as names: noun phrases, or short clauses whole.

Noun phrases ("Slow delivery", "Battery life", "Waste of money") or a short clause as written ("Sizing
runs small", "Love it"); never a fragment cut after a verb ("Integration keeps").

No part-of-speech tagger ships with the installed packages (and none may be fetched at run time), so a
word's class comes from closed word lists and from where the run's own texts put it (:class:`WordClasses`):

- closed classes (determiners, pronouns, prepositions, conjunctions, auxiliaries, common adverbs,
  :data:`CLOSED`) are never part of a noun phrase, except "of" between two nouns ("Waste of money")
  and "no" opening one ("No tracking");
- an open word is *verbal* when the texts put it after a subject pronoun, a modal or "to" ("it
  keeps", "did not work", "to return") more often than after a determiner or possessive ("the fit",
  "my order") or before "is", "was" or "has" ("the battery is"); a word of :data:`VERBS` (any form)
  is verbal unless the texts show it more often as a noun;
- an *adjective* is listed (:data:`ADJECTIVES`), ends like one ("-ful", "-ous", "-able", "-less"),
  or follows "is", "very" or "too" more often than a determiner; an *adverb* ends in "-ly";
- a noun phrase is 2 to 6 words: adjectives, nouns, numbers and (first) a participle ("Dropped
  calls", "Damaged parcel"), then a noun; optionally "of" and another such phrase.

A clause of 2 to 6 words (split at punctuation, and at "and", "but", "so", "because") is a
candidate as it stands, without a leading determiner and not ending on a determiner, a
conjunction, "of", "to", "with", "for" or "also": it was written whole, so it reads whole. So is
a gerund with its object ("Exporting the ledger" of "Exporting the ledger times out every time").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from personacraft.text.redact import without_redacted


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")  # words, contractions whole: "didn't", "i"
CLAUSE = re.compile(r"[.!?;:,()\"&/]+|\s[-–—]\s")
_JOIN = re.compile(r"\s(?:and|but|so|because)\s")  # a clause candidate is also each part of a joined clause
MAX_WORDS = 6
EVIDENCE_TEXTS = 20_000  # texts read for the words' contexts (evenly spread over the run's distinct texts)

DETERMINERS = _words("a an the this that these those my your our his her its their every each some any")
SUBJECTS = _words("i you we they he she it")
MODALS = _words(
    "to will would can could should shall may might must do does did don didn doesn won wouldn couldn "
    "shouldn isn wasn aren weren cannot ll"
)
COPULAS = _words("is are was were be been being am has have had")
INTENSIFIERS = COPULAS | _words("very so too really pretty quite extremely super more most less rather")
CLOSED = (
    DETERMINERS
    | SUBJECTS
    | MODALS
    | COPULAS
    | _words("""me him us them myself yourself itself ourselves themselves mine yours ours theirs what which who whom
        whose where when why how there here of in on at for with from by about into onto over under after
        before during through without within than as like per via up down off out around across against
        along among between behind beyond near since until upon toward towards and or but so because if
        while though although nor yet then else also just only even still already again ever never not no
        nothing none all both either neither such own same other another much many more most less least
        few very too quite rather really pretty almost always often sometimes usually maybe perhaps now
        today yesterday tomorrow soon ago well back away anymore anyway overnight once however otherwise therefore thus
        yes ok okay oh hi hello thanks thank please being doing having got get gets getting ve re im""")
)
VERBS = _words("""get got gets getting keep keeps kept keeping seem seems seemed say says said tell tells told ask asks
    asked want wants wanted need needs needed try tries tried love loves loved like likes liked hate hates
    hated buy buys bought buying make makes made making take takes took taken taking give gives gave given
    go goes went gone going come comes came coming know knew known think thought see saw seen find finds
    feel feels felt become became let lets arrive arrives arrived arriving receive received recommend
    recommended recommends expect expected wait waited waiting help helped helps work works worked use uses
    used using break breaks broke stop stops stopped start starts started hold holds held last lasted lasts
    send sends sent ship ships shipped pay pays paid fix fixes fixed leave leaves left run runs ran bring
    brought miss misses missed wish wished hope hoped sell sells sold cancel cancelled canceled crash crashes
    crashed load loads lose loses lost drop drops dropped connect connects connected install installed
    update updated open opened close closed reply replied respond responded answer answered refund refunded
    deliver delivered switch switched look looks looked sync syncs synced fail fails failed show shows
    showed shown put puts sells fits fitted turn turns turned""")
ADJECTIVES = _words("""good great bad nice poor excellent terrible awful horrible awesome amazing happy sad disappointed
    disappointing easy hard difficult slow fast quick cheap expensive pricey small big large little long
    short new old comfortable uncomfortable clear loud quiet perfect fine best worst better worse high low
    free late early wrong right real full empty strong weak heavy light soft lovely beautiful cute ugly
    useless useful worth reliable unreliable simple complex clunky buggy responsive unresponsive helpful
    unhelpful friendly rude decent solid sturdy flimsy durable recyclable wasteful premium inconsistent
    original extra due glad sure able fantastic wonderful outstanding superb mediocre impressive
    impressed pleased satisfied unhappy annoying frustrating confusing intuitive smooth stable
    unstable""")
_ADJ_ENDINGS = ("ful", "ous", "ive", "able", "ible", "less", "ish")
# closed words that may open a noun phrase: "No tracking", "Too much plastic", "Not enough sizes"
OPENERS = (("too", "much"), ("too", "many"), ("not", "enough"), ("out", "of"), ("no",), ("much",), ("more",), ("less",))


# no whole clause ends on these
_ENDS_NOT = _words("and or of to but with for so because also on in at by from about into than as like")
# nouns of time never head a name alone: "Last year", "Two weeks" say when, not what
TIME = _words("year years week weeks day days month months minute minutes hour hours time times")


@dataclass
class WordClasses:
    """How often the run's texts put each word where a noun, a verb or an adjective goes."""

    noun: dict[str, int] = field(default_factory=dict)
    verb: dict[str, int] = field(default_factory=dict)
    adjective: dict[str, int] = field(default_factory=dict)

    def _n(self, w: str) -> int:
        return self.noun.get(w, 0)

    def verbal(self, w: str) -> bool:
        n, v, a = self._n(w), self.verb.get(w, 0), self.adjective.get(w, 0)
        return n <= v if w in VERBS else v > n + a

    def adverb(self, w: str) -> bool:
        return w.endswith("ly") and len(w) > 4 and self._n(w) == 0

    def adjective_like(self, w: str) -> bool:
        n, a = self._n(w), self.adjective.get(w, 0)
        listed = w in ADJECTIVES or (len(w) >= 7 and w.endswith(_ADJ_ENDINGS))
        return (listed and n <= a + 1) or a > n

    def head(self, w: str) -> bool:
        """Whether ``w`` can end a noun phrase (a noun)."""
        if w in CLOSED or w in TIME or self.adverb(w) or self.adjective_like(w) or self.verbal(w):
            return False
        return not (w.endswith("ed") and self._n(w) == 0)

    def modifier(self, w: str, first: bool) -> bool:
        """Whether ``w`` can stand before the head of a noun phrase (first: the phrase's first word)."""
        if w in CLOSED or self.adverb(w):
            return False
        if self.verbal(w):  # a participle may open one: "Dropped calls", "Broken screen"
            return first and (w.endswith(("ed", "en")) or w in {"lost", "broke", "used", "left", "sold"})
        return True


def _base(word: str) -> str:
    """A contraction's first part ("didn't" -> "didn", "it's" -> "it"), as the closed lists spell it."""
    return re.split(r"['’]", word, maxsplit=1)[0]


def _opener(words: Sequence[str]) -> int:
    """How many of ``words``' first words are an opener (:data:`OPENERS`)."""
    for o in OPENERS:
        if tuple(words[: len(o)]) == o and len(words) > len(o):
            return len(o)
    return 0


def word_classes(texts: Sequence[str]) -> WordClasses:
    """Count, over (up to :data:`EVIDENCE_TEXTS` of) ``texts``, the contexts that tell a word's class."""
    step = max(1, len(texts) // EVIDENCE_TEXTS)
    wc = WordClasses()
    for text in texts[::step]:
        for clause in CLAUSE.split(without_redacted(text).lower()):
            words = [_base(w) for w in _TOKEN.findall(clause)]
            for prev, w, nxt in zip(["", *words], words, [*words[1:], ""], strict=False):
                if w in CLOSED:
                    continue
                if prev in DETERMINERS or prev == "of" or nxt in COPULAS:
                    wc.noun[w] = wc.noun.get(w, 0) + 1
                if prev in SUBJECTS or prev in MODALS:
                    wc.verb[w] = wc.verb.get(w, 0) + 1
                elif prev in INTENSIFIERS:
                    wc.adjective[w] = wc.adjective.get(w, 0) + 1
    return wc


def noun_phrases(words: Sequence[str], wc: WordClasses) -> list[str]:
    """Every noun phrase of 2 to :data:`MAX_WORDS` words in one clause's words (module doc)."""
    out: list[str] = []
    n = len(words)
    for i in range(n):
        skip = _opener(words[i:])
        for j in range(i + 2, min(n, i + MAX_WORDS) + 1):
            span = words[i:j]
            if len(set(span)) < len(span) or not wc.head(span[-1]) or j - i <= skip:
                continue
            if _nominal(span[skip:], wc):
                out.append(" ".join(span))
    return out


def _nominal(span: Sequence[str], wc: WordClasses) -> bool:
    """Modifiers then a noun, or two such joined by "of"."""
    if not span:
        return False
    if "of" in span:
        k = span.index("of")
        left, right = span[:k], span[k + 1 :]
        return bool(left) and bool(right) and wc.head(left[-1]) and _nominal(left, wc) and _nominal(right, wc)
    return wc.head(span[-1]) and all(wc.modifier(w, first=i == 0) for i, w in enumerate(span[:-1]))


def candidates(text: str, wc: WordClasses) -> set[str]:
    """A text's candidate names: its noun phrases, and its clauses of 2 to 6 words as they stand."""
    out: set[str] = set()
    for clause in CLAUSE.split(without_redacted(text).lower()):
        for part in [clause, *_JOIN.split(clause)]:
            words = _TOKEN.findall(part)
            while words and words[0] in DETERMINERS:  # "The sizing runs small": "Sizing runs small"
                words = words[1:]
            if 2 <= len(words) <= MAX_WORDS and _base(words[-1]) not in DETERMINERS | _ENDS_NOT:
                out.add(" ".join(words))
            # a gerund and its object: "Exporting the ledger" (of "... times out every time")
            if len(words) > 2 and words[0].endswith("ing"):
                heads = [j for j in range(2, min(len(words), MAX_WORDS) + 1) if wc.head(_base(words[j - 1]))]
                if heads and all(w not in CLOSED or w in DETERMINERS for w in words[1 : heads[0]]):
                    out.add(" ".join(words[: heads[0]]))
        out.update(noun_phrases([_base(w) for w in _TOKEN.findall(clause)], wc))
    return out


def is_noun_phrase(phrase: str, wc: WordClasses) -> bool:
    """Whether a candidate is a noun phrase (rather than a whole clause)."""
    words = phrase.split()
    return bool(words) and _nominal(words[_opener(words) :], wc)


def spellings(texts: Iterable[str]) -> dict[str, str]:
    """How the texts spell words written other than in lower case inside a sentence ("API", "NetSuite",
    "Christmas"): the most common such form of each, when most of the word's uses inside a sentence have it."""
    forms: dict[str, dict[str, int]] = {}
    for text in texts:
        for sentence in re.split(r"[.!?]\s+", text):
            if sentence.isupper():  # shouting says nothing of how a word is spelt
                continue
            for w in _TOKEN.findall(sentence)[1:]:
                if w.isupper() and len(w) > 5:  # an acronym is short ("API", "SAML"); a longer word, shouted
                    continue
                forms.setdefault(w.lower(), {}).setdefault(w, 0)
                forms[w.lower()][w] += 1
    out: dict[str, str] = {}
    for low, seen in forms.items():
        best = max(sorted(seen), key=lambda f: seen[f])
        if best != low and seen[best] * 2 > sum(seen.values()) and low not in CLOSED:
            out[low] = best
    return out
