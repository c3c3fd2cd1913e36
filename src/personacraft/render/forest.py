"""A persona's A/B test results as a forest plot: inline SVG, drawn by hand (deterministic, no script).

One panel per outcome (its own scale: points for a conversion, money or counts for a mean), one
pair of rows per variant: the effect for the persona (its colour) and for everyone (grey), each a
dot at the difference with a line over its 95 % interval, and a rule at zero. Every figure is also
written beside its row, so the plot never has to be read off the axis. A row without a figure (too
few of the persona's customers in an arm) says so instead of drawing anything.
"""

from __future__ import annotations

from html import escape
from typing import Any

from personacraft.render.style import INK, MUTED

EVERYONE = "#8a929c"
ROW, HEAD, LABEL, PLOT, TEXT = 18, 22, 150, 230, 370  # row height, panel heading, column widths
WORDS = {"converted": "Conversion (points)", "revenue": "Revenue per customer", "orders": "Orders per customer",
         "churned": "Churn (points, lower is better)"}  # fmt: skip


def _fmt(kind: str, x: float) -> str:
    text = f"{x * 100:+.1f}" if kind == "proportion" else f"{x:+,.2f}"
    return text.replace("-", "\u2212")


def _figure(kind: str, f: dict[str, Any] | None) -> str:
    if not f or f.get("diff") is None or f.get("ci_low") is None or f.get("ci_high") is None:
        return "no figure"
    return f"{_fmt(kind, f['diff'])} ({_fmt(kind, f['ci_low'])} to {_fmt(kind, f['ci_high'])})"


def forest_svg(items: list[dict[str, Any]], color: str, persona: str = "this persona") -> str:
    """The forest plot of a persona's ``experiments`` block (one item per variant × outcome); "" without items."""
    if not items:
        return ""
    outcomes: dict[str, list[dict[str, Any]]] = {}
    for it in items:
        outcomes.setdefault(f"{it['name']}\x1f{it['outcome']}", []).append(it)
    width = LABEL + PLOT + TEXT
    parts: list[str] = []
    y = 0
    for key, rows in outcomes.items():
        name, outcome = key.split("\x1f")
        kind = rows[0].get("kind") or "mean"
        figures = [
            f for it in rows for f in (it.get("persona"), it.get("everyone")) if f and f.get("ci_low") is not None
        ]
        lo = min([0.0, *(float(f["ci_low"]) for f in figures)])
        hi = max([0.0, *(float(f["ci_high"]) for f in figures)])
        pad = (hi - lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad

        def x(v: float, lo: float = lo, hi: float = hi) -> float:
            return LABEL + (v - lo) / (hi - lo) * PLOT

        title = f"{WORDS.get(outcome, outcome)}: {name}"
        parts.append(f'<text x="0" y="{y + 15}" font-weight="bold" fill="{INK}">{escape(title)}</text>')
        top = y + HEAD
        n_rows = 2 * len(rows)
        parts.append(
            f'<line x1="{x(0):.1f}" y1="{top}" x2="{x(0):.1f}" y2="{top + n_rows * ROW}" stroke="{MUTED}" '
            'stroke-dasharray="3 3"/>'
        )
        for i, it in enumerate(rows):
            verdict = it.get("verdict") or ""
            for j, (who, f, c) in enumerate(
                ((persona, it.get("persona"), color), ("everyone", it.get("everyone"), EVERYONE))
            ):
                cy = top + (2 * i + j) * ROW + ROW / 2
                label = str(it["variant"]) if j == 0 else who
                parts.append(
                    f'<text x="{LABEL - 8}" y="{cy + 4:.1f}" text-anchor="end" fill="{INK if j == 0 else MUTED}">'
                    f"{escape(label)}</text>"
                )
                text = _figure(kind, f) + (f" · {verdict}" if j == 0 and f else "")
                parts.append(
                    f'<text x="{LABEL + PLOT + 8}" y="{cy + 4:.1f}" fill="{INK if j == 0 else MUTED}">'
                    f"{escape(text)}</text>"
                )
                if not f or f.get("ci_low") is None or f.get("diff") is None:
                    continue
                parts.append(
                    f'<line x1="{x(float(f["ci_low"])):.1f}" y1="{cy:.1f}" x2="{x(float(f["ci_high"])):.1f}" '
                    f'y2="{cy:.1f}" stroke="{c}" stroke-width="2"/>'
                )
                parts.append(f'<circle cx="{x(float(f["diff"])):.1f}" cy="{cy:.1f}" r="4" fill="{c}"/>')
        y = top + n_rows * ROW + 10
    legend = (
        f'<circle cx="6" cy="{y + 6}" r="4" fill="{color}"/><text x="14" y="{y + 10}" fill="{INK}">{escape(persona)}'
        f'</text><circle cx="{LABEL + PLOT + 14}" cy="{y + 6}" r="4" fill="{EVERYONE}"/>'
        f'<text x="{LABEL + PLOT + 22}" y="{y + 10}" fill="{MUTED}">everyone exposed (95 % intervals)</text>'
    )
    parts.append(legend)
    y += 20
    label = f"Forest plot of the A/B test results for {persona}: the effect and its 95 % interval, and for everyone"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="forest" role="img" viewBox="0 0 {width} {y}" '
        f'width="{width}" height="{y}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">'
        f"<title>{escape(label)}</title>{''.join(parts)}</svg>"
    )


def tested_line(persona: dict[str, Any]) -> str | None:
    """The card's line on the A/B tests: the first result with a verdict other than "no evidence" (its sentence),
    or how many were tested without one; None when no experiment was read for the persona."""
    items = [it for it in persona.get("experiments") or [] if isinstance(it, dict)]
    if not items:
        return None
    found = next((it for it in items if it.get("verdict") not in (None, "no evidence") and it.get("text")), None)
    if found is not None:
        text = str(found["text"])
        return text.removeprefix("tested: ")
    variants = sorted({str(it.get("variant")) for it in items})
    return f"{', '.join(repr(v) for v in variants)}: no evidence of an effect for this persona"
