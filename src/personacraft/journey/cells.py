"""The journey map's cells, per group and stage: top actions, touchpoints and channels, barriers, one opportunity."""

from __future__ import annotations

from typing import Any

from personacraft.journey import barriers
from personacraft.journey.barriers import ALL, LIFT
from personacraft.journey.funnel import share_of
from personacraft.journey.stages import KIND_LABELS
from personacraft.journey.tables import GROUPS
from personacraft.journey.vocabulary import STAGES
from personacraft.store import Run

Lists = dict[int, dict[int, dict[str, list[dict[str, Any]]]]]  # group -> stage number -> list name -> items


def stage_lists(run: Run, group_ids: list[int], min_n: int) -> Lists:
    """Per group and stage: top actions, touchpoints and channels (shares of customers who reached
    the stage). One pass over the touches per list, for every group at once."""
    t = run.t
    reached = {
        (int(g), int(k)): int(n)
        for g, k, n in run.execute(
            f"""SELECT g.grp, k, count(*) FROM {GROUPS} g JOIN {t("journey_customers")} c USING (customer_key),
                       range(1, {len(STAGES) + 1}) r(k)
                WHERE c.furthest >= k GROUP BY 1, 2"""
        ).fetchall()
    }
    out: Lists = {g: {k: {} for k in range(1, len(STAGES) + 1)} for g in group_ids}
    for name, expr, limit in (
        ("actions", "x.label", 4),
        ("touchpoints", "x.touchpoint", 4),
        ("channels", "x.channel", 3),
    ):
        rows = run.execute(
            f"""SELECT g.grp, x.stage_no, {expr} AS v, count(DISTINCT x.customer_key) AS n
                FROM {GROUPS} g JOIN {t("journey_touches")} x USING (customer_key)
                WHERE x.stage_no IS NOT NULL AND {expr} IS NOT NULL
                GROUP BY ALL HAVING count(DISTINCT x.customer_key) >= {int(min_n)} ORDER BY 1, 2, 4 DESC, 3"""
        ).fetchall()
        for g, k, v, n in rows:
            items = out[int(g)][int(k)].setdefault(name, [])
            if len(items) >= limit:
                continue
            label = KIND_LABELS.get(str(v), str(v)) if name == "touchpoints" else str(v)
            key = "channel" if name == "channels" else "label"
            item: dict[str, Any] = {key: label, "n": int(n)}
            if name != "touchpoints":
                item["share"] = share_of(int(n), reached.get((int(g), int(k)), 0))
            items.append(item)
    return out


def stage_cells(
    g: int,
    blocks: dict[int, dict[str, Any]],
    lists: dict[int, dict[str, list[dict[str, Any]]]],
    placed: barriers.Placed | None,
    min_n: int,
) -> list[dict[str, Any]]:
    """Group ``g``'s cell at each stage: its lists, emotion, barriers (abandonment and pain themes that
    stand out) and opportunity, with the reason for each that is empty."""
    block = blocks[g]
    out = []
    for k, stage in enumerate(STAGES, start=1):
        missing: dict[str, str] = {}
        emotion = barriers.emotion(placed, g, k, min_n) if placed is not None else None
        if emotion is None:
            missing["emotion"] = (
                "no texts in the sources" if placed is None else f"fewer than {min_n} customers wrote at this stage"
            )
        found: list[dict[str, Any]] = []
        for a in block.get("abandonment", []):
            if a["stage"] != stage or a["rate"] is None:
                continue
            if g == ALL or (a["lift"] is not None and a["lift"] >= LIFT):
                found.append(
                    {
                        "kind": "abandonment",
                        "label": f"{a['step']} abandonment",
                        "step": a["step"],
                        "share": a["rate"],
                        "population_share": a["population_rate"],
                        "lift": a["lift"],
                        "n": a["abandoned"],
                        "quotes": [],
                        "source": "events: sessions" if a["unit"] == "sessions" else "subscriptions, deals and events",
                    }
                )
        if placed is not None:
            found.extend(barriers.theme_barriers(placed, g, k, min_n))
        for name, what in (("actions", "action"), ("touchpoints", "touchpoint"), ("channels", "channel")):
            if not lists[k].get(name):
                missing[name] = f"no {what} recorded at this stage covers {min_n} customers or more"
        if not found:
            missing["barriers"] = (
                f"no abandonment or pain theme at this stage stands out ({LIFT}× all customers or more, "
                f"on {min_n} customers or more)"
                if g != ALL
                else f"no abandonment or pain theme at this stage covers {min_n} customers or more"
            )
        opportunity = barriers.opportunity(stage, found, block["funnel"], blocks[ALL]["funnel"], g == ALL)
        if opportunity is None:
            missing["opportunity"] = "no barrier and no conversion below all customers' at this stage"
        out.append(
            {
                "stage": stage,
                "actions": lists[k].get("actions", []),
                "touchpoints": lists[k].get("touchpoints", []),
                "channels": lists[k].get("channels", []),
                "emotion": emotion,
                "barriers": found,
                "opportunity": opportunity,
                "missing": missing,
            }
        )
    return out
