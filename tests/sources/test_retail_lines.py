"""One flat line-level sales export, mapped to orders and to customers, builds personas (issue 22 #5 and #7).

The export is tests/data/retail_lines (synthetic, in the Online Retail II layout; see its README).
Its problems are counted here straight from the CSV, independently of the build, and compared
with ``accounting.json``.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

import personacraft as pc

DATA = Path(__file__).resolve().parents[1] / "data" / "retail_lines"
EXCLUDED = {"POST", "DOT", "M", "BANK CHARGES", "AMAZONFEE"}


def hand_count() -> Counter[str]:
    """What each rule should do to the rows of sales.csv, in the rules' order, counted in Python."""
    out: Counter[str] = Counter()
    with (DATA / "sales.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Email"].lower().startswith("test") or row["Customer ID"].lower().startswith("test"):
                out["test"] += 1
            elif not row["Customer ID"] and not row["Email"]:
                out["guest"] += 1
            elif row["StockCode"] in EXCLUDED:
                out["excluded"] += 1
            else:
                out["eur"] += row["Currency"] == "EUR"
                out["return"] += row["Invoice"].startswith("C") or int(row["Quantity"]) < 0
            out["rows"] += 1
    return out


@pytest.mark.slow
def test_the_flat_export_builds_and_each_source_balances_with_every_problem_counted(tmp_path: Path) -> None:
    for name in ("sales.csv", "personacraft.toml"):
        shutil.copy(DATA / name, tmp_path / name)
    result = pc.build(tmp_path / "personacraft.toml")
    accounting = json.loads((result.out_dir / "accounting.json").read_text(encoding="utf-8"))
    by_source = {s["source"]: s for s in accounting["sources"]}
    assert set(by_source) == {"csv:sales.csv (orders)", "csv:sales.csv (customers)"}
    want = hand_count()
    for s in by_source.values():
        assert s["balanced"] and s["read"] == s["accepted"] + s["rejected"] == want["rows"], s
        assert s["rejected"] == 0
    orders = by_source["csv:sales.csv (orders)"]
    assert orders["handled"] == {
        "test order (test_pattern)": want["test"],
        "guest order: no customer id or email, kept out of customer features": want["guest"],
        "excluded product (exclude_skus)": want["excluded"],
        "converted from EUR into GBP at 0.86": want["eur"],
        "return netted against an earlier order of its customer": want["return"],
    }
    assert min(want["test"], want["guest"], want["excluded"], want["eur"], want["return"]) > 0
    # the customers mapping collapses the lines of each customer into one record
    assert by_source["csv:sales.csv (customers)"]["superseded"] > 0
    assert len(result.personas) >= 2
