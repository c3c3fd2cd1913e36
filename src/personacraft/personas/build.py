"""Assemble personas from segments, profiles and pain points. Every claim carries evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from personacraft.accounts.build import Accounts
from personacraft.personas.actions import recommendations
from personacraft.personas.committee import persona_committee
from personacraft.personas.model import stability_band
from personacraft.personas.naming import name_b2b, name_personas, still_fits
from personacraft.personas.prompts import present, prompted
from personacraft.personas.purpose import purpose_fields
from personacraft.personas.story import build_story
from personacraft.personas.types import committee_type, persona_type
from personacraft.personas.value import persona_value
from personacraft.segment.assignment import persona_id
from personacraft.segment.profile import cell_facts, cells_for, defining_traits
from personacraft.store import Run
from personacraft.text.voice import Voice
from personacraft.value.stage import ValueResult
from personacraft.wording import fit_words

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
    membership: list[dict[str, Any]] | None = None  # per persona, see segment.assignment.membership
    ids: tuple[str, ...] | None = None  # each persona's id, matched across runs (None: p1, p2, …)
    previous: dict[str, dict[str, Any]] | None = None  # the previous run's personas by id (names kept)


def _fit(m: dict[str, Any], names: list[tuple[str, Any]], min_n: int, ids: tuple[str, ...] | None) -> dict[str, Any]:
    """How clearly members fit the persona; the persona hybrids lean to is named from ``min_n`` hybrids."""
    partner = m["hybrid_with"] if m["hybrids"] >= min_n else None
    name = names[partner][0] if partner is not None and partner < len(names) else None
    return {
        "mean_confidence": m["mean_confidence"],
        "hybrid_share": m["hybrid_share"],
        "hybrid_with": persona_id(partner, ids) if name and partner is not None else None,
        "words": fit_words(m["hybrid_share"], name),
    }


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
    seed: int = 0,
    journeys: list[dict[str, Any]] | None = None,
    accounts: Accounts | None = None,
) -> list[dict[str, Any]]:
    """The persona objects of ``personas.json``, in segment order; ``journeys``: each persona's journey."""
    total = int(seg.sizes.sum())
    b2b = run.has_rows("committee") if run.has_table("committee") else False
    taken: set[str] = set()
    money = {
        int(r["persona"]): r
        for r in run.dicts(
            f"""SELECT l.persona, count(o.customer_key) AS buyers, sum(o.revenue) AS revenue,
                       avg(o.revenue) AS revenue_mean, avg(o.orders) AS orders_mean,
                       median(o.aov)::DOUBLE AS aov_median
                FROM {run.t(seg.labels_table)} l LEFT JOIN {run.t("order_features")} o USING (customer_key)
                GROUP BY 1"""
        )
    }
    all_revenue = sum(float(r["revenue"] or 0) for r in money.values())
    all_buyers = sum(int(r["buyers"] or 0) for r in money.values())
    have = present(cells, voice.wrote)
    trait_lists = [defining_traits(cells, p, min_n=min_n, limit=max_traits) for p in range(seg.k)]
    names = name_personas(trait_lists)
    typed = [committee_type(run, p, int(seg.sizes[p]), min_n) if b2b else None for p in range(seg.k)]
    functions = [
        next((str(c["value"]) for c in cells_for(cells, p, "Job function", min_n=min_n)), None) for p in range(seg.k)
    ]
    by_role = name_b2b([(t[0] if t else None, f) for t, f in zip(typed, functions, strict=True)], trait_lists)
    for p, named in enumerate(by_role):
        if named is not None:
            names[p] = named
    before = seg.previous or {}
    for p in range(seg.k):  # a kept persona keeps its name while its traits still support every word
        old = before.get(persona_id(p, seg.ids))
        if (
            by_role[p] is None
            and old
            and still_fits(str(old.get("name") or ""), trait_lists[p], [n for i, (n, _) in enumerate(names) if i != p])
        ):
            names[p] = (str(old["name"]), names[p][1])
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
                "the committee role and the members' most common job function"
                if by_role[p] is not None
                else "adjectives from the top-ranked defining traits",
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
            "id": persona_id(p, seg.ids),
            "name": name,
            "size": size,
            "share": round(size / total, 4),
            "stability": round(float(seg.stability[p]), 3),
            "stability_band": stability_band(float(seg.stability[p])),
        }
        if seg.membership:
            persona["fit"] = _fit(seg.membership[p], names, min_n, seg.ids)
        m = money.get(p, {})
        buyers = int(m.get("buyers") or 0)
        typed_p = typed[p]
        if typed_p is not None:
            persona["committee_role"], ptype, mix, type_ev = typed_p
        else:
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
        fields, purpose_ev, purpose_missing = purpose_fields(voice, p)  # objections, labelled sentiment
        persona.update(fields)
        evidence.extend(purpose_ev)
        missing.update(purpose_missing)
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
        b2b_money: dict[str, Any] | None = (
            {"money": accounts.personas[p], "population": accounts.population, "drivers": accounts.drivers}
            if accounts is not None and p < len(accounts.personas)
            else None
        )
        persona["value"], value_ev = persona_value(p, m, all_revenue, value, b2b_money)
        if b2b_money is not None:
            persona["firmographics"] = b2b_money["money"]["firmographics"]
        evidence.extend(value_ev)
        if b2b:
            persona["committee"] = persona_committee(run, p, min_n, persona.get("committee_role"))
            if persona["committee"] is None:
                missing["committee"] = f"this persona's members belong to fewer than {min_n} accounts"
        old = before.get(persona["id"]) or {}
        persona["story"] = build_story(
            run, persona, cells, p, min_n=min_n, seed=seed, taken=taken, have=have, previous=old.get("story")
        )
        evidence.extend(
            {"field": f"story.{s['field']}", "claim": s["text"], **s["evidence"]} for s in persona["story"]["sentences"]
        )
        journey = journeys[p] if journeys is not None and p < len(journeys) else None
        figures = {
            "buyers": buyers,
            "aov_median": m.get("aov_median"),
            "revenue_per_customer": persona["value"].get("revenue_per_customer"),
            "orders_per_customer": persona["value"].get("orders_per_customer"),
            "population_revenue_per_customer": round(all_revenue / all_buyers, 2) if all_buyers else None,
        }
        persona["recommendations"], rec_ev = recommendations(
            persona, cells, p, min_n, journey, b2b=b2b, figures=figures, have=have
        )
        evidence.extend(rec_ev)
        persona["evidence"] = evidence
        persona["missing"] = prompted("persona", missing, have)
        out.append(persona)
    return out
