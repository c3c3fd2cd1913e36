"""Persona cards to share: one A4 page per persona, as HTML, PDF, PNG, Markdown and the persona's JSON.

``render_cards`` writes ``report/cards/<id>.html|.pdf|.png|.md|.json`` under the output folder.
The HTML card is self-contained (inline CSS, hand-written inline SVG, no script, no URL) and made
to print on exactly one A4 page; WeasyPrint lays it out into the PDF, and pypdfium2 draws the PDF
page into the PNG. A card that would run onto a second page is laid out again denser, with fewer
items per list (``DENSITIES``), until it fits: the PDF always has one page.

Every field may be absent or null (older ``personas.json`` files have no story fields yet): the
card then says "unknown" with the reason from the matching ``missing`` dict, never "None" and never
an empty box. Colours, number formats and the contrast helpers are the journey page's
(``render/journey.py``), so text on a persona colour reads at 4.5:1 or better.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from personacraft.render import style
from personacraft.render.charts import FONT, PALETTE
from personacraft.render.report import environment
from personacraft.render.style import INK, MUTED, WHITE

FORMATS = ("html", "pdf", "png", "md", "json")
PNG_DPI = 144  # an A4 page at 144 dpi: 1191 x 1684 pixels
RECOMMENDATIONS = ("messaging", "channels", "sales", "product", "retention")
PERSONA_TYPES = {
    "buyer": "Buyer",
    "decision_maker": "Decision-maker",
    "influencer": "Influencer",
    "end_user": "End user",
    "mixed": "Mixed",
    "unknown": "Role unknown",
}
FACTS = (("age", "Age"), ("occupation", "Occupation"), ("location", "Location"), ("income", "Income"))
NO_FIELD = "not in this personas.json"  # the field is absent and no missing dict says why
# a story field with no reason of its own takes the reason of the persona field it is made from
ALIASES = {"pains": "pain_points", "objections": "pain_points", "quote": "pain_points"}
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Density:
    """How much of each list a card shows, and how large it sets the type."""

    name: str
    font_pt: float  # body text
    items: int  # bullets per list (goals, pains, channels, …)
    recs: int  # recommendations per kind
    traits: int  # bars in the trait chart
    bio: int  # characters of the bio and of the typical day
    line: int  # characters of one bullet
    reason: int  # characters of a "why unknown"
    clip: bool = False  # the last resort: the sheet is cut at one page


DENSITIES = (
    Density("roomy", 8.3, items=3, recs=2, traits=5, bio=520, line=170, reason=120),
    Density("compact", 7.8, items=3, recs=1, traits=5, bio=420, line=150, reason=100),
    Density("dense", 7.3, items=2, recs=1, traits=4, bio=320, line=130, reason=80),
    Density("clipped", 6.9, items=2, recs=1, traits=4, bio=260, line=110, reason=70, clip=True),
)
# Markdown has no page to fill: every item, whole sentences, whole reasons
MARKDOWN = Density("markdown", 0.0, items=10, recs=10, traits=8, bio=100_000, line=100_000, reason=100_000)


# ---------------------------------------------------------------- small helpers


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    """A string worth showing, or None (None, empty and whitespace are not)."""
    if value is None or isinstance(value, Mapping | list | tuple):
        return None
    text = " ".join(str(value).split())
    return text or None


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        return []
    return [t for t in (_text(v) for v in value) if t]


def _clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis; a cut inside
    a parenthesis (the figures of a sentence) drops the parenthesis whole when enough is left."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    paren = cut.rfind("(")
    if paren > limit * 0.5 and ")" not in cut[paren:]:
        cut = cut[:paren]
    return cut.rstrip(" ,;:.-–(") + "…"


def _sentences(text: str, limit: int) -> str:
    """Whole sentences up to ``limit`` characters (at least one, clipped if it alone is longer)."""
    if len(text) <= limit:
        return text
    parts = re.split(r"(?<=[.!?])\s+", text)
    out = ""
    for part in parts:
        if len(out) + len(part) + 1 > limit:
            break
        out = f"{out} {part}".strip()
    return out or _clip(text, limit)


def _reason(text: str, limit: int) -> str:
    """A reason short enough for the card: its first clause when the whole is too long."""
    if len(text) <= limit:
        return text
    for sep in ("; ", ": ", " (", ", "):
        i = text.find(sep)
        if 20 <= i <= limit:
            return text[:i] + " …"
    return _clip(text, limit)


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name) if w and w[0].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _label(key: Any) -> str:
    return str(key).replace("_", " ").strip().capitalize()


def _type_label(key: Any) -> str:
    return PERSONA_TYPES.get(str(key), str(key).replace("_", " ").capitalize())


def card_file_stem(persona: Mapping[str, Any], index: int) -> str:
    """The file name of a persona's card, without extension: its id, made safe for a path."""
    stem = _SAFE_ID.sub("-", str(persona.get("id") or "")).strip("-.")
    return stem or f"persona-{index + 1}"


