"""The account funnel (B2B): Lead → MQL → SQL → Opportunity → Won → Renewed, counted per account.

:func:`write_account_tables` writes ``journey_accounts`` (one row per account, SQL in
:mod:`personacraft.journey.account_sql`) and ``journey_account_steps``; :func:`account_funnels`
counts them for all accounts and, per persona, for the accounts its members belong to (an
account counts in every persona that has a contact in it), with the win rate, the sales cycle,
trial-to-paid, the renewal rate, cancellations and onboarding by account. Every count and rate
covers at least ``min_n`` accounts, else it is null. The rules are in docs/journeys.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from personacraft.config import JourneyConfig
from personacraft.journey import account_sql
from personacraft.journey.barriers import ALL
from personacraft.journey.funnel import share_of
from personacraft.journey.stages import account_lifecycle_map
from personacraft.journey.tables import GROUPS
from personacraft.journey.vocabulary import ACCOUNT_STAGE_EVIDENCE, ACCOUNT_STAGE_NAMES, ACCOUNT_STAGES, STEPS
from personacraft.store import Run
from personacraft.unify import keyed

PAIRS = "_jaccounts"  # temp table: grp, account_id (every account in ALL; a persona's accounts by its members)

# the account stage at which each contact-level step is shown (a step of the account's contacts)
STEP_STAGE: dict[str, str] = {
    "visit": "lead",
    "contact": "lead",
    "view": "mql",
    "signup": "mql",
    "cart": "mql",
    "trial": "opportunity",
    "deal": "opportunity",
    "checkout": "opportunity",
    "purchase": "won",
    "use": "won",
    "repeat": "renewed",
    "review": "renewed",
    "promoter": "renewed",
    "referral": "renewed",
}
STEP_LABELS = {**{s: label for s, (_, label) in STEPS.items()}, "use": "product use"}


def is_b2b(run: Run) -> bool:
    """True when deals name an account, or a subscription's customer belongs to one."""
    deals = run.scalar(f"SELECT count(*) FROM {run.t('deals')} WHERE account_id IS NOT NULL")
    if deals:
        return True
    return bool(
        run.scalar(
            f"""SELECT count(*) FROM {keyed(run, "subscriptions")} s
                JOIN {run.t("people")} p USING (customer_key) WHERE p.account_id IS NOT NULL"""
        )
    )


def write_account_tables(run: Run, cfg: JourneyConfig) -> None:
    """Write ``journey_account_lifecycle``, ``journey_accounts`` and ``journey_account_steps`` (needs the
    journey tables) and the temp table of each group's accounts."""
    t = run.t
    life = account_lifecycle_map(cfg)
    run.write_arrays(
        "journey_account_lifecycle",
        {
            "lifecycle": np.array(list(life), dtype=object),
            "stage_no": np.array([ACCOUNT_STAGES.index(s) + 1 for s in life.values()], dtype=np.int32),
        },
    )
    run.execute(
        account_sql.JOURNEY_ACCOUNTS.format(
            out=t("journey_accounts"),
            people=t("people"),
            deals=t("deals"),
            events=t("events"),
            subscriptions=keyed(run, "subscriptions"),
            lifecycle_map=t("journey_account_lifecycle"),
            touches=t("journey_touches"),
            journey_customers=t("journey_customers"),
            term_months=int(cfg.renewal_term_months),
            onboarding_days=int(cfg.onboarding_days),
        )
    )
    run.execute(
        account_sql.JOURNEY_ACCOUNT_STEPS.format(
            out=t("journey_account_steps"), touches=t("journey_touches"), people=t("people")
        )
    )
    run.execute(
        f"""CREATE OR REPLACE TEMP TABLE {PAIRS} AS
            SELECT {ALL} AS grp, account_id FROM {t("journey_accounts")}
            UNION
            SELECT g.grp, p.account_id FROM {GROUPS} g JOIN {t("people")} p USING (customer_key)
            WHERE g.grp <> {ALL} AND p.account_id IS NOT NULL"""
    )


