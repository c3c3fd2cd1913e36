"""``personacraft init`` on bad input: a clear message naming the file, the right exit code, never a traceback."""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from personacraft.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "onboard"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 20


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "argv", ["personacraft", "init", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Internal error" not in err, err
    code = exit_.value.code
    return (code if isinstance(code, int) else 0), " ".join(err.split())


def test_an_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "exports").mkdir()
    code, err = run(monkeypatch, capsys, str(tmp_path / "exports"), "--out", str(tmp_path / "p.toml"))
    assert code == 4 and "exports" in err and "no data file found" in err and "the folder holds no file" in err
    assert not (tmp_path / "p.toml").exists()


def test_a_folder_of_images(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("team.png", "logo.jpg"):
        (tmp_path / name).write_bytes(PNG)
    code, err = run(monkeypatch, capsys, str(tmp_path), "--out", str(tmp_path / "p.toml"))
    assert code == 4 and "team.png is an image (.png)" in err and "logo.jpg is an image (.jpg)" in err


def test_a_password_protected_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(FIXTURES / "locked.zip", tmp_path / "locked.zip")  # made with zip -P: zipfile cannot write one
    code, err = run(monkeypatch, capsys, str(tmp_path), "--out", str(tmp_path / "p.toml"))
    assert code == 4 and "locked.zip!orders.csv is password-protected" in err
    # beside a readable file, the config is written and the locked member is listed as not read
    (tmp_path / "orders.csv").write_text("Customer ID,Order Date,Total\nc1,2024-01-01,10.50\nc2,2024-01-02,3.00\n")
    code, err = run(monkeypatch, capsys, str(tmp_path), "--out", str(tmp_path / "p.toml"))
    assert code == 0 and "Not read locked.zip!orders.csv: is password-protected" in err
    assert "locked.zip!orders.csv: is password-protected" in (tmp_path / "p.toml").read_text()


def test_an_empty_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "orders.csv").write_bytes(b"")
    code, err = run(monkeypatch, capsys, str(tmp_path), "--out", str(tmp_path / "p.toml"))
    assert code == 4 and "orders.csv is empty (0 bytes)" in err


def test_a_workbook_with_several_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["Customer ID", "Order Date", "Total"])
    for i in range(1, 13):
        ws.append([f"c{i % 5}", f"2024-01-{i:02d}", 10.5 * i])
    people = wb.create_sheet("Customers")
    people.append(["Customer ID", "Email", "First Name", "City"])
    for i in range(5):
        people.append([f"c{i}", f"p{i}@example.com", ["Ann", "Bob"][i % 2], ["Paris", "Lyon"][i % 2]])
    wb.create_sheet("Empty")
    wb.save(tmp_path / "crm.xlsx")
    code, err = run(monkeypatch, capsys, str(tmp_path), "--out", str(tmp_path / "p.toml"))
    assert code == 0, err
    assert "crm.xlsx has 2 sheets of data (Orders, Customers): each is its own entry" in err
    text = (tmp_path / "p.toml").read_text()
    assert 'path = "crm.xlsx!Orders"' in text and 'path = "crm.xlsx!Customers"' in text


def test_an_existing_config_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "orders.csv").write_text("Customer ID,Order Date,Total\nc1,2024-01-01,10.50\nc2,2024-01-02,3.00\n")
    (tmp_path / "p.toml").write_text("# mine\n")
    code, err = run(monkeypatch, capsys, str(tmp_path), "--out", str(tmp_path / "p.toml"))
    assert code == 2 and "p.toml: the file exists" in err and "--force" in err
    assert (tmp_path / "p.toml").read_text() == "# mine\n"
    code, err = run(monkeypatch, capsys, str(tmp_path), "--out", str(tmp_path / "p.toml"), "--force")
    assert code == 0 and 'kind = "csv"' in (tmp_path / "p.toml").read_text()


def test_a_zip_of_exports_is_read_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(tmp_path / "exports.zip", "w") as zf:
        zf.writestr("shop/orders.csv", "Customer ID,Order Date,Total\nc1,2024-01-01,10.50\nc2,2024-01-02,3.00\n")
    code, err = run(monkeypatch, capsys, str(tmp_path), "--out", str(tmp_path / "cfg" / "p.toml"))
    assert code == 0, err
    assert 'path = "../exports.zip!shop/orders.csv"' in (tmp_path / "cfg" / "p.toml").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg", "exports.zip"]  # nothing extracted beside it


def test_a_builds_outputs_are_not_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "orders.csv").write_text("Customer ID,Order Date,Total\nc1,2024-01-01,10.50\nc2,2024-01-02,3.00\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "personas.json").write_text("{}")
    (tmp_path / "out" / "assignments.csv").write_text("customer_id,email,persona_id\nc1,,p1\n")
    code, err = run(monkeypatch, capsys, str(tmp_path), "--out", str(tmp_path / "p.toml"))
    assert code == 0 and "Not read out/: holds a personacraft build's outputs" in err
    assert "assignments.csv" not in (tmp_path / "p.toml").read_text().split("# Files not read:")[0]
