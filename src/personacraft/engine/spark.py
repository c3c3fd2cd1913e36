"""The Spark engine: a stage's steps as Spark SQL over Parquet, their tables loaded back into the workspace.

The inputs a stage's templates name are written from the workspace as Parquet (in a real lake
they are already there), registered as Spark views, and each step's query (the registry's DuckDB
SQL through :func:`personacraft.engine.dialect.to_dialect`) writes its table as Parquet, which is
both the next step's input and what the workspace loads, with the column types the same
statement has in DuckDB. :meth:`SparkEngine.map_customers` runs a Python function (the persona
assignment) with ``mapInPandas`` over a registry query's rows, clustered and sorted by customer,
and its result comes back the same way, as Parquet. On a local master the Python workers are this
interpreter (``PYSPARK_PYTHON``, unless it is set already), so they import the same personacraft; on a cluster the
executors need personacraft installed. pyspark is imported only here (the ``spark`` extra).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from personacraft.engine.customers import CustomerFn, per_customer
from personacraft.engine.dialect import query_of, to_dialect
from personacraft.engine_settings import EngineConfig
from personacraft.errors import EngineError, MissingExtraError
from personacraft.store import Run


def spark_session(cfg: EngineConfig) -> Any:
    """The Spark session of ``cfg`` (the active one when a session is already running in this process)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise MissingExtraError('[engine] kind = "spark"', "spark") from exc
    builder = (
        SparkSession.builder.master(cfg.master)
        .appName(cfg.app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # the CLI draws its own progress
        .config("spark.sql.shuffle.partitions", str(cfg.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")  # as the workspace: every timestamp is UTC
        .config("spark.sql.ansi.enabled", "false")  # x / 0 is NULL, as in DuckDB
    )
    if cfg.master.startswith("local"):  # mapInPandas' Python workers: this interpreter, which has personacraft
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # (pyspark reads only the variable)
    for key, value in cfg.conf.items():
        builder = builder.config(key, str(value).lower() if isinstance(value, bool) else str(value))
    try:
        with warnings.catch_warnings():  # pyspark warns that it predates pandas 3; its pandas paths are not used
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
            session = builder.getOrCreate()
    except Exception as exc:  # no Java, a master that does not answer
        raise EngineError(f"Spark did not start (master {cfg.master!r}): {_first_line(exc)}") from exc
    session.sparkContext.setLogLevel("FATAL")  # failures are raised, with their message, as EngineError
    return session


def _first_line(exc: BaseException) -> str:
    """The message of a Spark failure: its first line, or for a Python worker's, the error its traceback ends on."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if "Python worker" in lines[0]:
        error = next((line for line in lines if line.split(":")[0].endswith(("Error", "Exception"))), None)
        if error:
            return f"{lines[0]} {error}"[:500]
    return lines[0][:500]


# the DuckDB types map_customers' results may have, as Spark types
SPARK_TYPES = {"VARCHAR": "string", "INTEGER": "int", "BIGINT": "bigint", "DOUBLE": "double", "BOOLEAN": "boolean"}


def _pandas_fn(fn: CustomerFn, names: list[str]) -> Any:
    """``fn`` (column arrays) as mapInPandas wants it (an iterator of pandas frames in and out)."""

    def run(frames: Any) -> Any:
        import pandas as pd

        batches = ({c: f[c].to_numpy() for c in f.columns} for f in frames)
        for out in per_customer(fn, batches):
            yield pd.DataFrame({c: out[c] for c in names})

    return run


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class SparkEngine:
    """Runs steps as Spark SQL; ``timings`` keeps (table, seconds, rows) of each step, for the benchmark."""

    name = "spark"

    def __init__(self, cfg: EngineConfig, session: Any = None) -> None:
        self.cfg = cfg
        self._session = session
        self.timings: list[tuple[str, float, int]] = []

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = spark_session(self.cfg)
        return self._session

    def run_steps(
        self, run: Run, steps: Sequence[tuple[str, str]], inputs: Mapping[str, str], params: Mapping[str, Any]
    ) -> None:
        folder = run.scratch / "spark"
        shutil.rmtree(folder, ignore_errors=True)
        outs = [out for _, out in steps]
        # an input that is one of these steps' own tables (journey's {touches}) is read from that step's view
        made = {run.t(out): out for out in outs}
        views = {name: f"pc_{made.get(sql, name)}" for name, sql in inputs.items()} | {o: f"pc_{o}" for o in outs}
        try:
            for name, sql in inputs.items():
                if sql not in made and any("{" + name + "}" in template for template, _ in steps):
                    self._export(run, name, sql, folder / "in" / f"{name}.parquet")
            for template, out in steps:
                started = time.perf_counter()
                spark_sql = template.format_map({**params, **views, "out": views[out]})
                path = folder / "out" / out
                try:
                    self.session.sql(to_dialect(query_of(spark_sql), "spark")).write.mode("overwrite").parquet(
                        str(path)
                    )
                except EngineError:
                    raise
                except Exception as exc:
                    raise EngineError(f"Spark could not compute the {out} table: {_first_line(exc)}") from exc
                self.session.read.parquet(str(path)).createOrReplaceTempView(views[out])
                duck_sql = template.format_map({**inputs, **{o: run.t(o) for o in outs}, **params, "out": run.t(out)})
                rows = self._load(run, out, duck_sql, path)
                self.timings.append((out, time.perf_counter() - started, rows))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def map_customers(
        self,
        run: Run,
        step: tuple[str, str],
        inputs: Mapping[str, str],
        params: Mapping[str, Any],
        fn: CustomerFn,
        columns: Mapping[str, str],
    ) -> None:
        """``fn`` with mapInPandas over the step's query, its rows partitioned by customer_key and sorted within
        each partition; the result written as Parquet and loaded into the run's table ``step[1]``."""
        template, out = step
        bad = [t for t in columns.values() if t not in SPARK_TYPES]
        if bad:
            raise EngineError(f"the {out} table: no Spark type for {bad[0]}")
        folder = run.scratch / "spark"
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        try:
            for name, sql in inputs.items():
                if "{" + name + "}" in template:
                    self._export(run, name, sql, folder / "in" / f"{name}.parquet")
            query = to_dialect(template.format_map({**params, **{n: f"pc_{n}" for n in inputs}}), "spark")
            schema = ", ".join(f"`{c}` {SPARK_TYPES[t]}" for c, t in columns.items())
            path = folder / "out" / out
            try:
                rows = self.session.sql(query).repartition(self.cfg.shuffle_partitions, "customer_key")
                rows = rows.sortWithinPartitions("customer_key")
                with warnings.catch_warnings():  # pyspark 4.3 warns of pandas 3; the frames here are plain columns
                    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
                    mapped = rows.mapInPandas(_pandas_fn(fn, list(columns)), schema)
                    mapped.write.mode("overwrite").parquet(str(path))
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(f"Spark could not compute the {out} table: {_first_line(exc)}") from exc
            defs = ", ".join(f'"{c}" {t}' for c, t in columns.items())
            run.execute(f"CREATE OR REPLACE TABLE {run.t(out)} ({defs})")
            if any(path.glob("*.parquet")):
                names = ", ".join(f'"{c}"' for c in columns)
                run.execute(
                    f"INSERT INTO {run.t(out)} SELECT {names} FROM read_parquet({_literal(path / '*.parquet')})"
                )
            rows_out = int(run.scalar(f"SELECT count(*) FROM {run.t(out)}") or 0)
            self.timings.append((out, time.perf_counter() - started, rows_out))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _export(self, run: Run, name: str, sql: str, path: Path) -> None:
        """Write one input from the workspace as Parquet and register it as a Spark view."""
        path.parent.mkdir(parents=True, exist_ok=True)
        run.execute(f"COPY (SELECT * FROM {sql} AS _input) TO {_literal(path)} (FORMAT parquet)")
        self.session.read.parquet(str(path)).createOrReplaceTempView(f"pc_{name}")

    def _load(self, run: Run, out: str, duck_sql: str, path: Path) -> int:
        """Load a step's Parquet into the run's table ``out``, with the column types DuckDB gives it."""
        query = query_of(duck_sql).sql("duckdb")
        run.execute(f"CREATE OR REPLACE TABLE {run.t(out)} AS SELECT * FROM ({query}) AS _shape LIMIT 0")
        if any(path.glob("*.parquet")):  # an empty result may leave no file
            run.execute(f"INSERT INTO {run.t(out)} SELECT * FROM read_parquet({_literal(path / '*.parquet')})")
        return int(run.scalar(f"SELECT count(*) FROM {run.t(out)}") or 0)
