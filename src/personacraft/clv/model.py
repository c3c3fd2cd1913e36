"""The CLV model: per-customer summaries, the fit of BG/NBD (or Pareto/NBD) and Gamma-Gamma, predictions, intervals.

The CLV of a customer is the discounted revenue expected over a horizon::

    CLV = sum over months m of (E[Y(t_m)] - E[Y(t_{m-1})]) * E[M | x, m_x] / (1 + d)^m

where E[Y(t)] comes from the purchase model and E[M] from the spend model, and d is the
monthly rate of an annual discount rate. Intervals reflect the uncertainty of the fitted
parameters: ``draws`` parameter sets from the normal approximation of each fit (see
``sample_params``), each giving every customer's CLV; the interval is the 5th to 95th
percentile of those. They do not include the luck of each customer, which no model of
this kind can know. A group's interval (a persona's) is that of its mean CLV over the
same draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import duckdb
import numpy as np

from personacraft.clv.bgnbd import MODELS, _CountingModel, check_rfm
from personacraft.clv.checks import degenerate
from personacraft.clv.gamma_gamma import GammaGamma
from personacraft.clv.mle import Rows
from personacraft.errors import ModelError
from personacraft.features import sql
from personacraft.threads import on_one_blas_thread

Array = np.ndarray
DAYS_PER_MONTH = 365.25 / 12
LEVEL = 0.90  # the intervals' coverage
MIN_CUSTOMERS = 50  # fewer customers: the purchase model's four parameters are not identified
MIN_REPEAT = 20  # fewer customers who came back: no CLV (purchase model) and no Gamma-Gamma (spend model)


@dataclass
class Summary:
    """The per-customer inputs of the models, in one order."""

    customer_key: Array
    X: Array  # (n, 3): x, t_x, T
    m_x: Array
    revenue: Array
    holdout_x: Array

    @property
    def n(self) -> int:
        return len(self.customer_key)

    @cached_property
    def rows(self) -> Rows:
        """The distinct (x, t_x, T) rows, shared by the fit and the predictions."""
        return Rows(check_rfm(self.X))


def summary_params(calibration_end: str, holdout_end: str | None = None, period_days: float = 7.0) -> dict[str, Any]:
    """The settings ``RFM_SUMMARY`` is filled with (dates as SQL date literals' text, ``'1997-09-30'``)."""
    end = f"DATE '{calibration_end}'"
    return {
        "calibration_end": end,
        "holdout_end": f"DATE '{holdout_end}'" if holdout_end else end,
        "period_days": float(period_days),
    }


def summarise(
    con: duckdb.DuckDBPyConnection,
    cust_orders: str,
    out: str,
    calibration_end: str,
    holdout_end: str | None = None,
    period_days: float = 7.0,
) -> Summary:
    """Run ``RFM_SUMMARY`` over a relation of ``customer_key, ordered_at, amount`` and read it back.

    Dates are SQL date literals' text (``'1997-09-30'``); ``holdout_end`` defaults to the
    calibration end (no holdout).
    """
    con.execute(
        sql.RFM_SUMMARY.format(
            out=out, cust_orders=cust_orders, **summary_params(calibration_end, holdout_end, period_days)
        )
    )
    return read_summary(con, out)


def read_summary(con: duckdb.DuckDBPyConnection, table: str) -> Summary:
    """An ``RFM_SUMMARY`` table (written by any engine) as a :class:`Summary`, by customer key."""
    cols = con.sql(
        f'SELECT customer_key, x, t_x, "T", m_x, revenue, holdout_x FROM {table} ORDER BY customer_key'
    ).fetchnumpy()
    f = {k: np.asarray(v) for k, v in cols.items()}
    return Summary(
        customer_key=f["customer_key"].astype(str),
        X=np.column_stack([f["x"], f["t_x"], f["T"]]).astype(float),
        m_x=f["m_x"].astype(float),
        revenue=np.nan_to_num(f["revenue"].astype(float)),
        holdout_x=f["holdout_x"].astype(float),
    )


@dataclass
class ClvModel:
    """A fitted purchase model and spend model, and how CLV is computed from them."""

    purchases: _CountingModel
    spend: GammaGamma | None
    mean_spend: float  # the observed mean per purchase day, used when there is no spend model
    period_days: float
    notes: list[str] = field(default_factory=list)

    @property
    def intervals_available(self) -> bool:
        """Whether both fits have a usable covariance (else the intervals would be points)."""
        ok = bool(np.isfinite(self.purchases.covariance_).all())
        return ok and (self.spend is None or bool(np.isfinite(self.spend.covariance_).all()))

    def params(self) -> dict[str, float]:
        out = dict(self.purchases.params_)
        if self.spend is not None:
            out.update(self.spend.params_)
        return out

    def expected_spend(self, x: Array, m_x: Array, params: Array | None = None) -> Array:
        if self.spend is None:
            return np.full(len(x), self.mean_spend)
        return self.spend.expected_spend(x, m_x, params)

    def discounted_purchases(self, R: Rows, months: int, annual_rate: float, params: Array | None = None) -> Array:
        """Per distinct row of ``R``: the purchases expected in each month, discounted to today."""
        step = DAYS_PER_MONTH / self.period_days
        monthly = (1 + annual_rate) ** (1 / 12) - 1
        factors = 1 / (1 + monthly) ** np.arange(1, months + 1)
        return self.purchases.discounted_purchases(np.arange(0, months + 1) * step, factors, R, params)


@on_one_blas_thread
def fit(summary: Summary, model: str = "bgnbd", period_days: float = 7.0) -> ClvModel:
    """Fit the purchase model on every customer and Gamma-Gamma on the repeat customers."""
    if summary.n < MIN_CUSTOMERS:
        raise ModelError(
            f"CLV needs at least {MIN_CUSTOMERS} customers with a purchase before the calibration end; "
            f"there are {summary.n}"
        )
    if model not in MODELS:
        raise ModelError(f"unknown purchase model {model!r}; choose one of {', '.join(MODELS)}")
    repeaters = int((summary.X[:, 0] > 0).sum())
    if repeaters < MIN_REPEAT:
        raise ModelError(
            f"CLV needs customers who come back: only {repeaters} of {summary.n} bought on more than one day "
            f"(at least {MIN_REPEAT} are needed to tell how often customers return and when they stop)"
        )
    purchases = MODELS[model]().fit(summary.rows)
    x = summary.X[:, 0]
    repeat = (x > 0) & (summary.m_x > 0)
    days = x + 1
    mean_spend = float(summary.revenue.sum() / days.sum()) if days.sum() else 0.0
    notes: list[str] = []
    spend: GammaGamma | None = None
    if repeat.sum() >= MIN_REPEAT:
        spend = GammaGamma().fit(np.column_stack([x[repeat], summary.m_x[repeat]]))
    else:
        notes.append(
            f"only {int(repeat.sum())} customers came back with a positive amount (< {MIN_REPEAT}); "
            "spend per purchase is the observed mean, not the Gamma-Gamma model"
        )
    return ClvModel(purchases, spend, mean_spend, period_days, notes)


@dataclass
class Predictions:
    """Per-customer predictions, in the order of the summary."""

    expected_purchases: Array
    p_alive: Array
    expected_spend: Array
    clv: Array
    clv_low: Array
    clv_high: Array
    group_sums: Array  # (draws, groups): CLV summed per group in each parameter draw, when asked for
    group_sizes: Array


@on_one_blas_thread
def predict(
    model: ClvModel,
    summary: Summary,
    horizon_periods: float,
    months: int = 12,
    annual_rate: float = 0.10,
    draws: int = 100,
    seed: int = 0,
    groups: Array | None = None,
    n_groups: int = 0,
) -> Predictions:
    """Predictions at the point estimate and CLV intervals from ``draws`` parameter sets.

    Purchases are computed once per distinct ``(x, t_x, T)`` row and mapped back, so a
    million customers seen in whole days cost a few hundred thousand evaluations per draw.
    ``groups`` (0..n_groups-1 per customer, -1 for none) adds each group's CLV per draw,
    for :func:`group_intervals`; the (draws x customers) matrix is never held whole.
    """
    R = summary.rows
    x = summary.X[:, 0]
    expected = model.purchases.expected_purchases(horizon_periods, R)[R.inverse]
    alive = model.purchases.p_alive(R)[R.inverse]
    p_draws = model.purchases.sample_params(draws, seed)
    s_draws = model.spend.sample_params(draws, seed + 1) if model.spend is not None else [None] * draws
    disc = np.stack([model.discounted_purchases(R, months, annual_rate, p_draws[d]) for d in range(draws)])
    spend = model.expected_spend(x, summary.m_x)
    clv = disc[0][R.inverse] * spend
    low, high = clv.copy(), clv.copy()
    sums = np.zeros((draws, n_groups))
    sizes = np.zeros(n_groups)
    tail = (1 - LEVEL) / 2 * 100
    chunk = max(1, 20_000_000 // draws)  # customers per block of the (draws x customers) matrix
    needed = draws > 1 or groups is not None
    for lo in range(0, summary.n if needed else 0, chunk):  # blocks of customers, to bound memory
        idx = slice(lo, lo + chunk)
        block = disc[:, R.inverse[idx]] * np.stack(
            [model.expected_spend(x[idx], summary.m_x[idx], s_draws[d]) for d in range(draws)]
        )
        if draws > 1:
            low[idx], high[idx] = np.percentile(block, [tail, 100 - tail], axis=0)
        if groups is not None:
            g = groups[idx]
            inside = g >= 0
            sizes += np.bincount(g[inside], minlength=n_groups)
            for d in range(draws):  # parameter draws, not rows
                sums[d] += np.bincount(g[inside], weights=block[d][inside], minlength=n_groups)
    return Predictions(expected, alive, spend, clv, low, high, sums, sizes)


def group_intervals(pred: Predictions) -> dict[str, Array]:
    """Mean CLV per group with its interval over the parameter draws (NaN for empty groups)."""
    if pred.group_sums.shape[1] == 0:
        raise ModelError("group intervals need predictions made with groups")
    with np.errstate(invalid="ignore", divide="ignore"):
        means = pred.group_sums / pred.group_sizes
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail], axis=0)
    return {"n": pred.group_sizes, "mean": means[0], "low": low, "high": high}


