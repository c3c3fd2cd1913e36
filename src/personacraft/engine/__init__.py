"""The engine seam: where the customer-scale SQL of a stage runs, DuckDB (the workspace) or Spark.

A stage hands its engine a list of *steps* (a template of the statement registry and the table it
writes), the DuckDB SQL of its inputs, and the settings its templates are filled with. Whatever
the engine, the tables end up in the run's schema of the workspace, with the types DuckDB gives
them, so every later stage reads them the same way:

- :data:`DUCKDB` runs each step in the workspace, as builds always did;
- :class:`personacraft.engine.spark.SparkEngine` writes the inputs as Parquet, runs the same
  templates as Spark SQL (transpiled by :mod:`personacraft.engine.dialect`), and loads each
  table it writes back from Parquet (docs/spark.md).

:meth:`Engine.map_customers` runs a Python function over every customer's rows of a registry
query (the persona assignment): DuckDB hands it the whole result, Spark one partition's batches
at a time (``mapInPandas``), each customer's rows always together
(:func:`personacraft.engine.customers.per_customer`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from personacraft.engine.customers import CustomerFn, per_customer
from personacraft.store import Run

if TYPE_CHECKING:
    from personacraft.config import Config

# (template of the statement registry, the run's table it writes)
Step = tuple[str, str]


class Engine(Protocol):
    """Runs a stage's steps and leaves their tables in the run."""

    name: str

    def run_steps(
        self, run: Run, steps: Sequence[Step], inputs: Mapping[str, str], params: Mapping[str, Any]
    ) -> None: ...

    def map_customers(
        self,
        run: Run,
        step: Step,
        inputs: Mapping[str, str],
        params: Mapping[str, Any],
        fn: CustomerFn,
        columns: Mapping[str, str],
    ) -> None:
        """``fn`` over the rows of ``step``'s query (a SELECT keyed by ``customer_key``), each customer's rows in
        one call; what it returns (``columns``: name -> DuckDB type) becomes the run's table ``step[1]``."""
        ...


class DuckDBEngine:
    """The default engine: every step runs in the workspace itself."""

    name = "duckdb"

    def run_steps(self, run: Run, steps: Sequence[Step], inputs: Mapping[str, str], params: Mapping[str, Any]) -> None:
        names = {**inputs, **{out: run.t(out) for _, out in steps}, **params}
        for template, out in steps:
            run.execute(template.format_map({**names, "out": run.t(out)}))

    def map_customers(
        self,
        run: Run,
        step: Step,
        inputs: Mapping[str, str],
        params: Mapping[str, Any],
        fn: CustomerFn,
        columns: Mapping[str, str],
    ) -> None:
        template, out = step
        rows = run.numpy(f"SELECT * FROM ({template.format_map({**inputs, **params})}) AS _q ORDER BY customer_key")
        done = list(per_customer(fn, [rows]))
        run.execute(
            f"CREATE OR REPLACE TABLE {run.t(out)} ({', '.join(f'{_quote(c)} {t}' for c, t in columns.items())})"
        )
        for i, part in enumerate(done):
            with run.arrays(f"{out}_{i}", part) as view:
                run.execute(f"INSERT INTO {run.t(out)} SELECT {', '.join(map(_quote, columns))} FROM {view}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


DUCKDB = DuckDBEngine()


def engine_for(config: Config) -> Engine:
    """The engine ``[engine] kind`` names (Spark's session is started on its first step)."""
    if config.engine.kind == "spark":
        from personacraft.engine.spark import SparkEngine  # pyspark is imported only when asked for

        return SparkEngine(config.engine)
    return DUCKDB
