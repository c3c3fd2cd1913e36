"""The value stage of a build: each customer's CLV and churn risk, rolled up to the personas.

The CLV fit runs before segmentation (:func:`fit_customer_value`), so that P(alive) can say
which shop customers lapsed; the roll-up runs after it (:func:`customer_value`), with the
same parameter draws as the customers' intervals, and churn drivers are read per persona.

- **Shop orders** feed BG/NBD (or Pareto/NBD) and Gamma-Gamma, calibrated on everything up to
  the newest order: CLV with its interval, and churn risk as 1 - P(alive).
- **Subscriptions** feed the churn model (:mod:`personacraft.value.subscriptions`). Where
  they exist, its predictions are the churn risk, since a cancellation is observed, not inferred.

The result is the run table ``customer_value`` (with orders) and a :class:`ValueResult`
that the persona builder reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from personacraft.clv import model as clv
from personacraft.config import ValueConfig
from personacraft.errors import ModelError
from personacraft.store import Run
from personacraft.value.subscriptions import persona_risk, subscription_churn

# A persona is "at risk" when its churn risk is at least this many times the population's,
# and at least AT_RISK_POINTS higher.
AT_RISK_LIFT = 1.2
AT_RISK_POINTS = 0.05
YEAR = 365.25  # days: the horizon of expected_purchases_12m
P_ALIVE = "1 - P(alive) from the purchase model: the chance a customer has already stopped buying"


@dataclass
class ValueResult:
    """What the personas need to know about value, and what provenance records."""

    personas: list[dict[str, Any]] = field(default_factory=list)  # per published persona
    population: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    missing_clv: str | None = None
    missing_churn: str | None = None


@dataclass
class CustomerValue:
    """The CLV fit of a run's buyers, made before segmentation (P(alive) says who lapsed)."""

    summary: clv.Summary | None = None
    model: clv.ClvModel | None = None
    end: str = ""
    missing: str | None = None


def _write(run: Run, summary: clv.Summary, pred: clv.Predictions) -> None:
    """Each buyer's figures, as ``customer_value`` (and ``customer_value.csv``) hold them."""
    run.write_arrays(
        "customer_value",
        {
            "customer_key": summary.customer_key,
            "repeat_purchases": summary.X[:, 0],
            "expected_purchases_12m": np.round(pred.expected_purchases, 4),
            "p_alive": np.round(pred.p_alive, 4),
            "expected_spend": np.round(pred.expected_spend, 2),
            "clv": np.round(pred.clv, 2),
            "clv_low": np.round(pred.clv_low, 2),
            "clv_high": np.round(pred.clv_high, 2),
        },
    )


def fit_customer_value(run: Run, cfg: ValueConfig) -> CustomerValue:
    """Fit CLV on the run's orders and write each buyer's point figures to ``customer_value``
    (:func:`customer_value` adds the intervals after segmentation)."""
    if not run.has_rows("cust_orders"):
        return CustomerValue(missing="no orders are in the sources, so there is no purchase history to project")
    end = str(run.scalar(f"SELECT max(ordered_at)::DATE FROM {run.t('cust_orders')}"))
    summary = clv.summarise(run.con, run.t("cust_orders"), run.t("rfm_summary"), end, None, cfg.period_days)
    try:
        model = clv.fit(summary, cfg.model, cfg.period_days)
    except ModelError as exc:
        return CustomerValue(missing=f"the CLV model could not be fitted: {exc}")
    # point figures only: P(alive) is all that customer status needs before segmentation; the
    # intervals come with the persona roll-up, from one pass over the parameter draws
    _write(run, summary, clv.predict(model, summary, YEAR / cfg.period_days, cfg.months, cfg.discount_rate, draws=1))
    return CustomerValue(summary, model, end)


def customer_value(
    run: Run, cfg: ValueConfig, fitted: CustomerValue, published: int, min_n: int, seed: int = 0
) -> ValueResult:
    """CLV (fitted before segmentation) and churn from subscriptions, rolled up to the personas."""
    result = ValueResult(personas=[{} for _ in range(published)])
    _clv(run, cfg, fitted, published, min_n, seed, result)
    _subscription_churn(run, cfg, published, min_n, seed, result)
    _flags(result)
    return result


