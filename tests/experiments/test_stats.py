"""read_experiment against a plain scipy computation written here: effects, intervals, p-values, BH, SRM, Q, power."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from scipy import stats

from personacraft.errors import ConfigError
from personacraft.experiments import OTHER, read_experiment
from personacraft.experiments.stats import benjamini_hochberg, proportions, welch

TOL = {"rtol": 1e-9, "atol": 1e-12}
GROUPS = ["g1", "g2", "g3", "g4", "tiny1", "tiny2"]


def _data(seed: int, n: int = 6000) -> dict[str, np.ndarray]:
    """Random units: 3 arms, 4 groups and 2 tiny ones, a conversion and a skewed revenue (in cents)."""
    rng = np.random.default_rng(seed)
    variant = rng.choice(["control", "a", "b"], n)
    group = rng.choice(GROUPS, n, p=[0.3, 0.3, 0.2, 0.18, 0.01, 0.01])
    converted = (rng.random(n) < 0.08 + 0.04 * ((variant == "a") & (group == "g1"))).astype(np.int64)
    revenue = np.round(rng.lognormal(3.0, 1.3, n) * converted * (1 + rng.pareto(2.5, n)), 2)
    return {"variant": variant, "grp": group, "converted": converted, "revenue": revenue}


def _table(con: duckdb.DuckDBPyConnection, d: dict[str, np.ndarray]) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE t AS SELECT unnest(?::VARCHAR[]) AS variant, unnest(?::VARCHAR[]) AS grp, "
        "unnest(?::BIGINT[]) AS converted, unnest(?::DOUBLE[]) AS revenue",
        [d["variant"].tolist(), d["grp"].tolist(), d["converted"].tolist(), d["revenue"].tolist()],
    )


def _reference_proportion(x0: int, n0: int, x1: int, n1: int) -> tuple[float, float, float, float]:
    """diff, Newcombe low/high from scipy's Wilson intervals, p from the uncorrected 2x2 chi-square."""
    p0, p1 = x0 / n0, x1 / n1
    w0 = stats.binomtest(x0, n0).proportion_ci(0.95, method="wilson")
    w1 = stats.binomtest(x1, n1).proportion_ci(0.95, method="wilson")
    d = p1 - p0
    low = d - np.sqrt((p1 - w1.low) ** 2 + (w0.high - p0) ** 2)
    high = d + np.sqrt((w1.high - p1) ** 2 + (p0 - w0.low) ** 2)
    table = np.array([[x1, n1 - x1], [x0, n0 - x0]])
    p = stats.chi2_contingency(table, correction=False).pvalue
    return d, low, high, p


def _reference_mean(c: np.ndarray, v: np.ndarray) -> tuple[float, float, float, float]:
    res = stats.ttest_ind(v, c, equal_var=False)
    ci = res.confidence_interval(0.95)
    return v.mean() - c.mean(), ci.low, ci.high, res.pvalue


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_effects_equal_scipy_overall_and_per_group(seed: int) -> None:
    d = _data(seed)
    con = duckdb.connect()
    _table(con, d)
    reading = read_experiment(con, "t", group="grp", min_group_size=25)
    doc = reading.to_dict()
    label = np.where(np.isin(d["grp"], ["tiny1", "tiny2"]), OTHER, d["grp"])
    rows = doc["overall"] + doc["groups"]
    assert {r["group"] for r in doc["groups"]} == {"g1", "g2", "g3", "g4", OTHER}
    assert len(rows) == 6 * 2 * 2
    for r in rows:
        sel = np.ones(len(label), bool) if r["group"] == "all" else label == r["group"]
        c = d[r["outcome"]][sel & (d["variant"] == "control")].astype(float)
        v = d[r["outcome"]][sel & (d["variant"] == r["variant"])].astype(float)
        assert (r["n_control"], r["n_variant"]) == (len(c), len(v))
        if r["outcome"] == "converted":
            ref = _reference_proportion(int(c.sum()), len(c), int(v.sum()), len(v))
            assert r["kind"] == "proportion"
        else:
            ref = _reference_mean(c, v)
            assert r["kind"] == "mean"
        got = (r["diff"], r["ci_low"], r["ci_high"], r["p_value"])
        np.testing.assert_allclose(got, ref, **TOL, err_msg=str(r))
        np.testing.assert_allclose([r["mean_control"], r["mean_variant"]], [c.mean(), v.mean()], **TOL)
        np.testing.assert_allclose(r["relative_lift"], (v.mean() - c.mean()) / c.mean(), **TOL)
    # BH over every cell, overall and per group together
    ref_adj = stats.false_discovery_control([r["p_value"] for r in rows], method="bh")
    np.testing.assert_allclose([r["p_adjusted"] for r in rows], ref_adj, **TOL)


