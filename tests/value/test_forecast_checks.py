"""Value figures that cannot contradict the evidence, on the retail demo (whose customers drop out)."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict

import numpy as np

from personacraft.personas.persona_set import PersonaSet
from personacraft.pipeline import BuildResult
from personacraft.value.stage import AT_RISK_LIFT, AT_RISK_POINTS
from tests.conftest import read_csv

LAPSED = ("Recency", "last bought over a year ago")


def _doc(built: BuildResult) -> dict:
    return json.loads((built.out_dir / "personas.json").read_text())


def _planted(built: BuildResult) -> dict[str, str]:
    """Each built persona's id → the planted persona most of its members come from."""
    root = built.out_dir.parent
    with (root / "ground_truth.csv").open() as fh:
        truth = {r["email"].strip().lower(): r["persona"] for r in csv.DictReader(fh)}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for r in read_csv(built.out_dir / "assignments.csv"):
        if r["email"] in truth:
            votes[r["persona_id"]][truth[r["email"]]] += 1
    return {pid: c.most_common(1)[0][0] for pid, c in votes.items()}


def test_the_purchase_model_identifies_the_planted_dropout(built: BuildResult) -> None:
    doc = _doc(built)
    prov = doc["provenance"]["value"]
    assert prov["dropout_identified"] is True and prov["churn_risk_method"] == "model"
    for p in doc["personas"]:
        v = p["value"]
        assert v["churn_risk_method"] == "model" and "P(alive)" in v["churn_risk_basis"]
        assert v["horizon_months"] == 12 and v["horizon"] == "next 12 months"
        low, high = v["clv_interval"]
        assert low <= v["clv_mean"] <= high and 0 < v["churn_risk"] < 1
    rows = read_csv(built.out_dir / "customer_value.csv")
    alive = np.array([float(r["p_alive"]) for r in rows])
    risk = np.array([float(r["churn_risk"]) for r in rows])
    np.testing.assert_allclose(risk, 1 - alive, atol=1e-4)


def test_the_persona_that_drops_out_most_is_at_risk(built: BuildResult) -> None:
    """The trendsetters stop buying soonest (a 30 % chance after each order): their persona has the
    highest churn risk, is flagged at risk, and its CLV has an interval."""
    planted = _planted(built)
    personas = _doc(built)["personas"]
    risk = {p["id"]: p["value"]["churn_risk"] for p in personas}
    top = max(risk, key=lambda k: risk[k])
    assert planted[top] == "Night-owl Trendsetter", (planted, risk)
    v = next(p["value"] for p in personas if p["id"] == top)
    assert v["at_risk"] and v["clv_interval"] is not None
    assert all(risk[top] > r for pid, r in risk.items() if pid != top)


def test_lapsed_share_is_the_recency_trait(built: BuildResult) -> None:
    """The recency trait counts the members old enough to judge; lapsed_share all buyers (new ones never lapse)."""
    for p in _doc(built)["personas"]:
        v = p["value"]
        trait = next((t for t in p["traits"] if (t["feature"], t["value"]) == LAPSED), None)
        if trait is not None:
            assert abs(trait["share"] * (1 - v["new_share"]) - v["lapsed_share"]) < 0.003


def test_at_risk_follows_the_shown_risk(built: BuildResult) -> None:
    for p in _doc(built)["personas"]:
        v = p["value"]
        fact = next(e for e in p["evidence"] if e["field"] == "value.churn_risk")["facts"][0]
        pop = fact["population"]
        assert fact["value"] == v["churn_risk"]
        assert v["at_risk"] == (v["churn_risk"] >= AT_RISK_LIFT * pop and v["churn_risk"] >= pop + AT_RISK_POINTS)
    assert any(p["value"]["at_risk"] for p in _doc(built)["personas"])


def test_the_holdout_check_flags_every_forecast_that_missed(built: BuildResult) -> None:
    """BG/NBD assumes purchases spread evenly in time, so it misses the seasonal shoppers; the check says so."""
    personas = _doc(built)["personas"]
    for p in personas:
        v = p["value"]
        assert v["holdout_months"] == 12 and v["holdout_customers"] >= 10
        off = abs(v["predicted_purchases_holdout"] - v["observed_purchases_holdout"])
        if v["reliable"]:
            assert v["unreliable_because"] is None and off <= 0.25 * v["observed_purchases_holdout"] + 1e-9
        else:
            assert v["unreliable_because"] and f"{v['observed_purchases_holdout']:.2f}" in v["unreliable_because"]


def test_clv_follows_from_purchases_times_spend(built: BuildResult) -> None:
    """Each buyer's CLV is their predicted purchases times their spend per order, discounted month by month;
    so no persona that buys less and spends less per order is worth more."""
    monthly = 1.10 ** (1 / 12) - 1
    discount = float((1 / 12 / (1 + monthly) ** np.arange(1, 13)).sum())
    rows = read_csv(built.out_dir / "customer_value.csv")
    clv = np.array([float(r["clv"]) for r in rows])
    expected = np.array([float(r["expected_purchases_12m"]) * float(r["expected_spend"]) for r in rows]) * discount
    # the model discounts its own purchase curve month by month (front-loaded as customers drop out)
    np.testing.assert_allclose(clv, expected, rtol=0.01, atol=0.05)
    personas = _doc(built)["personas"]
    for a in personas:
        for b in personas:
            va, vb = a["value"], b["value"]
            if (
                va["predicted_purchases_12m"] < vb["predicted_purchases_12m"]
                and va["spend_per_order"] < vb["spend_per_order"]
            ):
                assert va["clv_mean"] < vb["clv_mean"], (a["name"], b["name"])


def test_the_typed_persona_reads_the_new_fields(built: BuildResult) -> None:
    ps = PersonaSet.load(built.out_dir / "personas.json")
    for p in ps:
        assert p.value.churn_risk_method == "model" and p.value.horizon == "next 12 months"
        assert isinstance(p.value.reliable, bool) and p.value.predicted_purchases_12m is not None
        assert "churn_risk_method" not in p.value.extra
