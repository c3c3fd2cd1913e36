"""The plain-spoken parts of a card: the at-a-glance band, plain words in texts, the "For analysts" fold, the link.

The band is :func:`personacraft.render.glance.glance` (the same as on the pages and the slides); the
texts of a persona (its story and recommendations) name channels and survey questions as the data
does, so :func:`plain` puts them in a marketer's words (``facebook / cpc`` → "Facebook ads", a survey
question → its short label). The figures an analyst checks (lift, n, adjusted p, stability, the
methods) go to :func:`analysts`; the link and QR code to the persona's page to :func:`link`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from personacraft.render import style
from personacraft.render.cards.text import as_dict, as_text
from personacraft.render.glance import glance
from personacraft.report_settings import persona_url
from personacraft.wording import channel_label, lift_words, question_label, value_label, whole_label

QUESTION = re.compile(r"\?\s*$|^(?:what|which|how|why|where|when|who|do|did|are|is|would)\b", re.I)
_AVERAGE = re.compile(r"(\d+(?:\.\d+)?)× (?:the average|more often than the average(?: customer)?)")
BAND_TITLES = {"wants": "What they want", "frustrations": "What frustrates them", "actions": "What to do first"}


def feature_label(feature: Any) -> str:
    """A trait's feature as a short label: a survey question becomes its column name ("Main goal")."""
    text = as_text(feature) or "Trait"
    return question_label(text) if QUESTION.search(text) else text


def whole_labels(persona: Mapping[str, Any]) -> dict[str, str]:
    """Pain labels cut short in older data ("Too much plastic in the packaging for a…") → made whole
    (:func:`personacraft.wording.whole_label`: the quote that starts the same way, else the last whole word)."""
    out = {}
    for x in persona.get("pain_points") or []:
        label = as_text(as_dict(x).get("label")) or ""
        whole = whole_label(label, list(as_dict(x).get("quotes") or []))
        if whole != label:
            out[label] = whole
    return out


def plain(text: str, persona: Mapping[str, Any]) -> str:
    """``text`` with the persona's raw channel values and survey questions in plain words, labels cut
    short in the data made whole, and "2.2× the average" said as "2.2× more common than average"."""
    out = text
    raw: list[tuple[str, str]] = list(whole_labels(persona).items())
    for ch in persona.get("channels") or []:
        value = as_text(as_dict(ch).get("channel"))
        if value and " / " in value:
            raw.append((value, channel_label(value)))
    for t in persona.get("traits") or []:
        feature, value = as_text(as_dict(t).get("feature")), as_text(as_dict(t).get("value"))
        if feature and QUESTION.search(feature):
            raw.append((feature, feature_label(feature)))
        if value and " / " in value:
            raw.append((value, channel_label(value)))
    for before, after in sorted(set(raw), key=lambda r: -len(r[0])):
        out = out.replace(before, after)
    return _AVERAGE.sub(lambda m: lift_words(float(m.group(1))), out)


def band(persona: Mapping[str, Any]) -> dict[str, Any]:
    """The at-a-glance band: the sentence, three lists (or the prompt that would fill each), the
    shares of customers and of revenue, and the flags."""
    g = glance(persona)
    figures = _figures(persona)
    whole = whole_labels(persona)
    lists = []
    for key, title in BAND_TITLES.items():
        raw = [whole.get(t, t) for t in getattr(g, key)]
        items = [plain(t + figures.get((key, t), ""), persona) for t in raw]
        lists.append({"key": key, "title": title, "items": items, "raw": raw, "prompt": g.prompts.get(key)})
    return {
        "sentence": plain(g.sentence, persona),
        "lists": lists,
        "customers": style.pct(g.customer_share) if g.customer_share is not None else None,
        "revenue": style.pct(g.revenue_share) if g.revenue_share is not None else None,
        "revenue_words": g.revenue_words,
        "flags": [("bad" if f == "at risk" else "good", f[:1].upper() + f[1:]) for f in g.flags],
    }


def _figures(persona: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """What the band adds to a want or a frustration: its share and how much more common it is."""
    out = {}
    for key, field, name, who in (
        ("wants", "goals", "goal", "of those surveyed"),
        ("frustrations", "pain_points", "label", "of those who wrote"),
    ):
        for x in persona.get(field) or []:
            x = as_dict(x)
            text, share, lift = as_text(x.get(name)), x.get("share"), x.get("lift")
            parts = [f"{style.pct(share)} {who}"] if isinstance(share, int | float) else []
            if isinstance(lift, int | float):
                parts.append(lift_words(lift))
            if text and parts:
                out[(key, whole_labels(persona).get(text, text))] = f" ({', '.join(parts)})"
    return out


def _p(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "unknown"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def analysts(
    persona: Mapping[str, Any], traits: list[dict[str, Any]], unknown: list[tuple[str, str]]
) -> dict[str, Any]:
    """The "For analysts" fold: each trait with its share, lift, n and adjusted p; the stability; the
    methods behind the persona; and what the data could not tell, with the reason."""
    rows = []
    for t in traits:
        share, pop, lift, n = t.get("share"), t.get("population_share"), t.get("lift"), t.get("n")
        rows.append(
            {
                "trait": f"{feature_label(t.get('feature'))}: {value_label(t.get('feature'), t.get('value'))}",
                "share": style.pct(share) if isinstance(share, int | float) else "unknown",
                "population": style.pct(pop) if isinstance(pop, int | float) else "unknown",
                "lift": f"{lift:.2f}" if isinstance(lift, int | float) else "unknown",
                "n": style.num(n) if isinstance(n, int | float) else "unknown",
                "p": _p(t.get("p_adjusted")),
            }
        )
    s, band_ = persona.get("stability"), as_text(persona.get("stability_band"))
    stability = (f"{s:.2f}" if isinstance(s, int | float) else "unknown") + (f" ({band_})" if band_ else "")
    methods = []
    for e in persona.get("evidence") or []:
        field, method = as_text(as_dict(e).get("field")), as_text(as_dict(e).get("method"))
        if field in ("size", "traits") and method:
            methods.append(f"{field.replace('_', ' ').capitalize()}: {method}.")
    v = as_dict(persona.get("value"))
    basis = as_text(v.get("churn_risk_basis"))
    if basis:
        method = as_text(v.get("churn_risk_method"))
        methods.append(f"Churn risk ({method or 'method unknown'}): {basis.rstrip('.')}.")
    return {"rows": rows, "stability": stability, "methods": methods, "unknown": unknown}


def link(persona: Mapping[str, Any], base_url: str | None) -> dict[str, Any] | None:
    """The persona's page under ``base_url`` (``<base_url>/personas/<id>``), with a QR code of it as
    inline SVG when the QR library (``segno``, in the extra ``pdf``) is installed; None without a base URL."""
    href = persona_url(base_url, as_text(persona.get("id")))
    if href is None:
        return None
    return {"href": href, "text": re.sub(r"^https?://", "", href), "qr": qr_svg(href)}


def qr_svg(text: str, *, size: int = 84) -> Markup | None:
    """A QR code of ``text`` as an inline SVG ``size`` pixels wide, or None when segno is not installed."""
    try:
        segno = importlib.import_module("segno")
    except ImportError:
        return None
    code = segno.make(text, error="m", micro=False)
    path = code.svg_inline(scale=1, border=2, dark=style.INK, omitsize=True)
    label = f"QR code of {style.esc(text)}"
    path = path.replace("<svg ", f'<svg role="img" aria-label="{label}" width="{size}" height="{size}" ', 1)
    return Markup(path.replace(">", f"><title>{label}</title>", 1))