def _missing(persona: Mapping[str, Any], *sources: Mapping[str, Any]) -> dict[str, str]:
    """The reasons of every ``missing`` dict that may explain a field, the most specific first."""
    out: dict[str, str] = {}
    for source in (*sources, persona):
        for k, v in _dict(source.get("missing")).items():
            text = _text(v)
            if text and str(k) not in out:
                out[str(k)] = text
    for field, alias in ALIASES.items():
        if field not in out and alias in out:
            out[field] = out[alias]
    return out


# ---------------------------------------------------------------- colours and SVG


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


def trait_bars_svg(traits: list[dict[str, Any]], color: str, *, width: int = 320) -> str:
    """The defining traits as paired bars: the share in the persona (its colour) over the share among
    all customers (grey), each pair under its label, with the lift at the right."""
    rows = [t for t in traits if isinstance(t, Mapping) and isinstance(t.get("share"), int | float)]
    if not rows:
        return ""
    c = Colors.of(color)
    label_h, bar_h, pop_h, gap, top = 13, 9, 5, 9, 18
    lift_w, value_w = 40, 34
    bar_max = width - lift_w - value_w
    row_h = label_h + bar_h + 2 + pop_h + gap
    height = top + len(rows) * row_h - gap + 2
    chars = int(width / 6.1)  # about 6 px a character at 10 px DejaVu Sans
    summary = "; ".join(
        f"{t.get('feature')}: {t.get('value')} {style.pct(t['share'])} vs {style.pct(t['population_share'])} of all"
        if isinstance(t.get("population_share"), int | float)
        else f"{t.get('feature')}: {t.get('value')} {style.pct(t['share'])}"
        for t in rows
    )
    label = f"Defining traits, this persona against all customers: {summary}."
    out = [
        f'<svg class="traits" role="img" aria-label="{style.esc(label)}" viewBox="0 0 {width} {height}" '
        f'width="100%" font-family="{style.esc(FONT)}"><title>{style.esc(label)}</title>',
        f'<rect x="0" y="2" width="9" height="9" rx="2" fill="{c.base}"/>'
        f'<text x="13" y="10" font-size="9" fill="{MUTED}">this persona</text>'
        f'<rect x="86" y="4" width="9" height="5" rx="1" fill="#9aa3ae"/>'
        f'<text x="99" y="10" font-size="9" fill="{MUTED}">all customers</text>'
        f'<text x="{width}" y="10" font-size="9" text-anchor="end" fill="{MUTED}">lift</text>',
    ]
    for i, t in enumerate(rows):
        y = top + i * row_h
        feature, value = _text(t.get("feature")) or "trait", _text(t.get("value")) or "?"
        room = max(chars - len(value) - 2, 8)
        feature = _clip(feature, room) if len(feature) > room else feature
        if len(value) > chars - 8:
            value = _clip(value, chars - 8)
        share = max(0.0, min(1.0, float(t["share"])))
        pop = t.get("population_share")
        out.append(
            f'<text x="0" y="{y + 10}" font-size="10" fill="{INK}"><tspan fill="{MUTED}">{style.esc(feature)}: </tspan>'
            f'<tspan font-weight="700">{style.esc(value)}</tspan></text>'
        )
        by = y + label_h
        out.append(f'<rect x="0" y="{by}" width="{bar_max}" height="{bar_h}" rx="2" fill="#eef0f3"/>')
        out.append(
            f'<rect x="0" y="{by}" width="{max(share * bar_max, 1.5):.1f}" height="{bar_h}" rx="2" fill="{c.base}"/>'
        )
        out.append(
            f'<text x="{bar_max + 4}" y="{by + bar_h - 1}" font-size="9.5" font-weight="700" fill="{c.accent}">'
            f"{style.esc(style.pct(share))}</text>"
        )
        if isinstance(pop, int | float):
            p = max(0.0, min(1.0, float(pop)))
            py = by + bar_h + 2
            out.append(
                f'<rect x="0" y="{py}" width="{max(p * bar_max, 1.5):.1f}" height="{pop_h}" rx="1" fill="#9aa3ae"/>'
            )
            out.append(
                f'<text x="{bar_max + 4}" y="{py + pop_h + 1}" font-size="8" fill="{MUTED}">'
                f"{style.esc(style.pct(p))}</text>"
            )
        lift = t.get("lift")
        if isinstance(lift, int | float):
            out.append(
                f'<text x="{width}" y="{by + bar_h}" font-size="10.5" font-weight="700" text-anchor="end" '
                f'fill="{c.accent if lift >= 1 else MUTED}">{style.esc(f"{lift:.1f}×")}</text>'
            )
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------- the card's content


