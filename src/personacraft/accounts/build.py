"""The account layer of a build: the ``account_view`` table, the money per persona, churn where it happens.

Runs after the personas' value (it reads the account churn model's predictions). For each
published persona it gives:

- **money** over the accounts the persona's members belong to (:func:`accounts.money.account_money`),
  and the share of active MRR whose subscription a member pays (who signs);
- **account churn** over the persona's *own* accounts: those where a member signs (pays the
  subscription), is the account's only decision maker, or is its only hands-on user. A persona
  with fewer than ``min_n`` own accounts is judged over every account it is present in. The
  persona is at risk when its own accounts churned at least ``AT_RISK_LIFT`` times as often as
  all accounts, ``AT_RISK_POINTS`` more, with Fisher's p < 0.05.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy.stats import fisher_exact

from personacraft.accounts import sql
from personacraft.accounts.drivers import SIZE_BANDS, churn_drivers
from personacraft.accounts.money import (
    Period,
    account_money,
    contract_clv,
    ever_paid,
    monthly_hazard,
    observed_hazard,
)
from personacraft.config import ValueConfig
from personacraft.features import paid_subscriptions
from personacraft.features.roles import REQUIRED_ROLES
from personacraft.features.sql import GENERIC_EVENTS
from personacraft.store import Run
from personacraft.unify import keyed
from personacraft.value.stage import AT_RISK_LIFT, AT_RISK_POINTS
from personacraft.value.subscriptions import SubscriptionChurn

# product events that say an account looks at bigger plans (lower case)
EXPANSION_EVENTS = ("plan compared", "pricing page viewed", "billing page viewed", "upgrade clicked", "plan_compared")
PERIOD_DAYS = 365  # NRR and GRR: over the year that ends with the data


@dataclass
class Accounts:
    """The accounts of a run and what the personas say about them."""

    view: dict[str, np.ndarray]
    population: dict[str, Any]
    personas: list[dict[str, Any]] = field(default_factory=list)
    drivers: list[dict[str, Any]] = field(default_factory=list)
    end: str = ""
    unlinked_subscriptions: int = 0  # paid subscriptions whose payer belongs to no account


def data_end(run: Run) -> datetime | None:
    """The newest dated record of the run's subscriptions, deals, events and texts."""
    t = run.t
    return run.scalar(
        f"""SELECT greatest(
                (SELECT max(greatest(started_at, coalesce(canceled_at, started_at))) FROM {t("subscriptions")}),
                (SELECT max(greatest(created_at, coalesce(closed_at, created_at))) FROM {t("deals")}),
                (SELECT max(occurred_at) FROM {t("events")}),
                (SELECT max(created_at) FROM {t("texts")}))"""
    )


def _ts(d: datetime) -> str:
    return f"TIMESTAMP '{d:%Y-%m-%d %H:%M:%S}'"


