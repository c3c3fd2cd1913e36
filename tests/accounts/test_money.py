"""B2B money on hand-made accounts: MRR, win rate, NRR and GRR, contract CLV, and the churn drivers' words."""

from __future__ import annotations

import numpy as np
import pytest

from personacraft.accounts.drivers import churn_drivers
from personacraft.accounts.money import Period, account_money, contract_clv, expected_months, monthly_hazard


def _view(n: int = 4) -> dict[str, np.ndarray]:
    return {
        "mrr": np.array([100.0, 0.0, 50.0, 200.0])[:n],
        "deals_won": np.array([1, 0, 1, 1])[:n],
        "deals_lost": np.array([0, 2, 0, 1])[:n],
        "won_amount": np.array([1000.0, 0.0, 500.0, 3000.0])[:n],
        "open_amount": np.array([0.0, 700.0, 0.0, 0.0])[:n],
    }


def test_money_of_a_set_of_accounts() -> None:
    view = _view()
    period = Period(
        "2024-01-01", "2025-01-01", np.array([100.0, 80.0, 50.0, 150.0]), np.array([100.0, 0.0, 50.0, 200.0])
    )
    m = account_money(view, np.ones(4, dtype=bool), period, min_n=1)
    assert m["mrr"] == 350 and m["arr"] == 4200 and m["paying_accounts"] == 3
    assert m["win_rate"] == pytest.approx(3 / 6) and m["acv"] == pytest.approx(4500 / 3)
    assert m["nrr"] == pytest.approx(350 / 380, abs=1e-4) and m["grr"] == pytest.approx(300 / 380, abs=1e-4)
    assert m["logo_churn"] == pytest.approx(1 / 4) and m["mrr_churn"] == pytest.approx(80 / 380, abs=1e-4)
    # a group under the minimum size: the retention figures are withheld, with the reason
    small = account_money(view, np.array([True, False, False, False]), period, min_n=2)
    assert small["nrr"] is None and "fewer than 2 accounts" in small["missing"]["nrr"]
    assert small["win_rate"] is None and "closed deals" in small["missing"]["win_rate"]


def test_contract_clv_is_mrr_times_expected_months() -> None:
    # no churn and no discount: the whole horizon; a 90-day churn chance of 1 - 0.9**(90/30.4375)... by month
    assert expected_months(np.array([0.0]), 12, 0.0)[0] == pytest.approx(12)
    h = monthly_hazard(np.array([0.2]), 90)[0]
    assert 1 - (1 - h) ** (90 / 30.4375) == pytest.approx(0.2)
    months = expected_months(np.array([h]), 12, 0.0)[0]
    assert months == pytest.approx(sum((1 - h) ** k for k in range(12)))
    mean, interval = contract_clv(np.array([100.0, 300.0]), np.array([h, h]), months=12, discount_rate=0.0, seed=1)
    assert mean == pytest.approx(200 * months)
    assert interval is not None and interval[0] <= mean <= interval[1]


def test_drivers_are_said_in_plain_words_with_their_n() -> None:
    rng = np.random.default_rng(3)
    n = 400
    hands = rng.integers(0, 4, n)
    churned = rng.random(n) < np.where(hands <= 1, 0.45, 0.12)
    view = {
        "first_paid_at": np.full(n, np.datetime64("2024-01-01"), dtype="datetime64[s]"),
        "churned": churned,
        "hands_on_users": hands,
        "roles_confirmed": np.array(["champion;decision_maker"] * n, dtype=object),
        "roles_inferred": np.array([""] * n, dtype=object),
        "last_plan": np.array(["Team"] * n, dtype=object),
        "industry": np.array(["Retail"] * n, dtype=object),
        "employees": np.full(n, 300.0),
    }
    found = churn_drivers(view, min_n=20)
    assert [d["driver"] for d in found] == ["hands_on"]
    d = found[0]
    assert d["summary"].startswith("Accounts with one hands-on user or none churned")
    assert f"of {d['n_risky']})" in d["summary"] and d["p_adjusted"] < 0.05
    # nothing planted, nothing found
    view["churned"] = rng.random(n) < 0.2
    assert churn_drivers(view, min_n=20) == []
