"""What to do per persona: messaging, channels, sales, product and onboarding fixes, retention plays.

Each action is a rule applied to evidence the persona carries, and cites it.

- **Messaging**: each pain or need theme maps to a value proposition (``PROPOSITIONS``: lack of
  time → speed and convenience, shipping costs → free or clear shipping …); over-represented
  survey goals are led with as they are.
- **Channels**: first-touch channels ranked by reach × affinity (share × lift), with the share
  of that channel's customers who went on to buy when the journey knows it.
- **Sales** (B2B: CRM roles or deals): talking points from goals, objection handling from the
  reasons their accounts' lost deals give (``objections``, :mod:`personacraft.text.objections`),
  and the committee types won accounts had more often than lost ones. Support tickets and chats
  are existing customers' problems, never sales objections; without lost-deal reasons the box
  says nothing about objections.
- **Product and onboarding**: fixes for pain themes, and for journey barriers where the persona
  abandons more than everyone (checkout, trial, onboarding, cart).
- **Retention** (customer success): saving a persona at risk (more so a valuable one), and getting
  ahead of the problems they raise in support tickets and chats.
- **Behaviour** (:mod:`personacraft.personas.plays`): with or without texts and surveys, plays read
  from order, discount, timing, device and basket traits that stand out (thresholds, VIP perks,
  send times, mobile checkout, win-back …), each citing its share, lift and n.

A box holds at most :data:`PER_FIELD` actions, those from texts and surveys first. A box left
empty says why in ``missing``; when a missing kind of source is the reason, the message is that
source's prompt (:mod:`personacraft.personas.prompts`).
"""

from __future__ import annotations

import re
from typing import Any

from personacraft.personas.plays import behaviour_plays
from personacraft.personas.prompts import prompted
from personacraft.personas.purpose import support_only, text_kinds
from personacraft.wording import channel_label, lift_words

