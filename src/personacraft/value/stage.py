"""The value stage of a build: each customer's CLV and churn risk, rolled up to the personas.

The CLV fit runs before segmentation (:func:`fit_customer_value`), so that P(alive) can say
which shop customers lapsed; the roll-up runs after it (:func:`customer_value`), with the
same parameter draws as the customers' intervals, and churn drivers are read per persona.

- **Shop orders** feed BG/NBD (or Pareto/NBD) and Gamma-Gamma, calibrated on everything up to
  the newest order: CLV with its interval, and churn risk as 1 - P(alive). When the purchase
  model identifies no dropout, P(alive) is never shown: the empirical figures of
  :mod:`personacraft.value.figures` are, and every persona's forecast is checked on a holdout
  period (:mod:`personacraft.value.holdout`).
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
from personacraft.clv.checks import degenerate
from personacraft.config import ValueConfig
from personacraft.engine import DUCKDB, Engine
from personacraft.errors import ModelError
from personacraft.features import sql
from personacraft.store import Run
from personacraft.value.figures import customer_columns, figures
from personacraft.value.holdout import groups_of
from personacraft.value.subscriptions import SubscriptionChurn, persona_risk, subscription_churn

# A persona is "at risk" when its churn risk is at least this many times the population's,
# and at least AT_RISK_POINTS higher.
AT_RISK_LIFT = 1.2
AT_RISK_POINTS = 0.05
YEAR = 365.25  # days: the horizon of expected_purchases_12m
LAPSED_DAYS = 365  # lapsed_share: members whose last order is more than this many days before the newest


@dataclass
class ValueResult:
    """What the personas need to know about value, and what provenance records."""

    personas: list[dict[str, Any]] = field(default_factory=list)  # per published persona
    population: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    missing_clv: str | None = None
    missing_churn: str | None = None
    churn: SubscriptionChurn | None = None  # the subscription churn model's predictions (the account's in B2B)


@dataclass
class CustomerValue:
    """The CLV fit of a run's buyers, made before segmentation (P(alive) says who lapsed)."""

    summary: clv.Summary | None = None
    model: clv.ClvModel | None = None
    end: str = ""
    missing: str | None = None
    first: str = ""  # the day of the oldest order
    degenerate: str | None = None  # why the purchase model identifies no dropout (None: it does)


def _write(run: Run, summary: clv.Summary, columns: dict[str, np.ndarray]) -> None:
    """Each buyer's figures, as ``customer_value`` (and ``customer_value.csv``) hold them."""
    digits = {"expected_purchases_12m": 4, "p_alive": 4, "churn_risk": 4}
    run.write_arrays(
        "customer_value",
        {
            "customer_key": summary.customer_key,
            "repeat_purchases": summary.X[:, 0],
            **{k: np.round(np.asarray(v, dtype=float), digits.get(k, 2)) for k, v in columns.items()},
        },
    )


def rfm_step() -> tuple[str, str]:
    """The RFM summary as an engine step: (template, table)."""
    return (sql.RFM_SUMMARY, "rfm_summary")


def fit_customer_value(run: Run, cfg: ValueConfig, engine: Engine | None = None) -> CustomerValue:
    """Fit CLV on the run's orders and write each buyer's point figures to ``customer_value``
    (:func:`customer_value` adds the intervals after segmentation). When the purchase model
    identifies no dropout, P(alive) is written empty: nothing may read it as who lapsed."""
    if not run.has_rows("cust_orders"):
        return CustomerValue(missing="no orders are in the sources, so there is no purchase history to project")
    first, end = (
        str(v)
        for v in run.execute(
            f"SELECT min(ordered_at)::DATE, max(ordered_at)::DATE FROM {run.t('cust_orders')}"
        ).fetchall()[0]
    )
    # the summary of every buyer runs on the engine (DuckDB or Spark); the fit reads its distinct rows locally
    params = clv.summary_params(end, None, cfg.period_days)
    (engine or DUCKDB).run_steps(run, [rfm_step()], {"cust_orders": run.t("cust_orders")}, params)
    summary = clv.read_summary(run.con, run.t("rfm_summary"))
    try:
        model = clv.fit(summary, cfg.model, cfg.period_days)
    except ModelError as exc:
        return CustomerValue(missing=f"the CLV model could not be fitted: {exc}")
    no_dropout = degenerate(model.purchases)
    # point figures only: P(alive) is all that customer status needs before segmentation; the
    # intervals come with the persona roll-up, from one pass over the parameter draws
    pred = clv.predict(model, summary, YEAR / cfg.period_days, cfg.months, cfg.discount_rate, draws=1)
    alive = np.full(summary.n, np.nan) if no_dropout else pred.p_alive
    columns = customer_columns(
        pred.expected_purchases, alive, 1 - alive, pred.expected_spend, pred.clv, pred.clv, pred.clv
    )
    _write(run, summary, columns)
    return CustomerValue(summary, model, end, first=first, degenerate=no_dropout)


