"""The registry's DuckDB SQL in another dialect: sqlglot's transpiler plus the fixes where meanings differ.

The statement registry (:mod:`personacraft.pipeline.statements`) is written for DuckDB. sqlglot
turns the syntax into Spark, BigQuery or Snowflake SQL; where a function has the same name but
another meaning, :func:`to_dialect` rewrites it for Spark (the one dialect this project runs, in
``tests/engine/``) so that both engines give the same rows:

- ``date_diff('day', a, b)`` counts the day boundaries crossed in DuckDB; Spark's
  ``datediff(DAY, a, b)`` counts whole days elapsed. Spark gets ``datediff(CAST(b AS DATE), CAST(a AS DATE))``.
- ``dayofweek`` is 0 (Sunday) to 6 in DuckDB, 1 to 7 in Spark; ``isodow`` is computed from it.
- ``first(x ORDER BY …)`` (an ordered aggregate) has no Spark form: the rows are collected and sorted
  by a comparator with DuckDB's order (NULLS LAST, both directions), and the first one is taken.
- ``quantile_cont(x, p)`` is Spark's ``percentile(x, p)`` (the same linear interpolation).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from personacraft.errors import EngineError

DIALECTS = ("duckdb", "spark", "bigquery", "snowflake")


def parse(sql: str) -> exp.Expr:
    """One DuckDB statement of the registry as a sqlglot tree."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if tree is None:  # pragma: no cover - parse_one raises on empty input
        raise EngineError("empty SQL statement")
    return tree


def query_of(sql: str) -> exp.Expr:
    """The query of a ``CREATE [OR REPLACE] TABLE … AS <query>`` (the statement itself otherwise)."""
    tree = parse(sql)
    if isinstance(tree, exp.Create) and isinstance(tree.expression, exp.Query):
        return tree.expression
    return tree


def to_dialect(sql: str | exp.Expr, dialect: str, *, pretty: bool = False) -> str:
    """``sql`` (DuckDB) rendered in ``dialect``, with the Spark fixes of this module's docstring."""
    if dialect not in DIALECTS:
        raise EngineError(f"unknown SQL dialect {dialect!r}; choose from {', '.join(DIALECTS)}.")
    tree = parse(sql) if isinstance(sql, str) else sql
    if dialect == "duckdb":
        return tree.sql("duckdb", pretty=pretty)
    if dialect == "spark":
        tree = tree.copy().transform(_spark_fix)
    try:
        return tree.sql(dialect, pretty=pretty, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as exc:
        raise EngineError(f"the statement cannot be written in {dialect}: {exc}") from exc


def _spark(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read="spark")


def _s(node: exp.Expr) -> str:
    return node.sql("spark")


def _spark_fix(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.DateDiff) and node.text("unit").upper() == "DAY":
        end, start = _s(node.this), _s(node.expression)
        return _spark(f"DATEDIFF(CAST({end} AS DATE), CAST({start} AS DATE))")
    if isinstance(node, exp.DayOfWeekIso):
        return _spark(f"(((DAYOFWEEK({_s(node.this)}) + 5) % 7) + 1)")
    if isinstance(node, exp.DayOfWeek):
        return _spark(f"(DAYOFWEEK({_s(node.this)}) - 1)")
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return _spark(f"PERCENTILE({_s(node.this)}, {_s(node.expression)})")
    if isinstance(node, exp.First) and isinstance(node.this, exp.Order):
        return _first_ordered(node.this)
    return node


def _first_ordered(order: exp.Order) -> exp.Expr:
    """``first(x ORDER BY k1 [DESC], k2 …)`` as Spark: sort the collected rows, take the first."""
    keys = list(order.expressions)
    fields = [f"{_s(k.this)} AS k{i}" for i, k in enumerate(keys)] + [f"{_s(order.this)} AS v"]
    cmp = "0"
    for i in reversed(range(len(keys))):
        lo, hi = ("1", "-1") if keys[i].args.get("desc") else ("-1", "1")
        a, b = f"l.k{i}", f"r.k{i}"
        cmp = (
            f"CASE WHEN {a} IS NULL AND {b} IS NULL THEN {cmp} WHEN {a} IS NULL THEN 1 WHEN {b} IS NULL THEN -1 "
            f"WHEN {a} < {b} THEN {lo} WHEN {a} > {b} THEN {hi} ELSE {cmp} END"
        )
    rows = f"COLLECT_LIST(STRUCT({', '.join(fields)}))"
    return _spark(f"ELEMENT_AT(ARRAY_SORT({rows}, (l, r) -> {cmp}), 1).v")
