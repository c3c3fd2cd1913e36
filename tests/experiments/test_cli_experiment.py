"""``personacraft experiment`` through cli.main: files alone (--by COL), SRM exit 4, bad input named, no traceback."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from personacraft.cli import main


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["personacraft", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr()
    code = exit_info.value.code
    return int(code) if isinstance(code, int) else 0, out.out + out.err


def export(path: Path, n: int = 4000, seed: int = 1, drop: float = 0.0) -> Path:
    """An email test export: customer, variant, segment, converted, revenue; ``drop`` of the variant's rows removed."""
    rng = np.random.default_rng(seed)
    variant = rng.choice(["control", "free shipping"], n)
    segment = rng.choice(["north", "south", "east"], n)
    converted = (rng.random(n) < 0.1).astype(int)
    revenue = np.round(rng.lognormal(3, 1, n) * converted, 2)
    keep = ~((variant == "free shipping") & (rng.random(n) < drop))
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "variant", "segment", "converted", "revenue"])
        for i in np.flatnonzero(keep):
            w.writerow([f"c{i}", variant[i], segment[i], converted[i], revenue[i]])
    return path


def test_by_column_needs_no_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)  # no personacraft.toml here
    f = export(tmp_path / "email test.csv")
    code, out = run_cli(["experiment", str(f), "--by", "segment", "--json", "r.json"], monkeypatch, capsys)
    assert code == 0, out
    doc = json.loads((tmp_path / "r.json").read_text())
    assert {r["group"] for r in doc["groups"]} == {"north", "south", "east"}
    assert doc["overall"][0]["group"] == "all" and doc["srm"]["ok"]
    for key in ("group", "variant", "outcome", "n_control", "n_variant", "mean_control", "mean_variant", "diff",
                "ci_low", "ci_high", "relative_lift", "p_value", "p_adjusted"):  # fmt: skip
        assert key in doc["groups"][0]
    assert {"variant", "outcome", "p_value"} <= set(doc["heterogeneity"][0])
    assert doc["accounting"]["read"] == doc["accounting"]["used"] == 4000
    assert "free shipping" in out and "Traceback" not in out
    # Parquet and JSON lines read the same
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{f}')) TO '{tmp_path / 'e.parquet'}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT * FROM read_csv('{f}')) TO '{tmp_path / 'e.jsonl'}' (FORMAT json)")
    for other in ("e.parquet", "e.jsonl"):
        code, out = run_cli(["experiment", other, "--by", "segment", "--json", "o.json"], monkeypatch, capsys)
        assert code == 0, out
        again = json.loads((tmp_path / "o.json").read_text())
        assert again["groups"] == doc["groups"] and again["overall"] == doc["overall"]


def test_srm_exits_4_when_one_arm_lost_a_tenth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    f = export(tmp_path / "lost.csv", n=20_000, drop=0.10)
    code, out = run_cli(["experiment", str(f), "--by", "segment", "--json", "r.json"], monkeypatch, capsys)
    assert code == 4, out
    assert "sample-ratio mismatch" in out and "Traceback" not in out
    doc = json.loads((tmp_path / "r.json").read_text())  # the reading is still written
    assert doc["srm"]["ok"] is False and doc["srm"]["p_value"] < 0.001
    balanced = export(tmp_path / "balanced.csv", n=20_000)
    code, out = run_cli(["experiment", str(balanced), "--by", "segment"], monkeypatch, capsys)
    assert code == 0, out
    assert "mismatch" not in out.lower()


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


HEADER = ["customer_id", "variant", "segment", "converted", "revenue"]


