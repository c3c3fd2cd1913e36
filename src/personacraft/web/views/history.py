"""A persona page's History: its size and top traits per run as inline SVG line charts, and the runs where it changed.

The runs come from :func:`personacraft.personas.history.persona_history` over the history the
service read with the run (every successful run's ``personas.json`` and ``changes.json``); the
charts are :func:`personacraft.render.linechart.line_chart`. A changed run links to its *What
changed* panel on the runs page (``/runs?run=<id>#changes``).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from personacraft.personas.history import History, persona_history
from personacraft.render.linechart import Line, line_chart, line_colors
from personacraft.render.style import num, pct
from personacraft.web.service import RunView
from personacraft.web.views.runs import changes_href
from personacraft.wording import question_label, value_label

STATUS_WORDS = {
    "born": "first published",
    "died": "matched no persona any more",
    "split": "split from",
    "merged": "merged from",
    "kept": "kept",
}


def step_label(run_id: str) -> str:
    """A run on the chart's axis: ``run 2`` for ``0002-20261205T093415Z``."""
    head = run_id.split("-", 1)[0]
    return f"run {int(head)}" if head.isdigit() else run_id[:10]


def _changed(entry: dict[str, Any]) -> dict[str, Any]:
    status = entry.get("status")
    words = STATUS_WORDS.get(str(status), "") if status else ""
    if status in ("split", "merged") and entry.get("matched_from"):
        words += " " + ", ".join(str(x) for x in entry["matched_from"])
    return {
        "run_id": entry["run_id"],
        "step": step_label(entry["run_id"]),
        "status": status,
        "from_run": entry.get("from_run"),
        "text": "; ".join([words] * bool(words) + [str(a["message"]) for a in entry["alerts"] if a.get("message")]),
        "href": changes_href(entry["run_id"]),
    }


def history_context(history: History | None, view: RunView, persona_id: str, color: str) -> dict[str, Any] | None:
    """The History section of a persona's page (``color``: the persona's); None when no history was read."""
    if history is None:
        return None
    found = persona_history(history, persona_id, view.run_id)
    if found is None:
        return None
    points = found["points"]
    steps = [step_label(p["run_id"]) for p in points]
    traits = [{"title": f, "name": f"{question_label(f)}: {value_label(f, v)}"} for f, v in found["traits"]]
    rows = [
        {
            "run_id": p["run_id"],
            "step": steps[i],
            "created": str(p["created_at"])[:10],
            "size": p["size"],
            "share": p["share"],
            "traits": p["traits"],
            "shown": p["run_id"] == view.run_id,
        }
        for i, p in enumerate(points)
    ]
    ctx: dict[str, Any] = {
        "rows": rows,
        "traits": traits,
        "changed": [_changed(c) for c in found["changed"]],
        "gone": list(history.gone),
        "first": len(points) == 1,
    }
    if len(points) < 2:
        return ctx
    sizes = [float(p["size"]) if isinstance(p["size"], int | float) else None for p in points]
    ctx["size_svg"] = Markup(
        line_chart(
            steps,
            [Line("customers", sizes, line_colors(1, color)[0])],
            title=f"Customers in persona {persona_id}, run by run: "
            + ", ".join(f"{s} {num(v)}" for s, v in zip(steps, sizes, strict=True) if v is not None),
            x_title="run (oldest to newest)",
            y_title="customers",
            fmt=num,
            cls="lines size",
        )
    )
    if traits:
        colors = line_colors(len(traits))
        lines = [Line(t["name"], [p["traits"][k] for p in points], colors[k]) for k, t in enumerate(traits)]
        ctx["traits_svg"] = Markup(
            line_chart(
                steps,
                lines,
                title=f"Share of persona {persona_id}'s members with each of its top {len(traits)} traits, run by run",
                x_title="run (oldest to newest)",
                y_title="share of them",
                fmt=pct,
                y_max=1.0,
                height=200 + 16 * len(lines),
                cls="lines traits-history",
            )
        )
    return ctx
