"""The registry's DuckDB SQL in another dialect: sqlglot's transpiler plus the fixes where meanings differ.

The statement registry (:mod:`personacraft.pipeline.statements`) is written for DuckDB. sqlglot
turns the syntax into Spark, BigQuery or Snowflake SQL; where a function has the same name but
another meaning, :func:`to_dialect` rewrites it for Spark (the one dialect this project runs, in
``tests/engine/``) so that both engines give the same rows (BigQuery and Snowflake get the ordered
``first`` rewritten too, as they have no such aggregate; neither is run in CI):

- ``date_diff('day', a, b)`` counts the day boundaries crossed in DuckDB; Spark's
  ``datediff(DAY, a, b)`` counts whole days elapsed. Spark gets ``datediff(CAST(b AS DATE), CAST(a AS DATE))``.
- ``dayofweek`` is 0 (Sunday) to 6 in DuckDB, 1 to 7 in Spark; ``isodow`` is computed from it.
- ``first(x ORDER BY …)`` (an ordered aggregate) has no Spark form: the rows are collected and sorted
  by a comparator with DuckDB's order (NULLS LAST, both directions), and the first one is taken.
- ``quantile_cont(x, p)`` is Spark's ``percentile(x, p)`` (the same linear interpolation).
- ``a / b`` is always a DOUBLE in DuckDB; Spark keeps a DECIMAL operand's type (``x / 7.0`` to 6 places):
  both sides are cast to DOUBLE.
- ``INTERVAL (90) DAY`` (a setting in parentheses) is ``INTERVAL 90 DAY``; an expression, ``make_dt_interval``.
- ``isfinite(x)`` has no Spark namesake: ``NOT isnan(x) AND abs(x) < +inf`` (NULL stays NULL).
- ``list(DISTINCT x ORDER BY x)`` is ``array_sort(collect_set(x))`` (sqlglot drops the order); ``xs[a:b]``
  (1-based, both ends in) is ``slice(xs, a, b - a + 1)``; ``arg_min(v, (k1, k2))`` orders by a ``struct``.
- Reading JSON lines: ``[try(]json_transform(j, '<DuckDB JSON structure>')[)]`` is
  ``try_variant_get(try_parse_json(j), '$', '<the same as a Spark struct type>')``, with DuckDB's
  outcomes: NULL for text that is not JSON and for ``null``; a struct of NULLs for other JSON that
  is not an object (an array, a number); a field of another type read as its JSON text.
  ``json_valid(x)`` is ``try_parse_json(x) IS NOT NULL``; ``list_extract(xs, i)`` is ``element_at``.
  DuckDB's JSON reader is more lenient than Spark's: a line with a trailing comma or a bare ``NaN``
  is JSON to DuckDB, and a reject ("is not valid JSON") on Spark.
"""

from __future__ import annotations

import json
from collections.abc import Callable

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
    tree = tree.copy().transform(_fix(dialect))
    try:
        return tree.sql(dialect, pretty=pretty, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as exc:
        raise EngineError(f"the statement cannot be written in {dialect}: {exc}") from exc


def _parse(sql: str, dialect: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=dialect)


def _fix(dialect: str) -> Callable[[exp.Expr], exp.Expr]:
    """The rewrites ``dialect`` needs (Spark: all of them; the warehouses: the ordered ``first``)."""

    def s(node: exp.Expr) -> str:  # a child, with its own rewrites (a replaced node's children are not visited)
        return node.transform(fix).sql(dialect)

    def fix(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.First) and isinstance(node.this, exp.Order):
            order = node.this.transform(fix)
            assert isinstance(order, exp.Order)
            return _parse(_first_ordered(order, dialect), dialect)
        if isinstance(node, exp.GroupConcat) and dialect in ("bigquery", "snowflake"):
            for key in node.find_all(exp.Ordered):  # string_agg drops NULLs: their place in the order is moot
                key.set("nulls_first", bool(key.args.get("desc")) == (dialect == "snowflake"))
            return node
        if dialect != "spark":
            return node
        if isinstance(node, exp.Div):  # DuckDB divides as DOUBLE; Spark keeps a DECIMAL (7.0) to 6 places
            return _parse(f"CAST({s(node.this)} AS DOUBLE) / CAST({s(node.expression)} AS DOUBLE)", dialect)
        if isinstance(node, exp.DateDiff) and node.text("unit").upper() == "DAY":
            return _parse(f"DATEDIFF(CAST({s(node.this)} AS DATE), CAST({s(node.expression)} AS DATE))", dialect)
        if isinstance(node, exp.DayOfWeekIso):
            return _parse(f"(((DAYOFWEEK({s(node.this)}) + 5) % 7) + 1)", dialect)
        if isinstance(node, exp.DayOfWeek):
            return _parse(f"(DAYOFWEEK({s(node.this)}) - 1)", dialect)
        if isinstance(node, exp.Interval) and isinstance(node.this, exp.Paren):  # INTERVAL (90) DAY
            inner = node.this.unnest()
            if isinstance(inner, exp.Literal):
                return exp.Interval(this=exp.Literal.number(inner.name), unit=node.args.get("unit"))
            if node.text("unit").upper() == "DAY":
                return _parse(f"MAKE_DT_INTERVAL({s(inner)})", dialect)
        if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
            order = node.this
            inner = order.this
            keys = list(order.expressions)
            if isinstance(inner, exp.Distinct) and len(inner.expressions) == 1 and len(keys) == 1:
                value, key = inner.expressions[0], keys[0]
                if key.this == value and not key.args.get("desc"):  # NULLs are dropped: the registry's are ids
                    return _parse(f"ARRAY_SORT(COLLECT_SET({s(value)}))", dialect)
        if isinstance(node, exp.Bracket) and len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Slice):
            cut = node.expressions[0]
            lo, hi = cut.this, cut.expression
            if isinstance(lo, exp.Literal) and isinstance(hi, exp.Literal):
                return _parse(f"SLICE({s(node.this)}, {lo.name}, {int(hi.name) - int(lo.name) + 1})", dialect)
        if isinstance(node, (exp.ArgMin, exp.ArgMax)) and isinstance(node.expression, exp.Tuple):
            by = ", ".join(f"{s(k)} AS k{i}" for i, k in enumerate(node.expression.expressions))
            name = "MIN_BY" if isinstance(node, exp.ArgMin) else "MAX_BY"
            return _parse(f"{name}({s(node.this)}, STRUCT({by}))", dialect)
        if isinstance(node, exp.Anonymous) and node.name.lower() == "isfinite" and len(node.expressions) == 1:
            x = s(node.expressions[0])
            return _parse(f"(NOT ISNAN({x}) AND ABS({x}) < CAST('Infinity' AS DOUBLE))", dialect)
        if isinstance(node, exp.Try) and _is_call(node.this, "json_transform"):
            return node.this.transform(fix)
        if _is_call(node, "json_transform") and len(node.expressions) == 2 and node.expressions[1].is_string:
            ddl = spark_type(node.expressions[1].name).replace("'", "\\'")
            v = f"TRY_PARSE_JSON({s(node.expressions[0])})"
            return _parse(
                f"CASE WHEN {v} IS NULL OR IS_VARIANT_NULL({v}) THEN NULL ELSE COALESCE(TRY_VARIANT_GET({v}, '$', "
                f"'{ddl}'), TRY_VARIANT_GET(TRY_PARSE_JSON('{{}}'), '$', '{ddl}')) END",
                dialect,
            )
        if _is_call(node, "json_valid") and len(node.expressions) == 1:
            return _parse(f"(TRY_PARSE_JSON({s(node.expressions[0])}) IS NOT NULL)", dialect)
        if _is_call(node, "list_extract") and len(node.expressions) == 2:
            return _parse(f"ELEMENT_AT({s(node.expressions[0])}, {s(node.expressions[1])})", dialect)
        if isinstance(node, exp.PercentileCont) and node.expression is not None:
            return _parse(f"PERCENTILE({s(node.this)}, {s(node.expression)})", dialect)
        return node

    return fix


