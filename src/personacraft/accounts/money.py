"""The money of a set of B2B accounts: MRR, ARR, ACV, win rate, retention, churn, and contract CLV.

Every figure is computed from the account view (:mod:`personacraft.accounts.sql`), as numpy
arrays with one entry per account; a set of accounts is a boolean mask over them.

- **MRR** sums the running paid subscriptions at the end of the data; **ARR** is 12 × MRR.
- **ACV** is the mean amount of won deals (a CRM deal's amount is the contract's value).
- **Win rate**: won deals / closed (won or lost) deals.
- **NRR / GRR** over a period ``[t0, t1]``: the accounts paying at ``t0`` (the cohort), their
  MRR at ``t1`` over their MRR at ``t0``; GRR counts each account's MRR at ``t1`` at most at its
  ``t0`` level (no expansion). **Logo churn**: cohort accounts paying nothing at ``t1``;
  **MRR churn**: the ``t0`` MRR of those accounts over the cohort's ``t0`` MRR.
- **Contract CLV**: per paying account, MRR × the expected paying months over the horizon,
  discounted, with a monthly churn hazard from the account churn model's probability of
  cancelling within its horizon (or, without a model, the observed hazard: cancellations per
  paid account-month). The interval is over a bootstrap of the accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MONTH_DAYS = 30.4375
BOOTSTRAP = 400  # resamples of the accounts behind a contract CLV interval


@dataclass(frozen=True)
class Period:
    """The period NRR and GRR are measured over, and each account's MRR at its ends."""

    start: str
    end: str
    mrr_start: np.ndarray
    mrr_end: np.ndarray


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def ever_paid(view: dict[str, np.ndarray]) -> np.ndarray:
    """The accounts that ever paid a subscription (a first paid day)."""
    return ~np.isnat(view["first_paid_at"].astype("datetime64[s]"))


def monthly_hazard(risk: np.ndarray, horizon_days: int) -> np.ndarray:
    """The monthly churn hazard implied by a probability of cancelling within ``horizon_days``."""
    p = np.clip(np.asarray(risk, dtype=float), 0.0, 0.999999)
    return 1.0 - (1.0 - p) ** (MONTH_DAYS / horizon_days)


def expected_months(hazard: np.ndarray, months: int, discount_rate: float) -> np.ndarray:
    """Expected paying months over ``months``, discounted at ``discount_rate`` a year (month 0 counts)."""
    keep = (1.0 - np.asarray(hazard, dtype=float)) / (1.0 + discount_rate) ** (1 / 12)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(np.isclose(keep, 1.0), float(months), (1.0 - keep**months) / (1.0 - keep))
    return np.asarray(out, dtype=float)


def observed_hazard(churned: np.ndarray, tenure_days: np.ndarray) -> float | None:
    """Cancellations per paid account-month (None without a paid month)."""
    months = float(np.nansum(np.asarray(tenure_days, dtype=float))) / MONTH_DAYS
    return float(churned.sum()) / months if months > 0 else None


def contract_clv(
    mrr: np.ndarray, hazard: np.ndarray, *, months: int, discount_rate: float, seed: int
) -> tuple[float, list[float] | None]:
    """The mean contract CLV of the paying accounts given, and its 90 % bootstrap interval."""
    values = mrr * expected_months(hazard, months, discount_rate)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, None
    rng = np.random.default_rng(seed)
    draws = values[rng.integers(0, len(values), (BOOTSTRAP, len(values)))].mean(axis=1)
    return mean, [round(float(np.quantile(draws, 0.05)), 2), round(float(np.quantile(draws, 0.95)), 2)]


def account_money(
    view: dict[str, np.ndarray], mask: np.ndarray, period: Period | None, *, min_n: int
) -> dict[str, Any]:
    """MRR, ARR, ACV, win rate, NRR, GRR, logo and MRR churn of the accounts in ``mask``."""
    paying = mask & (view["mrr"] > 0)
    won, lost = view["deals_won"][mask].sum(), view["deals_lost"][mask].sum()
    mrr = float(view["mrr"][paying].sum())
    out: dict[str, Any] = {
        "accounts": int(mask.sum()),
        "paying_accounts": int(paying.sum()),
        "mrr": round(mrr, 2),
        "arr": round(12 * mrr, 2),
        "acv": round(float(view["won_amount"][mask].sum()) / int(won), 2) if won else None,
        "won_amount": round(float(view["won_amount"][mask].sum()), 2),
        "open_amount": round(float(view["open_amount"][mask].sum()), 2),
        "win_rate": _ratio(float(won), float(won + lost)),
        "deals_won": int(won),
        "deals_closed": int(won + lost),
    }
    missing: dict[str, str] = {}
    if won + lost < min_n:
        out["win_rate"] = None
        missing["win_rate"] = f"fewer than {min_n} closed deals ({int(won + lost)})"
    if period is not None:
        cohort = mask & (period.mrr_start > 0)
        base = float(period.mrr_start[cohort].sum())
        after = period.mrr_end[cohort]
        left = cohort & (period.mrr_end <= 0)
        out["period"] = {"start": period.start, "end": period.end, "accounts": int(cohort.sum())}
        if cohort.sum() >= min_n and base > 0:
            out["nrr"] = round(float(after.sum()) / base, 4)
            out["grr"] = round(float(np.minimum(after, period.mrr_start[cohort]).sum()) / base, 4)
            out["logo_churn"] = round(float(left.sum()) / float(cohort.sum()), 4)
            out["mrr_churn"] = round(float(period.mrr_start[left].sum()) / base, 4)
        else:
            for k in ("nrr", "grr", "logo_churn", "mrr_churn"):
                out[k] = None
            missing["nrr"] = (
                f"fewer than {min_n} accounts were paying on {period.start} ({int(cohort.sum())}), "
                "the start of the retention period"
            )
    if missing:
        out["missing"] = missing
    return out
