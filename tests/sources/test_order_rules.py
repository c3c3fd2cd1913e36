"""Messy orders in a generic order source: returns, postage, guests, test orders and currencies (issue 22 #3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from personacraft.config import load_config
from personacraft.errors import ConfigError, InputFormatError
from personacraft.ingest import ingest
from personacraft.pipeline import stages
from personacraft.sources import Accounting, fingerprint, make_sources
from personacraft.store import Run, Workspace
from personacraft.unify import keyed
from tests.sources.conftest import Loader

HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Email,Country,Currency,Status\n"
# an Online-Retail-shaped line-level export holding every problem at once; line numbers on the right
ROWS = [
    "1001,A,Red mug,2,2024-01-05 10:00,10,C1,c1@shop.example,GB,GBP,",  # 2
    "1001,POST,POSTAGE,1,2024-01-05 10:00,5,C1,c1@shop.example,GB,GBP,",  # 3 postage: excluded SKU
    "1002,B,Blue bowl,1,2024-02-01 09:00,30,C1,c1@shop.example,GB,GBP,",  # 4
    "C1003,A,Red mug,-1,2024-02-10 12:00,10,C1,c1@shop.example,GB,GBP,",  # 5 return of one mug of 1001
    "1004,A,Red mug,1,2024-01-10 10:00,15,C2,,GB,GBP,",  # 6
    "C1005,A,Red mug,-1,2024-01-20 10:00,15,C2,,GB,GBP,",  # 7 returns all of 1004
    "1006,B,Blue bowl,2,2024-03-01 10:00,12.5,C2,,GB,GBP,",  # 8
    "1006,GIFT1,Gift card 50,1,2024-03-01 10:00,50,C2,,GB,GBP,",  # 9 gift card: excluded product
    "1007,B,Blue bowl,4,2024-01-15 10:00,10,C3,,FR,EUR,",  # 10 euros
    "1008,A,Red mug,5,2024-01-16 10:00,4,C4,,US,USD,",  # 11 dollars
    "1009,A,Red mug,1,2024-01-17 10:00,10,,,GB,GBP,",  # 12 guest: no id, no email
    "1010,A,Red mug,1,2024-01-18 10:00,99,T9,qa-TEST@shop.example,GB,GBP,",  # 13 test order
    "C1011,A,Red mug,-1,2024-01-01 10:00,10,C5,,GB,GBP,",  # 14 return before any order of C5
    "1012,A,Red mug,1,2024-02-01 10:00,20,C5,,GB,GBP,",  # 15
    "1013,B,Blue bowl,1,2024-03-05 10:00,30,C1,c1@shop.example,GB,GBP,Cancelled",  # 16 cancelled
    "1014,A,Red mug,1,2024-03-06 10:00,10,0,,GB,GBP,",  # 17 guest: "0" is no customer
    "1015,A,Red mug,lots,2024-03-07 10:00,10,C1,c1@shop.example,GB,GBP,",  # 18 rejected: quantity
]
COLUMNS = """
[sources.columns]
order_id = "Invoice"
sku = "StockCode"
product = "Description"
quantity = "Quantity"
ordered_at = "InvoiceDate"
price = "Price"
customer_id = "Customer ID"
email = "Email"
currency = "Currency"
status = "Status"
"""
OPTIONS = """
return_prefix = "C"
exclude_skus = ["POST", "DOT"]
exclude_products = ["gift card", "^manual$"]
test_pattern = "test"
guest_ids = ["0"]
currency = "GBP"
"""
RATES = "\n[sources.rates]\nEUR = 0.85\nUSD = 0.8\n"


def _write(tmp_path: Path, options: str, rows: list[str] = ROWS) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "sales.csv").write_text(HEADER + "\n".join(rows) + "\n")
    cfg = tmp_path / "personacraft.toml"
    cfg.write_text(
        '[ingest]\nmax_reject_share = 0.2\n[[sources]]\nkind = "csv"\npath = "data/sales.csv"\n'
        f'table = "orders"\n{options}{COLUMNS}'
    )
    return cfg


def _build(cfg_path: Path, ws: Workspace) -> tuple[Accounting, Run]:
    """Ingest, unify and compute features: the stages whose tables hold customer revenue."""
    cfg = load_config(cfg_path)
    sources = make_sources(cfg)
    inputs = fingerprint(sources)
    run = ws.new_run(config_hash=cfg.fingerprint(), config=cfg.to_dict(), inputs=inputs, version="t")
    [acc] = ingest(cfg, run, sources, inputs, lambda _m: None)
    stages.unify(cfg, run)
    stages.features(cfg, run)
    return acc, run


def _revenue(run: Run) -> dict[str, Any]:
    rows = run.execute(
        f"SELECT o.customer_id, any_value(f.revenue), any_value(f.orders) FROM {keyed(run, 'orders')} o "
        f"JOIN {run.t('order_features')} f USING (customer_key) GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return {cid: (round(rev, 6), n) for cid, rev, n in rows}


def _same(got: dict[str, Any], want: dict[str, tuple[float, int]]) -> bool:
    return got.keys() == want.keys() and all(
        got[k][0] == pytest.approx(want[k][0]) and got[k][1] == want[k][1] for k in want
    )


def _hand() -> dict[str, tuple[float, int]]:
    """Customer revenue and purchases, computed by hand from ROWS and the rules."""
    c1 = (2 * 10 - 1 * 10) + 1 * 30  # 1001 without postage, less the mug returned in C1003; 1002; 1013 cancelled
    c2 = 2 * 12.5  # 1004 fully returned (C1005) is no purchase; 1006 without the gift card
    c3 = 4 * 10 * 0.85  # euros into pounds
    c4 = 5 * 4 * 0.8  # dollars into pounds
    c5 = 20.0  # C1011 came before any order of C5: not netted
    return {"C1": (c1, 2), "C2": (c2, 1), "C3": (c3, 1), "C4": (c4, 1), "C5": (c5, 1)}


def test_every_problem_is_counted_with_its_reason_and_revenue_equals_a_hand_count(tmp_path: Path) -> None:
    cfg = _write(tmp_path, OPTIONS + RATES)
    with Workspace(tmp_path / "ws.duckdb") as ws:
        acc, run = _build(cfg, ws)
        assert (acc.read, acc.accepted, acc.rejected) == (17, 16, 1)
        assert acc.balanced and acc.to_dict()["handled"] == acc.handled
        assert acc.handled == {
            "guest order: no customer id or email, kept out of customer features": 2,
            "return netted against an earlier order of its customer": 2,
            "cancelled or refunded (cancelled_statuses)": 1,
            "converted from EUR into GBP at 0.85": 1,
            "converted from USD into GBP at 0.8": 1,
            "excluded product (exclude_products)": 1,
            "excluded product (exclude_skus)": 1,
            "return with no earlier order of its customer in this source: not counted": 1,
            "test order (test_pattern)": 1,
        }
        handled = run.execute(f"SELECT line, reason FROM {run.t('handled')} ORDER BY line, reason").fetchall()
        assert [line for line, _ in handled] == [3, 5, 7, 9, 10, 11, 12, 13, 14, 16, 17]
        assert _same(_revenue(run), _hand()), _revenue(run)
        # the fully returned order is kept, as refunded: not a purchase
        status = run.execute(f"SELECT order_id, status, amount FROM {run.t('orders')} WHERE order_id = '1004'")
        assert status.fetchall() == [("1004", "refunded", 0.0)]
        # lines of purchases only: no postage, gift card, return or cancelled line
        skus = run.execute(f"SELECT string_agg(sku, ',' ORDER BY _line) FROM {run.t('order_lines')}").fetchone()
        assert skus == ("A,B,A,B,B,A,A",)
        assert run.scalar(f"SELECT string_agg(DISTINCT currency, ',') FROM {run.t('orders')}") == "GBP"


def test_without_rates_other_currencies_are_kept_apart_and_named(tmp_path: Path) -> None:
    cfg = _write(tmp_path, OPTIONS)
    with Workspace(tmp_path / "ws.duckdb") as ws:
        acc, run = _build(cfg, ws)
        assert acc.balanced
        apart = {r: n for r, n in acc.handled.items() if "kept apart" in r}
        assert apart == {
            "amount in EUR, no rate into GBP: kept apart from revenue (give rates)": 1,
            "amount in USD, no rate into GBP: kept apart from revenue (give rates)": 1,
        }
        revenue = _revenue(run)
        assert "C3" not in revenue and "C4" not in revenue
        assert _same({"C1": revenue["C1"]}, {"C1": _hand()["C1"]})


def test_a_rates_table_missing_a_currency_names_it(tmp_path: Path) -> None:
    (tmp_path / "rates.csv").write_text("currency,rate\nEUR,0.85\n")
    cfg = _write(tmp_path, OPTIONS + 'rates = "rates.csv"\n')
    with Workspace(tmp_path / "ws.duckdb") as ws, pytest.raises(ConfigError) as err:
        _build(cfg, ws)
    msg = str(err.value)
    assert "USD (1 rows)" in msg and "rates.csv" in msg and "sales.csv" in msg and "EUR" not in msg.split("has")[1]


def test_a_rates_file_with_a_bad_rate_names_file_line_and_value(tmp_path: Path) -> None:
    (tmp_path / "rates.csv").write_text("currency,rate\nEUR,0.85\nUSD,about one\n")
    cfg = _write(tmp_path, OPTIONS + 'rates = "rates.csv"\n')
    with Workspace(tmp_path / "ws.duckdb") as ws, pytest.raises(InputFormatError) as err:
        _build(cfg, ws)
    assert err.value.line == 3 and err.value.value == "USD,about one" and "rates.csv" in str(err.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ('return_prefixes = "C"\n', 'unknown setting "return_prefixes"'),
        ("test_pattern = 3\n", "test_pattern must be a regular expression"),
        ('exclude_products = "(unclosed"\n', "exclude_products = '(unclosed' is not a valid regular expression"),
        ("exclude_skus = [1, 2]\n", "exclude_skus must be a string or a list of strings"),
        ('rates = "nowhere.csv"\ncurrency = "GBP"\n', 'rates = "nowhere.csv": no such file'),
        ("[sources.rates]\nEUR = 0.85\n", 'say which with currency = "GBP"'),
        ('currency = "GBP"\n[sources.rates]\nEUR = -1\n', "rates.EUR = -1 is not a positive number"),
    ],
)
def test_bad_options_are_config_errors_naming_option_and_value(tmp_path: Path, options: str, message: str) -> None:
    cfg = _write(tmp_path, options)
    with Workspace(tmp_path / "ws.duckdb") as ws, pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        _build(cfg, ws)


def test_order_options_on_another_table_are_refused(load: Loader) -> None:
    with pytest.raises(ConfigError, match='apply to table = "orders" only'):
        load("csv", "people.csv", "id\nc1\n", _table="customers", _columns={"customer_id": "id"}, return_prefix="C")


def test_order_level_file_nets_a_negative_amount_and_keeps_a_plain_file_as_it_was(load: Loader) -> None:
    text = (
        "order,customer,date,total,currency\n"
        "o1,c1,2024-01-01,100,USD\n"
        "o2,c1,2024-02-01,50,USD\n"
        "r1,c1,2024-02-15,-20,USD\n"  # a refund: netted against o2, the latest earlier order
        "o3,,2024-02-01,30,USD\n"  # a guest
    )
    cols = {"order_id": "order", "customer_id": "customer", "ordered_at": "date", "amount": "total"}
    acc, run = load("csv", "orders.csv", text, _table="orders", _columns={**cols, "currency": "currency"})
    assert (acc.read, acc.accepted, acc.rejected) == (4, 4, 0)
    assert acc.handled == {
        "return netted against an earlier order of its customer": 1,
        "guest order: no customer id or email, kept out of customer features": 1,
    }
    rows = run.execute(f"SELECT order_id, amount, currency FROM {run.t('orders')} ORDER BY 1").fetchall()
    assert rows == [("o1", 100.0, "USD"), ("o2", 30.0, "USD")]
    # a clean file lands as before, row for row
    acc, run = load(
        "csv", "clean.csv", "order,customer,date,total\no1,c1,2024-01-01,10\n", _table="orders", _columns=cols
    )
    assert (acc.read, acc.accepted, acc.handled) == (1, 1, {})
    assert run.execute(f"SELECT order_id, customer_id, amount FROM {run.t('orders')}").fetchall() == [
        ("o1", "c1", 10.0)
    ]


def test_test_columns_read_an_unmapped_column_and_a_line_file_needs_an_order_id(load: Loader) -> None:
    text = "order,customer,date,total,Customer Name\no1,c1,2024-01-01,10,Ann\no2,c2,2024-01-02,20,TEST user\n"
    cols = {"order_id": "order", "customer_id": "customer", "ordered_at": "date", "amount": "total"}
    acc, run = load(
        "csv", "o.csv", text, _table="orders", _columns=cols, test_pattern="^test", test_columns=["Customer Name"]
    )
    assert acc.handled == {"test order (test_pattern)": 1}
    assert run.scalar(f"SELECT string_agg(order_id, ',') FROM {run.t('orders')}") == "o1"
    with pytest.raises(ConfigError, match="map order_id"):
        load("csv", "l.csv", "sku,qty,customer\nA,1,c1\n", _table="orders", _columns={"sku": "sku", "quantity": "qty"})


def test_an_unchanged_source_is_reused_with_its_handled_rows(tmp_path: Path) -> None:
    cfg = _write(tmp_path, OPTIONS + RATES)
    with Workspace(tmp_path / "ws.duckdb") as ws:
        first, run = _build(cfg, ws)
        run.finish(out_dir="", summary={})
        again, run = _build(cfg, ws)
        assert again.reused_from is not None
        assert (again.read, again.accepted, again.handled) == (first.read, first.accepted, first.handled)
        assert run.scalar(f"SELECT count(*) FROM {run.t('handled')}") == sum(first.handled.values())
        assert _same(_revenue(run), _hand())


def test_a_return_larger_than_its_order_refunds_it_and_counts_the_excess(load: Loader) -> None:
    text = "order,customer,date,total\no1,c1,2024-01-01,100\no2,c1,2024-02-01,50\nr1,c1,2024-02-15,-80\n"
    cols = {"order_id": "order", "customer_id": "customer", "ordered_at": "date", "amount": "total"}
    acc, run = load("csv", "orders.csv", text, _table="orders", _columns=cols)
    assert acc.handled == {
        "return netted against an earlier order of its customer": 1,
        "return larger than the order it was netted against: the excess is not counted": 1,
    }
    rows = run.execute(f"SELECT order_id, amount, status FROM {run.t('orders')} ORDER BY 1").fetchall()
    assert rows == [("o1", 100.0, None), ("o2", 0.0, "refunded")]


def test_cancelled_statuses_replace_the_default_list(load: Loader) -> None:
    text = "order,customer,date,total,state\no1,c1,2024-01-01,10,Storniert\no2,c1,2024-01-02,20,refunded\n"
    cols = {"order_id": "order", "customer_id": "customer", "ordered_at": "date", "amount": "total", "status": "state"}
    acc, run = load("csv", "o.csv", text, _table="orders", _columns=cols, cancelled_statuses=["storniert"])
    assert acc.handled == {"cancelled or refunded (cancelled_statuses)": 1}
    # "refunded" is no longer set aside: it lands with its status, which features do not count as a purchase
    assert run.execute(f"SELECT order_id, status FROM {run.t('orders')}").fetchall() == [("o2", "refunded")]
