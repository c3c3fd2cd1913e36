"""``personacraft clv``: BG/NBD and Gamma-Gamma on a transactions file, for users who only want CLV."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from personacraft.cli.common import console

PERIODS = {"week": 7.0, "day": 1.0}


def _day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        from personacraft.errors import ConfigError

        raise ConfigError(f"{option} {value!r} is not a date: write it as YYYY-MM-DD") from None


def clv(
    transactions: Path = typer.Argument(..., help="One row per purchase: CSV, or whitespace-separated (--sep)."),
    customer: str = typer.Option(..., "--customer", help="The customer column (name, or 1-based position)."),
    date_col: str = typer.Option(..., "--date", help="The purchase date column (name or position)."),
    amount: str = typer.Option(..., "--amount", help="The purchase value column (name or position)."),
    date_format: str | None = typer.Option(
        None, "--date-format", help="strptime format, e.g. %Y%m%d (default: guessed)."
    ),
    calibration_end: str | None = typer.Option(
        None, "--calibration-end", help="Fit on purchases up to this day, YYYY-MM-DD (default: the last purchase)."
    ),
    holdout_end: str | None = typer.Option(
        None, "--holdout-end", help="Compare the forecast with the purchases after the calibration, up to this day."
    ),
    period: str = typer.Option("week", "--period", help="The time unit of the model: week or day."),
    sep: str = typer.Option(",", "--sep", help='Field separator: a character, "\\t", or "whitespace" (CDNOW).'),
    header: bool | None = typer.Option(None, "--header/--no-header", help="Whether line 1 names the columns."),
    model: str = typer.Option("bgnbd", "--model", help="The purchase model: bgnbd or pareto_nbd."),
    horizon: float | None = typer.Option(
        None, "--horizon", help="Periods to forecast purchases over (default: the holdout, else a year)."
    ),
    months: int = typer.Option(12, "--months", help="The CLV horizon in months."),
    discount_rate: float = typer.Option(0.10, "--discount-rate", help="Annual discount rate of CLV."),
    draws: int = typer.Option(100, "--draws", help="Parameter draws behind the CLV intervals (1: none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the parameter draws."),
    out: Path | None = typer.Option(None, "--out", help="Where to write per-customer predictions (CSV)."),
) -> None:
    """Fit BG/NBD (or Pareto/NBD) and Gamma-Gamma; print the fit as JSON and write per-customer CLV."""
    import duckdb
    import numpy as np

    from personacraft.errors import ConfigError
    from personacraft.value import clv as clv_model
    from personacraft.value.transactions import load

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
    con = duckdb.connect()
    with console.status(f"Reading {transactions.name}"):
        loaded = load(con, transactions, customer, date_col, amount, date_format, sep, header)
    if loaded.accepted == 0:
        raise ConfigError(f"{transactions}: no purchase could be read")
    cal = cal or str(con.execute("SELECT max(ordered_at) FROM purchases").fetchall()[0][0])
    with console.status(f"Fitting {model} and Gamma-Gamma"):
        summary = clv_model.summarise(con, "purchases", "summary", cal, hold, days)
        fitted = clv_model.fit(summary, model, days)
    if horizon is None:
        horizon = (date.fromisoformat(hold) - date.fromisoformat(cal)).days / days if hold else 365.0 / days
    with console.status(f"Predicting {summary.n:,} customers ({draws} parameter draws)"):
        pred = clv_model.predict(fitted, summary, horizon, months, discount_rate, draws, seed)
    result = clv_model.describe(fitted)
    result["rows"] = {"read": loaded.read, "accepted": loaded.accepted, "rejected": loaded.rejected}
    result["calibration_end"] = cal
    result["period"] = period
    result["horizon_periods"] = round(horizon, 4)
    if hold:
        result["holdout_end"] = hold
        result["holdout"] = clv_model.holdout_metrics(pred.expected_purchases, summary.holdout_x)
    if out is not None:
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
        if hold:
            columns["holdout_purchases"] = summary.holdout_x
        frame = {k: np.asarray(v) for k, v in columns.items()}
        out.parent.mkdir(parents=True, exist_ok=True)
        con.register("predictions", frame)
        con.execute(f"COPY predictions TO '{out.as_posix()}' (HEADER, DELIMITER ',')")
        result["out"] = str(out)
        if loaded.rejected:
            rejects = out.with_name(out.stem + ".rejects.csv")
            con.execute(f"COPY (SELECT * FROM rejects ORDER BY _line) TO '{rejects.as_posix()}' (HEADER)")
            result["rejects"] = str(rejects)
    console.print(
        f"Fitted {result['model']} on {summary.n:,} customers ({loaded.rejected:,} rows rejected)"
        + (f"; predictions written to {out}" if out else "")
        + "."
    )
    print(json.dumps(result))
