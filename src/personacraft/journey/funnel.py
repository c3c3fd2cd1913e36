"""The funnel and the times per group: people at each stage, conversion, time between stages, before purchase."""

from __future__ import annotations

import itertools
from typing import Any

from personacraft.journey.barriers import ALL
from personacraft.journey.tables import GROUPS
from personacraft.journey.vocabulary import PURCHASE_PATH, STAGES
from personacraft.store import Run


def share_of(n: int | None, d: int | None) -> float | None:
    """n / d to 4 places, or None when either is unknown or d is 0."""
    return None if not d or n is None else round(n / d, 4)


def prospect_counts(run: Run) -> list[int]:
    """The anonymous visitors (``journey_prospects``) at each stage or beyond."""
    cols = ", ".join(f"count(*) FILTER (WHERE furthest >= {k})" for k in range(1, len(STAGES) + 1))
    row = run.execute(f"SELECT {cols} FROM {run.t('journey_prospects')}").fetchone()
    return [int(x or 0) for x in row] if row else [0] * len(STAGES)


def funnel(
    run: Run, group_ids: list[int], min_n: int, labels: dict[str, str]
) -> tuple[dict[int, list[dict[str, Any]]], int]:
    """Per group, the people at each stage (or beyond): customers, and for all customers the anonymous
    visitors too (prospects); their share, the conversion from the stage before and the biggest drop
    on the way to the first purchase. Also returns the prospects counted."""
    cols = ", ".join(f"count(*) FILTER (WHERE c.furthest >= {k})" for k in range(1, len(STAGES) + 1))
    rows = {
        int(r[0]): r[1:]
        for r in run.execute(
            f"SELECT g.grp, count(*), {cols} FROM {GROUPS} g "
            f"LEFT JOIN {run.t('journey_customers')} c USING (customer_key) GROUP BY 1"
        ).fetchall()
    }
    visitors = prospect_counts(run)
    # fewer visitors than the minimum group are left out (they would show as a difference)
    shown_visitors = [v if v >= min_n else 0 for v in visitors]
    out: dict[int, list[dict[str, Any]]] = {}
    for g in group_ids:
        size, *counts = rows.get(g, (0,) + (0,) * len(STAGES))
        extra = shown_visitors if g == ALL else [0] * len(STAGES)
        total = int(size) + extra[0]
        items: list[dict[str, Any]] = []
        prev: int | None = None
        for stage, n, v in zip(STAGES, counts, extra, strict=True):
            customers = int(n) if n >= min_n else None
            # a hidden count of customers stays hidden: people less visitors would give it away
            people = int(n) + v if int(n) + v >= min_n and not 0 < int(n) < min_n else None
            conversion = share_of(people, prev) if prev is not None else None
            items.append(
                {
                    "stage": stage,
                    "label": labels.get(stage, stage),
                    "people": people,
                    "customers": customers,
                    "prospects": v if g == ALL else None,
                    "share": share_of(people, total),
                    "conversion": conversion,
                    "drop_off": None if conversion is None else round(1 - conversion, 4),
                    "biggest_drop": False,
                }
            )
            prev = people
        # the biggest leak on the way to the first purchase: later stages (a repeat, a review) are
        # things only some customers ever do, not drops out of buying
        drops = [
            (it["drop_off"], i)
            for i, it in enumerate(items)
            if it["drop_off"] is not None and it["stage"] in PURCHASE_PATH
        ]
        if drops and max(drops)[0] > 0:
            items[max(drops)[1]]["biggest_drop"] = True
        out[g] = items
    return out, sum(shown_visitors[:1])


# why a persona's funnel holds no visitors: the persona model scores customers on what only customers have
NOT_SCORED = (
    "visitors are not scored: personas are built on what customers do once they are known (orders, "
    "subscriptions, survey answers, CRM records), which an anonymous visitor does not have yet, so this "
    "funnel starts at the persona's customers"
)


def visitor_note(blocks: dict[int, dict[str, Any]], prospects: int, min_n: int) -> None:
    """Set each block's ``prospects`` (the visitors in its funnel) and, where there are none, the reason."""
    for g, block in blocks.items():
        missing = block.setdefault("missing", {})
        if g != ALL:
            block["prospects"] = None
            missing["prospects"] = NOT_SCORED
            continue
        block["prospects"] = prospects
        block["people"] = int(block["customers"]) + prospects
        if not prospects:
            missing["prospects"] = (
                f"no anonymous visitors in the event data (or fewer than {min_n}): the funnel starts at the customers"
            )


def stage_times(run: Run, group_ids: list[int], min_n: int) -> dict[int, list[dict[str, Any]]]:
    """Per group, the median days between consecutive stages, over customers who reached both."""
    pairs = list(itertools.pairwise(STAGES))
    parts = []
    for k in range(1, len(STAGES)):
        gap = f"epoch(c.reach_{k + 1} - c.reach_{k}) / 86400.0"
        both = f"c.reach_{k} IS NOT NULL AND c.reach_{k + 1} IS NOT NULL"
        parts.append(f"median({gap}) FILTER (WHERE {both}), count(*) FILTER (WHERE {both})")
    rows = {
        int(r[0]): r[1:]
        for r in run.execute(
            f"SELECT g.grp, {', '.join(parts)} FROM {GROUPS} g "
            f"JOIN {run.t('journey_customers')} c USING (customer_key) GROUP BY 1"
        ).fetchall()
    }
    out: dict[int, list[dict[str, Any]]] = {}
    for g in group_ids:
        r = rows.get(g, (None, 0) * len(pairs))
        out[g] = [
            {
                "from": a,
                "to": b,
                "median_days": round(float(r[2 * i]), 1) if r[2 * i] is not None and r[2 * i + 1] >= min_n else None,
                "n": int(r[2 * i + 1]),
            }
            for i, (a, b) in enumerate(pairs)
        ]
    return out


def before_conversion(run: Run, blocks: dict[int, dict[str, Any]], min_n: int) -> None:
    """Set each block's median sessions, touches and days before the first purchase."""
    rows = run.execute(
        f"""SELECT g.grp, count(*), median(c.sessions_before), median(c.touches_before),
                   median(epoch(c.reach_3 - c.reach_1) / 86400.0)
            FROM {GROUPS} g JOIN {run.t("journey_customers")} c USING (customer_key)
            WHERE c.reach_3 IS NOT NULL GROUP BY 1"""
    ).fetchall()
    found = {int(r[0]): r[1:] for r in rows}
    for g, block in blocks.items():
        n, sessions, touches, days = found.get(g, (0, None, None, None))
        ok = n >= min_n
        block["before_conversion"] = {
            "sessions_median": float(sessions) if ok and sessions is not None else None,
            "touches_median": float(touches) if ok and touches is not None else None,
            "days_median": round(float(days), 1) if ok and days is not None else None,
            "n": int(n),
        }