def build_accounts(
    run: Run,
    *,
    ids: tuple[str, ...],
    churn: SubscriptionChurn | None,
    cfg: ValueConfig,
    min_n: int,
    seed: int = 0,
) -> Accounts | None:
    """Write ``account_view`` and roll money and churn up to the ``ids`` personas; None without accounts."""
    if not run.has_table("committee"):
        return None
    end = data_end(run) or datetime(1970, 1, 1)
    units = churn.units if churn is not None and len(churn.units) else np.empty(0, dtype=object)
    proba = churn.proba if churn is not None and len(churn.units) else np.empty(0)
    refs = {
        "accounts": run.t("accounts"),
        "customers": keyed(run, "customers"),
        "people": run.t("people"),
        "committee": run.t("committee"),
        "deals": run.t("deals"),
        "subscriptions": paid_subscriptions(run),
        "events": keyed(run, "events"),
        "labels": run.t("labels"),
        "generic": GENERIC_EVENTS,
    }
    with (
        run.arrays(
            "account_persona_ids", {"persona": np.arange(len(ids), dtype=np.int32), "id": np.array(ids, dtype=object)}
        ) as ids_table,
        run.arrays("account_risk", {"unit": units.astype(object), "proba": proba.astype(float)}) as risk,
    ):
        run.execute(
            sql.ACCOUNT_VIEW.format(
                out=run.t("account_view"),
                ids_table=ids_table,
                risk=risk,
                end=_ts(end),
                required="[" + ", ".join(f"'{r}'" for r in REQUIRED_ROLES) + "]",
                expansion=", ".join(f"'{e}'" for e in EXPANSION_EVENTS),
                **refs,
            )
        )
    view = run.numpy(f"SELECT * FROM {run.t('account_view')} ORDER BY account_id")
    t0 = end - timedelta(days=PERIOD_DAYS)
    at = run.numpy(  # each account's MRR at the period's ends, in the view's order
        f"""SELECT coalesce(m.mrr_start, 0) AS mrr_start, coalesce(m.mrr_end, 0) AS mrr_end
            FROM {run.t("account_view")} v
            LEFT JOIN ({
            sql.MRR_AT.format(subscriptions=refs["subscriptions"], committee=refs["committee"], t0=_ts(t0), t1=_ts(end))
        }) m USING (account_id)
            ORDER BY v.account_id"""
    )
    period = Period(f"{t0:%Y-%m-%d}", f"{end:%Y-%m-%d}", at["mrr_start"].astype(float), at["mrr_end"].astype(float))
    everyone = np.ones(len(view["account_id"]), dtype=bool)
    result = Accounts(
        view=view,
        population=account_money(view, everyone, period, min_n=min_n),
        drivers=churn_drivers(view, min_n=min_n),
        end=f"{end:%Y-%m-%d}",
        unlinked_subscriptions=int(
            run.scalar(
                f"""SELECT count(*) FROM {refs["subscriptions"]} s
                    WHERE s.customer_key IS NULL
                       OR s.customer_key NOT IN (SELECT customer_key FROM {refs["committee"]})"""
            )
            or 0
        ),
    )
    hazard = _hazard(view, churn, cfg)
    result.population.update(_clv(view, everyone, hazard, cfg, seed))
    result.population["account_churn"] = _churn(view, everyone)
    roles = run.numpy(
        f"""WITH r AS (
                SELECT c.account_id, l.persona, c.role, c.pays,
                       count(*) FILTER (WHERE c.role = 'decision_maker') OVER (PARTITION BY c.account_id) AS deciders,
                       count(*) FILTER (WHERE c.role = 'end_user') OVER (PARTITION BY c.account_id) AS hands_on
                FROM {refs["committee"]} c JOIN {refs["labels"]} l USING (customer_key))
            SELECT persona, account_id,
                   bool_or(pays OR (role = 'decision_maker' AND deciders = 1) OR (role = 'end_user' AND hands_on = 1))
                       AS own,
                   bool_or(pays) AS signs
            FROM r WHERE persona < {len(ids)} GROUP BY 1, 2"""
    )
    # view is sorted by account_id, and every committee account is in it
    where = np.searchsorted(view["account_id"].astype(str), roles["account_id"].astype(str))
    total_mrr = float(view["mrr"].sum())
    for p in range(len(ids)):
        mine = roles["persona"] == p
        present, own, signs = (np.zeros(len(view["account_id"]), dtype=bool) for _ in range(3))
        present[where[mine]] = True
        own[where[mine & roles["own"].astype(bool)]] = True
        signs[where[mine & roles["signs"].astype(bool)]] = True
        block = account_money(view, present, period, min_n=min_n)
        block["revenue_share"] = round(float(view["mrr"][signs].sum()) / total_mrr, 4) if total_mrr else None
        block.update(_clv(view, present, hazard, cfg, seed))
        basis = own if _paid(view, own).sum() >= min_n else present
        block["account_churn"] = {
            **_churn(view, basis),
            "basis": "own" if basis is own else "present",
            "population": result.population["account_churn"],
        }
        block["at_risk"] = _at_risk(view, basis, everyone)
        block["firmographics"] = firmographics(view, present, min_n)
        result.personas.append(block)
    return result


