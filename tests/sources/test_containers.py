"""The build reads a zip member (``exports.zip!orders.csv``) and a workbook sheet (``crm.xlsx!Orders``)."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from personacraft.config import SourceConfig
from personacraft.errors import InputFormatError
from personacraft.sources import fingerprint, make_source
from personacraft.store import Workspace

ORDERS = "Customer ID,Order Date,Total\nc1,2024-01-01,10.50\nc2,2024-01-02,3.00\nc3,soon,4.00\n"
MAP = {"customer_id": "Customer ID", "ordered_at": "Order Date", "amount": "Total"}


def load(tmp: Path, kind: str, path: str) -> tuple[list[tuple[object, ...]], dict[str, object]]:
    with Workspace(tmp / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        src = make_source(SourceConfig(kind=kind, path=path, table="orders", columns=MAP), tmp)
        acc = src.load(run)
        rows = run.execute(
            f"SELECT customer_id, ordered_at, amount, _file FROM {run.t('orders')} ORDER BY 1"
        ).fetchall()
        return rows, acc.to_dict()


def test_a_zip_member_and_a_glob_of_members(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "exports.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("shop/orders.csv", ORDERS)
        zf.writestr("shop/orders_2.csv", ORDERS.replace("c1", "c9"))
        zf.writestr("readme.txt", "not data")
    rows, acc = load(tmp_path, "csv", "exports.zip!shop/orders.csv")
    assert [r[:3] for r in rows] == [("c1", datetime(2024, 1, 1), 10.5), ("c2", datetime(2024, 1, 2), 3.0)]
    assert rows[0][3] == str(tmp_path / "exports.zip!shop/orders.csv")
    assert (acc["read"], acc["accepted"], acc["rejected"]) == (3, 2, 1)
    rows, acc = load(tmp_path / "..", "csv", f"{tmp_path.name}/exports.zip!shop/*.csv")
    assert len(acc["files"]) == 2 and acc["accepted"] == 4
    # each member has its own fingerprint (two members of one archive are not "identical files")
    src = make_source(SourceConfig(kind="csv", path="exports.zip!shop/*.csv", table="orders", columns=MAP), tmp_path)
    assert len({f["sha256"] for f in fingerprint([src])}) == 2
    assert list(tmp_path.rglob("*.csv")) == []  # the copies went with the load; nothing beside the archive


def test_a_parquet_member(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(
        'COPY (SELECT \'c1\' AS "Customer ID", \'2024-01-01\' AS "Order Date", 5.5 AS "Total") '
        f"TO '{tmp_path / 'o.parquet'}' (FORMAT parquet)"
    )
    con.close()
    with zipfile.ZipFile(tmp_path / "p.zip", "w") as zf:
        zf.write(tmp_path / "o.parquet", "o.parquet")
    (tmp_path / "o.parquet").unlink()
    rows, _ = load(tmp_path, "parquet", "p.zip!o.parquet")
    assert [r[:3] for r in rows] == [("c1", datetime(2024, 1, 1), 5.5)]


def workbook(path: Path, sheets: int) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["Customer ID", "Order Date", "Total"])
    ws.append(["c1", datetime(2024, 1, 1, 9, 30), 10.5])
    ws.append(["c2", "2024-01-02", 3])
    if sheets > 1:
        wb.create_sheet("Notes").append(["anything"])
    wb.save(path)


def test_a_workbook_sheet(tmp_path: Path) -> None:
    workbook(tmp_path / "one.xlsx", 1)
    rows, _ = load(tmp_path, "csv", "one.xlsx")
    assert [r[:3] for r in rows] == [("c1", datetime(2024, 1, 1, 9, 30), 10.5), ("c2", datetime(2024, 1, 2), 3.0)]
    workbook(tmp_path / "two.xlsx", 2)
    with pytest.raises(InputFormatError) as err:
        load(tmp_path, "csv", "two.xlsx")
    assert 'two.xlsx: is an Excel workbook with 2 sheets of data ("Orders", "Notes")' in str(err.value)
    assert 'path = "two.xlsx!Orders"' in str(err.value)
    rows, _ = load(tmp_path, "csv", "two.xlsx!Orders")
    assert len(rows) == 2
    with pytest.raises(InputFormatError, match='has no sheet "Sales"'):
        load(tmp_path, "csv", "two.xlsx!Sales")
    # a workbook inside a zip
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as zf:
        zf.write(tmp_path / "two.xlsx", "crm/two.xlsx")
    rows, _ = load(tmp_path, "csv", "x.zip!crm/two.xlsx!Orders")
    assert len(rows) == 2


def test_a_locked_member_is_a_clear_error(tmp_path: Path) -> None:
    locked = Path(__file__).resolve().parents[1] / "fixtures" / "onboard" / "locked.zip"
    (tmp_path / "locked.zip").write_bytes(locked.read_bytes())
    with pytest.raises(InputFormatError, match=r"locked\.zip!orders\.csv: is password-protected"):
        load(tmp_path, "csv", "locked.zip!orders.csv")