def test_srm_heterogeneity_and_power_equal_plain_formulas() -> None:
    d = _data(7, 8000)
    con = duckdb.connect()
    _table(con, d)
    doc = read_experiment(con, "t", group="grp", min_group_size=25).to_dict()
    arms = ["control", "a", "b"]
    observed = [int((d["variant"] == a).sum()) for a in arms]
    assert list(doc["srm"]["observed"].values()) == observed
    np.testing.assert_allclose(doc["srm"]["p_value"], stats.chisquare(observed).pvalue, **TOL)
    g1 = next(s for s in doc["srm"]["groups"] if s["group"] == "g1")
    obs1 = [int(((d["variant"] == a) & (d["grp"] == "g1")).sum()) for a in arms]
    np.testing.assert_allclose(g1["p_value"], stats.chisquare(obs1).pvalue, **TOL)
    # Cochran's Q over the group effects of variant a on conversion, unpooled standard errors
    rows = [r for r in doc["groups"] if r["variant"] == "a" and r["outcome"] == "converted"]
    diff = np.array([r["diff"] for r in rows])
    se2 = np.array(
        [
            r["mean_control"] * (1 - r["mean_control"]) / r["n_control"]
            + r["mean_variant"] * (1 - r["mean_variant"]) / r["n_variant"]
            for r in rows
        ]
    )
    w = 1 / se2
    q = float((w * (diff - (w * diff).sum() / w.sum()) ** 2).sum())
    het = next(h for h in doc["heterogeneity"] if h["variant"] == "a" and h["outcome"] == "converted")
    np.testing.assert_allclose([het["q"], het["p_value"]], [q, stats.chi2.sf(q, len(rows) - 1)], **TOL)
    # power: (z_0.975 + z_0.8) * sqrt(p0 (1 - p0) (1/n0 + 1/n1))
    pw = next(p for p in doc["power"] if p["group"] == "g2" and p["variant"] == "b" and p["outcome"] == "converted")
    row = next(r for r in doc["groups"] if r["group"] == "g2" and r["variant"] == "b" and r["outcome"] == "converted")
    p0 = row["mean_control"]
    ref = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * np.sqrt(
        p0 * (1 - p0) * (1 / row["n_control"] + 1 / row["n_variant"])
    )
    np.testing.assert_allclose(pw["mde"], ref, **TOL)


def test_too_small_other_is_left_out_and_counted() -> None:
    d = _data(4, 3000)
    con = duckdb.connect()
    _table(con, d)
    doc = read_experiment(con, "t", group="grp", min_group_size=60).to_dict()
    groups = {r["group"] for r in doc["groups"]}
    assert "tiny1" not in groups and "tiny2" not in groups and OTHER not in groups
    left = doc["accounting"]["groups"]["left_out"]
    assert left["groups"] == 2
    assert left["units"] == int(np.isin(d["grp"], ["tiny1", "tiny2"]).sum())
    assert doc["overall"][0]["n_control"] + doc["overall"][0]["n_variant"] > 0
    assert doc["accounting"]["read"] == doc["accounting"]["used"] + doc["accounting"]["excluded"] == 3000


def test_bootstrap_is_seeded_and_close_to_welch() -> None:
    d = _data(5)
    con = duckdb.connect()
    _table(con, d)
    one = read_experiment(con, "t", group="grp", bootstrap=400, seed=3).to_dict()
    two = read_experiment(con, "t", group="grp", bootstrap=400, seed=3).to_dict()
    other = read_experiment(con, "t", group="grp", bootstrap=400, seed=4).to_dict()
    assert one == two
    assert one["overall"] != other["overall"]
    plain = read_experiment(con, "t", group="grp").to_dict()
    for b, w in zip(one["overall"], plain["overall"], strict=True):
        if b["outcome"] == "revenue":
            assert b["interval"] == "bootstrap percentile"
            width = w["ci_high"] - w["ci_low"]
            assert abs(b["ci_low"] - w["ci_low"]) < 0.25 * width
            assert b["p_value"] == w["p_value"]
        else:
            assert b == w


def test_the_building_blocks_handle_edges() -> None:
    e = proportions(0, 100, 0, 120)
    assert e.diff == 0 and e.p_value == 1.0
    assert np.isnan(welch(1.0, 1.0, 1, 2.0, 1.0, 5).p_value)
    np.testing.assert_allclose(benjamini_hochberg([0.01, np.nan, 0.04, 0.03]), [0.03, np.nan, 0.04, 0.04])


def test_verdicts_follow_the_rules() -> None:
    """A planted effect in one group only: it works there (better than elsewhere, with heterogeneity)."""
    rng = np.random.default_rng(11)
    n = 40_000
    variant = rng.choice(["control", "a"], n)
    group = rng.choice(["g1", "g2", "g3", "g4"], n)
    converted = (rng.random(n) < 0.10 + 0.06 * ((variant == "a") & (group == "g1"))).astype(int)
    d = {"variant": variant, "grp": group, "converted": converted, "revenue": converted * 10.0}
    con = duckdb.connect()
    _table(con, d)
    reading = read_experiment(con, "t", group="grp", outcomes=["converted"])
    verdicts = {(v["group"], v["variant"]): v["verdict"] for v in reading.verdicts()}
    assert verdicts[("g1", "a")] == "works better here than elsewhere"
    assert {verdicts[(g, "a")] for g in ("g2", "g3", "g4")} == {"no evidence"}
    # lower is better: the same effect hurts
    hurt = {(v["group"], v["variant"]): v["verdict"] for v in reading.verdicts(lower_is_better={"converted"})}
    assert hurt[("g1", "a")] == "hurts here"


def test_planned_weights_set_the_expected_counts() -> None:
    d = _data(8, 6000)
    con = duckdb.connect()
    _table(con, d)
    doc = read_experiment(con, "t", weights={"control": 2, "a": 1, "b": 1}).to_dict()
    observed = [doc["srm"]["observed"][a] for a in ("control", "a", "b")]
    expected = np.array([0.5, 0.25, 0.25]) * sum(observed)
    np.testing.assert_allclose(list(doc["srm"]["expected"].values()), expected, **TOL)
    np.testing.assert_allclose(doc["srm"]["p_value"], stats.chisquare(observed, expected).pvalue, **TOL)
    assert doc["srm"]["ok"] is False  # the data were drawn in equal thirds
    with pytest.raises(ConfigError, match="every arm"):
        read_experiment(con, "t", weights={"control": 1, "a": 1})
