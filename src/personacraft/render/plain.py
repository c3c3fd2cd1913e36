"""A persona's figures in plain words for the pages, and the statistics behind them for the "For analysts" fold.

Used by the report and the web pages alike. The pages say "2.2× more common than average",
"Facebook ads" and "Main goal"; lift, n, adjusted p, stability and the method go into the fold
(:func:`analysts`). Rows and boxes that carry no information are left out (:func:`informative`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from personacraft.render.cards.content import NO_FIELD
from personacraft.render.glance import as_dict, is_number, maps
from personacraft.render.style import pct
from personacraft.wording import channel_label, lift_words, period_label, question_label, value_label, whole_label


def trait_rows(persona: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The defining traits: a short label (the full question as its title), the plain value and the words."""
    out = []
    for t in maps(persona.get("traits")):
        feature = str(t.get("feature") or "")
        lift = t.get("lift") if is_number(t.get("lift")) else None
        out.append(
            {
                "label": question_label(feature),
                "title": feature,
                "value": value_label(feature, t.get("value")),
                "share": t.get("share") if is_number(t.get("share")) else None,
                "population_share": t.get("population_share") if is_number(t.get("population_share")) else None,
                "words": lift_words(lift),
                "lift": lift,
                "n": t.get("n"),
                "p": t.get("p_adjusted"),
                "raw": t.get("value"),
            }
        )
    return out


def wants(persona: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The goals and needs they state, with the question's short name."""
    out = []
    for g in maps(persona.get("goals")):
        feature = str(g.get("feature") or "")
        out.append(
            {
                "text": str(g.get("goal") or ""),
                "label": question_label(feature) if feature else None,
                "title": feature,
                "share": g.get("share") if is_number(g.get("share")) else None,
                "words": lift_words(g.get("lift") if is_number(g.get("lift")) else None),
                "lift": g.get("lift"),
                "n": g.get("n"),
            }
        )
    for g in maps(persona.get("needs")):
        out.append(
            {
                "text": f"Need: {g.get('label') or g.get('need') or ''}",
                "label": None,
                "title": "",
                "share": g.get("share") if is_number(g.get("share")) else None,
                "words": lift_words(g.get("lift") if is_number(g.get("lift")) else None),
                "lift": g.get("lift"),
                "n": g.get("n"),
            }
        )
    return out


def channel_rows(persona: Mapping[str, Any]) -> list[dict[str, Any]]:
    """First-touch channels by their plain names ("Facebook ads"); the raw value stays for the analysts."""
    return [
        {
            "label": channel_label(c.get("channel")),
            "raw": c.get("channel"),
            "share": c.get("share") if is_number(c.get("share")) else None,
            "words": lift_words(c.get("lift") if is_number(c.get("lift")) else None),
            "lift": c.get("lift"),
            "n": c.get("n"),
        }
        for c in maps(persona.get("channels"))
        if c.get("channel")
    ]


def pain_rows(persona: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Pain points by their label and the customers' words; no keyword lists."""
    return [
        {
            "label": whole_label(p.get("label"), p.get("quotes")),
            "share": p.get("share") if is_number(p.get("share")) else None,
            "words": lift_words(p.get("lift") if is_number(p.get("lift")) else None),
            "quotes": [str(q) for q in (p.get("quotes") or []) if q][:3],
            "lift": p.get("lift"),
            "n": p.get("n"),
            "p": p.get("p_adjusted"),
            "source": p.get("source"),
        }
        for p in maps(persona.get("pain_points"))
        if p.get("label")
    ]


def value_note(value: Mapping[str, Any]) -> dict[str, Any]:
    """What labels every value figure: its horizon ("next 12 months"), and why it is unreliable when it is."""
    reliable = value.get("reliable")
    why = value.get("unreliable_because")
    return {
        "horizon": str(value.get("horizon") or "") or None,
        "unreliable": (f"unreliable, because {why}" if why else "unreliable") if reliable is False else None,
        "churn_basis": str(value.get("churn_risk_basis") or "") or None,
        "churn_method": {"model": "predicted by a churn model", "empirical": "the share who already lapsed"}.get(
            str(value.get("churn_risk_method") or "")
        ),
    }


def period_of(doc: Mapping[str, Any]) -> str | None:
    """The run's data period in words ("Orders from March 2023 to December 2024"), when the build recorded it."""
    return period_label(as_dict(as_dict(doc.get("provenance")).get("data_period")) or None)


def people_word(doc: Mapping[str, Any]) -> str:
    """What the people of a run are called: "contacts" when they are contacts of B2B accounts, else "customers"."""
    return "contacts" if as_dict(as_dict(doc.get("provenance")).get("accounts")) else "customers"


def analysts(doc: Mapping[str, Any], persona: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The method behind the page: how personas were found (model, k, criterion) and the persona's stability."""
    prov = as_dict(doc.get("provenance"))
    seg = as_dict(prov.get("segmentation"))
    icl = as_dict(seg.get("icl"))
    out: dict[str, Any] = {
        "algorithm": seg.get("algorithm"),
        "k": seg.get("k"),
        "candidates": max(len(icl) - 1, 0),
        "min_group": prov.get("min_group_size"),
        "voice": as_dict(prov.get("voice")).get("method"),
        "config": prov.get("config_hash"),
    }
    if persona is not None:
        s = persona.get("stability")
        out["stability"] = f"{s:.2f}" if is_number(s) else None
        out["band"] = persona.get("stability_band")
    return out


def informative(cells: list[Any]) -> bool:
    """Whether a row of a comparison says something: not the same value in every column, not unknown everywhere."""
    known = [c for c in cells if c not in (None, "", [], {})]
    if not known:
        return False
    return len(cells) < 2 or len({repr(c) for c in cells}) > 1


def share_words(share: Any) -> str | None:
    return pct(share) if is_number(share) else None


def reason(text: Any) -> str | None:
    """Why a figure is missing, in words for the pages (never "not in this personas.json")."""
    if text is None or text == "":
        return None
    return str(text).replace(NO_FIELD, "not recorded in this run").replace("personas.json", "the run's data")
