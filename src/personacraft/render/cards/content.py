"""What a persona card says, built from a persona dict: ``card_context`` and its parts (pure functions).

Every field may be absent or null (older ``personas.json`` files have no story fields yet): the
card then says "unknown" with the reason from the matching ``missing`` dict, never "None" and never
an empty box. How much of each list a card shows is its ``Density``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from personacraft.render import style
from personacraft.render.cards.svg import Colors, avatar_svg, trait_bars_svg
from personacraft.render.cards.text import as_dict, as_strings, as_text, brief, clip, sentences
from personacraft.render.environment import environment
from personacraft.render.style import WHITE

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


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name) if w and w[0].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _label(key: Any) -> str:
    return str(key).replace("_", " ").strip().capitalize()


def _type_label(key: Any) -> str:
    return PERSONA_TYPES.get(str(key), str(key).replace("_", " ").capitalize())


def _missing(persona: Mapping[str, Any], *sources: Mapping[str, Any]) -> dict[str, str]:
    """The reasons of every ``missing`` dict that may explain a field, the most specific first."""
    out: dict[str, str] = {}
    for source in (*sources, persona):
        for k, v in as_dict(source.get("missing")).items():
            text = as_text(v)
            if text and str(k) not in out:
                out[str(k)] = text
    for field, alias in ALIASES.items():
        if field not in out and alias in out:
            out[field] = out[alias]
    return out


# ---------------------------------------------------------------- the card's parts


@dataclass
class Items:
    """A list for the card, or why there is none."""

    items: list[str]
    why: str | None = None


def _items(story: Mapping[str, Any], key: str, reasons: Mapping[str, str], fallback: list[str], d: Density) -> Items:
    items = as_strings(story.get(key)) or fallback
    if items:
        return Items([clip(t, d.line) for t in items[: d.items]])
    return Items([], brief(reasons.get(key) or NO_FIELD, d.reason))


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
        if not isinstance(x, Mapping) or not as_text(x.get(key)):
            continue
        lift, share = x.get("lift"), x.get("share")
        if held and i > 0 and not (isinstance(lift, int | float) and lift >= 1.1):
            continue
        out.append(_with_figures(as_text(x.get(key)) or "", share, share_words, lift, lift_words))
    return out


def _quote(persona: Mapping[str, Any], story: Mapping[str, Any]) -> str | None:
    quote = as_text(story.get("quote"))
    if quote:
        return quote
    for x in persona.get("pain_points") or []:
        for q in as_dict(x).get("quotes") or []:
            if as_text(q):
                return as_text(q)
    return None


def _type(persona: Mapping[str, Any], reasons: Mapping[str, str], color: str, d: Density) -> dict[str, Any]:
    typ = as_text(persona.get("persona_type"))
    mix: list[dict[str, Any]] = []
    for k, v in as_dict(persona.get("persona_type_mix")).items():
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
        "why": None if typ else brief(reasons.get("persona_type") or NO_FIELD, d.reason),
    }


def _money(x: Any) -> str:
    return str(environment().filters["money"](x))


def _value(persona: Mapping[str, Any], d: Density) -> dict[str, Any]:
    v = as_dict(persona.get("value"))
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
        rows.append({"label": "Predicted CLV", "value": None, "why": brief(why.get("clv_mean") or NO_FIELD, d.reason)})
    churn = v.get("churn_risk")
    if isinstance(churn, int | float):
        rows.append({"label": "Churn risk", "value": style.pct(churn), "note": None})
    else:
        rows.append({"label": "Churn risk", "value": None, "why": brief(why.get("churn_risk") or NO_FIELD, d.reason)})
    share = v.get("revenue_share")
    if isinstance(share, int | float):
        rows.append({"label": "Share of revenue", "value": style.pct(share), "note": None})
    else:
        rows.append(
            {"label": "Share of revenue", "value": None, "why": brief(why.get("revenue_share") or NO_FIELD, d.reason)}
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
        reason = as_text(value.get("reason"))
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
            parts.append(f"{what}: {brief(reason, d.reason)}" if reason else what)
        elif reason:
            parts.append(f"({brief(reason, d.reason)})")
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
            reason = as_text(as_dict(raw.get("missing")).get(k))
            lines = [f"unknown: {brief(reason, d.reason)}" if reason else "unknown"]
        rows.append({"label": _label(k), "lines": [clip(t, d.line) for t in lines]})
    return {"rows": rows[: 5 + d.items], "method": as_text(raw.get("method"))}


def _recommendations(persona: Mapping[str, Any], d: Density) -> list[dict[str, Any]]:
    recs = as_dict(persona.get("recommendations"))
    why = _missing(persona, recs)
    out = []
    keys = list(RECOMMENDATIONS) + [k for k in recs if k not in RECOMMENDATIONS and k != "missing"]
    for key in keys:
        raw = recs.get(key)
        texts = []
        for r in raw if isinstance(raw, list) else []:
            text = as_text(r.get("text")) if isinstance(r, Mapping) else as_text(r)
            if text:
                texts.append(clip(text, d.line))
        if key not in RECOMMENDATIONS and not texts:
            continue
        out.append(
            {
                "key": key,
                "label": _label(key),
                "texts": texts[: d.recs],
                "more": max(len(texts) - d.recs, 0),
                "why": None if texts else brief(why.get(key) or NO_FIELD, d.reason),
            }
        )
    return out


def _stability(persona: Mapping[str, Any]) -> str | None:
    s, band = persona.get("stability"), as_text(persona.get("stability_band"))
    if isinstance(s, int | float):
        return f"{s:.2f}" + (f" · {band}" if band else "")
    return band


def card_context(
    persona: Mapping[str, Any], *, color: str, title: str, run_id: str | None = None, density: int | Density = 0
) -> dict[str, Any]:
    """What a card shows, as plain values: the HTML and Markdown templates both render this.
    ``density``: an index into ``DENSITIES`` (or a ``Density``): how much of each list fits."""
    d = density if isinstance(density, Density) else DENSITIES[max(0, min(density, len(DENSITIES) - 1))]
    story = as_dict(persona.get("story"))
    reasons = _missing(persona, story)
    c = Colors.of(color)
    name = as_text(persona.get("name")) or as_text(persona.get("id")) or "Persona"
    person = as_text(story.get("name"))
    initials = _initials(person or name)
    facts = []
    for key, label in FACTS:
        value = as_text(story.get(key))
        facts.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "why": None if value else brief(reasons.get(key) or NO_FIELD, d.reason),
            }
        )
    size, share = persona.get("size"), persona.get("share")
    bio, day = as_text(story.get("bio")), as_text(story.get("typical_day"))
    values = as_strings(story.get("values"))
    traits = [dict(t) for t in persona.get("traits") or [] if isinstance(t, Mapping)]
    goals = _fallback(persona, "goals", "goal", "of members", " the average", held=True)
    channels = _fallback(persona, "channels", "channel", "first came this way")
    return {
        "id": as_text(persona.get("id")) or "",
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
        "bio": sentences(bio, d.bio) if bio else None,
        "bio_why": None if bio else brief(reasons.get("bio") or NO_FIELD, d.reason),
        "day": sentences(day, d.bio // 2) if day else None,
        "day_why": None if day else brief(reasons.get("typical_day") or NO_FIELD, d.reason),
        "goals": _items(story, "goals", reasons, goals, d),
        "values": Items(values[:4]) if values else Items([], brief(reasons.get("values") or NO_FIELD, d.reason)),
        "pains": _items(story, "pains", reasons, _fallback(persona, "pain_points", "label", "of those who wrote"), d),
        "quote": (q := _quote(persona, story)) and clip(q, d.line + 40),
        "quote_why": None if _quote(persona, story) else brief(reasons.get("quote") or NO_FIELD, d.reason),
        "channels": _items(story, "channels", reasons, channels, d),
        "content": _items(story, "content", reasons, [], d),
        "triggers": _items(story, "triggers", reasons, [], d),
        "objections": _items(story, "objections", reasons, [], d),
        "traits": traits[: d.traits],
        "traits_svg": Markup(trait_bars_svg(traits[: d.traits], c.base)),
        "traits_why": None if traits else brief(reasons.get("traits") or "no value stands out", d.reason),
        "value": _value(persona, d),
        "committee": _committee(persona, d),
        "recs": _recommendations(persona, d),
        "title": title,
        "run_id": run_id,
    }
