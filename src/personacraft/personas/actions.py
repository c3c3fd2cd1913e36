"""What to do per persona: messaging, channels, sales, product and onboarding fixes, retention plays.

Each action is a rule applied to evidence the persona carries, and cites it.

- **Messaging**: each pain or need theme maps to a value proposition (``PROPOSITIONS``: lack of
  time → speed and convenience, shipping costs → free or clear shipping …); over-represented
  survey goals are led with as they are.
- **Channels**: first-touch channels ranked by reach × affinity (share × lift), with the share
  of that channel's customers who went on to buy when the journey knows it.
- **Sales** (B2B: CRM roles or deals): talking points from goals, objection handling from pain
  themes, and the committee types won accounts had more often than lost ones.
- **Product and onboarding**: fixes for pain themes, and for journey barriers where the persona
  abandons more than everyone (checkout, trial, onboarding, cart).
- **Retention**: win-back of lapsed members, and saving a persona at risk (more so a valuable one).
"""

from __future__ import annotations

import re
from typing import Any

from personacraft.segment.profile import cell_facts, cells_for

NO_SALES = "no CRM deals or buying roles in the sources, so there is nothing to ground sales arguments on"
# theme words -> (value proposition, product fix)
PROPOSITIONS: list[tuple[str, str, str]] = [
    (r"shipping cost|delivery (cost|fee)|free shipping", "free or clear shipping", "show shipping costs early"),
    (r"discount|coupon|promo|code", "deals that just work", "make discount codes work at checkout"),
    (r"price|expensive|cost|bargain|renewal|too high", "value for money", "make pricing and plans clearer"),
    (r"deliver|shipping|arrived|late|took", "fast, on-time delivery", "shorten delivery times"),
    (r"size|sizing|fit|too small|too big", "fit you can trust", "fix the size chart and add fit guidance"),
    (r"stock|sold out|sells out|restock", "availability", "restock faster and offer back-in-stock alerts"),
    (r"packag|plastic|recycl|waste", "sustainable packaging", "switch to recyclable, plastic-free packaging"),
    (r"quality|broke|broken|lasts|durable|cheap", "quality that lasts", "raise the quality bar of the range"),
    (
        r"integrat|sync|netsuite|xero|quickbooks|disconnect|api|rate limit",
        "works with the tools you already use",
        "stabilise the integrations and raise the API limits",
    ),
    (r"sso|saml|okta|secur|password|login|sign-on", "security without friction", "make SSO and login self-serve"),
    (r"invoice|billed|billing|vat|refund|charge", "billing you can trust", "fix invoicing errors"),
    (r"slow|times out|lag|loading|wait", "speed when it matters", "make the slow pages and exports fast"),
    (r"export|report|reconcil|crash|bug|error|fail", "reliable at the busiest moment", "fix the failing workflows"),
]
ABANDONMENT_FIXES = {
    "checkout": "simplify checkout and show the full cost before it",
    "cart": "remind and save carts left behind",
    "trial": "guide trials to their first value before they end",
    "onboarding": "get new users to first use with a guided setup",
}


def _pct(x: float) -> str:
    return f"{x:.0%}"


def proposition(text: str) -> tuple[str, str] | None:
    """(value proposition, product fix) for a theme's words, or None."""
    for pattern, prop, fix in PROPOSITIONS:
        if re.search(pattern, text, re.I):
            return prop, fix
    return None


def _theme_text(x: dict[str, Any]) -> str:
    return " ".join([x["label"], *x.get("keywords", [])])


def _facts(x: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in x.items() if k != "quotes"}


