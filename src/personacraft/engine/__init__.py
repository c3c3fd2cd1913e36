"""The engine seam: where the customer-scale SQL of a stage runs, DuckDB (the workspace) or Spark.

A stage hands its engine a list of *steps* (a template of the statement registry and the table it
writes), the DuckDB SQL of its inputs, and the settings its templates are filled with. Whatever
the engine, the tables end up in the run's schema of the workspace, with the types DuckDB gives
them, so every later stage reads them the same way:

- :data:`DUCKDB` runs each step in the workspace, as builds always did;
- :class:`personacraft.engine.spark.SparkEngine` writes the inputs as Parquet, runs the same
  templates as Spark SQL (transpiled by :mod:`personacraft.engine.dialect`), and loads each
  table it writes back from Parquet (docs/spark.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

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


class DuckDBEngine:
    """The default engine: every step runs in the workspace itself."""

    name = "duckdb"

    def run_steps(self, run: Run, steps: Sequence[Step], inputs: Mapping[str, str], params: Mapping[str, Any]) -> None:
        names = {**inputs, **{out: run.t(out) for _, out in steps}, **params}
        for template, out in steps:
            run.execute(template.format_map({**names, "out": run.t(out)}))


DUCKDB = DuckDBEngine()


def engine_for(config: Config) -> Engine:
    """The engine ``[engine] kind`` names (Spark's session is started on its first step)."""
    if config.engine.kind == "spark":
        from personacraft.engine.spark import SparkEngine  # pyspark is imported only when asked for

        return SparkEngine(config.engine)
    return DUCKDB
