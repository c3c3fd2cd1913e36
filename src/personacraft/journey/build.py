"""Journey maps per persona: the per-customer tables (SQL in features.sql), then the figures.

:func:`journeys` writes ``journey_touches``, ``journey_customers``, ``journey_paths``,
``journey_sessions`` and ``journey_starts`` in the run, and returns the ``journeys.json``
document: for all customers and for each published persona, the funnel, the time between
stages, first-touch channels, the top paths before the first purchase, touches before
conversion, abandonment, and per stage its actions, touchpoints, channels, emotion,
barriers and one opportunity. Every figure covers at least ``min_n`` customers, or is null
with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from personacraft.config import JourneyConfig
from personacraft.features import sql
from personacraft.journey import barriers
from personacraft.journey.barriers import ALL, LIFT
from personacraft.journey.stages import KIND_LABELS, STAGES, describe, event_map, lifecycle_map, stage_rows
from personacraft.store import Run
from personacraft.text.voice import TextThemes
from personacraft.unify import keyed

SEP = chr(31)  # separates the steps of a stored path
# the stage each abandonment keeps customers from completing (docs/journeys.md)
ABANDONMENT_STAGE = {
    "cart": "consideration",
    "checkout": "purchase",
    "trial": "consideration",
    "onboarding": "retention",
}


def journeys(
    run: Run,
    cfg: JourneyConfig,
    *,
    published: int,
    names: Sequence[str],
    min_n: int,
    texts: TextThemes | None = None,
) -> dict[str, Any]:
    """Compute the run's journey tables and return the ``journeys.json`` document."""
    _tables(run, cfg)
    groups = f"""(SELECT customer_key, persona AS grp FROM {run.t("labels")} WHERE persona < {int(published)}
                 UNION ALL SELECT customer_key, {ALL} FROM {run.t("labels")})"""
    run.execute(f"CREATE OR REPLACE TEMP TABLE _jgroups AS {groups}")
    group_ids = [ALL, *range(published)]
    sizes = dict(run.execute("SELECT grp, count(*) FROM _jgroups GROUP BY 1").fetchall())
    blocks: dict[int, dict[str, Any]] = {g: {"customers": int(sizes.get(g, 0))} for g in group_ids}
    for g, funnel in _funnel(run, group_ids, min_n).items():
        blocks[g]["funnel"] = funnel
    for g, times in _stage_times(run, group_ids, min_n).items():
        blocks[g]["stage_times"] = times
    _first_touch(run, blocks, min_n)
    _paths(run, blocks, cfg.top_paths, min_n)
    _before_conversion(run, blocks, min_n)
    _abandonment(run, blocks, min_n)
    placed = barriers.place_texts(run, cfg, texts) if texts is not None and texts.themes is not None else None
    lists = _stage_lists(run, group_ids, min_n)
    for g in group_ids:
        blocks[g]["stages"] = _stages(g, blocks, lists[g], placed, min_n)
    doc: dict[str, Any] = {
        "run_id": run.run_id,
        "definition": {**describe(cfg), "min_group_size": min_n},
        "population": blocks[ALL],
        "personas": [
            {"persona_id": f"p{g + 1}", "name": names[g] if g < len(names) else f"Persona {g + 1}", **blocks[g]}
            for g in range(published)
        ],
    }
    return doc


def _tables(run: Run, cfg: JourneyConfig) -> None:
    steps = stage_rows()
    run.write_arrays(
        "journey_steps",
        {
            "step": np.array(steps["step"], dtype=object),
            "stage": np.array(steps["stage"], dtype=object),
            "stage_no": np.array([-1 if x is None else x for x in steps["stage_no"]], dtype=np.int32),
            "label": np.array(steps["label"], dtype=object),
        },
    )
    run.execute(f"UPDATE {run.t('journey_steps')} SET stage_no = NULL WHERE stage_no < 0")
    events = event_map(cfg)
    run.write_arrays(
        "journey_event_map",
        {"event": np.array(list(events), dtype=object), "step": np.array(list(events.values()), dtype=object)},
    )
    life = lifecycle_map(cfg)
    run.write_arrays(
        "journey_lifecycle",
        {"lifecycle": np.array(list(life), dtype=object), "stage": np.array(list(life.values()), dtype=object)},
    )
    t = run.t
    refs = {
        "events": keyed(run, "events"),
        "event_map": t("journey_event_map"),
        "lifecycle_map": t("journey_lifecycle"),
        "steps": t("journey_steps"),
        "cust_orders": t("cust_orders"),
        "subscriptions": keyed(run, "subscriptions"),  # all of them: a trial that never paid is evidence too
        "never_paid": sql.NEVER_PAID,
        "people": t("people"),
        "deals": t("deals"),
        "customers": keyed(run, "customers"),
        "texts": keyed(run, "texts"),
        "survey": keyed(run, "survey_answers"),
        "touches": t("journey_touches"),
        "journey_customers": t("journey_customers"),
        "advocacy_rating": float(cfg.advocacy_rating),
        "retention_days": int(cfg.retention_days),
        "window_days": int(cfg.window_days),
        "onboarding_days": int(cfg.onboarding_days),
        "path_steps": int(cfg.path_steps),
        "ignore": ", ".join("'" + x.lower().replace("'", "''") + "'" for x in cfg.path_ignore) or "''",
    }
    for template, out in (
        (sql.JOURNEY_TOUCHES, "journey_touches"),
        (sql.JOURNEY_CUSTOMERS, "journey_customers"),
        (sql.JOURNEY_PATHS, "journey_paths"),
        (sql.JOURNEY_SESSIONS, "journey_sessions"),
        (sql.JOURNEY_STARTS, "journey_starts"),
    ):
        run.execute(template.format(out=t(out), **refs))


