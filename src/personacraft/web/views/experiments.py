"""The experiments page's view: each persona's A/B test results as a forest plot (inline SVG) with the sentences."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from personacraft.render.forest import forest_svg
from personacraft.web.service import RunView
from personacraft.web.views.fields import as_dict, maps
from personacraft.web.views.personas import persona_items


def experiments_context(view: RunView) -> dict[str, Any]:
    """Per persona: its forest plot, its results in words (verdicts first), or why it has none."""
    sections = []
    for it in persona_items(view, avatar=40):
        results = maps(it["raw"].get("experiments"))
        ordered = sorted(results, key=lambda e: e.get("verdict") == "no evidence")
        sections.append(
            {
                "id": it["id"],
                "who": it["who"],
                "name": it["name"],
                "person": it["person"],
                "href": it["href"],
                "cls": it["cls"],
                "svg": Markup(forest_svg([dict(e) for e in results], it["colors"].base, it["who"])),
                "results": [
                    {"text": str(e.get("text") or ""), "verdict": str(e.get("verdict") or "")} for e in ordered
                ],
                "why": as_dict(it["raw"].get("missing")).get("experiments"),
            }
        )
    tested = sorted({(str(e.get("name") or e.get("experiment")), str(e.get("control"))) for s in view.personas
                     for e in maps(s.get("experiments"))})  # fmt: skip
    return {"sections": sections, "tested": tested, "any": any(s["results"] for s in sections)}
