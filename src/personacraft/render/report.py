"""The report: one self-contained HTML page with a section per persona."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from personacraft.render.cards.pdf import available as pdf_available
from personacraft.render.charts import PALETTE, sizes_chart, trait_chart
from personacraft.render.environment import environment

if TYPE_CHECKING:  # a PersonaSet renders itself through this module
    from personacraft.personas.persona_set import PersonaSet


def render_report(pset: PersonaSet, out_dir: Path, **options: Any) -> Path:
    """Write the report of a build as ``out_dir/report/index.html`` (:func:`write_report`); return its path."""
    return write_report(pset, out_dir / "report", **options)


def write_report(
    pset: PersonaSet,
    folder: Path,
    *,
    title: str,
    accounting: list[dict[str, Any]],
    max_quotes: int = 3,
    journeys: bool = False,
    cards: bool = False,
) -> Path:
    """Write the report as ``folder/index.html`` and return its path; ``journeys``: link journeys.html;
    ``cards``: link each persona's card in ``cards/`` beside it (``render.cards.writer.write_cards``)."""
    folder.mkdir(parents=True, exist_ok=True)
    personas = [p.to_dict() for p in pset.personas]
    colors = {p["id"]: PALETTE[i % len(PALETTE)] for i, p in enumerate(personas)}
    charts = {p["id"]: trait_chart(p["traits"][:8], colors[p["id"]]) for p in personas if p["traits"]}
    html = (
        environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            pset=pset,
            personas=personas,
            colors=colors,
            charts=charts,
            sizes_svg=sizes_chart(personas) if personas else "",
            accounting=accounting,
            max_quotes=max_quotes,
            prov=pset.provenance,
            journeys=journeys,
            cards=cards,
            pdf_cards=pdf_available(),
        )
    )
    path = folder / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
