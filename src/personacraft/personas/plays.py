"""Actions from behaviour alone: plays read from order, discount, timing, device and basket traits.

With only a shop's customers and orders there are no texts or surveys to read pains and goals
from, yet behaviour says a lot. Each play is a rule on one profile cell of the persona (a
feature and value of :mod:`personacraft.features.sql`'s ``ATTRIBUTES``) and fires only when
that cell is **published and stands out**: n >= the minimum group, adjusted p < 0.05, and the
share and lift of :data:`PLAYS` (share >= 30-50 %, lift >= 1.3-1.5 as listed there), so a play
is never generic advice. Every play cites its share, lift and n, and some a value figure
(median order, revenue per customer against everyone's):

- **code users** (a code on most orders): a free-shipping threshold just above their median
  order (rounded up from 1.2 × the median to the next 5), and lead with the saving;
- **occasional code users**: codes as a nudge with a reason, not always on;
- **full-price buyers** (never a code): lead with quality and range, keep codes away;
- **small baskets** (without heavy code use): bundles that lift an order past the band;
- **big baskets**: VIP perks, with their revenue per customer against everyone's;
- **evening, night, morning or afternoon shoppers**: send times, with the weekday or weekend;
- **holiday or summer buyers**: when to start campaigns and what to lead with;
- **mobile shoppers** (web analytics): a mobile-first checkout;
- **favourite product**: bundles and recommendations around it;
- **one-time buyers**: a second-order offer; **frequent buyers**: a loyalty reward;
- **lapsed** (last bought over a year ago): win-back; **cooling** (91 to 365 days): a nudge
  before they lapse.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from personacraft.segment.profile import ALPHA, cell_facts

Cell = dict[str, Any]
Rec = Callable[[str, str, list[dict[str, Any]], str], dict[str, Any]]


@dataclass(frozen=True)
class Play:
    """A behaviour rule: the feature, a word of the value, and the share and lift it needs to fire."""

    key: str
    feature: str
    value: str  # a lower-case part of the value's label
    share: float
    lift: float


PLAYS: dict[str, Play] = {
    p.key: p
    for p in (
        Play("codes", "Discount use", "most orders", 0.5, 1.3),
        Play("some_codes", "Discount use", "now and then", 0.3, 1.5),
        Play("no_codes", "Discount use", "never", 0.5, 1.3),
        Play("small", "Order value", "under", 0.5, 1.3),
        Play("big", "Order value", "and more", 0.5, 1.5),
        Play("time", "Shopping time", "", 0.35, 1.3),
        Play("weekend", "Shopping days", "weekends", 0.5, 1.2),
        Play("weekday", "Shopping days", "weekdays", 0.5, 1.2),
        Play("holiday", "Season", "holiday", 0.4, 1.5),
        Play("summer", "Season", "summer", 0.4, 1.5),
        Play("mobile", "Device", "mobile", 0.5, 1.2),
        Play("product", "Top product", "", 0.2, 2.0),
        Play("once", "Orders", "1 order", 0.4, 1.5),
        Play("loyal", "Orders", "4 or more", 0.5, 1.3),
        Play("lapsed", "Recency", "over a year", 0.2, 1.2),
        Play("cooling", "Recency", "91 to 365", 0.5, 1.3),
    )
}
# the hours a daypart's label names, for a send time
SEND_TIMES = {
    "evening": "between 18 and 21 h",
    "night": "around 23 h, so it is on top when they shop",
    "morning": "between 7 and 10 h",
    "afternoon": "between 12 and 15 h",
}


def stands_out(cells: list[Cell], p: int, play: Play, min_n: int, by_effect: bool = False) -> Cell | None:
    """Persona ``p``'s most common cell of the play's feature and value that meets the play's bar
    (the most distinctive one, by effect size, with ``by_effect``)."""
    found = [
        c
        for c in cells
        if c["persona"] == p
        and c["feature"] == play.feature
        and play.value in str(c["value"]).lower()
        and c["n"] >= min_n
        and c.get("p_adjusted", 0.0) < ALPHA
        and c["share"] >= play.share
        and c["lift"] >= play.lift
    ]
    rank = "effect_size" if by_effect else "share"
    return max(found, key=lambda c: (c.get(rank, c["share"]), str(c["value"])), default=None)


def cite(c: Cell) -> str:
    """A cell's figures as a card says them: share, lift and n."""
    return f"{c['share']:.0%} of them, {c['lift']:.1f}× more common than average, n = {int(c['n']):,}"


def money(x: float) -> str:
    return f"${x:,.0f}"


def threshold(median: float) -> int:
    """A free-shipping threshold just above a median order: 1.2 × the median, rounded up to the next 5."""
    return int(math.ceil(median * 1.2 / 5.0) * 5)


def _band_limit(value: str) -> str:
    """The amount in a band label ("under $69" -> "$69", "$137 and more" -> "$137")."""
    return next((w for w in value.split() if w.startswith("$")), value)