def recommendations(
    persona: dict[str, Any],
    cells: list[dict[str, Any]],
    p: int,
    min_n: int,
    journey: dict[str, Any] | None = None,
    b2b: bool = False,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``recommendations`` block (see the module doc) and its evidence entries."""
    recs: dict[str, Any] = {"missing": {}}
    ev: list[dict[str, Any]] = []

    def rec(text: str, field: str, facts: list[dict[str, Any]], method: str = "rule on the evidence shown") -> dict:
        ev.append({"field": f"recommendations.{field}", "claim": text, "method": method, "facts": facts})
        return {"text": text, "evidence": facts}

    pains = persona.get("pain_points") or []
    needs = persona.get("needs") or []
    goals = [g for g in persona.get("goals") or [] if g["lift"] >= 1.1]
    # messaging
    messaging = []
    for x in (pains + needs)[:3]:
        found = proposition(_theme_text(x))
        if found:
            messaging.append(
                rec(
                    f"Answer \u201c{x['label']}\u201d with {found[0]}: {_pct(x['share'])} of those who wrote raise it "
                    f"({x['lift']:.1f}× the average).",
                    "messaging",
                    [_facts(x)],
                    "pain or need theme mapped to a value proposition (docs/personas.md)",
                )
            )
    for g in goals[:2]:
        messaging.append(
            rec(
                f"Lead with \u201c{g['goal']}\u201d: {_pct(g['share'])} of surveyed members name it "
                f"({g['lift']:.1f}× the average).",
                "messaging",
                [g],
            )
        )
    recs["messaging"] = messaging or None
    if not messaging:
        recs["missing"]["messaging"] = "no pain, need or survey goal is over-represented among enough members"
    # channels: reach x affinity, and conversion from the journey
    conversion = {c["channel"]: c.get("conversion") for c in (journey or {}).get("first_touch", [])}
    ranked = sorted(persona.get("channels") or [], key=lambda c: (-(c["share"] * c["lift"]), c["channel"]))
    channels = []
    for c in ranked[:3]:
        if c["lift"] < 1.0:
            continue
        conv = conversion.get(c["channel"])
        tail = f"; {_pct(conv)} of them went on to buy" if conv is not None and conv < 0.995 else ""
        channels.append(
            rec(
                f"Reach them on {c['channel']}: {_pct(c['share'])} first came this way "
                f"({c['lift']:.1f}× the average){tail}.",
                "channels",
                [c],
                "first-touch channels ranked by share × lift",
            )
        )
    recs["channels"] = channels or None
    if not channels:
        recs["missing"]["channels"] = "no channel reaches this persona more than the average"
    # sales (B2B)
    if b2b:
        sales = [
            rec(f"Talk about \u201c{g['goal']}\u201d: it matters to {_pct(g['share'])} of them.", "sales", [g])
            for g in goals[:1]
        ]
        for x in pains[:2]:
            found = proposition(_theme_text(x))
            answer = found[0] if found else "a concrete fix and its date"
            sales.append(
                rec(
                    f"When they object \u201c{x['label']}\u201d, answer with {answer} "
                    f"({_pct(x['share'])} of them raise it).",
                    "sales",
                    [_facts(x)],
                    "objection handling from a pain theme",
                )
            )
        committee = persona.get("committee") or {}
        for g in (committee.get("won_vs_lost") or [])[:1]:
            if g["lift"] and g["lift"] >= 1.2:
                sales.append(
                    rec(
                        f"Bring a {g['type'].replace('_', ' ')} into the deal: won accounts had one in "
                        f"{_pct(g['won_share'])} of cases, lost ones in {_pct(g['lost_share'])}.",
                        "sales",
                        [g],
                        "types present in won accounts against lost accounts",
                    )
                )
        recs["sales"] = sales or None
        if not sales:
            recs["missing"]["sales"] = "no goal, pain or committee gap to ground a sales argument for this persona"
    else:
        recs["sales"] = None
        recs["missing"]["sales"] = NO_SALES
    # product and onboarding
    product = []
    for x in pains[:2]:
        found = proposition(_theme_text(x))
        fix = found[1] if found else f"fix \u201c{x['label']}\u201d"
        product.append(
            rec(
                f"{fix[0].upper() + fix[1:]}: \u201c{x['label']}\u201d is raised by {_pct(x['share'])} of members "
                f"who wrote ({x['lift']:.1f}× the average).",
                "product",
                [_facts(x)],
                "pain theme mapped to a product fix",
            )
        )
    for a in (journey or {}).get("abandonment", []):
        if a.get("lift") and a["lift"] >= 1.2 and a.get("rate") is not None:
            product.append(
                rec(
                    f"{ABANDONMENT_FIXES[a['step']].capitalize()}: {_pct(a['rate'])} of their {a['step']} starts "
                    f"stop there, against {_pct(a['population_rate'])} overall.",
                    "product",
                    [{k: a[k] for k in ("step", "stage", "rate", "population_rate", "lift", "abandoned", "customers")}],
                    "journey abandonment above everyone's",
                )
            )
    recs["product"] = product or None
    if not product:
        recs["missing"]["product"] = "no pain point or journey barrier found for this persona"
    # retention
    retention = []
    lapsed = [c for c in cells_for(cells, p, "Recency", min_n=min_n) if "over a year" in str(c["value"])]
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
        what = "a valuable persona" if value.get("most_valuable") else "members"
        drivers = ", ".join(d.get("label", d.get("feature", "")) for d in (value.get("churn_drivers") or [])[:2])
        retention.append(
            rec(
                f"Retain {what} before they go: churn risk {_pct(value['churn_risk'])}, well above the average"
                + (f"; act on what drives it ({drivers})." if drivers else "."),
                "retention",
                [{"feature": "churn_risk", "value": value["churn_risk"], "n": value.get("clv_customers")}],
            )
        )
    recs["retention"] = retention or None
    if not retention:
        recs["missing"]["retention"] = "fewer than 20 % of members are lapsed and churn risk is not above average"
    return recs, ev
