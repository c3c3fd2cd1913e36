"""Remove personal data from text before it is stored in a result or shown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS


def _street_suffixes() -> list[str]:
    """USPS street suffixes (Faker's offline list: Street, Avenue, Ferry, Manors …), longest first."""
    from faker.providers.address.en_US import Provider

    words = {*Provider.street_suffixes, "St", "Ave", "Rd", "Ln", "Dr", "Blvd", "Ct", "Pl", "Sq", "Pkwy", "Hwy"}
    return sorted(words, key=lambda w: (-len(w), w))


STREET_SUFFIXES = _street_suffixes()
UNIT = r"(?:,?\s+(?:Apt\.?|Suite|Unit|Flat|Floor|#)\s*\w+)?"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[email]", re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    ("[name]", re.compile(r"(?<![\w.@])@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}\b")),  # a social handle (@jane_doe)
    ("[link]", re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)),
    ("[order]", re.compile(r"(?:#\s?\d{3,}|\border\s+(?:number|no\.?|nr\.?|id)?\s*:?\s*#?\d{3,})", re.IGNORECASE)),
    # seven or more digits with phone punctuation; ISO dates are not phones
    ("[phone]", re.compile(r"(?<![\w#])(?!\d{4}-\d{2}-\d{2}\b)\+?\d[\d\s().-]{6,}\d(?!\w)")),
    (
        "[address]",
        re.compile(r"\b\d{1,6}\s+(?:[A-Z][\w'-]*\s+){1,3}(?:" + "|".join(STREET_SUFFIXES) + r")\b\.?" + UNIT),
    ),
    # German "Hauptstraße 12", French "12 rue de la Paix"
    ("[address]", re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|weg|platz|allee|gasse|ring)\s+\d{1,4}[a-z]?\b")),
    (
        "[address]",
        re.compile(
            r"\b\d{1,4}(?:\s?bis)?,?\s+(?:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai)\s+[\w' -]{2,40}",
            re.I,
        ),
    ),
]
# every placeholder the redactor writes, and a sentence that holds one ("Reach me at [email].")
PLACEHOLDER = re.compile(r"\[(?:email|phone|name|order|address|link)\]")
REDACTED_SENTENCE = re.compile(r"[^.!?]*\[(?:email|phone|name|order|address|link)\][^.!?]*[.!?]?")
_WORD = re.compile(r"[A-Z][a-zA-Z'-]+")
_NAME_WORD = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ'-]+\b")
# Faker's first-name lists (offline, a dependency already): a gazetteer of given names
NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "pl_PL", "sv_SE")
# given names that are also everyday words at the start of a sentence or in a product text
NOT_NAMES = frozenset(
    """
    will may june april august summer autumn winter rose grace hope joy faith bill mark pat sue art dawn guy
    gene ray page chase hunter holiday love lovely sunny happy star storm river sky forest miles golden
    christian justice major king prince royal sage ivy iris lily daisy jade ruby amber crystal pearl
    penny sterling brand price sale best great good fine nice perfect easy fast
    """.split()  # noqa: SIM905 - a word list reads best as text
)


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Lower-cased given names of several locales, from Faker's person providers."""
    from importlib import import_module

    names: set[str] = set()
    for loc in NAME_LOCALES:
        provider = import_module(f"faker.providers.person.{loc}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            found = getattr(provider, attr, None) or ()
            names.update(n.lower() for n in found)
    return frozenset(n for n in names if len(n) > 2 and n not in NOT_NAMES and n not in ENGLISH_STOP_WORDS)


@dataclass
class Redactor:
    """Redacts patterns, the names of people the workspace knows, and given names from a gazetteer."""

    first_names: set[str] = field(default_factory=set)
    last_names: set[str] = field(default_factory=set)

    @classmethod
    def from_names(cls, firsts: Iterable[str | None], lasts: Iterable[str | None]) -> Redactor:
        return cls(
            {f.strip().lower() for f in firsts if f and len(f.strip()) > 1},
            {s.strip().lower() for s in lasts if s and len(s.strip()) > 1},
        )

    def __call__(self, text: str, also: Iterable[str] = ()) -> str:
        """``text`` with personal data replaced by placeholders; ``also`` are extra names."""
        for placeholder, pat in PATTERNS:
            text = pat.sub(placeholder, text)
        extra = {a.lower() for a in also if a and len(a) > 1}
        words = list(_WORD.finditer(text))
        spans: list[tuple[int, int]] = []
        for i, m in enumerate(words):
            w = m.group().lower()
            if w in extra:
                spans.append(m.span())
            elif i + 1 < len(words) and w in self.first_names:
                nxt = words[i + 1]
                between = text[m.end() : nxt.start()]
                if between.strip() == "" and nxt.group().lower() in self.last_names:
                    spans.append((m.start(), nxt.end()))
        spans += self._detected_names(text)
        for start, end in _merge(spans):
            text = text[:start] + "[name]" + text[end:]
        return text

    @staticmethod
    def _detected_names(text: str) -> list[tuple[int, int]]:
        """A known given name, capitalised, with the capitalised word after it when there is one."""
        given = given_names()
        words = list(_NAME_WORD.finditer(text))
        spans = []
        for i, m in enumerate(words):
            if m.group().lower() not in given:
                continue
            end = m.end()
            if i + 1 < len(words) and text[m.end() : words[i + 1].start()] == " ":
                end = words[i + 1].end()  # the family name that follows
            spans.append((m.start(), end))
        return spans


def without_redacted(text: str) -> str:
    """``text`` without its sentences that hold a placeholder: what the customer said about the product."""
    if "[" not in text:  # no placeholder (the common case, and the pattern's scan is slow)
        return " ".join(text.split())
    return " ".join(REDACTED_SENTENCE.sub(" ", text).split())


def redacted_share(text: str) -> float:
    """The share of a text's words that sit in sentences holding a placeholder (0 to 1)."""
    words = len(text.split())
    return 1.0 - len(without_redacted(text).split()) / words if words else 0.0


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans as one, last first (so replacing keeps earlier offsets valid)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged[::-1]
