"""Persona types (buyer, decision-maker, influencer, end user, mixed) and B2B buying committees.

A persona's type comes from, in order of trust:

1. **CRM buying roles** (HubSpot Buying Role, Salesforce OpportunityContactRole), when at
   least 30 % of members (and ``min_n``) have one;
2. **job titles**, parsed into seniority and function (executives and directors decide,
   procurement buys, managers influence, individual contributors use), when as many have one;
3. **behaviour**: in B2B, people who use the product without paying are end users and people
   who pay without using it are buyers; in a shop, people who place orders are buyers.

One type takes the persona when it holds at least 60 % of the mix, else it is ``mixed``
(with the mix). Every signal found is kept in the evidence.

The **buying committee** (B2B) is read per account (``COMMITTEE`` in features/sql.py): the
types present among its contacts, who pays, who uses the product, and whether the account won
a deal. For each persona: its members' accounts, the types present there, who signs and who
uses, and which types the won accounts had more often than the lost ones.
"""

from __future__ import annotations

from typing import Any

from personacraft.features import paid_subscriptions, sql
from personacraft.segment.profile import cell_facts, cells_for
from personacraft.store import Run

TYPES = ("buyer", "decision_maker", "influencer", "end_user")
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


def _ev(claim: str, facts: list[dict[str, Any]], signals: dict[str, Any], method: str) -> dict[str, Any]:
    return {"field": "persona_type", "claim": claim, "method": method, "facts": facts, "signals": signals}


def role_type_sql(column: str) -> str:
    """SQL: the persona type of a lower-case buying role ``column`` (NULL when unknown)."""
    whens = " ".join(f"WHEN '{role}' THEN '{t}'" for role, t in ROLE_TYPES.items())
    return f"CASE {column} {whens} END"


def title_type_sql(seniority: str, function: str) -> str:
    """SQL: the persona type of a job title from its ``seniority`` and ``function`` columns
    (:data:`SENIORITY_TYPES`); those who decide keep that type in procurement, where everyone
    else buys."""
    deciders = ", ".join(f"'{s}'" for s, t in SENIORITY_TYPES.items() if t == "decision_maker")
    rest = " ".join(f"WHEN {seniority} = '{s}' THEN '{t}'" for s, t in SENIORITY_TYPES.items() if t != "decision_maker")
    return (
        f"CASE WHEN {seniority} IN ({deciders}) THEN 'decision_maker' "
        f"WHEN {function} = 'procurement' THEN 'buyer' {rest} END"
    )


def build_committees(run: Run) -> bool:
    """Write ``committee`` (one row per contact of an account); False when there are no accounts."""
    if not run.scalar(f"SELECT count(*) FROM {run.t('people')} WHERE account_id IS NOT NULL"):
        return False
    run.execute(
        sql.COMMITTEE.format(
            out=run.t("committee"),
            people=run.t("people"),
            deals=run.t("deals"),
            subscriptions=paid_subscriptions(run),
            activity=run.t("activity"),
            role_type=role_type_sql("r"),
            title_type=title_type_sql("p.seniority", "p.job_function"),
        )
    )
    return True


def persona_committee(run: Run, p: int, min_n: int) -> dict[str, Any] | None:
    """The buying committee of the accounts persona ``p``'s members belong to (None without accounts)."""
    t = run.t
    accounts = f"""(SELECT DISTINCT c.account_id FROM {t("committee")} c JOIN {t("labels")} l USING (customer_key)
                    WHERE l.persona = {int(p)})"""
    n_acc = int(run.scalar(f"SELECT count(*) FROM {accounts}") or 0)
    if n_acc < min_n:
        return None
    present = dict(
        run.execute(
            f"""SELECT type, count(DISTINCT account_id) FROM {t("committee")}
                WHERE account_id IN {accounts} AND type IS NOT NULL GROUP BY 1"""
        ).fetchall()
    )

    def who(flag: str) -> dict[str, Any]:
        rows = dict(
            run.execute(
                f"""SELECT type, count(*) FROM {t("committee")}
                    WHERE account_id IN {accounts} AND {flag} AND type IS NOT NULL GROUP BY 1"""
            ).fetchall()
        )
        total = sum(rows.values())
        if total < min_n:
            return {"n": total, "types": None, "reason": f"fewer than {min_n} contacts"}
        return {"n": total, "types": {k: round(v / total, 4) for k, v in sorted(rows.items()) if v >= min_n}}

    won = dict(
        run.execute(
            f"""SELECT won, count(DISTINCT account_id) FROM {t("committee")}
                WHERE account_id IN {accounts} AND won IS NOT NULL GROUP BY 1"""
        ).fetchall()
    )
    gap: list[dict[str, Any]] = []
    if won.get(True, 0) >= min_n and won.get(False, 0) >= min_n:
        rows = run.execute(
            f"""SELECT type, count(DISTINCT account_id) FILTER (WHERE won),
                       count(DISTINCT account_id) FILTER (WHERE NOT won)
                FROM {t("committee")} WHERE account_id IN {accounts} AND type IS NOT NULL AND won IS NOT NULL
                GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        for typ, n_won, n_lost in rows:
            s_won, s_lost = n_won / won[True], n_lost / won[False]
            if n_won < min_n:
                continue
            gap.append(
                {
                    "type": typ,
                    "won_share": round(s_won, 4),
                    "lost_share": round(s_lost, 4),
                    "lift": round(s_won / s_lost, 3) if s_lost else None,
                    "n_won": int(n_won),
                    "n_lost": int(n_lost),
                }
            )
        gap.sort(key=lambda g: (-(g["won_share"] - g["lost_share"]), g["type"]))
    return {
        "accounts": n_acc,
        "types_present": {k: round(v / n_acc, 4) for k, v in sorted(present.items()) if v >= min_n},
        "signs": who("pays"),
        "uses": who("uses"),
        "won_accounts": int(won.get(True, 0)),
        "lost_accounts": int(won.get(False, 0)),
        "won_vs_lost": gap or None,
        "method": "contacts of the accounts this persona's members belong to; a type is present in an account "
        "when one of its contacts has it; signs = contacts who pay a subscription; uses = contacts with product "
        "actions; won vs lost = share of won (lost) accounts where the type is present",
    }