def _share(n: int | None, d: int | None) -> float | None:
    return None if not d or n is None else round(n / d, 4)


def _funnel(run: Run, group_ids: list[int], min_n: int) -> dict[int, list[dict[str, Any]]]:
    cols = ", ".join(f"count(*) FILTER (WHERE c.furthest >= {k})" for k in range(1, len(STAGES) + 1))
    rows = {
        int(r[0]): r[1:]
        for r in run.execute(
            f"SELECT g.grp, count(*), {cols} FROM _jgroups g "
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
            conversion = _share(shown, prev) if prev is not None else None
            items.append(
                {
                    "stage": stage,
                    "customers": shown,
                    "share": _share(shown, int(size)),
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


def _stage_times(run: Run, group_ids: list[int], min_n: int) -> dict[int, list[dict[str, Any]]]:
    pairs = list(itertools.pairwise(STAGES))
    parts = []
    for k in range(1, len(STAGES)):
        gap = f"epoch(c.reach_{k + 1} - c.reach_{k}) / 86400.0"
        both = f"c.reach_{k} IS NOT NULL AND c.reach_{k + 1} IS NOT NULL"
        parts.append(f"median({gap}) FILTER (WHERE {both}), count(*) FILTER (WHERE {both})")
    rows = {
        int(r[0]): r[1:]
        for r in run.execute(
            f"SELECT g.grp, {', '.join(parts)} FROM _jgroups g "
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


def _first_touch(run: Run, blocks: dict[int, dict[str, Any]], min_n: int, top: int = 6) -> None:
    rows = run.execute(
        f"""SELECT g.grp, c.first_channel, count(*), count(*) FILTER (WHERE c.furthest >= 3) FROM _jgroups g
            JOIN {run.t("journey_customers")} c USING (customer_key)
            WHERE c.first_channel IS NOT NULL GROUP BY ALL ORDER BY 1, 3 DESC, 2"""
    ).fetchall()
    known: dict[int, int] = {}
    counts: dict[int, list[tuple[str, int]]] = {}
    bought: dict[tuple[int, str], int] = {}
    for g, channel, n, b in rows:
        known[g] = known.get(g, 0) + int(n)
        counts.setdefault(g, []).append((str(channel), int(n)))
        bought[(g, str(channel))] = int(b)
    pop = {ch: n / known[ALL] for ch, n in counts.get(ALL, [])} if known.get(ALL) else {}
    for g, block in blocks.items():
        block["first_touch_known"] = known.get(g, 0)
        items: list[dict[str, Any]] = []
        for ch, n in counts.get(g, []):
            if n < min_n or len(items) >= top:
                continue
            share = n / known[g]
            items.append(
                {
                    "channel": ch,
                    "share": round(share, 4),
                    "population_share": round(pop[ch], 4),
                    "lift": round(share / pop[ch], 3),
                    "n": n,
                    "conversion": round(bought[(g, ch)] / n, 4),  # share who reached purchase
                }
            )
        block["first_touch"] = items


def _paths(run: Run, blocks: dict[int, dict[str, Any]], top: int, min_n: int) -> None:
    rows = run.execute(
        f"""SELECT g.grp, p.path, count(*) AS n, sum(count(*)) OVER (PARTITION BY g.grp) AS known
            FROM _jgroups g JOIN {run.t("journey_paths")} p USING (customer_key)
            GROUP BY g.grp, p.path ORDER BY 1, 3 DESC, 2"""
    ).fetchall()
    for block in blocks.values():
        block["paths"], block["paths_known"] = [], 0
    for g, path, n, known in rows:
        block = blocks[int(g)]
        block["paths_known"] = int(known)
        if int(n) >= min_n and len(block["paths"]) < top:
            block["paths"].append(
                {"steps": [*str(path).split(SEP), "purchase"], "customers": int(n), "share": _share(int(n), int(known))}
            )


def _before_conversion(run: Run, blocks: dict[int, dict[str, Any]], min_n: int) -> None:
    rows = run.execute(
        f"""SELECT g.grp, count(*), median(c.sessions_before), median(c.touches_before),
                   median(epoch(c.reach_3 - c.reach_1) / 86400.0)
            FROM _jgroups g JOIN {run.t("journey_customers")} c USING (customer_key)
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


def _abandonment(run: Run, blocks: dict[int, dict[str, Any]], min_n: int) -> None:
    """Cart and checkout (sessions), trial and onboarding (customers); rates against all customers."""
    t = run.t
    queries = {
        "cart": f"""SELECT g.grp, count(*), count(*) FILTER (WHERE NOT s.checkout AND NOT s.purchase),
                           count(DISTINCT s.customer_key)
                    FROM _jgroups g JOIN {t("journey_sessions")} s USING (customer_key) WHERE s.cart GROUP BY 1""",
        "checkout": f"""SELECT g.grp, count(*), count(*) FILTER (WHERE NOT s.purchase), count(DISTINCT s.customer_key)
                        FROM _jgroups g JOIN {t("journey_sessions")} s USING (customer_key)
                        WHERE s.checkout GROUP BY 1""",
        "trial": f"""SELECT g.grp, count(*), count(*) FILTER (WHERE NOT s.trial_converted), count(*)
                     FROM _jgroups g JOIN {t("journey_starts")} s USING (customer_key) WHERE s.trial GROUP BY 1""",
        "onboarding": f"""SELECT g.grp, count(*), count(*) FILTER (WHERE NOT s.onboarded), count(*)
                          FROM _jgroups g JOIN {t("journey_starts")} s USING (customer_key)
                          WHERE s.onboarding GROUP BY 1""",
    }
    has_use = bool(run.scalar(f"SELECT count(*) FROM {t('journey_touches')} WHERE step = 'use'"))
    for block in blocks.values():
        block["abandonment"] = []
        block.setdefault("missing", {})
    for step, query in queries.items():
        if step == "onboarding" and not has_use:
            blocks[ALL]["missing"]["onboarding"] = (
                "no product-use events in the data (events that map to no step), so onboarding is unknown"
            )
            continue
        found = {int(r[0]): r[1:] for r in run.execute(query).fetchall()}
        pop = found.get(ALL)
        pop_rate = pop[1] / pop[0] if pop and pop[2] >= min_n else None
        for g, block in blocks.items():
            if g not in found:
                continue
            started, stopped, customers = (int(x) for x in found[g])
            rate = stopped / started if customers >= min_n else None
            block["abandonment"].append(
                {
                    "step": step,
                    "stage": ABANDONMENT_STAGE[step],
                    "unit": "sessions" if step in ("cart", "checkout") else "customers",
                    "rate": None if rate is None else round(rate, 4),
                    "population_rate": None if pop_rate is None else round(pop_rate, 4),
                    "lift": None if rate is None or not pop_rate else round(rate / pop_rate, 3),
                    "started": started if customers >= min_n else None,
                    "abandoned": stopped if customers >= min_n else None,
                    "customers": customers if customers >= min_n else None,
                    "reason": None if customers >= min_n else f"fewer than {min_n} customers",
                }
            )


Lists = dict[int, dict[int, dict[str, list[dict[str, Any]]]]]  # group -> stage number -> list name -> items


def _stage_lists(run: Run, group_ids: list[int], min_n: int) -> Lists:
    """Per group and stage: top actions, touchpoints and channels (shares of customers who reached
    the stage). One pass over the touches per list, for every group at once."""
    t = run.t
    reached = {
        (int(g), int(k)): int(n)
        for g, k, n in run.execute(
            f"""SELECT g.grp, k, count(*) FROM _jgroups g JOIN {t("journey_customers")} c USING (customer_key),
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
                FROM _jgroups g JOIN {t("journey_touches")} x USING (customer_key)
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
                item["share"] = _share(int(n), reached.get((int(g), int(k)), 0))
            items.append(item)
    return out


def _stages(
    g: int,
    blocks: dict[int, dict[str, Any]],
    lists: dict[int, dict[str, list[dict[str, Any]]]],
    placed: barriers.Placed | None,
    min_n: int,
) -> list[dict[str, Any]]:
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
