"""The churn model on IBM's Telco customers: leak-free AUC, calibration, gates, drivers and the command."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
import typer
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from typer.testing import CliRunner

from personacraft.churn.classifier import MIN_TRAIN_EVENTS, ChurnClassifier, fit_churn, too_little_data
from personacraft.churn.drivers import GroupDrivers, group_drivers
from personacraft.churn.table import ChurnTable, read_table
from personacraft.churn.validation import CrossValidation, TimeValidation, cross_validated_auc, validate_over_time
from personacraft.cli.churn import churn
from personacraft.errors import InputFormatError

TELCO = Path(__file__).resolve().parents[1] / "data" / "telco" / "Telco-Customer-Churn.csv"


@pytest.fixture(scope="module")
def telco() -> ChurnTable:
    return read_table(TELCO, "Churn", "customerID")


@pytest.fixture(scope="module")
def telco_cv(telco: ChurnTable) -> CrossValidation:
    cv = cross_validated_auc(telco.columns, telco.y, folds=5, seed=0)
    assert isinstance(cv, CrossValidation), cv
    return cv


def rows(table: ChurnTable, idx: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[idx] for name, values in table.columns.items()}


def test_telco_reads_with_blank_total_charges_as_missing(telco: ChurnTable) -> None:
    assert len(telco.y) == 7043 and telco.y.sum() == 1869
    assert "customerID" not in telco.columns and "Churn" not in telco.columns
    blank = np.isnan(telco.columns["TotalCharges"])
    # the 11 customers in their first month have not been billed yet
    assert blank.sum() == 11 and (telco.columns["tenure"][blank] == 0).all()
    assert telco.columns["tenure"].dtype == np.float64 and telco.columns["Contract"].dtype == object


@pytest.mark.slow  # the cross-validation on Telco: seconds
def test_cross_validated_auc_on_telco_is_in_the_published_range(telco_cv: CrossValidation) -> None:
    # logistic regression 0.845, LightGBM 0.849; above 0.87 would smell of leakage
    assert 0.84 <= telco_cv.auc <= 0.87
    assert len(telco_cv.auc_folds) == 5 and min(telco_cv.auc_folds) > 0.80
    assert np.isclose(telco_cv.auc, np.mean(telco_cv.auc_folds))
    # every row predicted once, by the model of the fold that did not learn from it
    assert sorted(np.concatenate(telco_cv.test_rows).tolist()) == list(range(7043))


@pytest.mark.slow  # the cross-validation on Telco: seconds
def test_probabilities_are_calibrated(telco: ChurnTable, telco_cv: CrossValidation) -> None:
    cal = telco_cv.calibration
    assert telco_cv.brier < 0.7 * telco_cv.brier_base
    assert abs(cal.mean_predicted - telco.y.mean()) < 0.01
    assert 0.85 < cal.slope < 1.15
    assert sum(n for _, _, n in cal.bins) == 7043
    assert all(abs(pred - obs) < 0.05 for pred, obs, _ in cal.bins)


@pytest.mark.slow  # two fits on Telco: seconds
def test_same_seed_gives_identical_probabilities(telco: ChurnTable) -> None:
    idx = np.arange(3000)
    X, y = rows(telco, idx), telco.y[idx]
    model = ChurnClassifier(random_state=3)
    with pytest.raises(NotFittedError):
        model.predict_proba(X)
    first = model.fit(X, y).predict_proba(X)
    again = clone(model).fit(X, y).predict_proba(X)
    assert np.array_equal(first, again)
    other = ChurnClassifier(random_state=4).fit(X, y).predict_proba(X)
    assert not np.array_equal(first, other)  # the seed reaches the calibration folds
    assert first.shape == (3000, 2) and np.allclose(first.sum(axis=1), 1)
    assert model.get_params()["random_state"] == 3


def test_categories_are_learned_at_fit_time_only(telco: ChurnTable) -> None:
    idx = np.arange(2000)
    model = ChurnClassifier().fit(rows(telco, idx), telco.y[idx])
    assert model.categories_["Contract"].tolist() == ["Month-to-month", "One year", "Two year"]
    later = rows(telco, np.arange(2000, 2100))
    later["Contract"] = np.full(100, "Three year", dtype=object)
    unseen = model.predict_proba(later)[:, 1]
    later["Contract"] = np.full(100, " ", dtype=object)
    # a category the model never saw counts as missing, like a blank
    assert np.isfinite(unseen).all() and np.array_equal(unseen, model.predict_proba(later)[:, 1])
    assert model.categories_["Contract"].tolist() == ["Month-to-month", "One year", "Two year"]
    with pytest.raises(ValueError, match="missing"):
        model.predict_proba({k: v for k, v in later.items() if k != "tenure"})


def test_many_categories_share_one_code_beyond_what_the_trees_take() -> None:
    rng = np.random.default_rng(0)
    city = rng.integers(0, 400, 3000)
    plan = rng.integers(0, 3, 3000)
    y = rng.random(3000) < np.where(city < 20, 0.6, 0.2) + 0.1 * plan
    X = {"city": np.char.add("c", city.astype(str)).astype(object), "plan": plan.astype(np.float64)}
    model = ChurnClassifier(categorical=("plan",)).fit(X, y)
    assert model.other_ == {"city"} and len(model.categories_["city"]) == 254
    assert model.categories_["plan"].tolist() == ["0.0", "1.0", "2.0"]
    later = {"city": np.array(["c1", "nowhere"], dtype=object), "plan": np.array([1.0, 7.0])}
    assert np.isfinite(model.predict_proba(later)).all()
    with pytest.raises(ValueError, match="categorical names columns that are not given"):
        ChurnClassifier(categorical=("region",)).fit(X, y)


def test_gate_gives_a_reason_with_numbers_on_a_tiny_sample(telco: ChurnTable) -> None:
    idx = np.arange(100)
    events = int(telco.y[idx].sum())
    reason = too_little_data(telco.y[idx])
    assert reason is not None and f"{events} churn events" in reason and str(MIN_TRAIN_EVENTS) in reason
    assert cross_validated_auc(rows(telco, idx), telco.y[idx]) == (
        f"too little data: {events} churn events and {100 - events} customers who stayed; "
        "a model needs at least 50 churn events and 50 customers who stayed"
    )
    assert isinstance(fit_churn(rows(telco, idx), telco.y[idx]), str)
    assert "all 300 customers stayed" in str(too_little_data(np.zeros(300, dtype=bool)))
    # enough in all, too few in each fold's training part
    y = np.r_[np.ones(60), np.zeros(500)].astype(int)
    cols = {"x": np.arange(560.0)}
    assert "a fold's model learns from as few as 48 churn events" in str(cross_validated_auc(cols, y))
    assert too_little_data(telco.y) is None
    small_valid = validate_over_time(telco.columns, telco.y, rows(telco, idx[:40]), telco.y[:40])
    assert isinstance(small_valid, str) and "validation data" in small_valid


@pytest.mark.slow  # the cross-validation on Telco: seconds
def test_drivers_on_telco_are_contract_and_tenure(telco: ChurnTable, telco_cv: CrossValidation) -> None:
    found = group_drivers(telco_cv, telco.columns, telco.y, n_repeats=3)
    everyone = found["all"]
    assert isinstance(everyone, GroupDrivers) and everyone.customers == 7043
    top = {d.feature: d for d in everyone.drivers[:2]}
    assert set(top) == {"Contract", "tenure"}
    assert top["Contract"].risky == "Month-to-month" and top["Contract"].safe == "Two year"
    assert top["Contract"].risk_risky > 2 * top["Contract"].risk_safe
    assert top["tenure"].higher_raises_risk is False and top["tenure"].kind == "numeric"
    assert all(d.importance > 0 for d in everyone.drivers)
    assert [d.importance for d in everyone.drivers] == sorted((d.importance for d in everyone.drivers), reverse=True)
    assert top["Contract"].summary.startswith('Contract: "Month-to-month" raises churn risk most')


@pytest.mark.slow  # the cross-validation on Telco: seconds
def test_drivers_per_group_and_the_gate_per_group(telco: ChurnTable, telco_cv: CrossValidation) -> None:
    groups = telco.columns["InternetService"].copy()
    groups[:60] = "tiny"
    found = group_drivers(telco_cv, telco.columns, telco.y, groups, n_repeats=2, top=3)
    assert set(found) == {"DSL", "Fiber optic", "No", "tiny"}
    assert isinstance(found["tiny"], str) and 'in "tiny"' in found["tiny"]
    for name in ("DSL", "Fiber optic", "No"):
        group = found[name]
        assert isinstance(group, GroupDrivers)
        assert "Contract" in [d.feature for d in group.drivers]
        # InternetService is constant inside its own group, so it cannot drive churn there
        assert "InternetService" not in [d.feature for d in group.drivers]


@pytest.mark.slow  # two fits on Telco: seconds
def test_validation_at_a_later_cutoff_reports_drift(telco: ChurnTable) -> None:
    # a random half stands in for the customers at an earlier cutoff, the other half for a later one
    order = np.random.default_rng(0).permutation(7043)
    early, late = order[:3500], order[3500:]
    result = validate_over_time(rows(telco, early), telco.y[early], rows(telco, late), telco.y[late], seed=0)
    assert isinstance(result, TimeValidation)
    assert result.auc > 0.82 and result.brier < 0.75 * result.brier_base
    assert abs(result.calibration.mean_predicted - result.calibration.observed_rate) < 0.03
    # later, churn doubles among the same kinds of customer: calibration shows it
    stayed = late[telco.y[late] == 0]
    drifted = np.r_[late[telco.y[late] == 1], stayed[: len(stayed) // 3]]
    worse = validate_over_time(rows(telco, early), telco.y[early], rows(telco, drifted), telco.y[drifted])
    assert isinstance(worse, TimeValidation)
    assert worse.calibration.observed_rate > worse.calibration.mean_predicted + 0.15
    assert "proba" not in worse.to_dict() and worse.to_dict()["valid_customers"] == len(drifted)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)  # a group, as the real app is, so "churn" stays a subcommand
    app.command("churn")(churn)
    return app


@pytest.mark.slow
def test_command_prints_scores_and_writes_out_of_fold_probabilities(tmp_path: Path, telco_cv: CrossValidation) -> None:
    out = tmp_path / "churn.csv"
    args = ["churn", str(TELCO), "--target", "churn", "--id", "customerID", "--out", str(out)]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["customers"] == 7043 and round(summary["churn_rate"], 4) == 0.2654
    assert summary["cv_auc"] == telco_cv.auc and summary["cv_auc_folds"] == list(telco_cv.auc_folds)
    assert summary["brier"] == telco_cv.brier
    assert {d["feature"] for d in summary["drivers"][:2]} == {"Contract", "tenure"}
    written = duckdb.sql(f"SELECT * FROM read_csv('{out}', header = true)").fetchnumpy()
    assert list(written) == ["customerID", "churned", "churn_probability"]
    assert written["customerID"][0] == "7590-VHVEG"
    assert np.allclose(written["churn_probability"], telco_cv.proba)


def test_command_says_why_when_data_are_too_few(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_text("id;plan;months;left\n" + "".join(f"{i};{'ab'[i % 2]};{i};{i % 3 == 0}\n" for i in range(90)))
    result = CliRunner().invoke(_app(), ["churn", str(small), "--target", "left", "--id", "id", "--sep", ";"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["customers"] == 90 and summary["cv_auc"] is None
    assert summary["reason"].startswith("too little data: 30 churn events and 60 customers who stayed")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--target", "Churned"], 'Telco-Customer-Churn.csv, line 1, column "Churned": has no column "Churned"'),
        (["--target", "Churn", "--id", "id"], "'customerID', 'gender'"),
        (["--target", "Churn", "--positive", "Maybe"], "never holds 'Maybe'"),
        (["--target", "Contract"], "say which means churned with --positive"),
    ],
)
def test_command_errors_name_the_file_and_column(argv: list[str], needle: str) -> None:
    result = CliRunner().invoke(_app(), ["churn", str(TELCO), *argv])
    assert isinstance(result.exception, InputFormatError), result.output
    assert needle in str(result.exception)
