"""``personacraft churn``: a calibrated churn model on one customer table, for users who only want churn."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import duckdb
import typer

from personacraft.cli.common import console
from personacraft.errors import ConfigError
from personacraft.sources.columns import lit
from personacraft.sources.reading.messages import duck_message
from personacraft.value.churn_table import read_table


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
    from personacraft.value.churn import cross_validated_auc
    from personacraft.value.churn_drivers import group_drivers

    if folds < 2:
        raise ConfigError(f"--folds {folds}: use at least 2")
    if out is not None and not out.parent.is_dir():
        raise ConfigError(f"--out {out}: the folder {out.parent} does not exist")
    with console.status(f"Reading {path.name}"):
        table = read_table(path, target, id_col, sep, positive)
    summary: dict[str, object] = {"customers": len(table.y), "churn_rate": float(table.y.mean())}
    with console.status(f"Cross-validating on {len(table.y):,} customers"):
        cv = cross_validated_auc(table.columns, table.y, folds=folds, seed=seed)
    if isinstance(cv, str):
        console.print(f"No churn model: {cv}.", soft_wrap=True)
        print(json.dumps({**summary, "cv_auc": None, "cv_auc_folds": [], "brier": None, "drivers": [], "reason": cv}))
        return
    with console.status("Measuring drivers"):
        found = group_drivers(cv, table.columns, table.y, seed=seed)["all"]
    drivers = [] if isinstance(found, str) else [asdict(d) for d in found.drivers]
    if out is not None:
        con = duckdb.connect()
        con.register("_churn", {table.id_name: table.ids, "churned": table.y, "churn_probability": cv.proba})
        try:
            con.execute(f"COPY (SELECT * FROM _churn) TO {lit(str(out))} (HEADER, DELIMITER ',')")
        except duckdb.Error as exc:
            raise ConfigError(f"--out {out}: cannot write it ({duck_message(exc)})") from exc
    console.print(
        f"Churn on {len(table.y):,} customers ({table.y.mean():.1%} churned): {folds}-fold AUC {cv.auc:.3f} "
        f"(folds {min(cv.auc_folds):.3f} to {max(cv.auc_folds):.3f}), Brier {cv.brier:.4f} against "
        f"{cv.brier_base:.4f} for the base rate" + (f". Written to {out}." if out else "."),
        soft_wrap=True,
    )
    print(
        json.dumps(
            {
                **summary,
                "cv_auc": cv.auc,
                "cv_auc_folds": list(cv.auc_folds),
                "brier": cv.brier,
                "brier_base": cv.brier_base,
                "drivers": drivers,
            }
        )
    )
