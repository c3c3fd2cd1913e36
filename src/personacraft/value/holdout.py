"""Forecasts checked on a later period: the purchase model's, the empirical fallback's, and churn risk.

The orders are split at ``cutoff = end - h`` (``h``: a year, or half the span of the orders
when they cover less than two years). Whatever predicts the next ``h`` days from what was known
at the cutoff is compared, persona by persona, with what the members did in ``(cutoff, end]``:
a posterior predictive check (:func:`model_check` for BG/NBD or Pareto/NBD refitted on the
orders up to the cutoff, :func:`empirical` for the fallback).

When the purchase model identifies no dropout (:func:`personacraft.clv.checks.degenerate`),
its P(alive) is 1 for everyone and its forecasts are the same for all; the stage then shows
the **empirical** figures of :func:`empirical`:

- **purchases**: a persona's repeat purchase rate over the last ``h`` days (repeat order days
  per customer-year, each customer counted from their first order), times twelve months;
- **churn risk**: the chance that a member makes no order in the next ``h`` days, given the
  persona and whether the member has lapsed beyond the persona's typical gap between orders
  (the median days between consecutive orders of its members). The chances are those observed
  after the cutoff, among the members in the same state at the cutoff, pulled towards the
  persona's (and the persona's towards everyone's) by :data:`PRIOR` customers' weight.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from personacraft.clv import model as clv
from personacraft.clv import sql
from personacraft.clv.checks import TOLERANCE, Z_TOLERANCE, disagreement
from personacraft.errors import ModelError
from personacraft.store import Run

Array = np.ndarray
YEAR = 365.25
MAX_HOLDOUT_DAYS = 365
MIN_HOLDOUT_DAYS = 56  # eight weeks: shorter holdouts say too little about a year
PRIOR = 20.0  # customers' weight of the persona's (or everyone's) rate in a small cell's rate
RULE = (
    f"a forecast is unreliable when it is off by more than {TOLERANCE:.0%} of what members did in the holdout "
    f"and by more than {Z_TOLERANCE:g} standard errors of it"
)


def holdout_days(first: str, end: str) -> int | None:
    """The holdout length for orders from ``first`` to ``end`` (ISO dates), None when too short."""
    span = (dt.date.fromisoformat(end) - dt.date.fromisoformat(first)).days
    h = min(MAX_HOLDOUT_DAYS, span // 2)
    return h if h >= MIN_HOLDOUT_DAYS else None


def cutoff_of(end: str, days: int) -> str:
    return (dt.date.fromisoformat(end) - dt.timedelta(days=days)).isoformat()


def groups_of(run: Run, summary: str, published: int) -> Array:
    """The published persona of each customer of ``summary`` (in its order), -1 for none."""
    q = sql.PERSONA_GROUPS.format(summary=summary, labels=run.t("labels"), published=published)
    return run.numpy(q)["g"].astype(np.int64)


@dataclass
class Check:
    """A forecast of the holdout against what happened, per persona (index = persona)."""

    days: int
    cutoff: str
    predicted: Array  # purchases per member over the holdout, as forecast at the cutoff
    observed: Array  # purchases per member over the holdout, as made
    se: Array  # standard error of observed
    n: Array  # members who had bought by the cutoff
    missing: str | None = None

    def verdict(self, p: int, min_n: int) -> tuple[bool, str | None]:
        """Whether persona ``p``'s forecast passed the check, and why not."""
        if self.missing:
            return False, self.missing
        n = int(self.n[p]) if p < len(self.n) else 0
        if n < min_n:
            return False, f"fewer than {min_n} members had bought by {self.cutoff} ({n}), so it could not be checked"
        pred, obs = float(self.predicted[p]), float(self.observed[p])
        if disagreement(pred, obs, float(self.se[p])):
            months = round(self.days / YEAR * 12)
            return False, (
                f"the same forecast made on {self.cutoff} said {pred:.2f} purchases per member in the next "
                f"{months} months; members made {obs:.2f}"
            )
        return True, None


def _group_stats(values: Array, groups: Array, published: int) -> tuple[Array, Array, Array]:
    """Per group: mean, standard error of the mean, count (groups -1 left out)."""
    inside = groups >= 0
    g, v = groups[inside], values[inside]
    n = np.bincount(g, minlength=published).astype(float)
    s = np.bincount(g, weights=v, minlength=published)
    s2 = np.bincount(g, weights=v * v, minlength=published)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s / n, np.nan)
        var = np.where(n > 1, (s2 - n * mean**2) / np.maximum(n - 1, 1), np.nan)
        se = np.sqrt(np.maximum(var, 0.0) / n)
    return mean, se, n


def model_check(run: Run, model: str, period_days: float, end: str, days: int, published: int) -> Check:
    """Refit the purchase model on the orders up to ``end - days`` and compare its forecast of the
    next ``days`` with what each persona's members bought."""
    cutoff = cutoff_of(end, days)
    table = run.t("value_check_summary")
    empty = np.full(published, np.nan)
    summary = clv.summarise(run.con, run.t("cust_orders"), table, cutoff, end, period_days)
    try:
        fitted = clv.fit(summary, model, period_days)
    except ModelError as exc:
        return Check(days, cutoff, empty, empty, empty, np.zeros(published), f"the check's model failed: {exc}")
    predicted = fitted.purchases.expected_purchases(days / period_days, summary.rows)[summary.rows.inverse]
    g = groups_of(run, table, published)
    run.execute(f"DROP TABLE {table}")  # a working table: the run keeps rfm_summary, not this one
    pred, _, _ = _group_stats(predicted, g, published)
    obs, se, n = _group_stats(summary.holdout_x, g, published)
    return Check(days, cutoff, pred, obs, se, n)


