"""CLV on the published benchmark (CDNOW), on simulated customers, and through the command."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn.base import clone

from personacraft.clv import model as clv
from personacraft.clv.bgnbd import BetaGeo, ParetoNBD
from personacraft.clv.gamma_gamma import GammaGamma
from personacraft.clv.simulate import bgnbd_customers, gamma_gamma_spend
from personacraft.clv.transactions import load
from personacraft.errors import ModelError

DATA = Path(__file__).parent.parent / "data" / "cdnow"
SAMPLE = DATA / "CDNOW_sample.txt"


@pytest.fixture(scope="module")
def cdnow() -> clv.Summary:
    con = duckdb.connect()
    loaded = load(con, SAMPLE, customer="1", date="3", amount="5", sep="whitespace")
    assert (loaded.read, loaded.accepted, loaded.rejected) == (6919, 6919, 0)
    return clv.summarise(con, "purchases", "summary", "1997-09-30", "1998-06-30", 7.0)


def test_the_summary_is_hardies() -> None:
    con = duckdb.connect()
    load(con, SAMPLE, customer="2", date="3", amount="5", sep="whitespace")  # Hardie's ID is the sample id
    ours = clv.summarise(con, "purchases", "summary", "1997-09-30", "1998-06-30", 7.0)
    ref = duckdb.sql(f"SELECT frequency, recency, T FROM '{DATA / 'cdnow_customers_summary.csv'}' ORDER BY ID")
    expected = np.array(ref.fetchall(), dtype=float)
    order = np.argsort(ours.customer_key.astype(int))
    assert ours.n == 2357
    np.testing.assert_allclose(ours.X[order], expected, atol=0.006)  # Hardie rounds to 2 decimals


def test_bgnbd_matches_fader_hardie_lee(cdnow: clv.Summary) -> None:
    m = BetaGeo().fit(cdnow.X)
    assert [round(m.params_[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    assert round(m.log_likelihood_, 2) == -9582.43
    # the paper's customer check: x = 2, t_x = 30.43, T = 38.86 buys 1.226 times in 39 weeks
    assert round(float(m.expected_purchases(39, np.array([[2, 30.43, 38.86]]))[0]), 3) == 1.226
    assert m.n_unique_ < m.n_customers_  # fitted on distinct rows


def test_gamma_gamma_matches_the_paper(cdnow: clv.Summary) -> None:
    repeat = cdnow.X[:, 0] > 0
    assert repeat.sum() == 946
    g = GammaGamma().fit(np.column_stack([cdnow.X[repeat, 0], cdnow.m_x[repeat]]))
    assert [round(g.params_[k], 2) for k in ("p", "q", "v")] == [6.25, 3.74, 15.44]
    # shrinkage: one repeat purchase of $100 is expected to be worth less than $100 next time
    assert 35 < g.expected_spend(np.array([1.0]), np.array([100.0]))[0] < 100


def test_pareto_nbd_matches_the_paper(cdnow: clv.Summary) -> None:
    m = ParetoNBD().fit(cdnow.X)
    assert [round(m.params_[k], 2) for k in ("r", "alpha", "s", "beta")] == [0.55, 10.58, 0.61, 11.67]
    assert round(m.log_likelihood_, 1) == -9595.0
    alive = m.p_alive(cdnow.X)
    assert ((alive > 0) & (alive <= 1)).all()


def test_holdout_meets_the_benchmark(cdnow: clv.Summary) -> None:
    fitted = clv.fit(cdnow)
    pred = clv.predict(fitted, cdnow, horizon_periods=39.0, draws=20)
    h = clv.holdout_metrics(pred.expected_purchases, cdnow.holdout_x)
    assert h["actual_total"] == 1882
    assert 1640 < h["predicted_total"] < 1665  # lifetimes: 1,653
    assert h["mae"] <= 0.79 and h["pearson_r"] >= 0.62


def test_parameters_are_recovered_from_simulated_customers() -> None:
    truth = {"r": 0.3, "alpha": 5.0, "a": 0.9, "b": 3.0}
    T = np.random.default_rng(1).uniform(20, 60, 30_000)
    X = bgnbd_customers(30_000, **truth, T=T, seed=2)
    m = BetaGeo().fit(X)
    se = m.standard_errors()
    for k, v in truth.items():  # within four standard errors, and the errors are small
        assert abs(m.params_[k] - v) < 4 * se[k] and se[k] < 0.25 * v, (k, m.params_[k], se[k])
    spend = gamma_gamma_spend(X[:, 0], p=5.0, q=4.0, v=20.0, seed=3)
    rep = X[:, 0] > 0
    g = GammaGamma().fit(np.column_stack([X[rep, 0], spend[rep]]))
    gse = g.standard_errors()
    for k, v in {"p": 5.0, "q": 4.0, "v": 20.0}.items():
        assert abs(g.params_[k] - v) < 4 * gse[k], (k, g.params_[k], gse[k])


def test_weights_equal_repeated_rows(cdnow: clv.Summary) -> None:
    rows, counts = np.unique(cdnow.X, axis=0, return_counts=True)
    a = BetaGeo().fit(rows, sample_weight=counts)
    b = BetaGeo().fit(cdnow.X)
    assert a.params_ == pytest.approx(b.params_, rel=1e-9)


def test_intervals_hold_the_estimate_and_narrow_with_more_customers(cdnow: clv.Summary) -> None:
    fitted = clv.fit(cdnow)
    groups = (cdnow.X[:, 0] > 0).astype(int)
    pred = clv.predict(fitted, cdnow, horizon_periods=52.0, draws=50, seed=4, groups=groups, n_groups=2)
    assert (pred.clv_low <= pred.clv + 1e-9).all() and (pred.clv <= pred.clv_high + 1e-9).all()
    assert (pred.clv_high > pred.clv_low).mean() > 0.99
    again = clv.predict(fitted, cdnow, horizon_periods=52.0, draws=50, seed=4)
    np.testing.assert_array_equal(pred.clv_low, again.clv_low)  # same seed, same intervals
    g = clv.group_intervals(pred)
    assert g["n"].tolist() == [1411, 946]
    assert g["mean"][1] > g["mean"][0]  # repeat buyers are worth more
    assert (g["low"] <= g["mean"]).all() and (g["mean"] <= g["high"]).all()
    # a tenth of the customers: the parameters are less certain, the interval wider
    few = clv.Summary(*(getattr(cdnow, f)[::10] for f in ("customer_key", "X", "m_x", "revenue", "holdout_x")))
    small = clv.predict(clv.fit(few), few, horizon_periods=52.0, draws=50, seed=4)
    width = lambda p: float(np.median((p.clv_high - p.clv_low) / p.clv))  # noqa: E731
    assert width(small) > 1.5 * width(pred)


def test_estimator_contract_and_bad_input() -> None:
    m = BetaGeo(tol=1e-8)
    assert clone(m).get_params() == {"max_iter": 1000, "tol": 1e-8}
    with pytest.raises(ModelError, match="t_x <= T"):
        BetaGeo().fit(np.array([[1.0, 5.0, 3.0]]))
    with pytest.raises(ModelError, match="whole number"):
        BetaGeo().fit(np.array([[1.5, 1.0, 3.0]]))
    with pytest.raises(ModelError, match="at least 50 customers"):
        clv.fit(clv.Summary(np.array(["a"]), np.array([[0.0, 0.0, 5.0]]), np.zeros(1), np.ones(1), np.zeros(1)))


def test_no_repeat_buyers_means_no_clv_and_says_why() -> None:
    n = 200
    X = np.column_stack([np.zeros(n), np.zeros(n), np.linspace(5, 50, n)])
    one_timers = clv.Summary(np.arange(n).astype(str), X, np.zeros(n), np.ones(n), np.zeros(n))
    with pytest.raises(ModelError, match="only 0 of 200 bought on more than one day"):
        clv.fit(one_timers)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "personacraft", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.slow
def test_clv_command_on_cdnow(tmp_path: Path) -> None:
    out = tmp_path / "pred.csv"
    r = cli(
        "clv", str(SAMPLE), "--customer", "1", "--date", "3", "--amount", "5", "--sep", "whitespace",
        "--date-format", "%Y%m%d", "--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30",
        "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    p = result["params"]
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["a"], 3), round(p["b"], 3)) == (0.243, 4.414, 0.793, 2.426)
    assert (round(p["p"], 2), round(p["q"], 2), round(p["v"], 2)) == (6.25, 3.74, 15.44)
    assert round(result["log_likelihood"], 2) == -9582.43 and result["customers"] == 2357
    assert result["holdout"]["mae"] <= 0.79 and result["holdout"]["pearson_r"] >= 0.62
    rows = duckdb.sql(f"SELECT * FROM read_csv('{out}', all_varchar=true)")
    assert rows.columns[:2] == ["customer_id", "x"] and {"p_alive", "expected_spend", "clv", "clv_low"} <= set(
        rows.columns
    )
    first = rows.fetchall()[0]
    assert first[0] == "00004"  # ids are kept as written


@pytest.mark.slow
def test_clv_command_keeps_bad_rows_and_names_them(tmp_path: Path) -> None:
    lines = SAMPLE.read_text().splitlines()
    lines[9] = lines[9].replace("1997", "x997", 1)  # line 10: a date that is not a date
    bad = tmp_path / "cdnow.txt"
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "pred.csv"
    r = cli(
        "clv",
        str(bad),
        "--customer",
        "1",
        "--date",
        "3",
        "--amount",
        "5",
        "--sep",
        "whitespace",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["rows"] == {"read": 6919, "accepted": 6918, "rejected": 1}
    rejects = duckdb.sql(f"SELECT * FROM read_csv('{result['rejects']}', all_varchar=true)").fetchall()
    assert rejects[0][:2] == ("10", "column3") and "x997" in rejects[0][2] and "not a date" in rejects[0][3]
    # most rows bad: a clear error naming the file, line, column and value; no traceback
    r = cli("clv", str(bad), "--customer", "1", "--date", "5", "--amount", "3", "--sep", "whitespace", cwd=tmp_path)
    assert r.returncode == 5 and "Traceback" not in r.stderr
    assert "cdnow.txt" in r.stderr and "line 1, column 'column5'" in r.stderr
    r = cli(
        "clv", str(bad), "--customer", "client", "--date", "3", "--amount", "5", "--sep", "whitespace", cwd=tmp_path
    )
    assert r.returncode == 3 and 'has no column "client"' in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_clv_command_explains_a_line_item_export(tmp_path: Path) -> None:
    """Shopify writes an order's total on its first line-item row only: say so, not just "bad rows"."""
    csv = tmp_path / "orders_export.csv"
    rows = ["Name,Email,Total,Created at,Lineitem name"]
    for i in range(60):
        rows.append(f"#{1000 + i},c{i % 20}@example.com,{10 + i}.50,2024-0{1 + i % 9}-1{i % 9} 10:00:00 -0500,Mug")
        rows.append(f"#{1000 + i},c{i % 20}@example.com,,2024-0{1 + i % 9}-1{i % 9} 10:00:00 -0500,Plate")
    csv.write_text("\n".join(rows) + "\n")
    r = cli("clv", str(csv), "--customer", "Email", "--date", "Created at", "--amount", "Total", cwd=tmp_path)
    assert r.returncode == 5 and "Traceback" not in r.stderr
    assert "line 3, column 'Total': '' is empty" in r.stderr and 'kind = "shopify_orders"' in r.stderr


