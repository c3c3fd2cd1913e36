"""How customers arrive and where they drop out, per group: first-touch channels, paths before purchase, abandonment."""

from __future__ import annotations

from typing import Any

from personacraft.journey.accounts import PAIRS
from personacraft.journey.barriers import ALL
from personacraft.journey.funnel import share_of
from personacraft.journey.tables import GROUPS
from personacraft.store import Run

SEP = chr(31)  # separates the steps of a stored path
# the stage each abandonment keeps customers from completing (docs/journeys.md)
ABANDONMENT_STAGE = {
    "cart": "consideration",
    "checkout": "purchase",
    "trial": "consideration",
    "onboarding": "retention",
}


def first_touch(run: Run, blocks: dict[int, dict[str, Any]], min_n: int, top: int = 6) -> None:
    """Set each block's top first-touch channels, with lift over all customers and the share who went on to buy."""
    rows = run.execute(
        f"""SELECT g.grp, c.first_channel, count(*), count(*) FILTER (WHERE c.furthest >= 3) FROM {GROUPS} g
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


def paths(run: Run, blocks: dict[int, dict[str, Any]], top: int, min_n: int) -> None:
    """Set each block's most common paths before the first purchase (``cut``: earlier steps were left
    out), the customers with a known path and the customers the paths shown cover."""
    rows = run.execute(
        f"""SELECT g.grp, p.path, p.cut, count(*) AS n, sum(count(*)) OVER (PARTITION BY g.grp) AS known
            FROM {GROUPS} g JOIN {run.t("journey_paths")} p USING (customer_key)
            GROUP BY g.grp, p.path, p.cut ORDER BY 1, 4 DESC, 3, 2"""
    ).fetchall()
    for block in blocks.values():
        block["paths"], block["paths_known"], block["paths_shown"] = [], 0, 0
    for g, path, cut, n, known in rows:
        block = blocks[int(g)]
        block["paths_known"] = int(known)
        if int(n) >= min_n and len(block["paths"]) < top:
            block["paths"].append(
                {
                    "steps": [*str(path).split(SEP), "purchase"],
                    "cut": bool(cut),
                    "customers": int(n),
                    "share": share_of(int(n), int(known)),
                }
            )
            block["paths_shown"] += int(n)


def abandonment(run: Run, blocks: dict[int, dict[str, Any]], min_n: int, by_account: bool = False) -> None:
    """Cart and checkout (sessions), trial (customers) and onboarding (customers, or accounts when
    ``by_account``: B2B, where a contact who never logs in is no abandonment while a colleague uses
    the product); rates against all customers (all accounts)."""
    t = run.t
    queries = {
        "cart": f"""SELECT g.grp, count(*), count(*) FILTER (WHERE NOT s.checkout AND NOT s.purchase),
                           count(DISTINCT s.customer_key)
                    FROM {GROUPS} g JOIN {t("journey_sessions")} s USING (customer_key) WHERE s.cart GROUP BY 1""",
        "checkout": f"""SELECT g.grp, count(*), count(*) FILTER (WHERE NOT s.purchase), count(DISTINCT s.customer_key)
                        FROM {GROUPS} g JOIN {t("journey_sessions")} s USING (customer_key)
                        WHERE s.checkout GROUP BY 1""",
        "trial": f"""SELECT g.grp, count(*), count(*) FILTER (WHERE NOT s.trial_converted), count(*)
                     FROM {GROUPS} g JOIN {t("journey_starts")} s USING (customer_key) WHERE s.trial GROUP BY 1""",
        "onboarding": f"""SELECT g.grp, count(*), count(*) FILTER (WHERE NOT s.onboarded), count(*)
                          FROM {GROUPS} g JOIN {t("journey_starts")} s USING (customer_key)
                          WHERE s.onboarding GROUP BY 1""",
    }
    if by_account:
        queries["onboarding"] = f"""SELECT x.grp, count(*), count(*) FILTER (WHERE NOT a.onboarded), count(*)
                                    FROM {PAIRS} x JOIN {t("journey_accounts")} a USING (account_id)
                                    WHERE a.onboarding GROUP BY 1"""
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
                    "unit": "sessions"
                    if step in ("cart", "checkout")
                    else "accounts"
                    if by_account and step == "onboarding"
                    else "customers",
                    "rate": None if rate is None else round(rate, 4),
                    "population_rate": None if pop_rate is None else round(pop_rate, 4),
                    "lift": None if rate is None or not pop_rate else round(rate / pop_rate, 3),
                    "started": started if customers >= min_n else None,
                    "abandoned": stopped if customers >= min_n else None,
                    "customers": customers if customers >= min_n else None,
                    "reason": None if customers >= min_n else f"fewer than {min_n} customers",
                }
            )