def _is_call(node: exp.Expr, name: str) -> bool:
    """Whether ``node`` calls the function ``name`` that sqlglot does not know (an ``Anonymous`` call)."""
    return isinstance(node, exp.Anonymous) and node.name.lower() == name


# the DuckDB types of a json_transform structure, as Spark types
_SPARK_SCALARS = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "INTEGER": "INT", "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN"}


def spark_type(structure: str) -> str:
    """The Spark type of a DuckDB ``json_transform`` structure (JSON: an object of fields, a list of one element
    type, or a type name), e.g. ``{"a": "VARCHAR", "b": [{"c": "BIGINT"}]}`` is ``STRUCT<`a`: STRING, `b`:
    ARRAY<STRUCT<`c`: BIGINT>>>``."""

    def of(node: object) -> str:
        if isinstance(node, dict):
            fields = ", ".join(f"`{name.replace('`', '``')}`: {of(kind)}" for name, kind in node.items())
            return f"STRUCT<{fields}>"
        if isinstance(node, list) and len(node) == 1:
            return f"ARRAY<{of(node[0])}>"
        if isinstance(node, str) and node.upper() in _SPARK_SCALARS:
            return _SPARK_SCALARS[node.upper()]
        raise EngineError(f"a json_transform structure Spark cannot read: {node!r}")

    try:
        return of(json.loads(structure))
    except json.JSONDecodeError as exc:
        raise EngineError(f"a json_transform structure is not JSON: {structure[:200]}") from exc


def _first_ordered(order: exp.Order, dialect: str) -> str:
    """``first(x ORDER BY k1 [DESC], k2 …)`` with DuckDB's NULLS LAST: Spark sorts the collected rows by a
    comparator; BigQuery and Snowflake aggregate an array ordered by ``k IS NULL, k`` and take its first."""
    keys = list(order.expressions)
    value = order.this.sql(dialect)
    if dialect == "spark":
        fields = [f"{k.this.sql(dialect)} AS k{i}" for i, k in enumerate(keys)] + [f"{value} AS v"]
        cmp = "0"
        for i in reversed(range(len(keys))):
            lo, hi = ("1", "-1") if keys[i].args.get("desc") else ("-1", "1")
            a, b = f"l.k{i}", f"r.k{i}"
            cmp = (
                f"CASE WHEN {a} IS NULL AND {b} IS NULL THEN {cmp} WHEN {a} IS NULL THEN 1 WHEN {b} IS NULL THEN -1 "
                f"WHEN {a} < {b} THEN {lo} WHEN {a} > {b} THEN {hi} ELSE {cmp} END"
            )
        return f"ELEMENT_AT(ARRAY_SORT(COLLECT_LIST(STRUCT({', '.join(fields)})), (l, r) -> {cmp}), 1).v"
    by = ", ".join(
        f"{k.this.sql(dialect)} IS NULL, {k.this.sql(dialect)}{' DESC' if k.args.get('desc') else ''}" for k in keys
    )
    if dialect == "bigquery":
        return f"ARRAY_AGG(STRUCT({value} AS v) ORDER BY {by} LIMIT 1)[OFFSET(0)].v"
    if dialect == "snowflake":
        return f"GET(ARRAY_AGG(OBJECT_CONSTRUCT_KEEP_NULL('v', ({value}))) WITHIN GROUP (ORDER BY {by}), 0):v"
    return f"FIRST({value} ORDER BY {by})"
