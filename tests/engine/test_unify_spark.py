"""Identity resolution on Spark (the registry's statements through SparkScript) gives DuckDB's customers exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from personacraft.engine.script import SparkScript
from personacraft.engine.spark import SparkEngine
from personacraft.errors import EngineError
from personacraft.store import Run, Workspace
from personacraft.unify import IDENTITY_TABLES, unify

from .conftest import LOCAL

pytestmark = [pytest.mark.spark, pytest.mark.slow]

CUSTOMERS = "INSERT INTO {customers} (customer_id, email, phone, country, _source, _file, _line) VALUES "
# the cases of tests/test_unify.py in one run: precedence, the "local" and "chain" rules, shared and
# reformatted phones, cookies stitched and a cookie of two shop ids, email-only records
ROWS = [
    CUSTOMERS + "('shopify:A', 'a@x.com', '+14155550101', NULL, 's', 'f', 2), "
    "('hubspot:B', 'c@x.com', '+14155550101', NULL, 'h', 'f', 2), ('shopify:C', 'c@x.com', NULL, NULL, 's', 'f', 3), "
    "('shopify:D', 'd@x.com', '+14155550111', NULL, 's', 'f', 4), "
    "(NULL, 'm@x.com', '+14155550111', NULL, 'f', 'f', 2), "
    "(NULL, 'm@x.com', '+14155550122', NULL, 'f', 'f', 3), "
    "('shopify:E', 'e@x.com', '+14155550122', NULL, 's', 'f', 5), "
    "('shopify:F', 'same@x.com', NULL, NULL, 's', 'f', 6), ('shopify:G', 'same@x.com', NULL, NULL, 's', 'f', 7), "
    "('hubspot:1', 'mia@acme.io', '(415) 555-0199', 'United States', 'h', 'f', 2), "
    "('shopify:9', 'mia.chen@gmail.com', '+1 415-555-0199', NULL, 's', 'f', 2), "
    "('hubspot:2', 'a@corp.com', '+44 20 7946 0000', 'GB', 'h', 'f', 3), "
    "('hubspot:3', 'b@corp.com', '020 7946 0000', 'GB', 'h', 'f', 4), "
    "('hubspot:4', 'c@corp.com', '+442079460000', NULL, 'h', 'f', 5), "
    "('shopify:1', 'Ann@X.com', NULL, NULL, 's', 'f', 8), ('stripe:cus_1', 'ann@work.io', NULL, NULL, 'p', 'f', 2), "
    "('hubspot:7', 'ann@work.io', NULL, NULL, 'h', 'f', 6), ('shopify:1', 'ann@other.com', NULL, NULL, 's', 'f', 9)",
    "INSERT INTO {orders} (order_id, email, _source, _file, _line) VALUES ('o1', 'same@x.com', 'o', 'f', 2), "
    "('o2', 'c@x.com', 'o', 'f', 3), ('o3', '  ANN@x.com ', 'o', 'f', 4), ('o4', 'new@y.com', 'o', 'f', 5), "
    "('o5', 'not-an-email', 'o', 'f', 6)",
    "INSERT INTO {events} (customer_id, anonymous_id, event_name, _source, _file, _line) VALUES "
    "('shopify:A', 'ga4:c1', 'e', 'g', 'f', 1), ('shopify:C', 'ga4:c1', 'e', 'g', 'f', 2), "
    "(NULL, 'ga4:c1', 'page_view', 'g', 'f', 3), (NULL, 'ga4:c2', 'page_view', 'g', 'f', 4), "
    "('shopify:1', 'ga4:c2', 'purchase', 'g', 'f', 5), (NULL, 'ga4:c9', 'page_view', 'g', 'f', 6)",
    "INSERT INTO {survey_answers} (response_id, email, question, answer, _source, _file, _line) "
    "VALUES ('r1', 'bob@x.com', 'q', 'a', 's', 'f', 2), ('r2', 'BOB@x.com', 'q2', 'b', 's', 'f', 2)",
]


def filled(ws: Workspace) -> Run:
    run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
    for sql in ROWS:
        run.execute(sql.format(**{t: run.t(t) for t in ("customers", "orders", "events", "survey_answers")}))
    return run


def rows(run: Run, table: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in run.execute(f"SELECT * FROM {run.t(table)} ORDER BY ALL").fetchall()]


def test_spark_resolves_the_same_customers(spark: Any, tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        duck, on_spark = filled(ws), filled(ws)
        want = unify(duck)
        with SparkScript(SparkEngine(LOCAL, session=spark), on_spark) as script:
            got = unify(script)
            script.keep(IDENTITY_TABLES)
        assert want.customers >= 10 and sum(want.kept_apart.values()) >= 4  # the rules were exercised
        for table in IDENTITY_TABLES:
            assert rows(on_spark, table) == rows(duck, table), table
        assert got.to_dict() == want.to_dict()
        types = (
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position"
        )
        for table in IDENTITY_TABLES:  # the same column types, for every later stage
            want_types = ws.con.execute(types, [duck.schema, table]).fetchall()
            assert ws.con.execute(types, [on_spark.schema, table]).fetchall() == want_types, table


def test_a_statement_spark_scripts_do_not_run_is_a_clear_error(spark: Any, tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        with SparkScript(SparkEngine(LOCAL, session=spark), run) as script:
            with pytest.raises(EngineError, match="a Spark script cannot run: ALTER TABLE _x"):
                script.execute("ALTER TABLE _x ADD COLUMN y INTEGER")
            with pytest.raises(EngineError, match="2 parameters for 1 places"):
                script.execute("SELECT ?", [1, 2])
            assert script.scalar("SELECT ? || ?", ["it's", None]) is None  # parameters are literals, quoted
            assert script.scalar("SELECT ? || ?", ["it's ", 2]) == "it's 2"
            script.execute("CREATE TABLE _y AS SELECT 1 AS a")
            assert script.execute("INSERT INTO _y VALUES (?)", [5]).fetchone() == (1,)  # the rows added
            assert script.execute("INSERT INTO _y (a) SELECT a + 10 FROM _y").fetchone() == (2,)
            assert sorted(r[0] for r in script.execute("SELECT a FROM _y").fetchall()) == [1, 5, 11, 15]
            script.execute("DROP TABLE _y")
            assert "_y" not in script.views
            with pytest.raises(EngineError, match="Spark could not run SELECT no_such_column"):
                script.execute("SELECT no_such_column FROM (SELECT 1 AS a) AS t")
            with pytest.raises(EngineError, match="the Spark script made no table identity"):
                script.keep(["identity"])
            script.execute("CREATE TEMP TABLE _x (a VARCHAR, b BIGINT)")
            script.execute("INSERT INTO _x SELECT 'k', 2 UNION ALL SELECT 'n', NULL")
            script.execute("UPDATE _x SET b = b + 1 WHERE a = 'k'")
            assert script.execute("SELECT a, b FROM _x ORDER BY a").fetchall() == [("k", 3), ("n", None)]
            script.execute("DELETE FROM _x WHERE b > 2")  # as in DuckDB, a row whose condition is NULL stays
            assert script.execute("SELECT a, b FROM _x").fetchall() == [("n", None)]
