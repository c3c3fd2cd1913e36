"""The journeys page's view: the journey map of all customers and of each persona, as the report's journey page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from personacraft.render.journey.content import journey_section, stage_order
from personacraft.render.journey.svg import POPULATION_COLOR
from personacraft.web.service import RunView
from personacraft.web.views.fields import as_dict, maps
from personacraft.web.views.personas import persona_items


def journeys_context(view: RunView) -> dict[str, Any]:
    """Every journey of ``journeys.json`` (all customers first, then each persona with its page's colour),
    or the reason there is none."""
    doc = as_dict(view.journeys)
    if not doc:
        return {"sections": [], "b2b": False}
    stages = stage_order(doc)
    min_group = as_dict(doc.get("definition")).get("min_group_size")
    items = {it["id"]: it for it in persona_items(view, avatar=40)}
    blocks: list[tuple[str, str, str, bool, str, str | None, Mapping[str, Any]]] = [
        ("all-customers", "All customers", POPULATION_COLOR, True, "", None, as_dict(doc.get("population")))
    ]
    for i, block in enumerate(maps(doc.get("personas"))):
        pid = str(block.get("persona_id") or f"persona-{i + 1}")
        item = items.get(pid)
        name = item["who"] if item else str(block.get("name") or pid)
        color = item["colors"].base if item else POPULATION_COLOR
        href = f"/personas/{quote(pid, safe='')}" if item else None
        blocks.append((f"journey-{pid}", name, color, False, item["cls"] if item else "", href, block))
    sections: list[dict[str, Any]] = []
    for sid, name, color, population, cls, href, block in blocks:
        j = journey_section(
            block, sid=sid, name=name, color=color, population=population, stages=stages, min_group=min_group
        )
        sections.append({"id": sid, "name": name, "cls": cls, "href": href, "population": population, "j": j})
    return {"sections": sections, "b2b": any(s["j"]["accounts"] for s in sections)}