def holdout_metrics(predicted: Array, actual: Array) -> dict[str, float]:
    """Totals, per-customer MAE and Pearson r of predicted against actual holdout purchases."""
    predicted, actual = np.asarray(predicted, dtype=float), np.asarray(actual, dtype=float)
    r = float(np.corrcoef(predicted, actual)[0, 1]) if predicted.std() > 0 and actual.std() > 0 else float("nan")
    return {
        "actual_total": float(actual.sum()),
        "predicted_total": round(float(predicted.sum()), 3),
        "mae": round(float(np.abs(predicted - actual).mean()), 4),
        "pearson_r": round(r, 4),
    }


def _finite(values: dict[str, float]) -> dict[str, float | None]:
    """Rounded values, None where not finite (JSON has no NaN)."""
    return {k: round(v, 6) if np.isfinite(v) else None for k, v in values.items()}


def describe(model: ClvModel) -> dict[str, Any]:
    """The fitted parameters and likelihoods, as printed by ``personacraft clv``."""
    out: dict[str, Any] = {
        "model": next(name for name, cls in MODELS.items() if type(model.purchases) is cls),
        "params": {k: round(v, 6) for k, v in model.params().items()},
        "standard_errors": _finite(model.purchases.standard_errors()),
        "log_likelihood": round(model.purchases.log_likelihood_, 4),
        "customers": model.purchases.n_customers_,
        "unique_rows": model.purchases.n_unique_,
    }
    if model.spend is not None:
        out["standard_errors"].update(_finite(model.spend.standard_errors()))
        out["spend_log_likelihood"] = round(model.spend.log_likelihood_, 4)
        out["repeat_customers"] = model.spend.n_customers_
    no_dropout = degenerate(model.purchases)
    out["dropout_identified"] = no_dropout is None
    notes = list(model.notes)
    if no_dropout:
        notes.append(f"{no_dropout}: P(alive) is not a churn risk here")
    if not model.intervals_available:
        notes.append(
            "the likelihood is flat near the best parameters (e.g. almost nobody drops out), so their "
            "uncertainty and the CLV intervals cannot be computed"
        )
    if notes:
        out["notes"] = notes
    return out


__all__ = ["ClvModel", "Predictions", "Summary", "describe", "fit", "group_intervals", "holdout_metrics", "predict"]