def _count(n: Any, min_n: int) -> int | None:
    return int(n) if n is not None and int(n) >= min_n else None


def _rate(part: Any, whole: Any, min_n: int) -> float | None:
    return round(int(part) / int(whole), 4) if whole and int(whole) >= min_n else None


def _stage_counts(run: Run, min_n: int) -> dict[int, dict[str, Any]]:
    """Per group: accounts at each stage or beyond, and the facts behind the rates."""
    reached = ", ".join(f"count(*) FILTER (WHERE a.furthest >= {k})" for k in range(1, len(ACCOUNT_STAGES) + 1))
    rows = run.execute(
        f"""SELECT x.grp, count(*), {reached},
                   count(*) FILTER (WHERE a.closed_deals > 0), count(*) FILTER (WHERE a.won_deals > 0),
                   median(a.cycle_days), count(a.cycle_days),
                   count(*) FILTER (WHERE a.trialled), count(*) FILTER (WHERE a.trial_paid),
                   count(*) FILTER (WHERE a.trial_running),
                   count(*) FILTER (WHERE a.renewal_due), count(*) FILTER (WHERE a.renewed),
                   count(*) FILTER (WHERE a.churned), median(a.tenure_days),
                   count(*) FILTER (WHERE a.onboarding), count(*) FILTER (WHERE a.onboarding AND NOT a.onboarded)
            FROM {PAIRS} x JOIN {run.t("journey_accounts")} a USING (account_id) GROUP BY 1"""
    ).fetchall()
    out = {}
    k = len(ACCOUNT_STAGES)
    for r in rows:
        size, stages, rest = r[1], r[2 : 2 + k], r[2 + k :]
        closed, won, cycle, cycle_n, trialled, paid, running, due, renewed, churned, tenure, started, dropped = rest
        out[int(r[0])] = {
            "size": int(size),
            "stages": [int(x) for x in stages],
            "win_rate": {
                "rate": _rate(won, closed, min_n),
                "won": _count(won, min_n),
                "closed": _count(closed, min_n),
            },
            "sales_cycle": {
                "median_days": round(float(cycle), 1) if cycle is not None and cycle_n >= min_n else None,
                "n": int(cycle_n),
            },
            "trial_to_paid": {
                "rate": _rate(paid, trialled, min_n),
                "paid": _count(paid, min_n),
                "trialled": _count(trialled, min_n),
                "still_in_trial": _count(running, min_n) if running else 0,
            },
            "renewal_rate": {
                "rate": _rate(renewed, due, min_n),
                "renewed": _count(renewed, min_n),
                "due": _count(due, min_n),
            },
            "cancellations": {
                "accounts": _count(churned, min_n),
                "median_tenure_days": round(float(tenure), 1) if tenure is not None and churned >= min_n else None,
            },
            "onboarding": {
                "rate": _rate(dropped, started, min_n),
                "abandoned": _count(dropped, min_n),
                "started": _count(started, min_n),
            },
        }
    return out


def _steps(run: Run, min_n: int) -> dict[tuple[int, str], list[dict[str, Any]]]:
    """Per group and account stage: the contact-level steps placed there (``STEP_STAGE``), and the top
    product actions at won, as accounts that reached the stage and did them."""
    t = run.t
    placed = " ".join(f"WHEN '{s}' THEN {ACCOUNT_STAGES.index(st) + 1}" for s, st in STEP_STAGE.items())
    rows = run.execute(
        f"""WITH s AS (SELECT account_id, step, action, CASE step {placed} END AS k FROM {t("journey_account_steps")})
            SELECT x.grp, s.k, s.step, NULL AS action, count(DISTINCT x.account_id) AS n
            FROM {PAIRS} x JOIN s USING (account_id) JOIN {t("journey_accounts")} a USING (account_id)
            WHERE s.k IS NOT NULL AND a.furthest >= s.k GROUP BY ALL
            UNION ALL
            SELECT x.grp, s.k, s.step, s.action, count(DISTINCT x.account_id)
            FROM {PAIRS} x JOIN s USING (account_id) JOIN {t("journey_accounts")} a USING (account_id)
            WHERE s.step = 'use' AND s.action IS NOT NULL AND a.furthest >= s.k GROUP BY ALL
            ORDER BY 1, 2, 4 NULLS FIRST, 5 DESC, 3"""
    ).fetchall()
    out: dict[tuple[int, str], list[dict[str, Any]]] = {}
    actions: dict[tuple[int, str], int] = {}
    for g, k, step, action, n in rows:
        if int(n) < min_n:
            continue
        key = (int(g), ACCOUNT_STAGES[int(k) - 1])
        if action is not None:
            if actions.get(key, 0) >= 4:
                continue
            actions[key] = actions.get(key, 0) + 1
        label = str(action) if action is not None else STEP_LABELS.get(step, step)
        out.setdefault(key, []).append({"step": str(step), "label": label, "action": action is not None, "n": int(n)})
    return out