@dataclass
class Items:
    """A list for the card, or why there is none."""

    items: list[str]
    why: str | None = None


def _items(story: Mapping[str, Any], key: str, reasons: Mapping[str, str], fallback: list[str], d: Density) -> Items:
    items = _strings(story.get(key)) or fallback
    if items:
        return Items([_clip(t, d.line) for t in items[: d.items]])
    return Items([], _reason(reasons.get(key) or NO_FIELD, d.reason))


def _with_figures(text: str, share: Any, share_words: str, lift: Any, lift_words: str) -> str:
    """``text (share words, lift×…)`` with whichever figures are numbers."""
    figures = []
    if isinstance(share, int | float):
        figures.append(f"{style.pct(share)} {share_words}")
    if isinstance(lift, int | float):
        figures.append(f"{lift:.1f}×{lift_words}")
    return text + (f" ({', '.join(figures)})" if figures else "")


def _fallback(
    persona: Mapping[str, Any], field: str, key: str, share_words: str, lift_words: str = "", held: bool = False
) -> list[str]:
    """Items of ``persona[field]`` (goals, pain points, channels) with their figures, when the story
    has none; ``held``: after the first, only those held above average (lift >= 1.1)."""
    out = []
    for i, x in enumerate(persona.get(field) or []):
        if not isinstance(x, Mapping) or not _text(x.get(key)):
            continue
        lift, share = x.get("lift"), x.get("share")
        if held and i > 0 and not (isinstance(lift, int | float) and lift >= 1.1):
            continue
        out.append(_with_figures(_text(x.get(key)) or "", share, share_words, lift, lift_words))
    return out


def _quote(persona: Mapping[str, Any], story: Mapping[str, Any]) -> str | None:
    quote = _text(story.get("quote"))
    if quote:
        return quote
    for x in persona.get("pain_points") or []:
        for q in _dict(x).get("quotes") or []:
            if _text(q):
                return _text(q)
    return None


