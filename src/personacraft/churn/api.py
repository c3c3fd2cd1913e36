"""Churn in one call, from a notebook or the ``personacraft churn`` command: read, cross-validate, find drivers.

    import personacraft.churn
    res = personacraft.churn.fit("customers.csv", target="Churn", id="customerID")
    res.customers  # id, churned, churn_probability (out of fold)
    res.auc, res.validation, res.drivers, res.summary

``table`` is a CSV's path (read as ``personacraft churn`` reads it) or a pandas DataFrame
(each value read as its text).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np

from personacraft.churn import sql
from personacraft.churn.drivers import group_drivers
from personacraft.churn.table import ChurnTable, read_table
from personacraft.churn.validation import CrossValidation, cross_validated_auc
from personacraft.clv.transactions import Source
from personacraft.errors import ConfigError, require_pandas
from personacraft.sources.columns import lit
from personacraft.sources.reading.messages import duck_message
from personacraft.store import scratch

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class ChurnResult:
    """A cross-validated churn model on one table; ``reason`` instead of a model when the data are too few."""

    table: ChurnTable
    summary: dict[str, Any]  # as ``personacraft churn`` prints it (JSON-ready)
    validation: CrossValidation | None = None
    drivers: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None

    @property
    def auc(self) -> float | None:
        """The mean out-of-fold AUC (None without a model)."""
        return None if self.validation is None else self.validation.auc

    @property
    def columns(self) -> dict[str, np.ndarray] | None:
        """Each customer's id, whether they churned and their out-of-fold churn probability (None without a model)."""
        if self.validation is None:
            return None
        t = self.table
        return {t.id_name: np.asarray(t.ids), "churned": np.asarray(t.y), "churn_probability": self.validation.proba}

    @property
    def customers(self) -> pd.DataFrame | None:
        """:attr:`columns` as a DataFrame (needs the ``pandas`` extra)."""
        columns = self.columns
        return None if columns is None else require_pandas("ChurnResult.customers (a DataFrame)").DataFrame(columns)

    def write(self, out: str | Path) -> None:
        """Write :attr:`columns` to the CSV ``out``."""
        customers = self.columns
        if customers is None:
            raise ConfigError(f"{out}: there is no churn model to write the probabilities of ({self.reason})")
        con = scratch()
        try:
            con.register("_churn", customers)
            con.execute(sql.WRITE_CUSTOMERS.format(table="_churn", path=lit(str(out))))
        except duckdb.Error as exc:
            raise ConfigError(f"--out {out}: cannot write it ({duck_message(exc)})") from exc
        finally:
            con.close()


def fit(
    table: Source,
    target: str,
    id: str | None = None,
    *,
    sep: str = ",",
    positive: str | None = None,
    folds: int = 5,
    seed: int = 0,
) -> ChurnResult:
    """Cross-validate a calibrated churn model on one row per customer, and find its drivers.

    ``target``: the column that says whether a customer churned (yes/no, true/false, 1/0, or
    ``positive`` names the value that means churned); ``id``: the customer id column, kept
    but not learned from. Every other column is a feature.
    """
    if folds < 2:
        raise ConfigError(f"--folds {folds}: use at least 2")
    data = read_table(table, target, id, sep, positive)
    summary: dict[str, Any] = {"customers": len(data.y), "churn_rate": float(data.y.mean())}
    cv = cross_validated_auc(data.columns, data.y, folds=folds, seed=seed)
    if isinstance(cv, str):
        summary |= {"cv_auc": None, "cv_auc_folds": [], "brier": None, "drivers": [], "reason": cv}
        return ChurnResult(data, summary, reason=cv)
    found = group_drivers(cv, data.columns, data.y, seed=seed)["all"]
    drivers = [] if isinstance(found, str) else [asdict(d) for d in found.drivers]
    summary |= {
        "cv_auc": cv.auc,
        "cv_auc_folds": list(cv.auc_folds),
        "brier": cv.brier,
        "brier_base": cv.brier_base,
        "drivers": drivers,
    }
    return ChurnResult(data, summary, cv, drivers)
