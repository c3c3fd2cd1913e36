"""``personacraft sql``: the feature SQL in each dialect parses back, and the DuckDB script runs; [engine] checks."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pytest
import sqlglot
from typer.testing import CliRunner

from personacraft.cli import app
from personacraft.config import load_config
from personacraft.engine.dialect import DIALECTS, to_dialect
from personacraft.errors import ConfigError, EngineError
from personacraft.features import FEATURE_STEPS
from personacraft.schema import CANONICAL

CONFIG = '[[sources]]\nkind = "shopify_orders"\npath = "orders.csv"\n\n[privacy]\nmin_group_size = 7\n'


def run_sql(tmp_path: Path, dialect: str) -> str:
    (tmp_path / "personacraft.toml").write_text(CONFIG, encoding="utf-8")
    res = CliRunner().invoke(app, ["sql", "--dialect", dialect, "--config", str(tmp_path / "personacraft.toml")])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_dialect_parses_back(tmp_path: Path, dialect: str) -> None:
    out = run_sql(tmp_path, dialect)
    parsed = [s for s in sqlglot.parse(out, read=dialect, error_level=sqlglot.ErrorLevel.RAISE) if s is not None]
    written = [t.this.name for t in parsed if isinstance(t, sqlglot.exp.Create)]
    assert written == [out for _, out in FEATURE_STEPS]
    assert "HAVING COUNT(DISTINCT answer) <= 12 AND COUNT(*) >= 7" in re.sub(r"\s+", " ", out)  # the config's floor


def test_the_duckdb_script_runs_on_the_canonical_tables(tmp_path: Path) -> None:
    """Over empty canonical tables carrying customer_key, every statement of the DuckDB script runs."""
    out = run_sql(tmp_path, "duckdb")
    con = duckdb.connect()
    for table, cols in CANONICAL.items():
        name = "survey_answers" if table == "survey_answers" else table
        defs = ", ".join(f'"{c}" {t}' for c, t in {**cols, "customer_key": "VARCHAR", "_source": "VARCHAR"}.items())
        con.execute(f"CREATE TABLE {name} ({defs})")
    for statement in sqlglot.parse(out, read="duckdb"):
        if statement is not None:
            con.execute(statement.sql("duckdb"))
    assert con.execute("SELECT count(*) FROM feature_counts").fetchall() == [(0,)]


def test_an_unknown_dialect_is_a_clear_error() -> None:
    with pytest.raises(EngineError, match="unknown SQL dialect 'oracle'; choose from duckdb, spark"):
        to_dialect("SELECT 1", "oracle")
    res = CliRunner().invoke(app, ["sql", "--dialect", "oracle"])
    assert res.exit_code != 0


def test_spark_gets_duckdb_meanings() -> None:
    """The functions whose Spark namesakes mean something else are rewritten (their results: test_spark_sql)."""
    sql = "SELECT date_diff('day', a, b), dayofweek(a), isodow(a), quantile_cont(x, 0.5), first(v ORDER BY k DESC)"
    out = to_dialect(sql + " FROM t", "spark")
    assert "DATEDIFF(CAST(b AS DATE), CAST(a AS DATE))" in out
    assert "(DAYOFWEEK(a) - 1)" in out and "(((DAYOFWEEK(a) + 5) % 7) + 1)" in out
    assert "PERCENTILE(x, 0.5)" in out and "ARRAY_SORT(COLLECT_LIST(" in out and "FIRST(" not in out


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('kind = "sprak"', "unknown engine 'sprak'. Did you mean \"spark\"?"),
        ('kind = "spark"\nmaster = ""', "master must name a Spark master"),
        ("shuffle_partitions = 0", "shuffle_partitions must be at least 1"),
        ('conf = "x"', '"conf" must be a table'),
        ("conf = { a = [1] }", "conf: 'a' must be a string, number or boolean"),
        ('nodes = "x"', 'unknown setting "nodes"'),
        ('memory_limit = "lots"', "memory_limit: 'lots' is not a size; write e.g. \"4GB\""),
    ],
)
def test_engine_settings_are_checked(tmp_path: Path, section: str, message: str) -> None:
    path = tmp_path / "personacraft.toml"
    path.write_text(CONFIG + f"\n[engine]\n{section}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path)


def test_engine_defaults_to_duckdb(tmp_path: Path) -> None:
    path = tmp_path / "personacraft.toml"
    path.write_text(CONFIG + '\n[engine]\nmaster = "local[4]"\nconf = { "spark.executor.memory" = "2g" }\n')
    cfg = load_config(path)
    assert (cfg.engine.kind, cfg.engine.master, cfg.engine.conf) == (
        "duckdb",
        "local[4]",
        {"spark.executor.memory": "2g"},
    )


def test_the_workspace_connection_holds_the_memory_limit(tmp_path: Path) -> None:
    """``[engine] memory_limit`` reaches DuckDB: "auto" is half the machine's memory, at most 4 GB."""
    from personacraft.engine_settings import duckdb_memory
    from personacraft.store import Workspace

    def shown(limit: str) -> str:  # DuckDB's own rendering of a limit ("488.2 MiB" for 512MB)
        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{limit}'")
        return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

    with Workspace(tmp_path / "w.duckdb", memory_limit="512MB") as ws:
        assert ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == shown("512MB")
    auto = duckdb_memory("auto")
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert auto == f"{min(total // 2, 4 << 30) >> 20}MB"
    with Workspace(tmp_path / "w.duckdb") as ws:
        assert ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == shown(auto)
