"""Charts as inline SVG, rendered offline by Vega-Lite (altair + vl-convert)."""

from __future__ import annotations

from typing import Any

import altair as alt
import vl_convert as vlc

from personacraft.personas.identity import PALETTE
from personacraft.wording import question_label, value_label  # the one persona palette (personas.identity.badge)

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _svg(chart: alt.TopLevelMixin) -> str:
    svg: str = vlc.vegalite_to_svg(chart.to_json())
    # the XML prologue is not valid inside an HTML document
    return svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg


def trait_chart(traits: list[dict[str, Any]], color: str) -> str:
    """Share in the persona against share in the population, one pair of bars per trait."""
    rows = []
    for t in traits:
        label = f"{question_label(t['feature'])}: {value_label(t['feature'], t['value'])}"
        if len(label) > 48:  # whole words, never "…": the full trait is in the table beside the chart
            label = label[:48].rsplit(" ", 1)[0]
        rows.append({"trait": label, "group": "this persona", "share": t["share"]})
        rows.append({"trait": label, "group": "all customers", "share": t["population_share"]})
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("trait:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
            yOffset=alt.YOffset("group:N", sort=["this persona", "all customers"]),
            x=alt.X("share:Q", title="share of customers", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "group:N",
                scale=alt.Scale(domain=["this persona", "all customers"], range=[color, "#c4c9cf"]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=["trait:N", "group:N", alt.Tooltip("share:Q", format=".0%")],
        )
        .properties(width=360, height=alt.Step(11))
        .configure_view(stroke=None)
        .configure(font=FONT)
    )
    return _svg(chart)


def sizes_chart(personas: list[dict[str, Any]]) -> str:
    """Persona sizes as a horizontal bar chart, in persona colours."""
    rows = [{"persona": p["name"], "share": p["share"], "i": i} for i, p in enumerate(personas)]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("persona:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("share:Q", title="share of customers", axis=alt.Axis(format="%")),
            color=alt.Color(
                "persona:N",
                scale=alt.Scale(domain=[r["persona"] for r in rows], range=PALETTE[: len(rows)] or PALETTE[:1]),
                legend=None,
            ),
        )
        .properties(width=420, height=alt.Step(22))
        .configure_view(stroke=None)
        .configure(font=FONT)
    )
    return _svg(chart)
