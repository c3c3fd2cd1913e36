"""What the journey page shows, from a ``journeys.json`` document: its sections, stage cells and definitions.

Every list may be empty and every figure may be null (hidden under the minimum group size, or
simply not in the data): the page then says so in words, with the document's ``missing`` reason
when it gives one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from personacraft.render import style
from personacraft.render.journey.svg import emotion_curve_svg, face_svg, funnel_svg, mood_of, sankey_svg
from personacraft.render.style import WHITE

DEFAULT_STAGES = ["awareness", "consideration", "purchase", "retention", "advocacy"]

# what to say when a stage cell is empty and the document gives no reason of its own
_CELL_DEFAULTS = {
    "actions": "unknown: no action recorded at this stage",
    "touchpoints": "unknown: no source covers this stage",
    "channels": "unknown: no channel recorded at this stage",
    "emotion": "unknown: no customer text at this stage",
    "barriers": "none found in the data",
    "opportunity": "none: no barrier with enough evidence to act on",
}


_NAME_KEYS = ("label", "step", "barrier", "channel", "stage")


def _evidence_line(m: Mapping[str, Any], population: bool = False) -> str:
    """One mapping of figures as a line: names first as they are, a share next to the same share among
    all customers, then the lift and n. For all customers, the comparison with themselves is left out."""
    parts = []
    for key in m:
        value = m[key]
        if value is None or key.startswith("population_") or isinstance(value, Mapping):
            continue
        if population and key == "lift":
            continue
        label = str(key).replace("_", " ")
        if key in _NAME_KEYS and not isinstance(value, int | float):
            parts.append(str(value))
        elif isinstance(value, bool):
            parts.append(f"{label} {'yes' if value else 'no'}")
        elif key == "lift" and isinstance(value, int | float):
            parts.append(f"{value:.1f}× all customers")
        elif key == "n" and isinstance(value, int | float):
            parts.append(f"n {style.num(value)}")
        elif isinstance(value, int | float) and any(w in key for w in ("share", "rate", "conversion")):
            text = f"{label} {style.pct(value)}"
            base = m.get(f"population_{key}")
            if isinstance(base, int | float) and not population:
                text += f" vs {style.pct(base)} of all"
            parts.append(text)
        elif isinstance(value, int | float):
            parts.append(f"{label} {style.count(value)}")
        elif isinstance(value, list | tuple):
            parts.append(f"{label} {', '.join(str(v) for v in value)}")
        else:
            parts.append(f"{label} {value}")
    for key in m:  # a figure for all customers without its persona counterpart
        base = key.removeprefix("population_")
        if population:
            break
        if key.startswith("population_") and base not in m and isinstance(m[key], int | float):
            parts.append(f"{base.replace('_', ' ')} among all {style.pct(m[key])}")
    return " · ".join(parts)


def _evidence(evidence: Any, population: bool = False) -> list[str]:
    """An opportunity's evidence (a free-form mapping, possibly one mapping per source) as lines of text."""
    if evidence is None:
        return []
    if not isinstance(evidence, Mapping):
        return [str(evidence)]
    lines = []
    top = _evidence_line(evidence, population)
    if top:
        lines.append(top)
    for key, value in evidence.items():
        if isinstance(value, Mapping):
            line = _evidence_line(value, population)
            if line:
                lines.append(f"{str(key).replace('_', ' ').capitalize()}: {line}")
    return lines


