"""Competitors in the personas: who mentions which brand, and "where they are weak" angles for each persona.

**Mentions.** A customer mentions a competitor when one of their own texts (a review, ticket, chat or
open answer of ours) names the brand as a whole word, case-insensitive (:func:`mention_pattern`):
"I switched from Summit & Sons", "used Trailhead Outfitters before". Brands of fewer than three
letters are not looked for. Per persona, the distinct customers who mention each brand are counted;
counts below the minimum group size are not published (``n`` is null, ``suppressed`` true).

**Angles.** For each persona pain whose theme is a competitor's significant weak point
(text.competitors), an angle "where they are weak": the brand, the theme, the brand's share
against ours with the adjusted p-value, the persona's own share, and the competitor's quotes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from personacraft.text.corpus import mention_pattern
from personacraft.text.voice import TextThemes


def mentions(
    tt: TextThemes, doc: dict[str, Any], customer: np.ndarray, persona: np.ndarray, ids: Sequence[str], min_n: int
) -> list[dict[str, Any]]:
    """Per persona and competitor, the distinct customers whose own texts name it (module doc)."""
    rivals = [b["brand"] for b in doc["brands"] if not b["ours"]]
    pattern = mention_pattern(rivals)
    if pattern is None or not len(tt.keys):
        return []
    canon = {b.lower(): b for b in rivals}
    of = dict(zip(customer.tolist(), persona.tolist(), strict=True))
    seen: set[tuple[int, str, str]] = set()
    for key, body, ours in zip(tt.keys, tt.bodies, tt.ours, strict=True):
        if not key or not ours or key not in of:
            continue
        for m in pattern.finditer(body):
            seen.add((int(of[key]), canon[m.group(1).lower()], str(key)))
    out = []
    for p, pid in enumerate(ids):
        for brand in rivals:
            n = sum(1 for q, b, _ in seen if q == p and b == brand)
            if n:
                out.append({"persona_id": pid, "brand": brand, "n": n if n >= min_n else None, "suppressed": n < min_n})
    return out


def angles(doc: dict[str, Any], personas: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per persona, the "where they are weak" angles tied to its pains (module doc)."""
    weak: dict[int, list[dict[str, Any]]] = {}
    for w in doc["their_weak_points"]:
        for t in w.get("themes", [w["theme"]]):  # the run's themes the (merged) weak point holds
            weak.setdefault(int(t), []).append(w)
    out = []
    for p in personas:
        for pain in _pains(p):
            for w in weak.get(int(pain["theme"]), []):
                out.append(
                    {
                        "persona_id": p.get("id"),
                        "persona": p.get("name"),
                        "brand": w["brand"],
                        "label": w["label"],
                        "angle": f"Where {w['brand']} is weak: {w['label'].lower()}",
                        "evidence": {
                            "their_share": w["share"],
                            "our_share": w["our_share"],
                            "p_adjusted": w["p_adjusted"],
                            "persona_share": pain.get("share"),
                            "persona_lift": pain.get("lift"),
                            "quotes": w["quotes"][:2],
                        },
                    }
                )
    return out


def _pains(node: Any, inside: bool = False) -> list[dict[str, Any]]:
    """The pain items (with a ``theme``) anywhere under a ``pain_points`` key of a persona's dict."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if inside and isinstance(node.get("theme"), int):
            found.append(node)
        for key, value in node.items():
            found += _pains(value, inside or key in ("pains", "pain_points"))
    elif isinstance(node, list):
        for value in node:
            found += _pains(value, inside)
    return found
