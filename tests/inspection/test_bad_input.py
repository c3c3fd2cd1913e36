"""``inspect`` on bad input: a missing source file, values that do not parse, and how the run is recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personacraft.config import load_config
from personacraft.errors import ConfigError, NotFoundError, SourceNotFoundError
from personacraft.inspection import inspect
from personacraft.store import Workspace

CUSTOMERS = """Customer ID,First Name,Last Name,Email,Phone,Total Spent,Total Orders
'101,Ann,Lee,ann@example.com,,10.00,1
'102,Bob,Ray,BOB@example.com ,,0.00,0
'103,Cy,Oh,cy@example.com,,0.00,0
"""
SALES = """cust,when,total
ann@example.com,2024-01-01,10.00
bob@example.com,2024-01-02,not-money-7731
ann@example.com,2024-02-01,12.50
dee@example.com,someday,5.00
"""
SOURCES = """
[[sources]]
kind = "shopify_customers"
path = "customers.csv"

[[sources]]
kind = "csv"
path = "sales.csv"
table = "orders"
[sources.columns]
email = "cust"
ordered_at = "when"
amount = "total"
"""


def workspace(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "sales.csv").write_text(SALES, encoding="utf-8")
    config = tmp_path / "personacraft.toml"
    config.write_text(SOURCES + extra, encoding="utf-8")
    return config


def test_bad_values_are_listed_with_file_line_column_and_value(tmp_path: Path) -> None:
    doc = inspect(load_config(workspace(tmp_path)))
    sales = next(s for s in doc["sources"] if s["kind"] == "csv")
    assert (sales["read"], sales["accepted"], sales["rejected"]) == (4, 2, 2)
    where = {
        (Path(e["file"]).name, e["line"], e["file_column"], e["column_name"], e["value"]) for e in sales["examples"]
    }
    assert ("sales.csv", 3, "total", "amount", "not-money-7731") in where
    assert ("sales.csv", 5, "when", "ordered_at", "someday") in where
    assert sum(r["n"] for r in sales["top_reasons"]) == 2
    # half the rows rejected: a build would stop, the inspection says so and goes on
    build = doc["readiness"][0]
    assert build["stage"] == "build" and build["status"] == "missing"
    assert "max_reject_share" in build["message"] and sales["over_threshold"]
    # the page names where the rejects are, never their values; inspect.json keeps them
    page = (tmp_path / "out" / "inspect.html").read_text(encoding="utf-8")
    assert "sales.csv" in page and "not-money-7731" not in page
    stored = json.loads((tmp_path / "out" / "inspect.json").read_text(encoding="utf-8"))
    assert stored["run_id"] == doc["run_id"] and "not-money-7731" in json.dumps(stored["sources"])


def test_a_missing_source_file_is_reported_and_the_others_are_inspected(tmp_path: Path) -> None:
    extra = '\n[[sources]]\nkind = "typeform"\npath = "survey/*.csv"\n'
    out = tmp_path / "elsewhere" / "check.json"
    doc = inspect(load_config(workspace(tmp_path, extra)), out)
    assert out.is_file() and out.with_suffix(".html").is_file()
    (error,) = doc["errors"]
    assert error["kind"] == "typeform" and "no file matches" in error["error"]
    assert error["code"] == SourceNotFoundError.exit_code
    assert [s["kind"] for s in doc["sources"]] == ["shopify_customers", "csv"]
    # matches: Bob's email differs only in case and spaces; Dee's order was rejected (no date)
    (pair,) = doc["identity"]["pairs"]
    assert (pair["a_customers"], pair["b_customers"], pair["both"]) == (3, 1, 1)
    assert doc["identity"]["customers"] == 3


def test_an_inspection_is_recorded_but_never_served_as_a_build(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path))
    doc = inspect(config)
    with Workspace(config.workspace_path, read_only=True) as ws:
        (row,) = ws.runs()
        assert row["status"] == "inspected" and row["run_id"] == doc["run_id"]
        with pytest.raises(NotFoundError):
            ws.run()  # the last good run: there is none
        assert ws.newest_succeeded() is None
        newest = ws.newest_inspection()
        assert newest is not None and newest["summary"]["json"] == str(tmp_path / "out" / "inspect.json")
        assert newest["summary"]["ready"]["build"] == "missing"
        schemas = ws.con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'run_0001'").fetchall()
        assert schemas[0][0] == 0  # its tables are dropped


def test_a_missing_config_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
