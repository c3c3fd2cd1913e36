"""The SVG graphics of a persona card: its colours, the avatar and the trait bars (inline, deterministic)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from personacraft.render import style
from personacraft.render.cards.text import as_text
from personacraft.render.charts import FONT, PALETTE
from personacraft.render.style import INK, MUTED, WHITE
from personacraft.wording import lift_words


@dataclass(frozen=True)
class Colors:
    """A persona's colour and what is drawn from it; every text pair reads at 4.5:1 or better."""

    base: str
    tint: str  # the header and panel background
    accent: str  # headings and figures, on white and on the tint
    chip: str  # the avatar and badges
    on_chip: str  # text on the chip
    line: str  # rules and the quote's bar (not text)

    @classmethod
    def of(cls, color: str) -> Colors:
        base = style.valid_color(color, PALETTE[0])
        tint = style.mix(base, WHITE, 0.92)
        chip = style.chip(base)
        return cls(
            base=base,
            tint=tint,
            accent=style.readable(base, WHITE, tint),
            chip=chip,
            on_chip=style.on(chip),
            line=style.mix(base, WHITE, 0.55),
        )

    def text_pairs(self) -> list[tuple[str, str]]:
        """(text, background) pairs the card uses, for contrast checks."""
        return [
            (self.accent, WHITE),
            (self.accent, self.tint),
            (self.on_chip, self.chip),
            (INK, self.tint),
            (MUTED, self.tint),
            (MUTED, WHITE),
            (INK, WHITE),
        ]


def avatar_svg(initials: str, color: str, seed: str, size: int = 64) -> str:
    """A neutral avatar: the initials on a disc of the persona colour, with a pattern of arcs drawn
    from ``seed`` (the same persona always gets the same pattern)."""
    c = Colors.of(color)
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    r = size / 2
    arcs = []
    for i in range(3):
        start = digest[i] / 255 * 360
        sweep = 70 + digest[i + 3] / 255 * 150
        radius = r * (0.92 - 0.17 * i)
        a0, a1 = math.radians(start), math.radians(start + sweep)
        x0, y0 = r + radius * math.cos(a0), r + radius * math.sin(a0)
        x1, y1 = r + radius * math.cos(a1), r + radius * math.sin(a1)
        large = 1 if sweep > 180 else 0
        arcs.append(
            f'<path d="M{x0:.1f},{y0:.1f} A{radius:.1f},{radius:.1f} 0 {large} 1 {x1:.1f},{y1:.1f}" fill="none" '
            f'stroke="{c.on_chip}" stroke-opacity="{0.16 + 0.06 * i:.2f}" stroke-width="{size * 0.045:.1f}" '
            f'stroke-linecap="round"/>'
        )
    font = size * (0.36 if len(initials) > 1 else 0.42)
    return (
        f'<svg class="avatar" role="img" aria-label="{style.esc(initials)}" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" font-family="{style.esc(FONT)}"><title>{style.esc(initials)}</title>'
        f'<circle cx="{r}" cy="{r}" r="{r}" fill="{c.chip}"/>'
        + "".join(arcs)
        + f'<text x="{r}" y="{r + font * 0.36:.1f}" text-anchor="middle" font-size="{font:.1f}" font-weight="700" '
        f'fill="{c.on_chip}" letter-spacing="0.5">{style.esc(initials)}</text></svg>'
    )


def _wrapped(parts: list[tuple[str, str]], chars: int) -> list[list[tuple[str, str]]]:
    """Words of ``(text, tspan attributes)`` parts wrapped into lines of at most ``chars`` characters."""
    lines: list[list[tuple[str, str]]] = [[]]
    used = 0
    for text, attrs in parts:
        for word in text.split():
            if used and used + 1 + len(word) > chars:
                lines.append([])
                used = 0
            lines[-1].append((word, attrs))
            used += len(word) + (1 if used else 0)
    return [line for line in lines if line]


