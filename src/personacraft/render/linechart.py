"""A small line chart as hand-written inline SVG: one point per step, readable values, no script, no library.

:func:`line_chart` draws one or more :class:`Line` over the same labelled steps (a persona's runs,
say). Every point carries its value (``data-value``) and a ``<title>`` naming the step, the line
and the value; a lone line's values are written above its points while there are few enough to
read (several lines' would overlap: give them in a table beside the chart); a missing value breaks
its line. The chart has a ``<title>``, a ``<desc>`` that lists every value, and both axes
labelled. Lines differ by colour, dash and marker, so they are told apart without colour too;
:func:`line_colors` gives colours that stand out from white (3:1, the rule for graphics).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from personacraft.render import style
from personacraft.render.charts import FONT, PALETTE
from personacraft.render.style import INK, MUTED, WHITE

DASHES = ("", "6 3", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "diamond", "triangle")
GRID = "#e2e5ea"
AXIS = "#8a93a0"
LABELLED = 12  # one line's values are written above its points up to this many steps (always in <title>, <desc>)


@dataclass(frozen=True)
class Line:
    """One line: its name (legend, titles), one value per step (None: unknown), its colour."""

    name: str
    values: Sequence[float | None]
    color: str


def line_colors(n: int, first: str | None = None) -> list[str]:
    """``n`` line colours from the palette (``first`` leading), darkened to read 3:1 on white."""
    colors = [first] if first else []
    colors += [c for c in PALETTE if c != first]
    return [style.readable(style.valid_color(c, INK), WHITE, ratio=3.0) for c in colors[:n]]


def _marker(kind: str, x: float, y: float, color: str, attrs: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{color}"{attrs}>'
    if kind == "diamond":
        pts = f"{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y:.1f} {x:.1f},{y + 4.5:.1f} {x - 4.5:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{color}"{attrs}>'
    if kind == "triangle":
        pts = f"{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y + 3.5:.1f} {x - 4.5:.1f},{y + 3.5:.1f}"
        return f'<polygon points="{pts}" fill="{color}"{attrs}>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.8" fill="{color}" stroke="{WHITE}" stroke-width="1"{attrs}>'


def _close(kind: str) -> str:
    return {"square": "</rect>", "diamond": "</polygon>", "triangle": "</polygon>"}.get(kind, "</circle>")


def _top(y_max: float) -> float:
    """A round top for the value axis at or above ``y_max`` (1, 1.2, 1.5, 2, 2.5 … 10 times a power of ten)."""
    if y_max <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(y_max))
    return next(m * power for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * power >= y_max * (1 - 1e-12))


def line_chart(
    steps: Sequence[str],
    lines: Sequence[Line],
    *,
    title: str,
    x_title: str,
    y_title: str,
    fmt: Callable[[float], str],
    y_max: float | None = None,
    width: int = 420,
    height: int = 200,
    cls: str = "lines",
) -> str:
    """The lines over ``steps`` (x labels, oldest first) as an ``<svg>``; ``fmt`` writes a value, ``y_max`` fixes
    the axis (else a round number above the largest value); ``cls``: the svg's CSS class."""
    known = [v for ln in lines for v in ln.values if v is not None]
    top = y_max if y_max is not None else _top(max(known, default=0.0) * 1.08)
    legend_h = 16 * len(lines) if len(lines) > 1 else 0
    left, right, upper, lower = 56, 18, 14 + legend_h, 44
    plot_w, plot_h = width - left - right, height - upper - lower
    n = len(steps)

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return upper + plot_h * (1 - max(0.0, min(1.0, v / top if top else 0.0)))

    def said(v: float | None) -> str:
        return fmt(v) if v is not None else "unknown"

    desc = "; ".join(
        f"{ln.name}: " + ", ".join(f"{s} {said(v)}" for s, v in zip(steps, ln.values, strict=True)) for ln in lines
    )
    out = [
        f'<svg class="{style.esc(cls)}" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'font-family="{style.esc(FONT)}" font-size="11" aria-label="{style.esc(title)}">',
        f"<title>{style.esc(title)}</title><desc>{style.esc(desc)}.</desc>",
    ]
    for k, ln in enumerate(lines if legend_h else []):  # the legend: marker, dash and name
        ly = 10 + 16 * k
        dash = f' stroke-dasharray="{DASHES[k % len(DASHES)]}"' if DASHES[k % len(DASHES)] else ""
        stroke = f'stroke="{ln.color}" stroke-width="2"{dash}'
        out.append(f'<line x1="8" y1="{ly}" x2="34" y2="{ly}" {stroke}/>')
        kind = MARKERS[k % len(MARKERS)]
        out.append(_marker(kind, 21, ly, ln.color, ' aria-hidden="true"') + _close(kind))
        out.append(f'<text x="42" y="{ly + 4}" fill="{INK}">{style.esc(ln.name)}</text>')
    for frac in (0.0, 0.5, 1.0):  # the value axis: zero, half and the top, with light grid lines
        gy = upper + plot_h * (1 - frac)
        out.append(f'<line x1="{left}" y1="{gy:.1f}" x2="{left + plot_w}" y2="{gy:.1f}" stroke="{GRID}"/>')
        tick = style.esc(fmt(top * frac))
        out.append(f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" fill="{MUTED}">{tick}</text>')
    out.append(
        f'<line x1="{left}" y1="{upper}" x2="{left}" y2="{upper + plot_h}" stroke="{AXIS}"/>'
        f'<line x1="{left}" y1="{upper + plot_h}" x2="{left + plot_w}" y2="{upper + plot_h}" stroke="{AXIS}"/>'
    )
    cy = upper + plot_h / 2
    out.append(
        f'<text x="12" y="{cy:.1f}" transform="rotate(-90 12 {cy:.1f})" text-anchor="middle" fill="{MUTED}">'
        f"{style.esc(y_title)}</text>"
    )
    every = max(1, -(-n // 8))  # at most about 8 step labels; the rest are in the titles
    for i, s in enumerate(steps):
        if i % every == 0 or i == n - 1:
            sy = upper + plot_h + 16
            out.append(f'<text x="{x(i):.1f}" y="{sy}" text-anchor="middle" fill="{MUTED}">{style.esc(s)}</text>')
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="{MUTED}">'
        f"{style.esc(x_title)}</text>"
    )
    for k, ln in enumerate(lines):
        dash = DASHES[k % len(DASHES)]
        segment: list[str] = []
        paths: list[str] = []
        for i, v in enumerate(ln.values):
            if v is None:
                paths.append(" ".join(segment))
                segment = []
                continue
            segment.append(f"{'M' if not segment else 'L'}{x(i):.1f},{y(v):.1f}")
        paths.append(" ".join(segment))
        for d in paths:
            if d.count("L"):
                dashed = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(f'<path d="{d}" fill="none" stroke="{ln.color}" stroke-width="2"{dashed}/>')
        for i, v in enumerate(ln.values):
            if v is None:
                continue
            tip = f"{steps[i]}: {ln.name} {fmt(v)}"
            attrs = f' class="pt" data-line="{k}" data-step="{i}" data-value="{v:.12g}"'
            out.append(
                _marker(MARKERS[k % len(MARKERS)], x(i), y(v), ln.color, attrs)
                + f"<title>{style.esc(tip)}</title>"
                + _close(MARKERS[k % len(MARKERS)])
            )
            if n <= LABELLED and len(lines) == 1:
                out.append(
                    f'<text x="{x(i):.1f}" y="{y(v) - 8:.1f}" text-anchor="middle" font-size="10" fill="{INK}">'
                    f"{style.esc(fmt(v))}</text>"
                )
    out.append("</svg>")
    return "".join(out)