def _paid(view: dict[str, np.ndarray], mask: np.ndarray) -> np.ndarray:
    return mask & ever_paid(view)


def _churn(view: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, Any]:
    """The observed churn of the accounts in ``mask`` that ever paid, and the model's risk of those paying."""
    paid = _paid(view, mask)
    churned = int(view["churned"][paid].sum())
    risk = view["churn_risk"].astype(float)[mask & (view["mrr"] > 0)]
    risk = risk[~np.isnan(risk)]
    return {
        "accounts": int(paid.sum()),
        "churned": churned,
        "rate": round(churned / int(paid.sum()), 4) if paid.sum() else None,
        "model_risk": round(float(risk.mean()), 4) if len(risk) else None,
        "model_accounts": len(risk),
    }


def _at_risk(view: dict[str, np.ndarray], mask: np.ndarray, everyone: np.ndarray) -> bool:
    a, b = _paid(view, mask), _paid(view, everyone)
    if not a.sum() or not b.sum():
        return False
    k_a, k_b = int(view["churned"][a].sum()), int(view["churned"][b].sum())
    r_a, r_b = k_a / a.sum(), k_b / b.sum()
    rest = b & ~a
    if not rest.sum():
        return False
    k_r = int(view["churned"][rest].sum())
    p = float(fisher_exact([[k_a, int(a.sum()) - k_a], [k_r, int(rest.sum()) - k_r]], alternative="greater")[1])
    return bool(r_a >= AT_RISK_LIFT * r_b and r_a >= r_b + AT_RISK_POINTS and p < 0.05)


def _hazard(view: dict[str, np.ndarray], churn: SubscriptionChurn | None, cfg: ValueConfig) -> np.ndarray:
    """Each account's monthly churn hazard: the model's where it has one, else the observed rate of all accounts."""
    paid = ever_paid(view)
    observed = observed_hazard(view["churned"][paid], view["tenure_days"].astype(float)[paid]) or 0.0
    risk = view["churn_risk"].astype(float)
    model = monthly_hazard(np.nan_to_num(risk, nan=0.0), cfg.churn_horizon_days)
    return np.where(np.isnan(risk), observed, model)


def _clv(
    view: dict[str, np.ndarray], mask: np.ndarray, hazard: np.ndarray, cfg: ValueConfig, seed: int
) -> dict[str, Any]:
    paying = mask & (view["mrr"] > 0)
    if not paying.sum():
        return {"contract_clv": None, "contract_clv_interval": None}
    mean, interval = contract_clv(
        view["mrr"][paying], hazard[paying], months=cfg.months, discount_rate=cfg.discount_rate, seed=seed
    )
    return {"contract_clv": round(mean, 2), "contract_clv_interval": interval, "contract_months": cfg.months}


def firmographics(view: dict[str, np.ndarray], mask: np.ndarray, min_n: int) -> dict[str, str | None]:
    """The company size, plan and ARR of the accounts in ``mask`` in words: the most common size band and
    plan (of the paying accounts) with their shares, and the median ARR of a paying account."""
    out: dict[str, str | None] = {"company_size": None, "plan": None, "arr": None}
    employees = view["employees"].astype(float)[mask]
    known = employees[~np.isnan(employees)]
    if len(known) >= min_n:
        counts = [((known >= lo) & (known <= hi)).sum() for lo, hi in SIZE_BANDS]
        i = int(np.argmax(counts))
        lo, hi = SIZE_BANDS[i]
        band = f"{lo:,}-{hi:,} employees" if hi < 10**9 else f"over {lo - 1:,} employees"
        out["company_size"] = f"{band} ({counts[i] / len(known):.0%} of their accounts)"
    paying = mask & (view["mrr"] > 0)
    if paying.sum() >= min_n:
        plans, n = np.unique(view["plan"][paying].astype(str), return_counts=True)
        j = int(np.argmax(n))
        out["plan"] = f"{plans[j]} ({n[j] / paying.sum():.0%} of their paying accounts)"
        out["arr"] = f"{float(np.median(view['arr'][paying])):,.0f} a year per paying account (median)"
    return out
