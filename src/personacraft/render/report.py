"""The report: one self-contained HTML page with a section per persona.

Each section opens with the persona's badge (:func:`personas.identity.badge`) and its at-a-glance
band (:mod:`render.glance`); figures are in plain words (:mod:`render.plain`), the statistics in a
"For analysts" fold.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from personacraft.personas.identity import badge
from personacraft.render.cards.pdf import available as pdf_available
from personacraft.render.cards.slides import DECK
from personacraft.render.cards.writer import slide_files
from personacraft.render.charts import sizes_chart, trait_chart
from personacraft.render.environment import environment
from personacraft.render.forest import forest_svg
from personacraft.render.glance import Glance, as_dict, glance
from personacraft.render.plain import (
    analysts,
    channel_rows,
    informative,
    pain_rows,
    period_of,
    share_words,
    trait_rows,
    value_note,
    wants,
)
from personacraft.render.style import plain_filters

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
    changes: dict[str, Any] | None = None,
    beliefs: dict[str, Any] | None = None,
    says_vs_does: dict[str, Any] | None = None,
    competitors: dict[str, Any] | None = None,
) -> Path:
    """Write the report as ``folder/index.html`` and return its path; ``journeys``: link journeys.html;
    ``cards``: link each persona's card in ``cards/`` beside it (``render.cards.writer.write_cards``);
    ``changes``: the ``changes.json`` document, shown as "What changed"; ``beliefs``: the ``[beliefs] file``
    graded (``hypotheses.json``), shown as "Beliefs vs evidence"; ``says_vs_does``: what was tested;
    ``competitors``: the ``competitors.json`` document, summed up with a link to ``competitors.html``."""
    folder.mkdir(parents=True, exist_ok=True)
    personas = [p.to_dict() for p in pset.personas]
    badges = {p["id"]: badge(p, i) for i, p in enumerate(personas)}
    colors = {pid: b.color for pid, b in badges.items()}
    charts = {p["id"]: trait_chart(p["traits"][:8], colors[p["id"]]) for p in personas if p["traits"]}
    items = [_item(p, badges[p["id"]]) for p in personas]
    forests = {p["id"]: forest_svg(p.get("experiments") or [], colors[p["id"]], badges[p["id"]].who) for p in personas}
    doc = {"provenance": pset.provenance}
    slides = folder / "cards"
    env = environment()
    env.filters.update(plain_filters())
    html = env.get_template("report.html.j2").render(
        title=title,
        pset=pset,
        personas=personas,
        items=items,
        rows=compare_rows(items),
        period=period_of(doc),
        method=analysts(doc),
        slides={p["id"]: (slides / slide_files(p["id"])[1]).is_file() for p in personas},
        slide_pdfs={p["id"]: (slides / slide_files(p["id"])[0]).is_file() for p in personas},
        deck=(slides / DECK).is_file(),
        colors=colors,
        charts=charts,
        forests=forests,
        sizes_svg=sizes_chart(personas) if personas else "",
        accounting=accounting,
        max_quotes=max_quotes,
        prov=pset.provenance,
        journeys=journeys,
        cards=cards,
        pdf_cards=pdf_available(),
        changes=changes,
        beliefs=beliefs,
        says_vs_does=says_vs_does,
        competitors=competitors,
    )
    path = folder / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def _item(persona: dict[str, Any], b: Any) -> dict[str, Any]:
    """A persona as the report shows it: its badge, its glance, its figures in plain words."""
    value = as_dict(persona.get("value"))
    return {
        "p": persona,
        "b": b,
        "g": glance(persona),
        "traits": trait_rows(persona),
        "wants": wants(persona),
        "pains": pain_rows(persona),
        "channels": channel_rows(persona),
        "note": value_note(value),
        "stats": analysts({}, persona),
    }


def compare_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's side-by-side table: one row per line, left out when every persona says the same or nothing."""
    rows: list[dict[str, Any]] = []

    def row(label: str, cells: list[str | None]) -> None:
        if informative(list(cells)):
            rows.append({"label": label, "cells": cells})

    g: list[Glance] = [it["g"] for it in items]
    row("Share of customers", [share_words(x.customer_share) for x in g])
    row(
        "Share of revenue",
        [
            (share_words(x.revenue_share) or "") + (" · most valuable" if "most valuable" in x.flags else "") or None
            for x in g
        ],
    )
    row("Type", [str(it["p"].get("persona_type") or "").replace("_", " ").capitalize() or None for it in items])
    row(
        "What sets them apart",
        [f"{t[0]['label']}: {t[0]['value']} ({t[0]['words']})" if t else None for t in (it["traits"] for it in items)],
    )
    row("Top frustration", [x.frustrations[0] if x.frustrations else None for x in g])
    row("Top channel", [c[0]["label"] if c else None for c in (it["channels"] for it in items)])
    horizons = {it["note"]["horizon"] for it in items}
    shared = horizons.pop() if len(horizons) == 1 else None  # one horizon for all: said once, in the row's name
    for key, label in (("clv_mean", "Predicted value per customer"), ("churn_risk", "Churn risk")):
        cells = []
        for it in items:
            v = as_dict(it["p"].get("value")).get(key)
            text = None
            if isinstance(v, int | float) and not isinstance(v, bool):
                text = f"${v:,.0f}" if key == "clv_mean" else f"{v:.0%}"
                if it["note"]["horizon"] and not shared:
                    text += f" ({it['note']['horizon']})"
                if key == "churn_risk" and "at risk" in it["g"].flags:
                    text += " · at risk"
            cells.append(text)
        row(f"{label}, {shared}" if shared else label, cells)
    row("First thing to do", [x.actions[0] if x.actions else None for x in g])
    return rows
