"""Shared by every page and card: how figures are written and colours that stay readable.

Figures: a null figure is said in words, never an empty cell or "None"; :func:`esc` makes text
safe inside hand-written SVG. Colours: WCAG contrast (:func:`contrast`), and helpers that darken
a persona colour until text on it, or text in it, reads at 4.5:1 or better.
"""

from __future__ import annotations

import html
from typing import Any

from markupsafe import Markup, escape

from personacraft import wording

INK = "#1d2330"
MUTED = "#5b6472"
WHITE = "#ffffff"


# ---------------------------------------------------------------- formatting


def esc(value: Any) -> str:
    """Text for hand-written SVG (valid XML)."""
    return html.escape(str(value), quote=True)


def num(x: float) -> str:
    return f"{x:,.0f}"


def pct(x: float) -> str:
    return f"{x:.0%}"


def count(x: float) -> str:
    """A median count: whole numbers without decimals, others with one."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def days(x: float) -> str:
    if x <= 0:
        return "same day"
    if x < 1:
        return "< 1 day"
    if x < 10:
        text = count(round(x, 1))
        return f"{text} day" if text == "1" else f"{text} days"
    return f"{x:,.0f} days"


def signed(x: float) -> str:
    return f"{x:+.2f}".replace("-", "−")


KINDS = {
    "pct": pct,
    "num": num,
    "lift": lambda x: f"{x:.1f}×",
    "days": days,
    "count": count,
    "signed": signed,
}


def fig(value: Any, kind: str = "num", unknown: str = "unknown") -> Markup:
    """A figure, or an explicit note when it is null (never an empty cell, never "None")."""
    if value is None:
        return Markup('<span class="na">{}</span>').format(unknown)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return escape(str(value))
    return escape(KINDS[kind](value))


def plain_filters() -> dict[str, Any]:
    """The Jinja filters that say raw values in plain words (:mod:`personacraft.wording`), for every page."""
    return {
        "channel": wording.channel_label,
        "event": wording.event_label,
        "path": wording.path_label,
        "mood": wording.emotion_words,
        "question": wording.question_label,
        "lift_words": wording.lift_words,
        "period": wording.period_label,
        "plain": lambda value, feature="": wording.value_label(feature, value),
        "whole": wording.whole_label,
    }


# ---------------------------------------------------------------- colour


def rgb(color: str) -> tuple[float, float, float]:
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255


def hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, v)) * 255):02x}" for v in rgb)


def luminance(color: str) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def mix(color: str, other: str, t: float) -> str:
    """``color`` moved a fraction ``t`` of the way toward ``other``."""
    a, b = rgb(color), rgb(other)
    return hex((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t))


def readable(color: str, *backgrounds: str, ratio: float = 4.6) -> str:
    """The colour, darkened just enough to be read as text on every background."""
    for step in range(21):
        shade = mix(color, "#000000", step * 0.05)
        if all(contrast(shade, bg) >= ratio for bg in backgrounds):
            return shade
    return INK


def on(color: str) -> str:
    """White or ink, whichever reads better on the colour."""
    return WHITE if contrast(WHITE, color) >= contrast(INK, color) else INK


def chip(color: str) -> str:
    """A background for small text in the persona colour: the colour itself when white or ink reads on it
    (4.5:1), else the colour darkened until white does."""
    return color if contrast(on(color), color) >= 4.5 else readable(color, WHITE)


def valid_color(color: Any, fallback: str) -> str:
    text = str(color or "")
    digits = text[1:]
    if text.startswith("#") and len(digits) in (3, 6) and all(c in "0123456789abcdefABCDEF" for c in digits):
        return text
    return fallback