def customer_value(
    run: Run,
    cfg: ValueConfig,
    fitted: CustomerValue,
    published: int,
    min_n: int,
    seed: int = 0,
    new_days: int = 90,
    engine: Engine | None = None,
) -> ValueResult:
    """CLV (fitted before segmentation) and churn from subscriptions (snapshots taken on ``engine``), rolled up
    to the personas.

    A buyer whose first order is fewer than ``new_days`` before the newest order is new
    (``new_members``, ``new_share``): too new for their order frequency to say much yet.
    """
    result = ValueResult(personas=[{} for _ in range(published)])
    _clv(run, cfg, fitted, published, min_n, seed, result, new_days)
    _subscription_churn(run, cfg, published, min_n, seed, result, engine)
    _flags(result)
    return result


def _clv(
    run: Run,
    cfg: ValueConfig,
    fitted: CustomerValue,
    published: int,
    min_n: int,
    seed: int,
    result: ValueResult,
    new_days: int = 90,
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
    groups = groups_of(run, run.t("rfm_summary"), published)
    # one pass over the parameter draws gives each buyer's interval and each persona's; a model
    # that identifies no dropout has no intervals worth drawing (its parameters run off to infinity)
    draws = 1 if fitted.degenerate else cfg.draws
    pred = clv.predict(
        model,
        summary,
        YEAR / cfg.period_days,
        cfg.months,
        cfg.discount_rate,
        draws,
        seed,
        groups=groups,
        n_groups=published,
    )
    shown = figures(run, cfg, fitted, pred, published)
    _write(run, summary, shown.columns)
    result.missing_churn = shown.missing_churn
    inside = groups >= 0

    def mean(values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.bincount(groups[inside], weights=values[inside], minlength=published) / np.maximum(
                np.bincount(groups[inside], minlength=published), 1
            )

    value, purchases = shown.columns["clv"], shown.columns["expected_purchases_12m"]
    risk = shown.columns["churn_risk"]
    lapsed = (summary.X[:, 2] - summary.X[:, 1]) * cfg.period_days > LAPSED_DAYS
    new = summary.X[:, 2] * cfg.period_days < new_days  # T: periods since the first order
    per = {
        "clv_mean": mean(value),
        "predicted_purchases_12m": mean(purchases),
        "spend_per_order": mean(shown.columns["expected_spend"]),
        "churn_risk": mean(risk),
        "lapsed_share": mean(lapsed.astype(float)),
        "new_share": mean(new.astype(float)),
    }
    g = clv.group_intervals(pred) if published else {"n": np.zeros(0)}
    total_value = float(value.sum())
    result.population = {
        "clv_mean": round(float(value.mean()), 2),
        "churn_risk": None if shown.missing_churn else round(float(risk.mean()), 4),
        "predicted_purchases_12m": round(float(purchases.mean()), 3),
        "customers": summary.n,
    }
    intervals = shown.intervals and model.intervals_available and draws > 1
    for p in range(published):
        n = int(g["n"][p])
        if n < min_n:
            result.personas[p] = {"missing": f"fewer than {min_n} members have a purchase history ({n})"}
            continue
        reliable, because = shown.check.verdict(p, min_n) if shown.check else (False, shown.unchecked)
        result.personas[p] = {
            "clv_mean": round(float(per["clv_mean"][p]), 2),
            "clv_interval": [round(float(g["low"][p]), 2), round(float(g["high"][p]), 2)] if intervals else None,
            "clv_customers": n,
            "expected_value_share": round(float(per["clv_mean"][p]) * n / total_value, 4) if total_value else None,
            "horizon_months": cfg.months,
            "horizon": f"next {cfg.months} months",
            "predicted_purchases_12m": round(float(per["predicted_purchases_12m"][p]), 3),
            "spend_per_order": round(float(per["spend_per_order"][p]), 2),
            "purchases_method": shown.method,
            **shown.holdout(p),
            "reliable": reliable,
            "unreliable_because": because,
            "lapsed_share": round(float(per["lapsed_share"][p]), 4),
            "new_share": round(float(per["new_share"][p]), 4),
            "new_members": round(float(per["new_share"][p]) * n),
        }
        if not shown.missing_churn:
            result.personas[p].update(
                churn_risk=round(float(per["churn_risk"][p]), 4),
                churn_risk_method=shown.method,
                churn_risk_basis=shown.basis(p),
            )
    result.provenance = {
        **clv.describe(model),
        "calibration_end": fitted.end,
        "period": cfg.period,
        "months": cfg.months,
        "discount_rate": cfg.discount_rate,
        "draws": cfg.draws,
        "interval": f"{clv.LEVEL:.0%} of the CLV over parameter draws (parameter uncertainty only)",
        "churn_risk": shown.provenance_risk,
        "churn_risk_method": shown.method,
        "holdout_check": shown.provenance(),
    }


def _subscription_churn(
    run: Run, cfg: ValueConfig, published: int, min_n: int, seed: int, result: ValueResult, engine: Engine | None
) -> None:
    churn = subscription_churn(run, cfg.churn_horizon_days, published, min_n, seed, engine)
    if churn is None:
        return
    result.churn = churn
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
        if "churn_risk" in v:
            target["churn_risk_method"] = "model"
            target["churn_risk_basis"] = (
                f"The chance that a member's subscription is cancelled in the next {cfg.churn_horizon_days} days, "
                "from the churn model (validated on a later period than it learned from)."
            )
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