def _type(persona: Mapping[str, Any], reasons: Mapping[str, str], color: str, d: Density) -> dict[str, Any]:
    typ = _text(persona.get("persona_type"))
    mix: list[dict[str, Any]] = []
    for k, v in _dict(persona.get("persona_type_mix")).items():
        if isinstance(v, int | float) and v > 0:
            mix.append({"key": str(k), "label": _type_label(k), "share": float(v), "pct": style.pct(v)})
    mix.sort(key=lambda m: -m["share"])
    base = Colors.of(color).base
    for i, m in enumerate(mix):  # shades of the persona colour, lighter down the list; "unknown" grey
        m["color"] = "#c4c9cf" if m["key"] == "unknown" else style.mix(base, WHITE, min(0.2 * i, 0.7))
    return {
        "key": typ,
        "label": _type_label(typ) if typ else None,
        "mix": mix,
        "why": None if typ else _reason(reasons.get("persona_type") or NO_FIELD, d.reason),
    }


def _money(x: Any) -> str:
    return str(environment().filters["money"](x))


def _value(persona: Mapping[str, Any], d: Density) -> dict[str, Any]:
    v = _dict(persona.get("value"))
    why = _missing(persona, v)
    rows = []
    clv, interval = v.get("clv_mean"), v.get("clv_interval")
    if isinstance(clv, int | float):
        note = None
        if (
            isinstance(interval, list | tuple)
            and len(interval) == 2
            and all(isinstance(x, int | float) for x in interval)
        ):
            note = f"{_money(interval[0])} to {_money(interval[1])}"
        rows.append({"label": "Predicted CLV", "value": _money(clv), "note": note})
    else:
        rows.append(
            {"label": "Predicted CLV", "value": None, "why": _reason(why.get("clv_mean") or NO_FIELD, d.reason)}
        )
    churn = v.get("churn_risk")
    if isinstance(churn, int | float):
        rows.append({"label": "Churn risk", "value": style.pct(churn), "note": None})
    else:
        rows.append({"label": "Churn risk", "value": None, "why": _reason(why.get("churn_risk") or NO_FIELD, d.reason)})
    share = v.get("revenue_share")
    if isinstance(share, int | float):
        rows.append({"label": "Share of revenue", "value": style.pct(share), "note": None})
    else:
        rows.append(
            {"label": "Share of revenue", "value": None, "why": _reason(why.get("revenue_share") or NO_FIELD, d.reason)}
        )
    per = v.get("revenue_per_customer")
    if isinstance(per, int | float):
        rows.append({"label": "Revenue per customer", "value": _money(per), "note": "to date"})
    # the same reason on every row says it once
    reasons = [r.get("why") for r in rows if r.get("value") is None]
    flags = []
    if v.get("most_valuable") is True:
        flags.append(("good", "Most valuable"))
    if v.get("at_risk") is True:
        flags.append(("bad", "At risk"))
    return {"rows": rows, "flags": flags, "all_unknown": bool(reasons) and len(set(reasons)) == 1 and len(reasons) > 2}