NO_SALES = "no CRM deals or buying roles in the sources, so there is nothing to ground sales arguments on"
PER_FIELD = 4
FIELDS = ("messaging", "channels", "sales", "product", "retention")
# theme words -> (value proposition, product fix)
PROPOSITIONS: list[tuple[str, str, str]] = [
    (r"shipping cost|delivery (cost|fee)|free shipping", "free or clear shipping", "show shipping costs early"),
    (r"stock|sold out|sells out|restock", "availability", "restock faster and offer back-in-stock alerts"),
    (r"packag|plastic|recycl|waste", "sustainable packaging", "switch to recyclable, plastic-free packaging"),
    (r"discount|coupon|promo|code", "deals that just work", "make discount codes work at checkout"),
    (r"price|expensive|cost|bargain|renewal|too high", "value for money", "make pricing and plans clearer"),
    (r"deliver|shipping|arrived|late|took", "fast, on-time delivery", "shorten delivery times"),
    (r"size|sizing|fit|too small|too big", "fit you can trust", "fix the size chart and add fit guidance"),
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
# what a lost-deal reason asks the seller to bring (before the value propositions above are tried)
ANSWERS: list[tuple[str, str]] = [
    (r"competitor|instead|bake-off|cheaper option|went with", "a side-by-side comparison on their own workflow"),
    (r"spreadsheet|excel|manual", "the hours a month it saves over spreadsheets"),
    (r"budget|funding|fiscal", "a phased start that fits this year's budget"),
    (r"went dark|went quiet|stopped replying|no decision|champion left", "a second contact and a mutual close plan"),
]
SUPPORT_WORDS = {"chat": "support chats", "ticket": "support tickets"}
ORDINALS = ("first", "second", "third", "fourth")
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


def objection_answer(x: dict[str, Any]) -> str:
    """What to bring to a lost-deal objection: a seller's answer, else the value proposition of its words."""
    words = " ".join([x["label"], *x.get("keywords", [])])
    found = next((a for pattern, a in ANSWERS if re.search(pattern, words, re.I)), None)
    return found or (theme_proposition(x) or ("a concrete answer with proof",))[0]


def theme_proposition(x: dict[str, Any]) -> tuple[str, str] | None:
    """A theme's proposition: read from its label first, from its keywords only when the label names none."""
    return proposition(x["label"]) or proposition(" ".join(x.get("keywords", [])))


def _facts(x: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in x.items() if k != "quotes"}


def recommendations(
    persona: dict[str, Any],
    cells: list[dict[str, Any]],
    p: int,
    min_n: int,
    journey: dict[str, Any] | None = None,
    b2b: bool = False,
    figures: dict[str, Any] | None = None,
    have: frozenset[str] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``recommendations`` block (see the module doc) and its evidence entries.

    ``figures``: the persona's value figures the behaviour plays cite (see
    :func:`~personacraft.personas.plays.behaviour_plays`); ``have``: the kinds of source the
    build had (:func:`~personacraft.personas.prompts.present`), for the prompts of empty boxes.
    """
    methods: dict[int, str] = {}

    def rec(text: str, field: str, facts: list[dict[str, Any]], method: str = "rule on the evidence shown") -> dict:
        item = {"text": text, "evidence": facts}
        methods[id(item)] = method
        return item

    pains = persona.get("pain_points") or []
    needs = persona.get("needs") or []
    goals = [g for g in persona.get("goals") or [] if g["lift"] >= 1.1]
    boxes: dict[str, list[dict[str, Any]]] = {f: [] for f in FIELDS}
    reasons: dict[str, str] = {}
    # messaging: one action per proposition, citing every theme it answers; in B2B not from support tickets and
    # chats alone (existing users' problems go to customer success and product, below)
    by_prop: dict[str, list[dict[str, Any]]] = {}
    for x in [x for x in pains + needs if not (b2b and support_only(x))][:4]:
        found = theme_proposition(x)
        if found:
            by_prop.setdefault(found[0], []).append(x)
    for prop, themes in list(by_prop.items())[:3]:
        said = " and ".join(
            f"\u201c{x['label']}\u201d ({_pct(x['share'])} of those who wrote, {lift_words(x['lift'])})" for x in themes
        )
        boxes["messaging"].append(
            rec(
                f"Answer {said} with {prop}.",
                "messaging",
                [_facts(x) for x in themes],
                "pain or need theme mapped to a value proposition (docs/personas.md)",
            )
        )
    for x, w in [(pain, w) for pain in pains for w in pain.get("where_they_are_weak") or []][:2]:
        boxes["messaging"].append(  # a competitor is weak where this persona hurts (docs/competitors.md)
            rec(
                f"Where {w['brand']} is weak: \u201c{w['label']}\u201d is in {_pct(w['share'])} of {w['brand']}'s "
                f"reviews against {_pct(w['our_share'])} of ours, and this persona feels it ({_pct(x['share'])} "
                f"of those who wrote, {lift_words(x['lift'])}): show how we do better.",
                "messaging",
                [{**_facts(x), "competitor": w}],
                "competitor weak point on a pain of the persona (docs/competitors.md)",
            )
        )
    for g in goals[:2]:
        boxes["messaging"].append(
            rec(
                f"Lead with \u201c{g['goal']}\u201d: {_pct(g['share'])} of surveyed members name it "
                f"({lift_words(g['lift'])}, n = {g['n']:,}).",
                "messaging",
                [g],
            )
        )
    reasons["messaging"] = "no pain, need, survey goal or buying habit stands out for this persona"
    # channels: reach x affinity, and conversion from the journey
    conversion = {c["channel"]: c.get("conversion") for c in (journey or {}).get("first_touch", [])}
    ranked = sorted(persona.get("channels") or [], key=lambda c: (-(c["share"] * c["lift"]), c["channel"]))
    for c in ranked[:3]:
        if c["lift"] < 1.0:
            continue
        conv = conversion.get(c["channel"])
        tail = f"; {_pct(conv)} of them went on to buy" if conv is not None and conv < 0.995 else ""
        boxes["channels"].append(
            rec(
                f"Reach them on {channel_label(c['channel'])}: {_pct(c['share'])} first came this way "
                f"({lift_words(c['lift'])}){tail}.",
                "channels",
                [c],
                "first-touch channels ranked by share × lift",
            )
        )
    reasons["channels"] = "no channel, shopping time or season reaches this persona more than the average"
    # sales (B2B)
    if b2b:
        boxes["sales"] = [
            rec(f"Talk about \u201c{g['goal']}\u201d: it matters to {_pct(g['share'])} of them.", "sales", [g])
            for g in goals[:1]
        ]
        # objections from lost deals only, never from support texts; one action per answer, citing each
        by_answer: dict[str, list[dict[str, Any]]] = {}
        for x in persona.get("objections") or []:
            by_answer.setdefault(objection_answer(x), []).append(x)
        for answer, group in list(by_answer.items())[:2]:
            heard = " or ".join(f"\u201c{x['label']}\u201d" for x in group)
            each = [
                f"{x['n']:,} give the {ORDINALS[i]} ({_pct(x['share'])}, {lift_words(x['lift'])})"
                for i, x in enumerate(group)
            ]
            counts = (
                f"{group[0]['n']:,} of their accounts' {group[0]['n_known']:,} lost deals with a reason give it "
                f"({_pct(group[0]['share'])}, {lift_words(group[0]['lift'])})"
                if len(group) == 1
                else f"of their accounts' {group[0]['n_known']:,} lost deals with a reason, "
                + ", ".join(each[:-1])
                + f" and {each[-1]}"
            )
            boxes["sales"].append(
                rec(
                    f"When they object {heard}, bring {answer}: {counts}.",
                    "sales",
                    [_facts(x) for x in group],
                    "objection handling from the reasons recorded on the persona's accounts' lost deals",
                )
            )
        committee = persona.get("committee") or {}
        for g in (committee.get("won_vs_lost") or [])[:1]:
            if g["lift"] and g["lift"] >= 1.2:
                boxes["sales"].append(
                    rec(
                        f"Bring a {g['type'].replace('_', ' ')} into the deal: won accounts had one in "
                        f"{_pct(g['won_share'])} of cases, lost ones in {_pct(g['lost_share'])}.",
                        "sales",
                        [g],
                        "types present in won accounts against lost accounts",
                    )
                )
        reasons["sales"] = "no goal, lost-deal reason or committee gap to ground a sales argument for this persona"
    else:
        reasons["sales"] = NO_SALES
    # product and onboarding
    by_fix: dict[str, list[dict[str, Any]]] = {}
    for x in pains[:3]:
        found = theme_proposition(x)
        by_fix.setdefault(found[1] if found else f"fix \u201c{x['label']}\u201d", []).append(x)
    for fix, themes in list(by_fix.items())[:2]:
        said = " and ".join(
            f"\u201c{x['label']}\u201d ({_pct(x['share'])} of members who wrote, {lift_words(x['lift'])})"
            for x in themes
        )
        boxes["product"].append(
            rec(
                f"{fix[0].upper() + fix[1:]}: they raise {said}.",
                "product",
                [_facts(x) for x in themes],
                "pain theme mapped to a product fix",
            )
        )
    for a in (journey or {}).get("abandonment", []):
        if a.get("lift") and a["lift"] >= 1.2 and a.get("rate") is not None:
            boxes["product"].append(
                rec(
                    f"{ABANDONMENT_FIXES[a['step']].capitalize()}: {_pct(a['rate'])} of their {a['step']} starts "
                    f"stop there, against {_pct(a['population_rate'])} overall.",
                    "product",
                    [{k: a[k] for k in ("step", "stage", "rate", "population_rate", "lift", "abandoned", "customers")}],
                    "journey abandonment above everyone's",
                )
            )
    reasons["product"] = "no pain point, journey barrier or basket habit found for this persona"
    # retention
    value = persona.get("value") or {}
    churn = value.get("account_churn") or {}
    if value.get("at_risk") and churn.get("rate") is not None:
        where = (
            "the accounts where they sign, decide alone or are the only hands-on user"
            if churn.get("basis") == "own"
            else "their accounts"
        )
        drivers = churn.get("drivers") or []
        boxes["retention"].append(
            rec(
                f"Protect {where}: {churn['churned']} of {churn['accounts']} cancelled "
                f"({_pct(churn['rate'])}, against {_pct(churn['population']['rate'] or 0)} of all accounts)"
                + (f". {drivers[0]}" if drivers else "."),
                "retention",
                [{k: churn[k] for k in ("accounts", "churned", "rate", "basis")}],
                "observed cancellations of the persona's accounts against all accounts (Fisher's exact test)",
            )
        )
    elif value.get("at_risk"):
        what = "a valuable persona" if value.get("most_valuable") else "members"
        drivers = ", ".join(d.get("label", d.get("feature", "")) for d in (value.get("churn_drivers") or [])[:2])
        boxes["retention"].append(
            rec(
                f"Retain {what} before they go: churn risk {_pct(value['churn_risk'])} over the "
                f"{value.get('horizon') or 'next 12 months'}, well above the average"
                + (f" (n = {value['clv_customers']:,})" if isinstance(value.get("clv_customers"), int) else "")
                + (f"; act on what drives it ({drivers})." if drivers else "."),
                "retention",
                [{"feature": "churn_risk", "value": value["churn_risk"], "n": value.get("clv_customers")}],
            )
        )
    # customer success: get ahead of what they raise in support tickets and chats
    for x in [x for x in pains if set(text_kinds(x)) & set(SUPPORT_WORDS)][:2]:
        where = " and ".join(SUPPORT_WORDS[k] for k in sorted(set(text_kinds(x)) & set(SUPPORT_WORDS)))
        boxes["retention"].append(
            rec(
                f"Customer success: get ahead of \u201c{x['label']}\u201d with a check-in and a known workaround "
                f"before they have to ask: {_pct(x['share'])} of those who wrote raise it in {where} "
                f"({lift_words(x['lift'])}, n = {x['n']:,}).",
                "retention",
                [_facts(x)],
                "a pain theme from support tickets or chats, for customer success",
            )
        )
    reasons["retention"] = (
        "no lapsed, one-time, loyal or big-basket habit stands out, and churn risk is not high"
        if value.get("churn_risk") is not None or churn.get("rate") is not None
        else "no lapsed, one-time, loyal or big-basket habit stands out; churn risk is unknown ("
        + str((value.get("missing") or {}).get("churn_risk") or "no churn estimate")
        + ")"
    )
    # behaviour: after what the customers said, within each box's room
    for field, items in behaviour_plays(cells, p, min_n, figures or {}, rec).items():
        boxes[field].extend(items)
    recs: dict[str, Any] = {}
    ev: list[dict[str, Any]] = []
    missing: dict[str, str] = {}
    for field in FIELDS:
        kept = boxes[field][:PER_FIELD]
        recs[field] = kept or None
        if not kept:
            missing[field] = reasons[field]
        ev.extend(
            {"field": f"recommendations.{field}", "claim": r["text"], "method": methods[id(r)], "facts": r["evidence"]}
            for r in kept
        )
    recs["missing"] = prompted("recommendations", missing, have) if have is not None else missing
    return recs, ev