def _line(words: list[tuple[str, str]]) -> str:
    """One line of words as tspans, a tspan per run of words that share attributes."""
    out: list[str] = []
    run: list[str] = []
    attrs: str | None = None
    for word, a in [*words, ("", "\0")]:
        if a != attrs and run:
            out.append(f"<tspan{attrs}>{style.esc(' '.join(run))}</tspan>")
            run = []
        attrs = a
        if word:
            run.append(word)
    return " ".join(out)


def trait_bars_svg(traits: list[dict[str, Any]], color: str, *, width: int = 320) -> str:
    """The defining traits as paired bars: the share in the persona (its colour) over the share among
    all customers (grey), each pair under its label and how much more common it is, wrapped, never cut."""
    rows = [t for t in traits if isinstance(t, Mapping) and isinstance(t.get("share"), int | float)]
    if not rows:
        return ""
    c = Colors.of(color)
    line_h, bar_h, pop_h, gap, top = 12, 9, 5, 9, 18
    value_w = 34
    bar_max = width - value_w
    chars = int(width / 5.9)  # about 5.9 px a character at 10 px DejaVu Sans
    summary = "; ".join(
        f"{t.get('feature')}: {t.get('value')} {style.pct(t['share'])} vs {style.pct(t['population_share'])} of all"
        if isinstance(t.get("population_share"), int | float)
        else f"{t.get('feature')}: {t.get('value')} {style.pct(t['share'])}"
        for t in rows
    )
    label = f"Defining traits, this persona against all customers: {summary}."
    body = []
    y = top
    for t in rows:
        feature, value = as_text(t.get("feature")) or "trait", as_text(t.get("value")) or "?"
        parts = [(f"{feature}:", f' fill="{MUTED}"'), (value, ' font-weight="700"')]
        lift = t.get("lift")
        if isinstance(lift, int | float):
            parts.append((f"· {lift_words(lift)}", f' fill="{c.accent if lift >= 1 else MUTED}" font-size="9"'))
        for line in _wrapped(parts, chars):
            body.append(f'<text x="0" y="{y + 10}" font-size="10" fill="{INK}">{_line(line)}</text>')
            y += line_h
        by = y + 1
        share = max(0.0, min(1.0, float(t["share"])))
        pop = t.get("population_share")
        body.append(f'<rect x="0" y="{by}" width="{bar_max}" height="{bar_h}" rx="2" fill="#eef0f3"/>')
        body.append(
            f'<rect x="0" y="{by}" width="{max(share * bar_max, 1.5):.1f}" height="{bar_h}" rx="2" fill="{c.base}"/>'
        )
        body.append(
            f'<text x="{bar_max + 4}" y="{by + bar_h - 1}" font-size="9.5" font-weight="700" fill="{c.accent}">'
            f"{style.esc(style.pct(share))}</text>"
        )
        y = by + bar_h
        if isinstance(pop, int | float):
            p = max(0.0, min(1.0, float(pop)))
            py = y + 2
            body.append(
                f'<rect x="0" y="{py}" width="{max(p * bar_max, 1.5):.1f}" height="{pop_h}" rx="1" fill="#9aa3ae"/>'
            )
            body.append(
                f'<text x="{bar_max + 4}" y="{py + pop_h + 1}" font-size="8" fill="{MUTED}">'
                f"{style.esc(style.pct(p))}</text>"
            )
            y = py + pop_h
        y += gap
    height = y - gap + 4
    head = (
        f'<svg class="traits" role="img" aria-label="{style.esc(label)}" viewBox="0 0 {width} {height}" '
        f'width="100%" font-family="{style.esc(FONT)}"><title>{style.esc(label)}</title>'
        f'<rect x="0" y="2" width="9" height="9" rx="2" fill="{c.base}"/>'
        f'<text x="13" y="10" font-size="9" fill="{MUTED}">this persona</text>'
        f'<rect x="86" y="4" width="9" height="5" rx="1" fill="#9aa3ae"/>'
        f'<text x="99" y="10" font-size="9" fill="{MUTED}">all customers</text>'
    )
    return head + "".join(body) + "</svg>"