def _figure(key: str, value: Any) -> str:
    """One free-form figure in words."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return style.num(value)
    if isinstance(value, float):
        if "lift" in key:
            return f"{value:.1f}×"
        if 0 <= value <= 1:
            return style.pct(value)
        return style.count(value)
    return " ".join(str(value).split())


def _describe(value: Any, d: Density) -> str:
    """A committee entry (any shape) as one line of text; a null figure says it is unknown, and why
    when the entry gives a ``reason``."""
    if isinstance(value, Mapping):
        reason = _text(value.get("reason"))
        parts, unknown = [], []
        for k, v in value.items():
            if k in ("reason", "method", "missing"):
                continue
            if v is None:
                unknown.append(_label(k).lower())
            elif isinstance(v, Mapping):
                inner = _describe(v, d)
                if inner:
                    parts.append(inner)
            elif str(k) in ("type", "label", "name"):
                parts.insert(0, _type_label(v))
            elif str(k) == "n":
                parts.append(f"n {_figure('n', v)}")
            elif isinstance(v, int | float) and not isinstance(v, bool) and str(k) in PERSONA_TYPES:
                parts.append(f"{_type_label(k).lower()} {_figure(str(k), v)}")
            else:
                parts.append(f"{_label(k).lower()} {_figure(str(k), v)}")
        if unknown or (reason and not parts):
            what = " and ".join(unknown) + " unknown" if unknown else "unknown"
            parts.append(f"{what}: {_reason(reason, d.reason)}" if reason else what)
        elif reason:
            parts.append(f"({_reason(reason, d.reason)})")
        return ", ".join(parts)
    if isinstance(value, list | tuple):
        return "; ".join(t for t in (_describe(v, d) for v in value[:4]) if t)
    return _figure("", value)


def _committee(persona: Mapping[str, Any], d: Density) -> dict[str, Any] | None:
    """The buying committee (B2B), whatever keys it has: a row per key (a line per item of a list)."""
    raw = persona.get("committee")
    if not isinstance(raw, Mapping):
        return None
    rows = []
    for k, v in raw.items():
        if k in ("method", "missing"):
            continue
        items = list(v[: d.items]) if isinstance(v, list | tuple) else [v]
        lines = [t for t in (_describe(x, d) for x in items if x is not None) if t]
        if not lines:
            reason = _text(_dict(raw.get("missing")).get(k))
            lines = [f"unknown: {_reason(reason, d.reason)}" if reason else "unknown"]
        rows.append({"label": _label(k), "lines": [_clip(t, d.line) for t in lines]})
    return {"rows": rows[: 5 + d.items], "method": _text(raw.get("method"))}


def _recommendations(persona: Mapping[str, Any], d: Density) -> list[dict[str, Any]]:
    recs = _dict(persona.get("recommendations"))
    why = _missing(persona, recs)
    out = []
    keys = list(RECOMMENDATIONS) + [k for k in recs if k not in RECOMMENDATIONS and k != "missing"]
    for key in keys:
        raw = recs.get(key)
        texts = []
        for r in raw if isinstance(raw, list) else []:
            text = _text(r.get("text")) if isinstance(r, Mapping) else _text(r)
            if text:
                texts.append(_clip(text, d.line))
        if key not in RECOMMENDATIONS and not texts:
            continue
        out.append(
            {
                "key": key,
                "label": _label(key),
                "texts": texts[: d.recs],
                "more": max(len(texts) - d.recs, 0),
                "why": None if texts else _reason(why.get(key) or NO_FIELD, d.reason),
            }
        )
    return out


def _stability(persona: Mapping[str, Any]) -> str | None:
    s, band = persona.get("stability"), _text(persona.get("stability_band"))
    if isinstance(s, int | float):
        return f"{s:.2f}" + (f" · {band}" if band else "")
    return band


def card_context(
    persona: Mapping[str, Any], *, color: str, title: str, run_id: str | None = None, density: int | Density = 0
) -> dict[str, Any]:
    """What a card shows, as plain values: the HTML and Markdown templates both render this.
    ``density``: an index into ``DENSITIES`` (or a ``Density``): how much of each list fits."""
    d = density if isinstance(density, Density) else DENSITIES[max(0, min(density, len(DENSITIES) - 1))]
    story = _dict(persona.get("story"))
    reasons = _missing(persona, story)
    c = Colors.of(color)
    name = _text(persona.get("name")) or _text(persona.get("id")) or "Persona"
    person = _text(story.get("name"))
    initials = _initials(person or name)
    facts = []
    for key, label in FACTS:
        value = _text(story.get(key))
        facts.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "why": None if value else _reason(reasons.get(key) or NO_FIELD, d.reason),
            }
        )
    size, share = persona.get("size"), persona.get("share")
    bio, day = _text(story.get("bio")), _text(story.get("typical_day"))
    values = _strings(story.get("values"))
    traits = [dict(t) for t in persona.get("traits") or [] if isinstance(t, Mapping)]
    goals = _fallback(persona, "goals", "goal", "of members", " the average", held=True)
    channels = _fallback(persona, "channels", "channel", "first came this way")
    return {
        "id": _text(persona.get("id")) or "",
        "name": name,
        "person": person,
        "initials": initials,
        "colors": c,
        "density": d,
        "avatar": Markup(avatar_svg(initials, c.base, str(persona.get("id") or name))),
        "type": _type(persona, reasons, c.base, d),
        "size": style.num(size) if isinstance(size, int | float) else None,
        "share": style.pct(share) if isinstance(share, int | float) else None,
        "stability": _stability(persona),
        "facts": facts,
        "bio": _sentences(bio, d.bio) if bio else None,
        "bio_why": None if bio else _reason(reasons.get("bio") or NO_FIELD, d.reason),
        "day": _sentences(day, d.bio // 2) if day else None,
        "day_why": None if day else _reason(reasons.get("typical_day") or NO_FIELD, d.reason),
        "goals": _items(story, "goals", reasons, goals, d),
        "values": Items(values[:4]) if values else Items([], _reason(reasons.get("values") or NO_FIELD, d.reason)),
        "pains": _items(story, "pains", reasons, _fallback(persona, "pain_points", "label", "of those who wrote"), d),
        "quote": (q := _quote(persona, story)) and _clip(q, d.line + 40),
        "quote_why": None if _quote(persona, story) else _reason(reasons.get("quote") or NO_FIELD, d.reason),
        "channels": _items(story, "channels", reasons, channels, d),
        "content": _items(story, "content", reasons, [], d),
        "triggers": _items(story, "triggers", reasons, [], d),
        "objections": _items(story, "objections", reasons, [], d),
        "traits": traits[: d.traits],
        "traits_svg": Markup(trait_bars_svg(traits[: d.traits], c.base)),
        "traits_why": None if traits else _reason(reasons.get("traits") or "no value stands out", d.reason),
        "value": _value(persona, d),
        "committee": _committee(persona, d),
        "recs": _recommendations(persona, d),
        "title": title,
        "run_id": run_id,
    }


# ---------------------------------------------------------------- HTML and Markdown


def card_html(
    persona: Mapping[str, Any], *, color: str, title: str, run_id: str | None = None, density: int = 0
) -> str:
    """The card as one self-contained HTML page (inline CSS and SVG; no script, no URL)."""
    ctx = card_context(persona, color=color, title=title, run_id=run_id, density=density)
    return environment().get_template("card.html.j2").render(c=ctx, font=FONT)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(value: Any) -> str:
    """Text for Markdown: one line, with the characters Markdown would read as markup escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def card_markdown(persona: Mapping[str, Any], *, title: str, run_id: str | None = None) -> str:
    """The card as Markdown that pastes into Notion or Google Docs: headings, lists, a table, no HTML."""
    ctx = card_context(persona, color=PALETTE[0], title=title, run_id=run_id, density=MARKDOWN)
    rows = []
    for t in ctx["traits"]:
        share, pop, lift, n = t.get("share"), t.get("population_share"), t.get("lift"), t.get("n")
        rows.append(
            {
                "trait": f"{_text(t.get('feature')) or 'trait'}: {_text(t.get('value')) or '?'}",
                "share": style.pct(share) if isinstance(share, int | float) else "unknown",
                "population": style.pct(pop) if isinstance(pop, int | float) else "unknown",
                "lift": f"{lift:.1f}×" if isinstance(lift, int | float) else "unknown",
                "n": style.num(n) if isinstance(n, int | float) else "unknown",
            }
        )
    env = environment()
    env.filters["md"] = _md
    text = env.get_template("card.md.j2").render(c=ctx, trait_rows=rows)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"  # one blank line between blocks


