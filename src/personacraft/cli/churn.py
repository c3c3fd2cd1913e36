"""``personacraft churn``: a calibrated churn model on one customer table, for users who only want churn."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from personacraft.cli.common import console
from personacraft.errors import ConfigError


def churn(
    path: Path = typer.Argument(..., help="One row per customer, with a header (CSV)."),
    target: str = typer.Option(..., "--target", help="The column that says whether the customer churned."),
    id_col: str | None = typer.Option(None, "--id", help="The customer id column (written to --out, not learned)."),
    sep: str = typer.Option(",", "--sep", help='Field separator: a character, or "\\t" for tabs.'),
    out: Path | None = typer.Option(None, "--out", help="Where to write each customer's churn probability (CSV)."),
    folds: int = typer.Option(5, "--folds", help="Cross-validation folds."),
    seed: int = typer.Option(0, "--seed", help="Seed of the folds and the model."),
    positive: str | None = typer.Option(
        None, "--positive", help="The target value that means churned (default: yes, true or 1)."
    ),
) -> None:
    """Cross-validate a calibrated churn model; print its scores and drivers as JSON, write probabilities."""
    import personacraft.churn

    if out is not None and not out.parent.is_dir():
        raise ConfigError(f"--out {out}: the folder {out.parent} does not exist")
    with console.status(f"Reading {path.name} and cross-validating"):
        res = personacraft.churn.fit(path, target, id_col, sep=sep, positive=positive, folds=folds, seed=seed)
    cv, y = res.validation, res.table.y
    if cv is None:
        console.print(f"No churn model: {res.reason}.", soft_wrap=True)
        print(json.dumps(res.summary))
        return
    if out is not None:
        res.write(out)
    console.print(
        f"Churn on {len(y):,} customers ({y.mean():.1%} churned): {folds}-fold AUC {cv.auc:.3f} "
        f"(folds {min(cv.auc_folds):.3f} to {max(cv.auc_folds):.3f}), Brier {cv.brier:.4f} against "
        f"{cv.brier_base:.4f} for the base rate" + (f". Written to {out}." if out else "."),
        soft_wrap=True,
    )
    print(json.dumps(res.summary))
