"""Writes the journey report, ``report/journeys.html``: one journey map for all customers and one per persona."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from personacraft.render import style
from personacraft.render.charts import PALETTE
from personacraft.render.environment import environment
from personacraft.render.journey.content import as_dict, as_list, definition, journey_section, stage_order
from personacraft.render.journey.svg import POPULATION_COLOR


def render_journeys(doc: dict[str, Any], out_dir: Path, *, title: str) -> Path:
    """Write ``report/journeys.html`` under ``out_dir`` from a ``journeys.json`` document; return its path."""
    doc = as_dict(doc)
    report = out_dir / "report"
    report.mkdir(parents=True, exist_ok=True)
    stages = stage_order(doc)
    min_group = as_dict(doc.get("definition")).get("min_group_size")
    sections = [
        journey_section(
            as_dict(doc.get("population")),
            sid="all-customers",
            name="All customers",
            color=POPULATION_COLOR,
            population=True,
            stages=stages,
            min_group=min_group,
        )
    ]
    for i, p in enumerate(as_list(doc.get("personas"))):
        sections.append(
            journey_section(
                p,
                sid=str(p.get("persona_id") or f"persona-{i + 1}"),
                name=str(p.get("name") or p.get("persona_id") or f"Persona {i + 1}"),
                color=PALETTE[i % len(PALETTE)],
                population=False,
                stages=stages,
                min_group=min_group,
            )
        )
    env = environment()
    env.filters["fig"] = style.fig
    page = env.get_template("journeys.html.j2").render(
        title=title,
        run_id=doc.get("run_id"),
        stages=stages,
        definition=definition(doc),
        sections=sections,
        personas=sections[1:],
        population=sections[0],
    )
    path = report / "journeys.html"
    path.write_text(page, encoding="utf-8")
    return path
