"""Which purchase figures and churn risk a build shows: the purchase model's, or the empirical fallback's.

- **model** (the purchase model identifies dropout): each buyer's expected purchases and CLV
  from BG/NBD (or Pareto/NBD) x Gamma-Gamma, churn risk 1 - P(alive); the forecast is checked
  per persona against a model refitted on the orders before the holdout (:func:`model_check`).
- **empirical** (it does not, :func:`personacraft.clv.checks.degenerate`): P(alive) is never
  shown. Each buyer's purchases are their persona's recent repeat rate, their CLV that times
  their expected spend per order (Gamma-Gamma), discounted month by month as the model's is,
  and churn risk the chance of no order in the next year observed for their persona and lapse
  state (:func:`personacraft.value.holdout.empirical`), checked on the holdout the same way.

Either way, a persona's CLV follows from its predicted purchases times its spend per order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from personacraft.clv import model as clv
from personacraft.config import ValueConfig
from personacraft.store import Run
from personacraft.value.holdout import RULE, YEAR, Check, Empirical, empirical, holdout_days, model_check

if TYPE_CHECKING:
    from personacraft.value.stage import CustomerValue

Array = np.ndarray
MODEL_RISK = "1 - P(alive) from the purchase model: the chance a customer has already stopped buying"


@dataclass
class Shown:
    """The figures chosen, per customer (``columns``) and what the personas say about them."""

    method: str  # "model" | "empirical"
    columns: dict[str, Array]
    check: Check | None
    unchecked: str | None = None  # why there is no check
    missing_churn: str | None = None
    intervals: bool = True
    emp: Empirical | None = None
    reason: str | None = None  # why the fallback is shown

    def holdout(self, p: int) -> dict[str, Any]:
        """A persona's forecast of the holdout against what its members did there."""
        c = self.check
        if c is None or c.missing or p >= len(c.n) or not c.n[p]:
            return {"predicted_purchases_holdout": None, "observed_purchases_holdout": None, "holdout_months": None}
        return {
            "predicted_purchases_holdout": round(float(c.predicted[p]), 3),
            "observed_purchases_holdout": round(float(c.observed[p]), 3),
            "holdout_months": round(c.days / YEAR * 12, 1),
            "holdout_customers": int(c.n[p]),
        }

    def basis(self, p: int) -> str:
        """The churn risk shown for persona ``p``, in plain words."""
        if self.emp is None:
            return (
                "The chance that a member has already stopped buying for good, from the purchase model (1 - P(alive))."
            )
        e, c = self.emp, self.check
        assert c is not None
        months = round(c.days / YEAR * 12)
        lapsed, active = e.cell_rate[p]
        return (
            f"The chance that a member makes no order in the next {months} months. The purchase model cannot tell who "
            f"has stopped buying from these orders, so this is what happened before: of the members who on "
            f"{c.cutoff} had gone longer than this persona's typical gap between orders ({e.typical_gap[p]:.0f} "
            f"days) without ordering, {lapsed:.0%} made no order in the following {months} months; of the others, "
            f"{active:.0%}. Today {e.lapsed_share[p]:.0%} of members have gone longer than that."
        )

    @property
    def provenance_risk(self) -> str:
        if self.missing_churn:
            return self.missing_churn
        if self.emp is None:
            return MODEL_RISK
        return (
            "empirical: the share of customers of the same persona and lapse state (beyond the persona's typical "
            "gap between orders) who made no order in the holdout, applied to each member's state now; shown "
            f"because {self.reason}"
        )

    def provenance(self) -> dict[str, Any]:
        c = self.check
        out: dict[str, Any] = {"method": self.method, "rule": RULE}
        if c is None or c.missing:
            out["missing"] = (c.missing if c else None) or self.unchecked
            return out
        out.update(cutoff=c.cutoff, holdout_days=c.days)
        if self.emp is not None:
            out["typical_gap_days"] = [round(float(v), 1) for v in self.emp.typical_gap]
            out["purchase_rate_everyone"] = round(self.emp.rate_everyone, 4)
        return out


def customer_columns(
    purchases: Array, alive: Array, risk: Array, spend: Array, value: Array, low: Array, high: Array
) -> dict[str, Array]:
    """Each buyer's figures, in the columns of ``customer_value``."""
    return {
        "expected_purchases_12m": purchases,
        "p_alive": alive,
        "churn_risk": risk,
        "expected_spend": spend,
        "clv": value,
        "clv_low": low,
        "clv_high": high,
    }


def _discount(months: int, annual_rate: float) -> float:
    """What one purchase a year, spread evenly over ``months`` months, is worth today."""
    monthly = (1 + annual_rate) ** (1 / 12) - 1
    return float((1 / 12 / (1 + monthly) ** np.arange(1, months + 1)).sum())


def figures(run: Run, cfg: ValueConfig, fitted: CustomerValue, pred: clv.Predictions, published: int) -> Shown:
    """The model's figures when it identifies dropout, else the empirical ones (see the module)."""
    assert fitted.summary is not None and fitted.model is not None
    days = holdout_days(fitted.first, fitted.end)
    short = f"the orders span {fitted.first} to {fitted.end}, too short to hold out a period and check the forecast on"
    if fitted.degenerate is None:
        alive = pred.p_alive
        columns = customer_columns(
            pred.expected_purchases, alive, 1 - alive, pred.expected_spend, pred.clv, pred.clv_low, pred.clv_high
        )
        check = model_check(run, cfg.model, cfg.period_days, fitted.end, days, published) if days else None
        return Shown("model", columns, check, unchecked=None if days else short)
    n = fitted.summary.n
    nan = np.full(n, np.nan)
    if not days:
        # no dropout and no holdout: the forecast stands unchecked, and there is no churn risk to show
        columns = customer_columns(
            pred.expected_purchases, nan, nan, pred.expected_spend, pred.clv, pred.clv_low, pred.clv_high
        )
        why = f"{fitted.degenerate}; and {short}, which the empirical churn risk needs"
        return Shown("model", columns, None, unchecked=f"{fitted.degenerate}; and {short}", missing_churn=why)
    emp = empirical(run, fitted.end, days, published)
    purchases = emp.customer_rate  # a year's purchases at the persona's rate
    value = purchases * _discount(cfg.months, cfg.discount_rate) * pred.expected_spend
    columns = customer_columns(purchases, nan, emp.customer_risk, pred.expected_spend, value, nan, nan)
    return Shown("empirical", columns, emp.check, intervals=False, emp=emp, reason=fitted.degenerate)


__all__ = ["Shown", "customer_columns", "figures"]
