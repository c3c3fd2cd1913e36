"""The design matrix: behaviour counts in long form become a dense customers × values array.

On an engine other than DuckDB, every customer's decision is computed where the counts are
(:func:`assign_everyone`, the registry's ``ASSIGN_COUNTS``) and only the decisions come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from personacraft.engine import Engine
from personacraft.errors import EngineError
from personacraft.segment.assignment import DECISION_COLUMNS, Decision, PersonaModel, decide_counts, decision_of
from personacraft.store import Run

# Every customer's counts of the model's columns in long form, for the assignment on the engine: one row per
# (customer, column j of {columns}), as count_matrix sums them; a customer with none has one row with j = -1.
ASSIGN_COUNTS = """
SELECT k.customer_key, coalesce(c.j, -1) AS j, coalesce(c.n, 0.0) AS n
FROM (SELECT DISTINCT customer_key FROM {customer_index} WHERE customer_key IS NOT NULL) AS k
LEFT JOIN (
    SELECT x.customer_key, v.j, sum(x.n) AS n
    FROM {feature_counts} AS x JOIN {columns} AS v ON x.family = v.family AND x.value = v.value
    WHERE x.n > 0 AND isfinite(x.n)
    GROUP BY x.customer_key, v.j
) AS c ON c.customer_key = k.customer_key
"""


@dataclass(frozen=True)
class Design:
    """Customers × (family, value) counts, with the family of each column."""

    customers: np.ndarray
    N: np.ndarray
    columns: list[tuple[str, str]]
    families: np.ndarray  # family index of each column
    family_names: list[str]


def load_design(run: Run, counts_table: str = "feature_counts") -> Design:
    """Read ``feature_counts`` into a dense matrix (a vectorised scatter, no row loops).

    Every customer of ``customer_index`` gets a row, in customer_key order.
    """
    run.execute(
        f"""CREATE OR REPLACE TEMP TABLE _vidx AS
        SELECT family, value, (row_number() OVER (ORDER BY family, value)) - 1 AS j,
               dense_rank() OVER (ORDER BY family) - 1 AS f
        FROM (SELECT DISTINCT family, value FROM {run.t(counts_table)} WHERE value IS NOT NULL)"""
    )
    cols = run.numpy("SELECT family, value, f FROM _vidx ORDER BY j")
    fam_names = run.numpy("SELECT DISTINCT family, f FROM _vidx ORDER BY f")["family"].tolist()
    everyone = f"SELECT customer_key FROM {run.t('customer_index')}"
    customers, N = count_matrix(run, run.t(counts_table), everyone, "_vidx")
    return Design(
        customers=customers,
        N=N,
        columns=[(str(f), str(v)) for f, v in zip(cols["family"], cols["value"], strict=True)],
        families=np.asarray(cols["f"], dtype=np.int64),
        family_names=[str(f) for f in fam_names],
    )


def count_matrix(run: Run, counts: str, keys_sql: str, columns: str) -> tuple[np.ndarray, np.ndarray]:
    """Customers (sorted) × columns of the counts in ``counts`` (customer_key, family, value, n).

    ``keys_sql`` selects the customer_key of every row wanted; ``columns`` is a table of
    (family, value, j) giving each column's index. Values not in ``columns`` are left out.
    """
    run.execute(
        f"""CREATE OR REPLACE TEMP TABLE _cidx AS
        SELECT customer_key, (row_number() OVER (ORDER BY customer_key)) - 1 AS i
        FROM (SELECT DISTINCT customer_key FROM ({keys_sql}))"""
    )
    customers = run.numpy("SELECT customer_key FROM _cidx ORDER BY i")["customer_key"]
    width = int(run.scalar(f"SELECT coalesce(max(j) + 1, 0) FROM {columns}") or 0)
    vals = run.numpy(
        f"""SELECT c.i, v.j, sum(x.n) AS n FROM {counts} x
        JOIN _cidx c USING (customer_key) JOIN {columns} v USING (family, value)
        WHERE x.n > 0 AND isfinite(x.n) GROUP BY 1, 2"""
    )
    N = np.zeros((len(customers), width), dtype=np.float64)
    N[vals["i"].astype(np.int64), vals["j"].astype(np.int64)] = vals["n"].astype(np.float64)
    return np.asarray(customers, dtype=object), N


class _Decide:
    """:func:`decide_counts` with one model, as a picklable callable (Spark ships it to its Python workers)."""

    def __init__(self, model: PersonaModel) -> None:
        self.model = model

    def __call__(self, rows: dict[str, Any]) -> dict[str, np.ndarray]:
        return decide_counts(self.model, rows)


def assign_everyone(run: Run, engine: Engine, personas: PersonaModel, customers: np.ndarray) -> Decision:
    """Every customer's decision, computed on ``engine`` over ``feature_counts`` with the saved model's columns
    (``segment_columns``): the run's ``assignments`` table, read back in the order of ``customers``."""
    engine.map_customers(
        run,
        (ASSIGN_COUNTS, "assignments"),
        {
            "customer_index": run.t("customer_index"),
            "feature_counts": run.t("feature_counts"),
            "columns": run.t("segment_columns"),
        },
        {},
        _Decide(personas),
        DECISION_COLUMNS,
    )
    got = run.numpy(f"SELECT * FROM {run.t('assignments')} ORDER BY customer_key")
    if got["customer_key"].tolist() != list(customers):
        raise EngineError(
            f"the {engine.name} engine assigned {len(got['customer_key']):,} customers, the design has "
            f"{len(customers):,}: the assignment does not cover the same customers"
        )
    return decision_of(got, personas.persona_ids)