# ---------------------------------------------------------------- PDF and PNG


def _module(name: str) -> Any:
    """A rendering library, imported when first needed, with what to install when it is missing."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            f"persona cards need the Python package {name!r} for PDF and PNG files: pip install weasyprint pypdfium2"
        ) from exc


def layout_pdf(html: str) -> Any:
    """WeasyPrint's layout of a card (a ``weasyprint.Document``: ``.pages``, ``.write_pdf()``)."""
    return _module("weasyprint").HTML(string=html).render()


def html_to_pdf(html: str, path: Path) -> Path:
    """Write the HTML page as a PDF with WeasyPrint; return its path."""
    layout_pdf(html).write_pdf(path)
    return path


def pdf_page_count(path: Path) -> int:
    pdfium = _module("pypdfium2")
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdf_to_png(pdf_path: Path, png_path: Path, *, dpi: int = PNG_DPI) -> Path:
    """Draw the first page of the PDF into a PNG with pypdfium2; return its path."""
    pdfium = _module("pypdfium2")
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[0]
        bitmap = page.render(scale=dpi / 72)
        bitmap.to_pil().save(png_path, format="PNG")
        bitmap.close()
        page.close()
    finally:
        pdf.close()
    return png_path


def fit_card(persona: Mapping[str, Any], *, color: str, title: str, run_id: str | None = None) -> tuple[str, Any]:
    """The card's HTML at the roomiest density that lays out on one A4 page, and that layout."""
    html, layout = "", None
    for density in range(len(DENSITIES)):
        html = card_html(persona, color=color, title=title, run_id=run_id, density=density)
        layout = layout_pdf(html)
        if len(layout.pages) == 1:
            break
    return html, layout