def as_list(value: Any) -> list[dict[str, Any]]:
    """The mappings of a list, copied; anything else gives none."""
    return [dict(v) for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """A copy of ``value`` when it is a mapping, else an empty dict."""
    return dict(value) if isinstance(value, Mapping) else {}


def stage_labels(doc: Mapping[str, Any]) -> dict[str, str]:
    """Each stage's evidence in words (``definition.stage_labels``), e.g. advocacy: "left a review …"."""
    labels = as_dict(doc.get("definition")).get("stage_labels")
    return {str(k): str(v) for k, v in labels.items() if v} if isinstance(labels, Mapping) else {}


def stage_order(doc: Mapping[str, Any]) -> list[str]:
    """The document's stages in order (the five default stages when it names none)."""
    stages = as_dict(doc.get("definition")).get("stages")
    if isinstance(stages, list) and stages:
        return [str(s) for s in stages]
    return list(DEFAULT_STAGES)


def _cell(
    stage: str, raw: Mapping[str, Any] | None, funnel_row: Mapping[str, Any] | None, population: bool
) -> dict[str, Any]:
    """One stage's cell of a journey map, with a note for every empty field."""
    raw = raw or {}
    missing = {str(k): str(v) for k, v in as_dict(raw.get("missing")).items() if v}
    emotion = raw.get("emotion") if isinstance(raw.get("emotion"), Mapping) else None
    opportunity = raw.get("opportunity") if isinstance(raw.get("opportunity"), Mapping) else None
    notes = {
        field: missing.get(field) or (_CELL_DEFAULTS[field] if raw else "unknown: this stage is not in the data")
        for field in _CELL_DEFAULTS
    }
    barriers = []
    for b in as_list(raw.get("barriers")):
        quotes = [str(q) for q in (b.get("quotes") or []) if q]
        barriers.append({**b, "quotes": quotes[:2]})
    face = None
    bar = None
    if emotion is not None and isinstance(emotion.get("sentiment"), int | float):
        s = max(-1.0, min(1.0, float(emotion["sentiment"])))
        face = Markup(face_svg(s))
        bar = {"left": 50 + min(s, 0) * 50, "width": abs(s) * 50, "cls": "neg" if s < 0 else "pos", "mood": mood_of(s)}
    return {
        "stage": stage,
        "funnel": dict(funnel_row) if funnel_row else None,
        "actions": as_list(raw.get("actions")),
        "touchpoints": as_list(raw.get("touchpoints")),
        "channels": as_list(raw.get("channels")),
        "emotion": dict(emotion) if emotion is not None else None,
        "face": face,
        "bar": bar,
        "barriers": barriers,
        "opportunity": {"text": opportunity.get("text"), "evidence": _evidence(opportunity.get("evidence"), population)}
        if opportunity is not None and opportunity.get("text")
        else None,
        "notes": notes,
    }


def account_section(af: Any, color: str) -> dict[str, Any] | None:
    """The account funnel (B2B) of a journey block as the pages show it, or None without one."""
    if not isinstance(af, Mapping):
        return None
    stages = as_list(af.get("stages"))
    rows = [{**r, "people": r.get("accounts")} for r in stages]
    rates = []
    for key, title, part, whole in (
        ("win_rate", "Win rate", "won", "closed"),
        ("trial_to_paid", "Trial to paid", "paid", "trialled"),
        ("renewal_rate", "Renewal rate", "renewed", "due"),
        ("onboarding", "Onboarding abandoned", "abandoned", "started"),
    ):
        r = as_dict(af.get(key))
        rates.append({"key": key, "title": title, "rate": r.get("rate"), "part": r.get(part), "whole": r.get(whole)})
    return {
        "accounts": af.get("accounts"),
        "stages": stages,
        "svg": Markup(funnel_svg(rows, color, unit="accounts", drop_note="biggest drop")),
        "rates": rates,
        "cycle": as_dict(af.get("sales_cycle")),
        "cancellations": as_dict(af.get("cancellations")),
        "first_touch": as_list(af.get("first_touch")),
        "missing": {str(k): str(v) for k, v in as_dict(af.get("missing")).items() if v},
    }


def journey_section(
    j: Mapping[str, Any], *, sid: str, name: str, color: str, population: bool, stages: list[str], min_group: Any
) -> dict[str, Any]:
    """One journey map (all customers, or a persona) as the page and the persona page show it."""
    funnel = as_list(j.get("funnel"))
    for r in funnel:  # the people counted at the stage: customers, and visitors where the funnel has them
        if "people" not in r:
            r["people"] = r.get("customers")
    funnel_by_stage = {str(r.get("stage")): r for r in funnel}
    labels = {str(r.get("stage")): str(r["label"]) for r in funnel if r.get("label")}
    raw_stages = {str(s.get("stage")): s for s in as_list(j.get("stages"))}
    order = stages + [s for s in raw_stages if s not in stages]
    cells = [_cell(s, raw_stages.get(s), funnel_by_stage.get(s), population) for s in order]
    for c in cells:
        c["label"] = labels.get(c["stage"])
    tint = style.mix(color, WHITE, 0.93)
    accent = style.readable(color, WHITE, tint)

    stage_times = []
    for t in as_list(j.get("stage_times")):
        n = t.get("n")
        few = isinstance(n, int | float) and isinstance(min_group, int | float) and n < min_group
        stage_times.append(
            {
                "from": t.get("from"),
                "to": t.get("to"),
                "to_label": labels.get(str(t.get("to"))),
                "days": t.get("median_days"),
                "n": n,
                "few": few,
            }
        )

    before = as_dict(j.get("before_conversion"))
    b_n = before.get("n")
    before_few = isinstance(b_n, int | float) and isinstance(min_group, int | float) and b_n < min_group

    abandonment = []
    for a in as_list(j.get("abandonment")):
        n = a.get("customers")
        few = isinstance(n, int | float) and isinstance(min_group, int | float) and n < min_group
        # every count null: the group's figures are withheld under the minimum group size
        hidden = a.get("rate") is None and all(a.get(k) is None for k in ("started", "abandoned", "customers"))
        abandonment.append({**a, "few": few, "hidden": hidden, "stage_label": labels.get(str(a.get("stage")))})

    purchase = funnel_by_stage.get("purchase")
    biggest = None
    for i, r in enumerate(funnel):
        if r.get("biggest_drop") and i > 0:
            biggest = {
                "from": funnel[i - 1].get("stage"),
                "to": r.get("stage"),
                "drop": r.get("drop_off"),
                "people": funnel[i - 1].get("people"),
            }
    first_touch = as_list(j.get("first_touch"))
    paths = as_list(j.get("paths"))
    shown = j.get("paths_shown")
    if not isinstance(shown, int | float):  # a document from before paths_shown: the same sum
        shown = sum(int(p["customers"]) for p in paths if isinstance(p.get("customers"), int | float))
    missing = {str(k): str(v) for k, v in as_dict(j.get("missing")).items() if v}
    return {
        "id": sid,
        "name": name,
        "population": population,
        "color": color,
        "accent": accent,
        "chip": style.chip(color),
        "on_chip": style.on(style.chip(color)),
        "tint": tint,
        "customers": j.get("customers"),
        "prospects": j.get("prospects"),
        "people": j.get("people", j.get("customers")),
        "prospects_note": missing.get("prospects"),
        "initials": "".join(w[0] for w in name.split() if w[0].isalnum())[:2].upper() or "?",
        "cells": cells,
        "curve": Markup(emotion_curve_svg(cells, color)),
        "funnel": funnel,
        "funnel_svg": Markup(funnel_svg(funnel, color)),
        "purchase": purchase,
        "biggest": biggest,
        "first_touch": first_touch,
        "first_touch_known": j.get("first_touch_known"),
        "paths": paths,
        "paths_known": j.get("paths_known"),
        "paths_shown": shown,
        "sankey_svg": Markup(sankey_svg(paths, color)),
        "stage_times": stage_times,
        "before": before,
        "before_few": before_few,
        "abandonment": abandonment,
        "missing": missing,
        "accounts": account_section(j.get("account_funnel"), color),
    }


_DEFINITION_LABELS = {
    "stage_time": "Time between stages",
    "account_records": "Accounts",
    "barrier_stage": "Where a barrier sits",
    "window_days": "Look-back before purchase",
    "path_steps": "Steps kept per path",
    "retention_days": "Retained after",
    "onboarding_days": "Onboarding window",
    "advocacy_rating": "Advocacy from a rating of",
    "steps": "Step → stage",
    "events": "Event → step",
    "lifecycle": "CRM lifecycle stage → stage",
    "text_cues": "Stage ← text cue",
    "prospects": "Prospects (anonymous visitors)",
    "biggest_drop": "Biggest drop",
    "abandonment": "Abandonment",
    "account_funnel": "Account funnel (B2B)",
    "account_lifecycle": "CRM lifecycle stage → account stage",
    "renewal_term_months": "Renewal term (months)",
}


def definition(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The document's definitions sorted for the page: prose rules, settings, glossaries of sentences
    (abandonment) and mapping tables (event names), whatever keys the document carries."""
    d = as_dict(doc.get("definition"))
    prose: list[tuple[str, str]] = []
    settings: list[tuple[str, str]] = []
    glossaries: list[tuple[str, list[tuple[str, str]]]] = []
    mappings: list[tuple[str, list[tuple[str, str]]]] = []
    for key, value in d.items():
        if key in ("stages", "stage_labels", "funnel", "min_group_size") or value is None or value == "" or value == {}:
            continue
        label = _DEFINITION_LABELS.get(key, str(key).replace("_", " ").capitalize())
        if isinstance(value, Mapping):
            pairs = [
                (str(k), ", ".join(map(str, v)) if isinstance(v, list | tuple) else str(v)) for k, v in value.items()
            ]
            # sentences (abandonment rules) read as a glossary; names and patterns as a table
            long = all(len(v) > 40 and "\\" not in v for _, v in pairs)
            (glossaries if long else mappings).append((label, pairs))
        elif isinstance(value, str) and len(value) > 40:
            prose.append((label, value))
        elif isinstance(value, bool):
            settings.append((label, "yes" if value else "no"))
        elif isinstance(value, int | float):
            unit = " days" if key.endswith("_days") else ""
            settings.append((label, f"{style.count(value)}{unit}"))
        elif isinstance(value, list | tuple):
            settings.append((label, ", ".join(str(v) for v in value)))
        else:
            settings.append((label, str(value)))
    return {
        "funnel": d.get("funnel"),
        "stage_labels": stage_labels(doc),
        "min_group_size": d.get("min_group_size"),
        "prose": prose,
        "settings": settings,
        "glossaries": glossaries,
        "mappings": mappings,
    }