@pytest.mark.parametrize(
    ("rows", "args", "code", "expected"),
    [
        ([HEADER] + [[f"c{i}", "control", "n", "1", "2"] for i in range(50)], [], 3,
         ["variant", "'control' is the only value"]),
        ([HEADER] + [[f"c{i}", ["a", "b"][i % 2], "n", "1", "2"] for i in range(50)], [], 3,
         ['column "variant"', "'control' is not a value", "'a', 'b'"]),
        ([HEADER], [], 3, ["has no rows"]),
        ([HEADER] + [[f"c{i}", ["control", "b"][i % 2], "n", "1", "2"] for i in range(50)], ["--outcome", "clicks"], 3,
         ["column \"clicks\"", "has no column 'clicks'"]),
        ([HEADER] + [[f"c{i}", ["control", "b"][i % 2], "n", "1", "2"] for i in range(50)], ["--by", "region"], 3,
         ["has no column 'region'"]),
    ],
)  # fmt: skip
def test_bad_input_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, rows: list[list[str]], args: list[str], code: int,
    expected: list[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    f = _write(tmp_path / "bad.csv", rows)
    got, out = run_cli(["experiment", str(f), *args], monkeypatch, capsys)
    assert got == code, out
    assert "bad.csv" in out and "Traceback" not in out
    for e in expected:
        assert e in out, out


def test_an_empty_file_and_a_missing_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.csv").write_bytes(b"")
    code, out = run_cli(["experiment", "empty.csv"], monkeypatch, capsys)
    assert code == 3 and "empty.csv" in out and "is empty" in out, out
    code, out = run_cli(["experiment", "nothing-here"], monkeypatch, capsys)
    assert code == 8 and "nothing-here" in out and "Traceback" not in out, out


def test_exclusions_are_counted_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A customer in two variants, a text outcome and a blank variant: excluded, counted, line and value named."""
    monkeypatch.chdir(tmp_path)
    rows = [HEADER] + [[f"c{i}", ["control", "b"][i % 2], "n", str(i % 3 == 0), f"{i}.5"] for i in range(80)]
    rows += [["c1", "control", "n", "1", "3"], ["c900", "b", "n", "maybe", "1"], ["c901", "", "n", "1", "1"]]
    f = _write(tmp_path / "mixed.csv", rows)
    code, out = run_cli(["experiment", str(f), "--json", "r.json", "--min-group-size", "10"], monkeypatch, capsys)
    assert code == 0, out
    acc = json.loads((tmp_path / "r.json").read_text())["accounting"]
    assert acc["read"] == 83 and acc["used"] + acc["excluded"] == acc["read"]
    reasons = {r["reason"]: r for r in acc["reasons"]}
    assert reasons["customer in two or more variants"]["rows"] == 2  # both rows of c1 (lines 3 and 82)
    assert [e["line"] for e in reasons["customer in two or more variants"]["examples"]] == [3, 82]
    text = reasons["not a number in column 'converted'"]
    assert text["rows"] == 1 and text["examples"] == [{"line": 83, "column": "converted", "value": "maybe"}]
    assert reasons["no variant"]["examples"][0]["line"] == 84
    assert "line 83: converted = 'maybe'" in out


def test_planned_weights_change_the_srm_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    f = export(tmp_path / "e.csv", n=6000)
    code, out = run_cli(
        ["experiment", str(f), "--weight", "control=3", "--weight", "free shipping=1"], monkeypatch, capsys
    )
    assert code == 4 and "sample-ratio mismatch" in out, out
    code, out = run_cli(
        ["experiment", str(f), "--weight", "control=1", "--weight", "free shipping=1"], monkeypatch, capsys
    )
    assert code == 0, out
    code, out = run_cli(["experiment", str(f), "--weight", "control"], monkeypatch, capsys)
    assert code == 2 and "--weight 'control'" in out, out


def test_a_misshapen_row_and_json_lines_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A row with a cell too many stops the read at its line; a JSON string outcome is excluded with its value."""
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"c{i},{['control', 'b'][i % 2]},{i % 3 == 0}\n" for i in range(60))
    (tmp_path / "shape.csv").write_text("customer_id,variant,converted\n" + rows + "c99,b,1,extra\n")
    code, out = run_cli(["experiment", "shape.csv"], monkeypatch, capsys)
    assert code == 3 and "shape.csv, line 62" in out and "does not fit the header" in out, out
    (tmp_path / "semi.csv").write_text("customer_id;variant;converted\n" + rows.replace(",", ";"))
    code, out = run_cli(["experiment", "semi.csv", "--json", "s.json"], monkeypatch, capsys)
    assert code == 0 and json.loads((tmp_path / "s.json").read_text())["accounting"]["used"] == 60, out
    lines = [json.dumps({"variant": ["control", "b"][i % 2], "converted": i % 3 == 0}) for i in range(60)]
    (tmp_path / "e.jsonl").write_text("\n".join([*lines, '{"variant": "b", "converted": "yes please"}']) + "\n")
    code, out = run_cli(["experiment", "e.jsonl", "--json", "j.json"], monkeypatch, capsys)
    assert code == 0, out
    reasons = json.loads((tmp_path / "j.json").read_text())["accounting"]["reasons"]
    assert reasons == [{"reason": "not a number in column 'converted'", "rows": 1,
                        "examples": [{"line": 61, "column": "converted", "value": "yes please"}]}]  # fmt: skip