def _first_touch(run: Run, min_n: int, top: int = 5) -> dict[int, list[dict[str, Any]]]:
    rows = run.execute(
        f"""SELECT x.grp, a.first_channel, count(*) FROM {PAIRS} x JOIN {run.t("journey_accounts")} a
            USING (account_id) WHERE a.first_channel IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"""
    ).fetchall()
    out: dict[int, list[dict[str, Any]]] = {}
    for g, channel, n in rows:
        items = out.setdefault(int(g), [])
        if int(n) >= min_n and len(items) < top:
            items.append({"channel": str(channel), "accounts": int(n)})
    return out


def account_funnels(run: Run, group_ids: list[int], min_n: int) -> dict[int, dict[str, Any]]:
    """Per group, its ``account_funnel`` block (see the module doc)."""
    counts = _stage_counts(run, min_n)
    steps = _steps(run, min_n)
    touch = _first_touch(run, min_n)
    out = {}
    for g in group_ids:
        c = counts.get(g)
        if c is None:
            out[g] = {"accounts": 0, "stages": [], "missing": {"accounts": "no account has a contact in this group"}}
            continue
        stages: list[dict[str, Any]] = []
        prev: int | None = None
        for i, stage in enumerate(ACCOUNT_STAGES):
            n = _count(c["stages"][i], min_n) if c["stages"][i] else 0
            conversion = share_of(n, prev) if i and prev else None
            items = steps.get((g, stage), [])
            for item in items:
                item["share"] = share_of(int(item["n"]), c["stages"][i])
            stages.append(
                {
                    "stage": stage,
                    "name": ACCOUNT_STAGE_NAMES[stage],
                    "label": ACCOUNT_STAGE_EVIDENCE[stage],
                    "accounts": n,
                    "share": share_of(n, c["size"]),
                    "conversion": conversion,
                    "drop_off": None if conversion is None else round(1 - conversion, 4),
                    "biggest_drop": False,
                    "steps": [dict(it) for it in items],
                }
            )
            prev = n
        # the biggest leak on the way to a won account: a renewal is a later decision, not a drop out of buying
        drops = [
            (s["drop_off"], i) for i, s in enumerate(stages) if s["drop_off"] is not None and s["stage"] != "renewed"
        ]
        if drops and max(drops)[0] > 0:
            stages[max(drops)[1]]["biggest_drop"] = True
        missing: dict[str, str] = {}
        for key, reason in (
            ("win_rate", "no closed deal"),
            ("trial_to_paid", "no trial that ended"),
            ("renewal_rate", "no paid subscription whose first term has come up"),
        ):
            if c[key]["rate"] is None:
                missing[key] = f"{reason} in {min_n} accounts or more"
        out[g] = {
            "accounts": c["size"],
            "stages": stages,
            **{k: c[k] for k in ("win_rate", "sales_cycle", "trial_to_paid", "renewal_rate", "cancellations")},
            "onboarding": c["onboarding"],
            "first_touch": touch.get(g, []),
            "missing": missing,
        }
    return out