def _clv(
    run: Run, cfg: ValueConfig, fitted: CustomerValue, published: int, min_n: int, seed: int, result: ValueResult
) -> None:
    summary, model = fitted.summary, fitted.model
    if summary is None or model is None:
        result.missing_clv = fitted.missing
        result.missing_churn = (
            "no orders or subscriptions are in the sources"
            if not run.has_rows("cust_orders")
            else "P(alive) needs the CLV model, which could not be fitted"
        )
        return
    groups = run.numpy(
        f"""SELECT coalesce(CASE WHEN l.persona < {published} THEN l.persona END, -1) AS g
            FROM {run.t("rfm_summary")} s LEFT JOIN {run.t("labels")} l USING (customer_key)
            ORDER BY s.customer_key"""
    )["g"].astype(np.int64)
    # one pass over the parameter draws gives each buyer's interval and each persona's
    pred = clv.predict(
        model,
        summary,
        YEAR / cfg.period_days,
        cfg.months,
        cfg.discount_rate,
        cfg.draws,
        seed,
        groups=groups,
        n_groups=published,
    )
    _write(run, summary, pred)
    g = clv.group_intervals(pred) if published else {"n": np.zeros(0)}
    inside = groups >= 0
    alive_sum = np.bincount(groups[inside], weights=pred.p_alive[inside], minlength=published)
    total_value = float(pred.clv.sum())
    result.population = {
        "clv_mean": round(float(pred.clv.mean()), 2),
        "churn_risk": round(float(1 - pred.p_alive.mean()), 4),
        "customers": summary.n,
    }
    intervals = model.intervals_available and cfg.draws > 1
    for p in range(published):
        n = int(g["n"][p])
        if n < min_n:
            result.personas[p] = {"missing": f"fewer than {min_n} members have a purchase history ({n})"}
            continue
        result.personas[p] = {
            "clv_mean": round(float(g["mean"][p]), 2),
            "clv_interval": [round(float(g["low"][p]), 2), round(float(g["high"][p]), 2)] if intervals else None,
            "clv_customers": n,
            "expected_value_share": round(float(g["mean"][p]) * n / total_value, 4) if total_value else None,
            "churn_risk": round(1 - float(alive_sum[p]) / n, 4),
        }
    result.provenance = {
        **clv.describe(model),
        "calibration_end": fitted.end,
        "period": cfg.period,
        "months": cfg.months,
        "discount_rate": cfg.discount_rate,
        "draws": cfg.draws,
        "interval": f"{clv.LEVEL:.0%} of the CLV over parameter draws (parameter uncertainty only)",
        "churn_risk": P_ALIVE,
    }


def _subscription_churn(run: Run, cfg: ValueConfig, published: int, min_n: int, seed: int, result: ValueResult) -> None:
    churn = subscription_churn(run, cfg.churn_horizon_days, published, min_n, seed)
    if churn is None:
        return
    if churn.missing:
        # with orders, P(alive) still stands; the churn model's absence is recorded either way
        result.provenance["subscription_churn"] = {"missing": churn.missing}
        if not any("churn_risk" in v for v in result.personas):
            result.missing_churn = f"the subscription churn model was not fitted: {churn.missing}"
        return
    per_persona, population = persona_risk(run, churn, published, min_n)
    for p, v in enumerate(per_persona):
        target = result.personas[p]
        target.pop("churn_risk", None)
        target.update({k: val for k, val in v.items() if k != "missing"})
        if "missing" in v and "clv_mean" not in target:
            target["missing"] = v["missing"]
        if churn.drivers.get(p):
            target["churn_drivers"] = churn.drivers[p]
    if population is not None:
        result.population["churn_risk"] = round(population, 4)
    h = cfg.churn_horizon_days
    result.provenance["subscription_churn"] = churn.validation
    result.provenance["churn_risk"] = (
        f"mean predicted probability that the subscriber (the account in B2B) cancels within {h} days: gradient "
        "boosting with sigmoid calibration, validated on a later period than it learned from"
    )
    result.provenance.setdefault("months", cfg.months)


def _flags(result: ValueResult) -> None:
    """``at_risk`` and ``most_valuable``, and the rules behind them in provenance."""
    pop_risk = result.population.get("churn_risk")
    for v in result.personas:
        risk = v.get("churn_risk")
        v["at_risk"] = bool(
            risk is not None
            and pop_risk is not None
            and risk >= AT_RISK_LIFT * pop_risk
            and risk >= pop_risk + AT_RISK_POINTS
        )
    shares = [v.get("expected_value_share") or 0.0 for v in result.personas]
    if shares and max(shares) > 0:
        top = int(np.argmax(shares))
        for p, v in enumerate(result.personas):
            v["most_valuable"] = p == top and v.get("clv_mean", 0) > result.population["clv_mean"]
    if result.provenance:
        result.provenance["at_risk_rule"] = (
            f"churn risk >= {AT_RISK_LIFT}x the population's and >= {AT_RISK_POINTS:.0%} points above it"
        )
        result.provenance["most_valuable_rule"] = (
            "the persona with the largest share of expected future value, if its mean CLV is above the population's"
        )