# ---------------------------------------------------------------- all cards


def _run_id(out_dir: Path) -> str | None:
    try:
        doc = json.loads((out_dir / "personas.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return _text(doc.get("run_id")) if isinstance(doc, Mapping) else None


def render_cards(
    personas: list[dict[str, Any]],
    out_dir: Path,
    *,
    title: str,
    run_id: str | None = None,
    formats: Collection[str] = FORMATS,
) -> list[Path]:
    """Write each persona's card under ``out_dir/report/cards/``: ``<id>.html``, ``.pdf``, ``.png``,
    ``.md`` and ``.json`` (the persona as it is in personas.json); return the paths written, persona
    by persona in that order. Persona ``i`` gets ``PALETTE[i % len(PALETTE)]``, as in the report.
    ``run_id``: for the footer (default: the one in ``out_dir/personas.json``, if there is one).
    ``formats``: a subset of ``FORMATS``; a PNG needs the PDF, which is then written too."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown card formats: {sorted(unknown)}; choose from {list(FORMATS)}")
    wanted = set(formats) | ({"pdf"} if "png" in formats else set())
    folder = out_dir / "report" / "cards"
    folder.mkdir(parents=True, exist_ok=True)
    run_id = run_id or _run_id(out_dir)
    paths: list[Path] = []
    for i, persona in enumerate(personas):
        color = PALETTE[i % len(PALETTE)]
        stem = folder / card_file_stem(persona, i)
        if "pdf" in wanted:
            html, layout = fit_card(persona, color=color, title=title, run_id=run_id)
        else:
            html, layout = card_html(persona, color=color, title=title, run_id=run_id), None
        if "html" in wanted:
            paths.append(stem.with_suffix(".html"))
            paths[-1].write_text(html, encoding="utf-8")
        if layout is not None:
            paths.append(stem.with_suffix(".pdf"))
            layout.write_pdf(paths[-1])
        if "png" in wanted:
            paths.append(pdf_to_png(stem.with_suffix(".pdf"), stem.with_suffix(".png")))
        if "md" in wanted:
            paths.append(stem.with_suffix(".md"))
            paths[-1].write_text(card_markdown(persona, title=title, run_id=run_id), encoding="utf-8")
        if "json" in wanted:
            paths.append(stem.with_suffix(".json"))
            paths[-1].write_text(
                json.dumps(persona, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
            )
    return paths


__all__ = [
    "DENSITIES",
    "FORMATS",
    "Colors",
    "avatar_svg",
    "card_context",
    "card_file_stem",
    "card_html",
    "card_markdown",
    "fit_card",
    "html_to_pdf",
    "layout_pdf",
    "pdf_page_count",
    "pdf_to_png",
    "render_cards",
    "trait_bars_svg",
]
