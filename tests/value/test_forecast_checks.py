"""Value figures that cannot contradict the evidence, on the retail demo (whose purchase model finds no dropout)."""

from __future__ import annotations

import json

import numpy as np
from scipy.stats import spearmanr

from personacraft.personas.persona_set import PersonaSet
from personacraft.pipeline import BuildResult
from personacraft.value.stage import AT_RISK_LIFT, AT_RISK_POINTS
from tests.conftest import read_csv

LAPSED = ("Recency", "last bought over a year ago")


def _doc(built: BuildResult) -> dict:
    return json.loads((built.out_dir / "personas.json").read_text())


def test_a_degenerate_model_never_shows_p_alive(built: BuildResult) -> None:
    doc = _doc(built)
    prov = doc["provenance"]["value"]
    assert prov["dropout_identified"] is False  # the demo plants no dropout: a -> 0
    assert prov["churn_risk_method"] == "empirical"
    for p in doc["personas"]:
        v = p["value"]
        assert v["churn_risk_method"] == "empirical" and "no order in the next 12 months" in v["churn_risk_basis"]
        assert v["horizon_months"] == 12 and v["horizon"] == "next 12 months"
        assert v["purchases_method"] == "empirical"
    rows = read_csv(built.out_dir / "customer_value.csv")
    assert all(r["p_alive"] == "" for r in rows)  # P(alive) = 1 for everyone is not written
    assert all(0 <= float(r["churn_risk"]) <= 1 for r in rows)


def test_the_most_lapsed_persona_has_the_highest_churn_risk(built: BuildResult) -> None:
    personas = _doc(built)["personas"]
    lapsed = [p["value"]["lapsed_share"] for p in personas]
    risk = [p["value"]["churn_risk"] for p in personas]
    assert int(np.argmax(lapsed)) == int(np.argmax(risk))
    for p, share, r in zip(personas, lapsed, risk, strict=True):
        if share >= 1 / 3:
            assert r >= share  # a third of them gone a year: not 0 %, and at least that many
        assert r > 0
        # lapsed_share is the share the card's recency trait shows
        trait = next((t for t in p["traits"] if (t["feature"], t["value"]) == LAPSED), None)
        if trait is not None:
            assert abs(trait["share"] - share) < 0.002


def test_at_risk_follows_the_shown_risk(built: BuildResult) -> None:
    for p in _doc(built)["personas"]:
        v = p["value"]
        fact = next(e for e in p["evidence"] if e["field"] == "value.churn_risk")["facts"][0]
        pop = fact["population"]
        assert fact["value"] == v["churn_risk"]
        assert v["at_risk"] == (v["churn_risk"] >= AT_RISK_LIFT * pop and v["churn_risk"] >= pop + AT_RISK_POINTS)
    assert any(p["value"]["at_risk"] for p in _doc(built)["personas"])


def test_predicted_purchases_rank_as_the_holdout_did(built: BuildResult) -> None:
    personas = _doc(built)["personas"]
    predicted = [p["value"]["predicted_purchases_12m"] for p in personas]
    observed = [p["value"]["observed_purchases_holdout"] for p in personas]
    assert spearmanr(predicted, observed).statistic >= 0.8
    for p in personas:
        v = p["value"]
        assert v["holdout_months"] == 12 and v["holdout_customers"] >= 10
        off = abs(v["predicted_purchases_holdout"] - v["observed_purchases_holdout"])
        if v["reliable"]:
            assert v["unreliable_because"] is None and off <= 0.25 * v["observed_purchases_holdout"] + 1e-9
        else:
            assert v["unreliable_because"] and f"{v['observed_purchases_holdout']:.2f}" in v["unreliable_because"]


def test_clv_follows_from_purchases_times_spend(built: BuildResult) -> None:
    """No persona that buys less and spends less per order is worth more (the holiday shopper was)."""
    personas = _doc(built)["personas"]
    monthly = 1.10 ** (1 / 12) - 1
    discount = float((1 / 12 / (1 + monthly) ** np.arange(1, 13)).sum())
    for p in personas:
        v = p["value"]
        expected = v["predicted_purchases_12m"] * v["spend_per_order"] * discount
        assert abs(v["clv_mean"] - expected) <= 0.01 * expected + 0.05
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
        assert p.value.churn_risk_method == "empirical" and p.value.horizon == "next 12 months"
        assert isinstance(p.value.reliable, bool) and p.value.predicted_purchases_12m is not None
        assert "churn_risk_method" not in p.value.extra
