"""The value stage on simulated shops: the model's figures when dropout is identified, the empirical ones when not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from personacraft.config import ValueConfig
from personacraft.store import Run, Workspace
from personacraft.value.stage import customer_value, fit_customer_value

RATES = (0.004, 0.02)  # purchases a day of the two personas' members
START = np.datetime64("2023-01-01")


def _shop(tmp_path: Path, dropout: float, seed: int = 0) -> tuple[Workspace, Run]:
    """Two personas over two years: customers arrive in the first year, buy at their persona's
    rate and stop after any purchase with chance ``dropout``."""
    rng = np.random.default_rng(seed)
    n = 2400
    persona = np.arange(n) % 2
    rate = np.asarray(RATES)[persona] * rng.gamma(8.0, 1 / 8.0, n)
    clock = rng.uniform(0, 365, n)
    alive = np.ones(n, dtype=bool)
    who, when = [np.arange(n)], [clock.copy()]
    for _ in range(120):  # purchase index, not rows
        clock = clock + rng.exponential(1.0, n) / rate
        alive &= clock < 730
        who.append(np.flatnonzero(alive))
        when.append(clock[alive])
        alive &= rng.random(n) >= dropout
    w, t = np.concatenate(who), np.concatenate(when)
    orders = pd.DataFrame(
        {
            "customer_key": [f"c{i:05d}" for i in w],
            "ordered_at": START + (t * 86400).astype("timedelta64[s]"),
            "amount": np.round(rng.gamma(4.0, 10.0, len(w)) + 20 * persona[w], 2),
        }
    )
    labels = pd.DataFrame({"customer_key": [f"c{i:05d}" for i in range(n)], "persona": persona, "confidence": 1.0})
    ws = Workspace(tmp_path / "workspace.duckdb")
    run = ws.new_run(config_hash="test", config={}, inputs=[], version="test")
    run.con.register("o", orders)
    run.con.register("l", labels)
    run.execute(f"CREATE TABLE {run.t('cust_orders')} AS SELECT * FROM o")
    run.execute(f"CREATE TABLE {run.t('labels')} AS SELECT * FROM l")
    return ws, run


def test_a_shop_with_dropout_shows_the_model_and_checks_it(tmp_path: Path) -> None:
    ws, run = _shop(tmp_path, dropout=0.15)
    cfg = ValueConfig(draws=20)
    fitted = fit_customer_value(run, cfg)
    assert fitted.degenerate is None
    result = customer_value(run, cfg, fitted, published=2, min_n=10)
    slow, fast = result.personas
    for v in (slow, fast):
        assert v["purchases_method"] == v["churn_risk_method"] == "model"
        assert "P(alive)" in v["churn_risk_basis"] and v["clv_interval"] is not None
        assert v["holdout_months"] == 12 and v["holdout_customers"] > 100
    # one purchase model for both personas: its gamma of rates fits neither mode well, and the check
    # catches the slow buyers' forecast (1.62 a member made at the cutoff, 1.17 made), not the fast ones'
    assert fast["reliable"] is True and fast["unreliable_because"] is None
    assert slow["reliable"] is False and "members made 1.17" in slow["unreliable_because"]
    assert fast["predicted_purchases_holdout"] > slow["predicted_purchases_holdout"]
    assert fast["observed_purchases_holdout"] > slow["observed_purchases_holdout"]
    # fast buyers reach the purchase they stop after sooner: more of them have already stopped
    assert fast["churn_risk"] > slow["churn_risk"]
    assert 0 < slow["churn_risk"] < 1 and result.provenance["dropout_identified"] is True
    cv = run.numpy(f"SELECT p_alive, churn_risk FROM {run.t('customer_value')}")
    np.testing.assert_allclose(cv["churn_risk"], 1 - cv["p_alive"], atol=1e-4)
    ws.close()


def test_a_shop_without_dropout_shows_the_empirical_figures(tmp_path: Path) -> None:
    ws, run = _shop(tmp_path, dropout=0.0)
    cfg = ValueConfig(draws=20)
    fitted = fit_customer_value(run, cfg)
    assert fitted.degenerate is not None
    # before segmentation, P(alive) is already left empty: customer status must not read it as who lapsed
    assert np.isnan(run.numpy(f"SELECT p_alive FROM {run.t('customer_value')}")["p_alive"]).all()
    result = customer_value(run, cfg, fitted, published=2, min_n=10)
    slow, fast = result.personas
    for v in (slow, fast):
        assert v["purchases_method"] == v["churn_risk_method"] == "empirical"
        assert v["clv_interval"] is None and v["reliable"] is True
        # nobody stops, but a slow buyer often goes a year without an order: that is the risk shown
        assert 0 < v["churn_risk"] < 1
    assert slow["churn_risk"] > fast["churn_risk"]
    # the persona's yearly repeat rate: close to the simulated one
    assert slow["predicted_purchases_12m"] == pytest.approx(RATES[0] * 365.25, rel=0.15)
    assert fast["predicted_purchases_12m"] == pytest.approx(RATES[1] * 365.25, rel=0.15)
    ws.close()
