"""Remove personal data from text before it is stored in a result or shown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[email]", re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    ("[link]", re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)),
    ("[order]", re.compile(r"(?:#\s?\d{3,}|\border\s+(?:number|no\.?|nr\.?|id)?\s*:?\s*#?\d{3,})", re.IGNORECASE)),
    # seven or more digits with phone punctuation; ISO dates are not phones
    ("[phone]", re.compile(r"(?<![\w#])(?!\d{4}-\d{2}-\d{2}\b)\+?\d[\d\s().-]{6,}\d(?!\w)")),
    (
        "[address]",
        re.compile(
            r"\b\d{1,6}\s+(?:[A-Z][\w'-]*\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|"
            r"Boulevard|Blvd|Way|Court|Ct|Place|Pl|Square|Sq|Terrace|Grove|Parkway|Pkwy|Highway|Hwy)\b\.?"
            r"(?:\s+(?:Apt\.?|Suite|Unit)\s*\w+)?"
        ),
    ),
]
_WORD = re.compile(r"[A-Z][a-zA-Z'-]+")


@dataclass
class Redactor:
    """Redacts patterns, plus the names of people the workspace knows."""

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
        for start, end in sorted(spans, reverse=True):
            text = text[:start] + "[name]" + text[end:]
        return text
