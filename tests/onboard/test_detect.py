"""init tells the kind of every fixture of the contract suite (tests/fixtures/*), all in one folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from personacraft.onboard import make_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_folder(tmp: Path) -> dict[str, str]:
    """Every fixture's export copied into one folder (flat; notes in a folder of their own); file -> kind."""
    expected: dict[str, str] = {}
    for folder in sorted(p for p in FIXTURES.iterdir() if (p / "expected.json").is_file()):
        [export] = [p for p in folder.iterdir() if p.name != "expected.json"]
        target = tmp / ("notes" if folder.name == "interviews" else "") / export.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(export, target)
        expected[str(target.relative_to(tmp))] = folder.name
    # the parquet kind's fixture is generated (binary): a generic orders table
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT 'c' || i AS client, DATE '2024-01-01' + i::INTEGER AS order_date, 10.5 * i AS total "
        f"FROM range(1, 30) t(i)) TO '{tmp / 'sales.parquet'}' (FORMAT parquet)"
    )
    con.close()
    expected["sales.parquet"] = "parquet"
    return expected


def test_init_detects_the_kind_of_every_contract_fixture(tmp_path: Path) -> None:
    expected = fixture_folder(tmp_path)
    plan = make_plan([tmp_path])
    found: dict[str, str] = {}
    for e in plan.entries:
        for f in e.files:
            found.setdefault(f.display, e.kind)
    right = {f for f, kind in expected.items() if found.get(f) == kind}
    score = len(right) / len(expected)
    print(f"kind detection: {len(right)}/{len(expected)} = {score:.0%}")
    wrong = {f: (kind, found.get(f)) for f, kind in expected.items() if f not in right}
    assert wrong == {}, json.dumps(wrong, indent=1) + f"\nskipped: {plan.skipped}"
    # the vendor kinds are written as they are (not left out), the generic ones with their tables
    assert all(e.include for e in plan.entries if e.kind not in ("csv", "jsonl", "parquet")), [
        (e.display, e.kind, e.checks) for e in plan.entries if not e.include
    ]
    tables = {e.files[0].display: e.table for e in plan.entries if e.table}
    assert (
        tables["sales.csv"] == "orders" and tables["tickets.jsonl"] == "texts" and tables["sales.parquet"] == "orders"
    )


def test_an_ambiguous_file_is_left_out_with_its_choices(tmp_path: Path) -> None:
    (tmp_path / "pay.csv").write_text(
        "id,Customer ID,Amount,Status,Created (UTC)\nx1,c1,10,paid,2024-01-01 10:00\nx2,c2,11,paid,2024-01-02 10:00\n"
    )
    # Shopify's order columns, but not its required "Name": a kind that could not read the file is no choice
    (tmp_path / "o.csv").write_text("Email,Total,Created at\na@x.com,10.00,2024-01-01\nb@x.com,12.50,2024-01-03\n")
    plan = make_plan([tmp_path])
    by_file = {e.files[0].display: e for e in plan.entries}
    pay = by_file["pay.csv"]
    assert not pay.include and pay.kind.startswith("stripe_")
    assert "stripe_charges" in pay.checks[0] and "stripe_subscriptions" in pay.checks[0]
    assert 'or kind = "csv", table = "orders"' in pay.checks[0]
    o = by_file["o.csv"]
    assert (o.kind, o.table, o.include) == ("csv", "orders", True)
    assert o.columns == {"email": "Email", "ordered_at": "Created at", "amount": "Total"}
