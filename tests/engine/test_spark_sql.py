"""The rewrites of engine.dialect give on Spark what DuckDB gives, on rows chosen to tell the meanings apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from personacraft.engine.dialect import to_dialect
from personacraft.engine.spark import SparkEngine
from personacraft.engine_settings import EngineConfig
from personacraft.errors import EngineError
from personacraft.store import Workspace

pytestmark = [pytest.mark.spark, pytest.mark.slow]

ROWS = """
SELECT * FROM (VALUES
    ('a', TIMESTAMP '2024-03-03 23:30:00', TIMESTAMP '2024-03-04 00:10:00', 2.0, 'x'),   -- a Sunday; crosses midnight
    ('a', TIMESTAMP '2024-03-04 10:00:00', TIMESTAMP '2024-03-09 09:00:00', NULL, 'y'),  -- 4 days 23 h; NULL key
    ('a', TIMESTAMP '2024-03-09 12:00:00', TIMESTAMP '2024-03-10 11:00:00', 2.0, 'w'),   -- a tie on k, broken by v
    ('b', TIMESTAMP '2024-03-10 08:00:00', TIMESTAMP '2024-03-10 09:00:00', NULL, NULL),
    ('b', TIMESTAMP '2024-03-16 08:00:00', TIMESTAMP '2024-03-18 07:59:59', 1.0, 'z')
) AS t(g, a, b, k, v)
"""
QUERY = """
SELECT g,
       list(date_diff('day', a, b) ORDER BY a) AS days,
       list(dayofweek(a) ORDER BY a) AS dow,
       list(isodow(a) ORDER BY a) AS iso,
       quantile_cont(k, 1 / 3) AS q,
       first(v ORDER BY k, v) AS lo_first,
       first(v ORDER BY k DESC, v DESC) AS hi_first,
       first(v ORDER BY a DESC) AS newest,
       bool_and(isfinite(k)) AS finite,
       list(DISTINCT coalesce(v, '-') ORDER BY coalesce(v, '-')) AS vs,
       (list(DISTINCT coalesce(v, '-') ORDER BY coalesce(v, '-')))[2:3] AS middle,
       arg_min(coalesce(v, '-'), (k IS NULL, coalesce(v, '-'))) AS least_v
FROM rows GROUP BY g ORDER BY g
"""


def test_rewritten_functions_agree(spark: Any, tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE rows AS {ROWS}")
    con.execute(f"COPY rows TO '{tmp_path / 'rows.parquet'}' (FORMAT parquet)")
    expected = [tuple(r) for r in con.execute(QUERY).fetchall()]
    assert expected[0][1:3] == ([1, 5, 1], [0, 1, 6])  # the boundaries DuckDB counts, Sunday = 0
    assert expected[0][-3:] == (["w", "x", "y"], ["x", "y"], "w")  # sorted distinct, a 1-based slice, by a tuple
    spark.read.parquet(str(tmp_path / "rows.parquet")).createOrReplaceTempView("rows")
    spark_sql = to_dialect(QUERY.replace("list(", "array_agg("), "spark")  # Spark has no list(); same meaning
    got = [tuple(r) for r in spark.sql(spark_sql).collect()]
    assert got == expected


def test_a_step_spark_cannot_run_names_its_table(spark: Any, tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="x", config={}, inputs=[], version="t")
        engine = SparkEngine(EngineConfig(kind="spark"), session=spark)
        steps = [("CREATE OR REPLACE TABLE {out} AS SELECT no_such_column FROM {orders}", "broken")]
        with pytest.raises(EngineError, match="Spark could not compute the broken table"):
            engine.run_steps(run, steps, {"orders": run.t("orders")}, {})
        assert not run.has_table("broken")
