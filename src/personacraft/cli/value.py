"""``personacraft clv``: BG/NBD and Gamma-Gamma on a transactions file, for users who only want CLV."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from personacraft.cli.common import console


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
    import personacraft.clv

    with console.status(f"Reading {transactions.name} and fitting {model} and Gamma-Gamma"):
        res = personacraft.clv.fit(
            transactions, customer, date_col, amount, model=model, period=period, date_format=date_format,
            calibration_end=calibration_end, holdout_end=holdout_end, sep=sep, header=header, horizon=horizon,
            months=months, discount_rate=discount_rate, draws=draws, seed=seed,
        )  # fmt: skip
    result = dict(res.summary)
    if out is not None:
        result.update(res.write(out))
    console.print(
        f"Fitted {result['model']} on {len(res.columns['customer_id']):,} customers "
        f"({result['rows']['rejected']:,} rows rejected)" + (f"; predictions written to {out}" if out else "") + "."
    )
    print(json.dumps(result))
