"""The funnel and the times per group: customers at each stage, conversion, time between stages, before purchase."""

from __future__ import annotations

import itertools
from typing import Any

from personacraft.journey.tables import GROUPS
from personacraft.journey.vocabulary import STAGES
from personacraft.store import Run


def share_of(n: int | None, d: int | None) -> float | None:
    """n / d to 4 places, or None when either is unknown or d is 0."""
    return None if not d or n is None else round(n / d, 4)


def funnel(run: Run, group_ids: list[int], min_n: int) -> dict[int, list[dict[str, Any]]]:
    """Per group, the customers at each stage (or beyond), their share, the conversion from the stage before and the
    biggest drop."""
    cols = ", ".join(f"count(*) FILTER (WHERE c.furthest >= {k})" for k in range(1, len(STAGES) + 1))
    rows = {
        int(r[0]): r[1:]
        for r in run.execute(
            f"SELECT g.grp, count(*), {cols} FROM {GROUPS} g "
            f"LEFT JOIN {run.t('journey_customers')} c USING (customer_key) GROUP BY 1"
        ).fetchall()
    }
    out: dict[int, list[dict[str, Any]]] = {}
    for g in group_ids:
        size, *counts = rows.get(g, (0,) + (0,) * len(STAGES))
        items: list[dict[str, Any]] = []
        prev: int | None = None
        for stage, n in zip(STAGES, counts, strict=True):
            shown = int(n) if n >= min_n else None
            conversion = share_of(shown, prev) if prev is not None else None
            items.append(
                {
                    "stage": stage,
                    "customers": shown,
                    "share": share_of(shown, int(size)),
                    "conversion": conversion,
                    "drop_off": None if conversion is None else round(1 - conversion, 4),
                    "biggest_drop": False,
                }
            )
            prev = shown
        drops = [(it["drop_off"], i) for i, it in enumerate(items) if it["drop_off"] is not None]
        if drops and max(drops)[0] > 0:
            items[max(drops)[1]]["biggest_drop"] = True
        out[g] = items
    return out


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
