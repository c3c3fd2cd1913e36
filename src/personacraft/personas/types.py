"""Persona types (buyer, decision-maker, influencer, end user, mixed) and B2B buying committees.

**In B2B** (contacts of accounts), a persona's type is its **committee role**
(:mod:`personacraft.features.roles`, the same rule that types every contact of
``committees.csv`` and ``accounts.csv``): the role of at least 60 % of its members with one
(CRM-confirmed, else inferred from the title), else ``mixed``. The role maps onto the
contract's four types; a technical evaluator is an end user when its members use the product as
much as the hands-on users do (median product actions at least theirs), else an influencer.

Elsewhere, a persona's type comes from, in order of trust:

1. **CRM buying roles** (HubSpot Buying Role, Salesforce OpportunityContactRole), when at
   least 30 % of members (and ``min_n``) have one;
2. **job titles**, parsed into seniority and function (executives and directors decide,
   procurement buys, managers influence, individual contributors use), when as many have one;
3. **behaviour**: in B2B, people who use the product without paying are end users and people
   who pay without using it are buyers; in a shop, people who place orders are buyers.

One type takes the persona when it holds at least 60 % of the mix, else it is ``mixed``
(with the mix). Every signal found is kept in the evidence.

The persona's place in the buying committee is :mod:`personacraft.personas.committee`.
"""

from __future__ import annotations

from typing import Any

from personacraft.features.roles import CRM_ROLES, PERSONA_TYPES, ROLE_LABELS
from personacraft.segment.profile import cell_facts, cells_for
from personacraft.store import Run

TYPES = ("buyer", "decision_maker", "influencer", "end_user")
# CRM buying roles (HubSpot Buying Role, Salesforce contact roles) -> persona types
ROLE_TYPES: dict[str, str] = {role: PERSONA_TYPES[r] for role, r in CRM_ROLES.items()}
# job title seniority (features/sql.py PEOPLE) -> type; procurement buys at any level
SENIORITY_TYPES = {
    "executive": "decision_maker",
    "director": "decision_maker",
    "manager": "influencer",
    "individual contributor": "end_user",
}
DOMINANT = 0.6


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _mix(cells: list[dict[str, Any]], mapping: dict[str, str], known: int) -> dict[str, float]:
    mix: dict[str, float] = {}
    for c in cells:
        t = mapping.get(str(c["value"]).strip().lower(), "influencer")
        mix[t] = round(mix.get(t, 0.0) + int(c["n"]) / known, 4)
    return mix


def persona_type(
    cells: list[dict[str, Any]], p: int, size: int, buyers: int, min_n: int
) -> tuple[str, dict[str, float], dict[str, Any]]:
    """The persona's type, its mix, and the evidence (every signal found)."""
    enough = max(min_n, 0.3 * size)
    signals: dict[str, Any] = {}
    facts: list[dict[str, Any]] = []
    chosen: tuple[str, dict[str, float]] | None = None
    roles = [c for c in cells if c["persona"] == p and c["feature"] == "Buying role"]
    known = max((int(c["n_known"]) for c in roles), default=0)
    if known >= enough:
        mix = _mix(roles, ROLE_TYPES, known)
        signals["crm_buying_roles"] = {"mix": mix, "n": known}
        facts += [cell_facts(c) for c in roles if c["n"] >= min_n]
        chosen = ("CRM buying roles", mix)
    seniority = [c for c in cells if c["persona"] == p and c["feature"] == "Seniority"]
    procurement = next(
        (c for c in cells_for(cells, p, "Job function", min_n=0) if str(c["value"]) == "procurement"), None
    )
    known_titles = max((int(c["n_known"]) for c in seniority), default=0)
    if known_titles >= enough:
        mix = _mix(seniority, SENIORITY_TYPES, known_titles)
        if procurement is not None:  # procurement buys, whatever the level
            moved = int(procurement["n"]) / known_titles
            for t in list(mix):
                mix[t] = round(max(0.0, mix[t] - moved * mix[t]), 4)
            mix["buyer"] = round(mix.get("buyer", 0.0) + moved, 4)
        signals["job_titles"] = {"mix": mix, "n": known_titles}
        facts += [cell_facts(c) for c in seniority if c["n"] >= min_n]
        if chosen is None:
            chosen = ("job titles", mix)
    use = sum(int(c["n"]) for c in cells_for(cells, p, "Product use", min_n=0))
    pay = sum(int(c["n"]) for c in cells_for(cells, p, "Billing", min_n=0))
    if use or pay:
        signals["behaviour"] = {"use_the_product": round(use / size, 4), "pay": round(pay / size, 4), "n": size}
        if chosen is None and max(use, pay) >= min_n:
            mix = {"end_user": round(use / size, 4), "buyer": round(pay / size, 4)}
            chosen = ("who uses the product and who pays", mix)
    if chosen is None:
        share = buyers / size if size else 0.0
        signals["orders"] = {"share_with_orders": round(share, 4), "n": size}
        mix = {"buyer": round(share, 4), "unknown": round(1 - share, 4)}
        ptype = "buyer" if share >= 0.9 else "mixed"
        claim = f"{_pct(share)} of members placed orders themselves; no CRM roles or job titles for enough members."
        return ptype, mix, _ev(claim, facts, signals, "share of members with at least one order")
    source, mix = chosen
    top = max(mix, key=lambda t: (mix[t], t))
    ptype = top if mix[top] >= DOMINANT else "mixed"
    claim = f"From {source}: {_pct(mix[top])} of members are {top.replace('_', ' ')}s" + (
        "." if ptype != "mixed" else f", under {_pct(DOMINANT)}: mixed."
    )
    return ptype, mix, _ev(claim, facts, signals, f"{source}, mapped to types (docs/personas.md)")