def behaviour_plays(
    cells: list[Cell], p: int, min_n: int, figures: dict[str, Any], rec: Rec
) -> dict[str, list[dict[str, Any]]]:
    """The plays that fire for persona ``p``, by recommendation field (see the module doc).

    ``figures``: the persona's ``aov_median`` (the median of its buyers' average orders),
    ``buyers``, ``revenue_per_customer`` and ``orders_per_customer``, and everyone's
    ``population_revenue_per_customer`` (each may be None).
    """
    hit = {key: stands_out(cells, p, play, min_n, by_effect=key == "time") for key, play in PLAYS.items()}
    out: dict[str, list[dict[str, Any]]] = {"messaging": [], "channels": [], "product": [], "retention": []}
    method = "a behaviour trait above the play's share and lift (docs/personas.md, 'Actions from behaviour')"

    def add(field: str, text: str, basis: list[Cell], extra: list[dict[str, Any]] | None = None) -> None:
        out[field].append(rec(text, field, [cell_facts(c) for c in basis] + (extra or []), method))

    buyers = int(figures.get("buyers") or 0)
    median = float(figures.get("aov_median") or 0.0) if buyers >= min_n else 0.0
    basket = (
        [{"feature": "median order value", "value": round(median, 2), "n": buyers, "source": "orders"}]
        if median
        else []
    )
    if c := hit["codes"]:
        add("messaging", f"Lead with the saving: they use a code on most orders ({cite(c)}).", [c])
        if basket:
            add(
                "product",
                f"Set a free-shipping threshold at {money(threshold(median))}, just above their median order of "
                f"{money(median)}, instead of another code: they use a code on most orders ({cite(c)}).",
                [c],
                basket,
            )
        else:
            add("product", f"Offer bundles instead of codes: they use a code on most orders ({cite(c)}).", [c])
    if c := hit["some_codes"]:
        add(
            "messaging",
            f"Use codes as a nudge with a reason (a restock, a new drop), not always on: they use a code now "
            f"and then ({cite(c)}).",
            [c],
        )
    if c := hit["no_codes"]:
        add(
            "messaging",
            f"Lead with quality and the range, not discounts: they never use a code ({cite(c)}), so codes would "
            "give away margin.",
            [c],
        )
    if (c := hit["small"]) and not hit["codes"]:
        tail = f"; their median order is {money(median)}" if basket else ""
        add(
            "product",
            f"Offer bundles that take an order past {_band_limit(str(c['value']))}: their orders average "
            f"{c['value']} ({cite(c)}){tail}.",
            [c],
            basket,
        )
    if c := hit["big"]:
        rpc, pop = figures.get("revenue_per_customer"), figures.get("population_revenue_per_customer")
        worth = f"; each brings {money(rpc)} in revenue, the average customer {money(pop)}" if rpc and pop else ""
        facts = (
            [{"feature": "revenue per customer", "value": rpc, "population": pop, "n": buyers, "source": "orders"}]
            if worth
            else []
        )
        add(
            "retention",
            f"Give them VIP perks (early access, free express shipping, a personal note): their orders average "
            f"{c['value']} ({cite(c)}){worth}.",
            [c],
            facts,
        )
    if c := hit["time"]:
        part = str(c["value"]).split(" (")[0]
        days = hit["weekend"] or hit["weekday"]
        kind = ("weekend" if days is hit["weekend"] else "weekday") if days else ""
        at = "at night" if part == "night" else f"in the {part}"
        when = f"on {kind} {part}s" if kind else at
        also = f" and mostly on {kind}s ({days['share']:.0%}, {days['lift']:.1f}×)" if days else ""
        add(
            "channels",
            f"Send emails and run ads {when}, {SEND_TIMES[part]}: they order {at} ({cite(c)}){also}.",
            [c] + ([days] if days else []),
        )
    for key, start, lead in (
        ("holiday", "Start campaigns in early November", "gifts and delivery in time for the holidays"),
        ("summer", "Start campaigns in March", "what they need for the season ahead"),
    ):
        if c := hit[key]:
            add("channels", f"{start}: they buy mostly in the {c['value']} ({cite(c)}).", [c])
            add("messaging", f"Lead with {lead}: they buy mostly in the {c['value']} ({cite(c)}).", [c])
    if c := hit["mobile"]:
        add(
            "product",
            f"Make checkout mobile-first (wallet payments, short forms): they shop on {c['value']} ({cite(c)}).",
            [c],
        )
    if c := hit["product"]:
        add(
            "product",
            f"Build bundles and recommendations around {c['value']}: it is what they buy most ({cite(c)}).",
            [c],
        )
    if c := hit["once"]:
        add(
            "retention",
            f"Turn the first order into a second: a follow-up with an offer about 30 days after it; they placed "
            f"one order ({cite(c)}).",
            [c],
        )
    if c := hit["loyal"]:
        opc = figures.get("orders_per_customer")
        add(
            "retention",
            f"Reward the habit with a loyalty programme or a subscription: they placed {c['value']} ({cite(c)})"
            + (f"; {opc:.1f} orders per customer." if opc else "."),
            [c],
        )
    if c := hit["lapsed"]:
        add("retention", f"Win back with a personal offer: they last bought over a year ago ({cite(c)}).", [c])
    if c := hit["cooling"]:
        add(
            "retention",
            f"Nudge them before they lapse, three months after an order: they last bought 91 to 365 days "
            f"ago ({cite(c)}).",
            [c],
        )
    return out