def _history(run: Run, cutoff: str, end: str, window_days: int, published: int) -> dict[str, Array]:
    table = run.t("value_history")
    run.execute(
        sql.ORDER_HISTORY.format(
            out=table,
            cust_orders=run.t("cust_orders"),
            cutoff=f"DATE '{cutoff}'",
            holdout_end=f"DATE '{end}'",
            window_days=int(window_days),
        )
    )
    cols = run.numpy(f"SELECT recency_days, window_repeats, exposure_days, holdout_purchases FROM {table}")
    out = {k: np.asarray(v, dtype=float) for k, v in cols.items()}
    out["g"] = groups_of(run, table, published)
    run.execute(f"DROP TABLE {table}")
    return out


def _gaps(run: Run, cutoff: str, published: int) -> Array:
    """The typical gap (days) per persona, then everyone's at index ``published``."""
    q = sql.TYPICAL_GAPS.format(cust_orders=run.t("cust_orders"), labels=run.t("labels"), cutoff=f"DATE '{cutoff}'")
    rows = run.execute(q).fetchall()
    everyone = next((float(gap) for p, total, gap, _ in rows if total), np.inf)
    out = np.full(published + 1, everyone)
    for p, total, gap, _ in rows:
        if not total and p is not None and 0 <= p < published:
            out[p] = float(gap)
    return out


def _rates(h: dict[str, Array], g: Array, published: int) -> tuple[Array, float]:
    """Repeat purchases per customer-year, per persona and for everyone."""
    rep, exp = h["window_repeats"], h["exposure_days"]
    inside = g >= 0
    num = np.bincount(g[inside], weights=rep[inside], minlength=published)
    den = np.bincount(g[inside], weights=exp[inside], minlength=published)
    everyone = float(rep.sum() / exp.sum() * YEAR) if exp.sum() > 0 else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den * YEAR, everyone), everyone


def _shrunk(gone: Array, n: Array, prior: Array | float) -> Array:
    return (gone + PRIOR * prior) / (n + PRIOR)


@dataclass
class Empirical:
    """The fallback's figures: per persona (index = persona) and per customer at the end."""

    check: Check
    rate: Array  # repeat purchases per member-year now, per persona
    rate_everyone: float
    typical_gap: Array  # days, per persona then everyone's
    customer_rate: Array  # per customer of the summary at the end: their persona's rate
    customer_risk: Array  # per customer: the chance of no order in the next `days`
    lapsed_share: Array  # per persona: share of members lapsed beyond the typical gap now
    cell_rate: Array  # (persona then everyone, lapsed): the chance of no order in the holdout


def empirical(run: Run, end: str, days: int, published: int) -> Empirical:
    """Purchase rates and churn risk per persona from the orders alone, checked on the holdout."""
    cutoff = cutoff_of(end, days)
    gap = _gaps(run, cutoff, published)
    then = _history(run, cutoff, end, days, published)
    g_then = then["g"]
    # the purchase forecast, as it would have been made at the cutoff, against the holdout
    rate_then, _ = _rates(then, g_then, published)
    obs, se, n = _group_stats(then["holdout_purchases"], g_then, published)
    check = Check(days, cutoff, rate_then * days / YEAR, obs, se, n)
    # churn: no order in the holdout, by persona and lapsed state at the cutoff
    lapsed_then = then["recency_days"] > gap[np.where(g_then >= 0, g_then, published)]
    gone = (then["holdout_purchases"] == 0).astype(float)
    cells = np.where(g_then >= 0, g_then, published) * 2 + lapsed_then
    size = 2 * (published + 1)
    n_cell = np.bincount(cells, minlength=size).astype(float)
    gone_cell = np.bincount(cells, weights=gone, minlength=size)
    everyone = float(gone.mean()) if len(gone) else 0.0
    n_p, gone_p = n_cell.reshape(-1, 2).sum(axis=1), gone_cell.reshape(-1, 2).sum(axis=1)
    persona_rate = _shrunk(gone_p, n_p, everyone)
    persona_rate[published] = everyone  # customers of no published persona: everyone's cells
    n_all = np.bincount(lapsed_then.astype(int), minlength=2).astype(float)
    gone_all = np.bincount(lapsed_then.astype(int), weights=gone, minlength=2)
    cell_rate = _shrunk(gone_cell, n_cell, np.repeat(persona_rate, 2)).reshape(-1, 2)
    cell_rate[published] = _shrunk(gone_all, n_all, everyone)
    # now: each customer's persona rate and, from their state, their risk
    now = _history(run, end, end, days, published)
    g_now = now["g"]
    rate_now, rate_everyone = _rates(now, g_now, published)
    idx = np.where(g_now >= 0, g_now, published)
    lapsed_now = now["recency_days"] > gap[idx]
    risk = cell_rate[idx, lapsed_now.astype(int)]
    lapsed_share, _, _ = _group_stats(lapsed_now.astype(float), g_now, published)
    return Empirical(
        check=check,
        rate=rate_now,
        rate_everyone=rate_everyone,
        typical_gap=gap,
        customer_rate=np.append(rate_now, rate_everyone)[idx],
        customer_risk=risk,
        lapsed_share=lapsed_share,
        cell_rate=cell_rate,
    )


__all__ = ["RULE", "Check", "Empirical", "cutoff_of", "empirical", "groups_of", "holdout_days", "model_check"]