def committee_type(run: Run, p: int, size: int, min_n: int) -> tuple[str, str, dict[str, float], dict[str, Any]] | None:
    """B2B: persona ``p``'s committee role, its contract type, the role mix and the evidence; None when too few
    members have a role (the committee table: one row per contact of an account)."""
    t = run.t
    rows = run.dicts(
        f"""SELECT c.role, count(*) AS n, count(*) FILTER (WHERE c.confirmed) AS confirmed
            FROM {t("committee")} c JOIN {t("labels")} l USING (customer_key)
            WHERE l.persona = {int(p)} AND c.role IS NOT NULL GROUP BY 1 ORDER BY 1"""
    )
    known = sum(int(r["n"]) for r in rows)
    if known < max(min_n, 0.3 * size):
        return None
    mix = {str(r["role"]): round(int(r["n"]) / known, 4) for r in rows}
    top = max(mix, key=lambda r: (mix[r], r))
    role = top if mix[top] >= DOMINANT else "mixed"
    ptype = PERSONA_TYPES.get(role, "mixed")
    signals: dict[str, Any] = {
        "committee_roles": {"mix": mix, "n": known, "confirmed": sum(int(r["confirmed"]) for r in rows)}
    }
    why = ""
    if role == "technical_evaluator":
        use = run.dicts(
            f"""WITH acts AS (
                    SELECT c.customer_key, c.role, l.persona, coalesce(sum(a.n), 0) AS actions
                    FROM {t("committee")} c JOIN {t("labels")} l USING (customer_key)
                    LEFT JOIN {t("activity")} a USING (customer_key) GROUP BY 1, 2, 3)
                SELECT median(actions) FILTER (WHERE persona = {int(p)})::DOUBLE AS mine,
                       median(actions) FILTER (WHERE role = 'end_user')::DOUBLE AS hands_on FROM acts"""
        )[0]
        mine, hands_on = use["mine"] or 0.0, use["hands_on"]
        ptype = "end_user" if hands_on is not None and mine >= hands_on else "influencer"
        signals["product_actions"] = {"median": mine, "hands_on_median": hands_on}
        why = (
            f" Their median of {mine:g} product actions is "
            + ("at least" if ptype == "end_user" else "under")
            + f" the hands-on users' {hands_on or 0:g}, so they count as "
            + ("end users." if ptype == "end_user" else "influencers.")
        )
    said = ROLE_LABELS.get(role, role)
    claim = (
        f"{_pct(mix[top])} of members with a known role are {said}s (CRM buying roles, else job titles).{why}"
        if role != "mixed"
        else f"No committee role holds {_pct(DOMINANT)} of members (the largest: {ROLE_LABELS.get(top, top)}, "
        f"{_pct(mix[top])}): mixed."
    )
    return role, ptype, mix, _ev(claim, [], signals, "committee roles of the members (docs/accounts.md)")


def _ev(claim: str, facts: list[dict[str, Any]], signals: dict[str, Any], method: str) -> dict[str, Any]:
    return {"field": "persona_type", "claim": claim, "method": method, "facts": facts, "signals": signals}
