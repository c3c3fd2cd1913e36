"""personacraft.churn.fit: the same model from a path and from a DataFrame, and the command writes what it returns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import personacraft.churn
from personacraft.cli import app

TELCO = Path(__file__).resolve().parents[1] / "data" / "telco" / "Telco-Customer-Churn.csv"
ROWS = 1500  # enough churners for 2 folds; a tenth of the time of the whole table


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("telco") / "telco.csv"
    lines = TELCO.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: ROWS + 1]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def from_path(sample: Path) -> personacraft.churn.ChurnResult:
    return personacraft.churn.fit(sample, target="Churn", id="customerID", folds=2)


@pytest.mark.slow  # two fits on Telco: seconds
def test_a_dataframe_gives_the_same_customers_as_the_file(
    sample: Path, from_path: personacraft.churn.ChurnResult
) -> None:
    res = personacraft.churn.fit(pd.read_csv(sample), target="Churn", id="customerID", folds=2)
    assert res.customers is not None and from_path.customers is not None
    pd.testing.assert_frame_equal(res.customers, from_path.customers)
    assert list(res.customers.columns) == ["customerID", "churned", "churn_probability"]
    assert len(res.customers) == ROWS and res.auc == from_path.auc and res.auc is not None and res.auc > 0.75
    assert res.summary == from_path.summary and res.drivers == from_path.drivers and res.reason is None


def test_too_few_churners_give_a_reason_and_no_customers() -> None:
    frame = pd.DataFrame(
        {"id": np.arange(90), "plan": ["ab"[i % 2] for i in range(90)], "left": np.arange(90) % 9 == 0}
    )
    res = personacraft.churn.fit(frame, target="left", id="id")
    assert res.customers is None and res.auc is None and res.reason and "too little data" in res.reason
    assert res.summary["reason"] == res.reason and res.summary["cv_auc"] is None


@pytest.mark.slow
def test_the_command_writes_the_customers_fit_returns(
    sample: Path, from_path: personacraft.churn.ChurnResult, tmp_path: Path
) -> None:
    out = tmp_path / "cli.csv"
    args = ["churn", str(sample), "--target", "Churn", "--id", "customerID", "--folds", "2", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(json.dumps(from_path.summary))
    from_path.write(tmp_path / "lib.csv")
    assert out.read_bytes() == (tmp_path / "lib.csv").read_bytes()
