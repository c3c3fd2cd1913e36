"""CLV in one call, from a notebook or the ``personacraft clv`` command: read purchases, fit, predict.

    import personacraft.clv
    res = personacraft.clv.fit("orders.csv", customer="Customer ID", date="Order Date", amount="Total")
    res.customers  # one row per customer: x, t_x, T, m_x, expected purchases, P(alive), CLV and interval
    res.params, res.summary

``transactions`` is a file's path (read as ``personacraft clv`` reads it) or a pandas DataFrame
(each value read as its text, rows numbered from 1 in the rejects).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from personacraft.clv import model as clv_model
from personacraft.clv import sql
from personacraft.clv.transactions import FRAME, Source, load
from personacraft.errors import ConfigError, require_pandas
from personacraft.sources.columns import lit
from personacraft.store import fetch_arrays, scratch

if TYPE_CHECKING:
    import pandas as pd

PERIODS = {"week": 7.0, "day": 1.0}  # days per period of the model


@dataclass(frozen=True, eq=False)
class ClvResult:
    """A CLV fit: one row per customer, the rows that could not be read, and what ``personacraft clv`` prints."""

    columns: dict[str, np.ndarray]  # customer_id, x, t_x, T, m_x, expected_purchases, p_alive, expected_spend, clv, …
    rejected: dict[str, np.ndarray]  # _line, column, value, reason of each row that could not be read
    summary: dict[str, Any]  # the fit, the rows read and the holdout, as printed (JSON-ready)
    model: clv_model.ClvModel

    @property
    def customers(self) -> pd.DataFrame:
        """One row per customer (a DataFrame: needs the ``pandas`` extra; :attr:`columns` does not)."""
        return require_pandas("ClvResult.customers (a DataFrame)").DataFrame(self.columns)

    @property
    def rejects(self) -> pd.DataFrame:
        """The rows that could not be read (a DataFrame: needs the ``pandas`` extra; :attr:`rejected` does not)."""
        return require_pandas("ClvResult.rejects (a DataFrame)").DataFrame(self.rejected)

    @property
    def params(self) -> dict[str, float]:
        """The fitted parameters of the purchase and spend models (rounded as printed)."""
        return dict(self.summary["params"])

    def write(self, out: str | Path) -> dict[str, str]:
        """Write ``customers`` to the CSV ``out`` and, when rows were rejected, them beside it
        (``<stem>.rejects.csv``); return the paths written, as the summary names them."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        written = {"out": str(out)}
        con = scratch()
        try:
            con.register("predictions", self.columns)
            con.execute(sql.WRITE_PREDICTIONS.format(table="predictions", path=lit(out.as_posix())))
            if len(self.rejected["_line"]):
                rejects = out.with_name(out.stem + ".rejects.csv")
                con.register("rejects", self.rejected)
                con.execute(sql.WRITE_REJECTS.format(table="rejects", path=lit(rejects.as_posix())))
                written["rejects"] = str(rejects)
        finally:
            con.close()
        return written


def _day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not a date: write it as YYYY-MM-DD") from None


def fit(
    transactions: Source,
    customer: str,
    date: str,
    amount: str,
    *,
    model: str = "bgnbd",
    period: str = "week",
    date_format: str | None = None,
    calibration_end: str | None = None,
    holdout_end: str | None = None,
    sep: str = ",",
    header: bool | None = None,
    horizon: float | None = None,
    months: int = 12,
    discount_rate: float = 0.10,
    draws: int = 100,
    seed: int = 0,
) -> ClvResult:
    """Fit BG/NBD (or Pareto/NBD) and Gamma-Gamma on purchases; predict each customer's purchases and CLV.

    ``customer``, ``date``, ``amount``: columns, by name or 1-based position. The models are
    calibrated on purchases up to ``calibration_end`` (default: the last purchase); with
    ``holdout_end``, the forecast is compared with the purchases after it. ``horizon``: the
    periods to forecast purchases over (default: the holdout, else a year); CLV is over
    ``months``, discounted at ``discount_rate`` a year, with its interval from ``draws``
    parameter draws.
    """
    if period not in PERIODS:
        raise ConfigError(f"--period {period!r}: choose week or day")
    if holdout_end and not calibration_end:
        raise ConfigError("--holdout-end needs --calibration-end (the holdout starts the day after it)")
    cal, hold = _day(calibration_end, "--calibration-end"), _day(holdout_end, "--holdout-end")
    if cal and hold and hold <= cal:
        raise ConfigError(f"--holdout-end {hold} must come after --calibration-end {cal}")
    if draws < 1 or months < 1:
        raise ConfigError("--draws and --months must be at least 1")
    days = PERIODS[period]
    con = scratch()
    try:
        loaded = load(con, transactions, customer, date, amount, date_format, sep, header)
        if loaded.accepted == 0:
            name = Path(transactions) if isinstance(transactions, str | Path) else FRAME
            raise ConfigError(f"{name}: no purchase could be read")
        cal = cal or str(con.execute(sql.LAST_PURCHASE.format(purchases=loaded.table)).fetchall()[0][0])
        summary = clv_model.summarise(con, loaded.table, "summary", cal, hold, days)
        rejects = fetch_arrays(con, sql.REJECTS.format(rejects=loaded.rejects))
    finally:
        con.close()
    fitted = clv_model.fit(summary, model, days)
    if horizon is None:
        horizon = (dt.date.fromisoformat(hold) - dt.date.fromisoformat(cal)).days / days if hold else 365.0 / days
    pred = clv_model.predict(fitted, summary, horizon, months, discount_rate, draws, seed)
    result = clv_model.describe(fitted)
    result["rows"] = {"read": loaded.read, "accepted": loaded.accepted, "rejected": loaded.rejected}
    result["calibration_end"] = cal
    result["period"] = period
    result["horizon_periods"] = round(horizon, 4)
    if hold:
        result["holdout_end"] = hold
        result["holdout"] = clv_model.holdout_metrics(pred.expected_purchases, summary.holdout_x)
    return ClvResult(_customers(summary, pred, bool(hold)), rejects, result, fitted)


def _customers(summary: clv_model.Summary, pred: clv_model.Predictions, holdout: bool) -> dict[str, np.ndarray]:
    """One row per customer, in the columns ``personacraft clv --out`` writes."""
    columns = {
        "customer_id": summary.customer_key,
        "x": summary.X[:, 0],
        "t_x": summary.X[:, 1],
        "T": summary.X[:, 2],
        "m_x": summary.m_x,
        "expected_purchases": pred.expected_purchases,
        "p_alive": pred.p_alive,
        "expected_spend": pred.expected_spend,
        "clv": pred.clv,
        "clv_low": pred.clv_low,
        "clv_high": pred.clv_high,
    }
    if holdout:
        columns["holdout_purchases"] = summary.holdout_x
    return {k: np.asarray(v) for k, v in columns.items()}