@pytest.mark.slow
def test_clv_command_reads_a_csv_with_a_header(tmp_path: Path) -> None:
    rows = [ln.split() for ln in SAMPLE.read_text().splitlines()]
    csv = tmp_path / "orders.csv"
    body = "\n".join(f'{r[0]},{r[2][:4]}-{r[2][4:6]}-{r[2][6:]},"${r[4]}"' for r in rows)
    csv.write_text("Customer ID,Order Date,Total\n" + body + "\n")
    r = cli("clv", str(csv), "--customer", "Customer ID", "--date", "order date", "--amount", "Total",
            "--calibration-end", "1997-09-30", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert round(json.loads(r.stdout)["params"]["r"], 3) == 0.243


def test_spend_sums_do_not_depend_on_how_threads_split_the_rows() -> None:
    # DOUBLE sums follow the order DuckDB's threads add rows in; money is summed exactly instead,
    # so the same orders give bit-identical spend (and Gamma-Gamma parameters) every time
    con = duckdb.connect(config={"threads": 2})
    con.execute(
        "CREATE TABLE purchases AS SELECT (i % 2000)::VARCHAR AS customer_key, "
        "DATE '2024-01-01' + INTERVAL (i % 300) DAY AS ordered_at, (hash(i) % 100000) / 997.0 AS amount "
        "FROM range(600000) t(i)"
    )
    runs = [clv.summarise(con, "purchases", f"summary{i}", "2024-09-30", None, 7.0) for i in range(4)]
    for other in runs[1:]:
        assert np.array_equal(other.m_x, runs[0].m_x) and np.array_equal(other.revenue, runs[0].revenue)
