"""What a story is told from and keeps: profile cells looked up by feature, sentences with evidence."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from personacraft.segment.profile import cells_for


@dataclass
class Facts:
    """The facts a narrator may use, and the sentences made from them."""

    sentences: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)

    def say(self, fld: str, text: str, facts: list[dict[str, Any]], method: str) -> str:
        self.sentences.append({"field": fld, "text": text, "evidence": {"method": method, "facts": facts}})
        return text


def pct(x: float) -> str:
    """A share as a whole percentage ("31%")."""
    return f"{x:.0%}"


def variant(pid: str, kind: str) -> int:
    """A number fixed by the persona and the kind of sentence: picks a phrasing or seeds a draw."""
    return int(hashlib.sha256(f"{pid}:{kind}".encode()).hexdigest()[:8], 16)


def top(cells: list[dict[str, Any]], p: int, match: re.Pattern[str] | str, min_n: int) -> dict[str, Any] | None:
    """The most common published value of the first feature that matches (a name or a pattern)."""
    if isinstance(match, str):
        found = cells_for(cells, p, match, min_n=min_n)
        return found[0] if found else None
    features = sorted({c["feature"] for c in cells if c["persona"] == p and match.search(str(c["feature"]))})
    for f in features:
        found = cells_for(cells, p, f, min_n=min_n)
        if found:
            return found[0]
    return None
