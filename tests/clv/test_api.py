"""personacraft.clv.fit: the same CLV from a path and from a DataFrame, and the command writes what it returns."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import personacraft.clv
from personacraft.cli import app
from personacraft.errors import InputFormatError, RejectThresholdError

SAMPLE = Path(__file__).parent.parent / "data" / "cdnow" / "CDNOW_sample.txt"
ARGS = {"date_format": "%Y%m%d", "calibration_end": "1997-09-30", "holdout_end": "1998-06-30", "draws": 20}


@pytest.fixture(scope="module")
def from_path() -> personacraft.clv.ClvResult:
    return personacraft.clv.fit(SAMPLE, customer="1", date="3", amount="5", sep="whitespace", **ARGS)


def cdnow_frame() -> pd.DataFrame:
    names = ["customer", "id", "day", "cds", "amount"]
    return pd.read_csv(SAMPLE, sep=r"\s+", header=None, names=names, dtype=str)


def test_a_dataframe_gives_the_same_customers_as_the_file(from_path: personacraft.clv.ClvResult) -> None:
    res = personacraft.clv.fit(cdnow_frame(), customer="customer", date="day", amount="amount", **ARGS)
    pd.testing.assert_frame_equal(res.customers, from_path.customers)
    assert res.summary == from_path.summary and res.params == from_path.params
    assert len(res.customers) == from_path.summary["customers"] == 2357
    assert list(res.customers.columns[:2]) == ["customer_id", "x"] and res.customers["customer_id"][0] == "00004"
    assert round(res.params["r"], 3) == 0.243 and len(res.rejects) == 0


def test_typed_columns_read_as_their_text(from_path: personacraft.clv.ClvResult) -> None:
    frame = cdnow_frame().assign(
        day=lambda f: pd.to_datetime(f["day"], format="%Y%m%d"), amount=lambda f: f["amount"].astype(float)
    )
    args = {k: v for k, v in ARGS.items() if k != "date_format"}
    res = personacraft.clv.fit(frame, customer="customer", date="day", amount="amount", **args)
    pd.testing.assert_frame_equal(res.customers, from_path.customers)


def test_a_bad_value_of_a_dataframe_is_named_by_row_and_column() -> None:
    frame = cdnow_frame()
    frame.loc[4, "amount"] = "lots"
    frame.loc[5:400, "amount"] = "lots"
    with pytest.raises(
        RejectThresholdError, match=r"the DataFrame: 397 of 6919 rows cannot be read .* line 5, column 'amount'"
    ):
        personacraft.clv.fit(frame, customer="customer", date="day", amount="amount", **ARGS)
    with pytest.raises(InputFormatError, match=r'the DataFrame.*has no column "client"'):
        personacraft.clv.fit(frame, customer="client", date="day", amount="amount")


@pytest.mark.slow
def test_the_command_writes_the_customers_fit_returns(from_path: personacraft.clv.ClvResult, tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    args = ["clv", str(SAMPLE), "--customer", "1", "--date", "3", "--amount", "5", "--sep", "whitespace"]
    args += ["--date-format", "%Y%m%d", "--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30"]
    result = CliRunner().invoke(app, [*args, "--draws", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {**from_path.summary, "out": str(out)}
    written = from_path.write(tmp_path / "lib.csv")
    assert written == {"out": str(tmp_path / "lib.csv")}
    assert out.read_bytes() == (tmp_path / "lib.csv").read_bytes()
