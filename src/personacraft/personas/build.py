"""Assemble personas from segments, profiles and pain points. Every claim carries evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from personacraft.personas.model import stability_band
from personacraft.personas.naming import name_personas
from personacraft.personas.value import persona_value
from personacraft.segment.profile import cell_facts, cells_for, defining_traits
from personacraft.store import Run
from personacraft.text.voice import Voice
from personacraft.value.stage import ValueResult

NO_SALES = "no CRM deals or buying roles in the sources, so there is nothing to ground sales arguments on"
GOAL_WORDS = (
    "goal",
    "why do you",
    "what brings you",
    "looking for",
    "hoping to",
    "matters most",
    "most important",
    "want to achieve",
)


@dataclass(frozen=True)
class SegmentResult:
    """What segmentation produced, as persona-building needs it."""

    k: int
    sizes: np.ndarray
    stability: np.ndarray
    labels_table: str = "labels"


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _evidence(claim: str, field: str, cells: list[dict[str, Any]], method: str) -> dict[str, Any]:
    return {
        "field": field,
        "claim": claim,
        "method": method,
        "facts": [cell_facts(c) for c in cells],
    }


def build_personas(
    run: Run,
    seg: SegmentResult,
    cells: list[dict[str, Any]],
    voice: Voice,
    value: ValueResult,
    *,
    min_n: int,
    max_traits: int,
) -> list[dict[str, Any]]:
    """The persona objects of ``personas.json``, in segment order."""
    total = int(seg.sizes.sum())
    money = {
        int(r["persona"]): r
        for r in run.dicts(
            f"""SELECT l.persona, count(o.customer_key) AS buyers, sum(o.revenue) AS revenue,
                       avg(o.revenue) AS revenue_mean, avg(o.orders) AS orders_mean
                FROM {run.t(seg.labels_table)} l LEFT JOIN {run.t("order_features")} o USING (customer_key)
                GROUP BY 1"""
        )
    }
    all_revenue = sum(float(r["revenue"] or 0) for r in money.values())
    trait_lists = [defining_traits(cells, p, min_n=min_n, limit=max_traits) for p in range(seg.k)]
    names = name_personas(trait_lists)
    out = []
    for p in range(seg.k):
        size = int(seg.sizes[p])
        traits = trait_lists[p]
        name, name_basis = names[p]
        evidence: list[dict[str, Any]] = [
            _evidence(
                f"The name {name!r} summarises the strongest traits.",
                "name",
                name_basis,
                "adjectives from the top-ranked defining traits",
            ),
            _evidence(
                f"{size:,} customers ({_pct(size / total)}) are in this persona.",
                "size",
                [],
                "latent class model over behaviour counts; size counts assigned customers",
            ),
        ]
        missing: dict[str, str] = {}
        persona: dict[str, Any] = {
            "id": f"p{p + 1}",
            "name": name,
            "size": size,
            "share": round(size / total, 4),
            "stability": round(float(seg.stability[p]), 3),
            "stability_band": stability_band(float(seg.stability[p])),
        }
        m = money.get(p, {})
        buyers = int(m.get("buyers") or 0)
        ptype, mix, type_ev = persona_type(cells, p, size, buyers, min_n)
        persona["persona_type"] = ptype
        persona["persona_type_mix"] = mix
        evidence.append(type_ev)
        persona["traits"] = [cell_facts(c) for c in traits]
        evidence.append(
            _evidence(
                "Defining traits are the values most over-represented against the population.",
                "traits",
                traits,
                f"share among members with a known value vs the same share in the population; n >= {min_n}",
            )
        )
        # goals: answers to a 'main goal' style survey question
        goal_cells = [
            c
            for c in cells
            if c["persona"] == p
            and c["source"] == "survey"
            and any(w in c["feature"].lower() for w in GOAL_WORDS)
            and c["n"] >= min_n
        ]
        goal_cells = sorted(goal_cells, key=lambda c: (-c["share"], c["value"]))[:3]
        if goal_cells:
            persona["goals"] = [
                {"goal": str(c["value"]), **{k: v for k, v in cell_facts(c).items() if k != "value"}}
                for c in goal_cells
            ]
            evidence.append(
                _evidence(
                    "Goals are the persona's answers to the survey's goal question.",
                    "goals",
                    goal_cells,
                    "share of members who answered",
                )
            )
        else:
            persona["goals"] = None
            missing["goals"] = "no survey question about goals was answered by enough members"
        method = (
            "themes of the customers' texts (redacted, embedded and clustered); share of the persona's "
            "customers with a text who mention the theme, against all customers with a text; Fisher's "
            "exact test, Benjamini-Hochberg adjusted"
        )
        for field, items, claim, none_found in (
            (
                "needs",
                voice.needs.get(p, []),
                "Needs are text themes that ask for something, over-represented in this persona.",
                "no theme that asks for something",
            ),
            (
                "pain_points",
                voice.pains.get(p, []),
                "Pain points are negative text themes over-represented in this persona.",
                "no negative theme",
            ),
        ):
            if items:
                persona[field] = items
                facts = [{k: v for k, v in x.items() if k != "quotes"} for x in items]
                evidence.append({"field": field, "claim": claim, "method": method, "facts": facts})
            else:
                persona[field] = None
                missing[field] = (
                    "the customers wrote no texts"
                    if not voice.wrote
                    else f"{none_found} reaches n >= {min_n}, lift >= 1.2 and p < 0.05 for this persona"
                )
        ch = cells_for(cells, p, "First channel", min_n=min_n)[:5]
        persona["channels"] = [
            {"channel": str(c["value"]), "share": round(c["share"], 4), "lift": round(c["lift"], 3), "n": int(c["n"])}
            for c in ch
        ]
        if ch:
            evidence.append(
                _evidence(
                    "Channels are where members first came from (web analytics first touch).",
                    "channels",
                    ch,
                    "first source / medium per customer",
                )
            )
        else:
            missing["channels"] = "no web analytics linked to enough members"
        persona["value"], value_ev = persona_value(p, m, all_revenue, value)
        evidence.extend(value_ev)
        persona["story"], story_ev = _story(p, name, persona, cells, min_n)
        evidence.extend(story_ev)
        persona["recommendations"], rec_ev = _recommendations(persona, cells, p, min_n)
        evidence.extend(rec_ev)
        persona["evidence"] = evidence
        persona["missing"] = missing
        out.append(persona)
    return out


# CRM buying roles (HubSpot Buying Role, Salesforce contact roles) -> persona types
ROLE_TYPES: dict[str, str] = {
    "decision maker": "decision_maker",
    "economic decision maker": "decision_maker",
    "executive sponsor": "decision_maker",
    "approver": "decision_maker",
    "budget holder": "buyer",
    "economic buyer": "buyer",
    "buyer": "buyer",
    "legal and compliance": "buyer",
    "champion": "influencer",
    "influencer": "influencer",
    "evaluator": "influencer",
    "technical buyer": "influencer",
    "blocker": "influencer",
    "other": "influencer",
    "end user": "end_user",
    "business user": "end_user",
    "user": "end_user",
}


def persona_type(
    cells: list[dict[str, Any]], p: int, size: int, buyers: int, min_n: int
) -> tuple[str, dict[str, float], dict[str, Any]]:
    """The persona's type from its members' CRM buying roles, else from who placed orders."""
    roles = [c for c in cells if c["persona"] == p and c["feature"] == "Buying role"]
    known = max((int(c["n_known"]) for c in roles), default=0)
    if known >= max(min_n, 0.3 * size):
        mix: dict[str, float] = {}
        for c in roles:
            t = ROLE_TYPES.get(str(c["value"]).strip().lower(), "influencer")
            mix[t] = round(mix.get(t, 0.0) + int(c["n"]) / known, 4)
        top = max(mix, key=lambda t: (mix[t], t))
        ptype = top if mix[top] >= 0.6 else "mixed"
        published = [c for c in roles if c["n"] >= min_n]
        claim = f"{_pct(mix[top])} of members with a known buying role are {top.replace('_', ' ')}s" + (
            "." if ptype != "mixed" else ", too few for one type: mixed."
        )
        return ptype, mix, _evidence(claim, "persona_type", published, "CRM buying roles of members, mapped to types")
    share = buyers / size
    claim = f"{_pct(share)} of members placed orders themselves; no CRM buying roles for enough members."
    mix = {"buyer": round(share, 4), "unknown": round(1 - share, 4)}
    return (
        ("buyer" if share >= 0.9 else "mixed"),
        mix,
        _evidence(claim, "persona_type", [], "share of members with at least one order"),
    )


def _story(
    p: int, name: str, persona: dict[str, Any], cells: list[dict[str, Any]], min_n: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    ev: list[dict[str, Any]] = []
    sentences = [f"{name}s are {_pct(persona['share'])} of customers ({persona['size']:,} people)."]
    basis = persona["traits"][:3]
    for t in basis:
        sentences.append(f"{t['feature']}: {t['value']} for {_pct(t['share'])} of them, {t['lift']:.1f}× the average.")
    bio = " ".join(sentences)
    ev.append({"field": "story.bio", "claim": bio, "method": "templated from the top defining traits", "facts": basis})
    day_parts, day_cells = [], []
    for feature, template in (
        ("Shopping time", "shops mostly in the {v}"),
        ("Device", "on {v}"),
        ("Shopping days", "{v}"),
    ):
        top = cells_for(cells, p, feature, min_n=min_n)[:1]
        if top:
            day_parts.append(template.format(v=top[0]["value"]))
            day_cells.append(top[0])
    story: dict[str, Any] = {"missing": {}}
    if day_parts:
        story["typical_day"] = "Typically " + ", ".join(day_parts) + "."
        ev.append(
            _evidence(
                story["typical_day"],
                "story.typical_day",
                day_cells,
                "the most common value of each habit among members",
            )
        )
    else:
        story["typical_day"] = None
        story["missing"]["typical_day"] = "no order times, devices or visit days known for enough members"
    story["bio"] = bio
    quotes = [q for pp in (persona.get("pain_points") or []) for q in pp["quotes"]]
    if quotes:
        story["quote"] = quotes[0]
        ev.append(
            {
                "field": "story.quote",
                "claim": quotes[0],
                "method": "a real review of a member, PII removed",
                "facts": [],
            }
        )
    else:
        story["quote"] = None
        story["missing"]["quote"] = "no review of a member fits a pain point"
    return story, ev


def _recommendations(
    persona: dict[str, Any], cells: list[dict[str, Any]], p: int, min_n: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    recs: dict[str, Any] = {"missing": {}}
    ev: list[dict[str, Any]] = []

    def rec(text: str, field: str, facts: list[dict[str, Any]]) -> dict[str, Any]:
        ev.append(
            {"field": f"recommendations.{field}", "claim": text, "method": "rule on the evidence shown", "facts": facts}
        )
        return {"text": text, "evidence": facts}

    goals = [g for g in persona.get("goals") or [] if g["lift"] >= 1.1]
    recs["messaging"] = [
        rec(
            f"Lead with \u201c{g['goal']}\u201d: {_pct(g['share'])} of surveyed members name it "
            f"({g['lift']:.1f}× the average).",
            "messaging",
            [g],
        )
        for g in goals[:2]
    ] or None
    if recs["messaging"] is None:
        recs["missing"]["messaging"] = "no survey goal is over-represented among enough members"
    chans = [c for c in persona.get("channels") or [] if c["lift"] >= 1.1][:2]
    recs["channels"] = [
        rec(
            f"Invest in {c['channel']}: {_pct(c['share'])} of members first came this way "
            f"({c['lift']:.1f}× the average).",
            "channels",
            [c],
        )
        for c in chans
    ] or None
    if recs["channels"] is None:
        recs["missing"]["channels"] = "no channel over-represented in this persona"
    recs["sales"] = None
    recs["missing"]["sales"] = NO_SALES
    pains = persona.get("pain_points") or []
    recs["product"] = [
        rec(
            f"Fix \u201c{x['label']}\u201d: raised by {_pct(x['share'])} of members who reviewed unhappily "
            f"({x['lift']:.1f}× the average).",
            "product",
            [{k: v for k, v in x.items() if k != "quotes"}],
        )
        for x in pains[:2]
    ] or None
    if recs["product"] is None:
        recs["missing"]["product"] = "no pain point found for this persona"
    lapsed = [c for c in cells_for(cells, p, "Recency", min_n=min_n) if "over a year" in str(c["value"])]
    retention = []
    if lapsed and lapsed[0]["share"] >= 0.2:
        c = lapsed[0]
        retention.append(
            rec(
                f"Win back: {_pct(c['share'])} of members last bought over a year ago ({c['lift']:.1f}× the average).",
                "retention",
                [cell_facts(c)],
            )
        )
    value = persona.get("value") or {}
    if value.get("at_risk"):
        retention.append(
            rec(
                f"Retain before they go: an estimated {_pct(value['churn_risk'])} of members have stopped or will "
                "stop buying, well above the average; reach them while P(alive) is still high.",
                "retention",
                [{"feature": "churn_risk", "value": value["churn_risk"], "n": value.get("clv_customers")}],
            )
        )
    recs["retention"] = retention or None
    if not retention:
        recs["missing"]["retention"] = "fewer than 20 % of members are lapsed and churn risk is not above average"
    return recs, ev
