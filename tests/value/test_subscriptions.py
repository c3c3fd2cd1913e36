"""Subscription churn inside a build: validated on a later period, no leakage, drivers per persona."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from personacraft.config import load_config
from personacraft.features import sql
from personacraft.pipeline import BuildResult
from personacraft.store import Workspace
from personacraft.unify import keyed


def test_churn_is_learned_before_and_scored_after(saas_demo: tuple[Path, BuildResult]) -> None:
    _, built = saas_demo
    doc = json.loads((built.out_dir / "personas.json").read_text())
    v = doc["provenance"]["value"]["subscription_churn"]
    end, valid = datetime.fromisoformat(v["end"]), datetime.fromisoformat(v["valid_cutoff"])
    assert end - valid == timedelta(days=v["horizon_days"]) == timedelta(days=90)
    # every training label (cutoff + horizon) was known by the validation cutoff
    last_train = datetime.fromisoformat(v["train_cutoffs"].rsplit(" ", 1)[1])
    assert last_train + timedelta(days=v["horizon_days"]) <= valid
    assert v["train_churn_events"] >= 50 and v["valid_customers"] >= 40
    assert v["auc"] > 0.6 and v["brier"] < v["brier_base"] * 1.05
    for p in doc["personas"]:
        # no orders in this demo: the CLV is a paying account's contract (MRR x expected months), not invented
        assert 0 < p["value"]["churn_risk"] < 1 and p["value"]["clv_unit"] == "account"
        assert "clv_mean" not in p["value"].get("missing", {})


def test_the_planted_driver_leads(saas_demo: tuple[Path, BuildResult]) -> None:
    """The demo plants churn on accounts with a single hands-on user and on the small plans."""
    _, built = saas_demo
    doc = json.loads((built.out_dir / "personas.json").read_text())
    tops = [p["value"]["churn_drivers"][0] for p in doc["personas"] if p["value"].get("churn_drivers")]
    assert len(tops) >= 3
    planted = ("Hands-on users", "Active users, last 30 days", "Active users, last 90 days", "Plan")
    hits = [d for d in tops if d["feature"] in planted]
    assert len(hits) >= len(tops) - 1, tops
    claims = [e["claim"] for p in doc["personas"] for e in p["evidence"] if e["field"] == "value.churn_drivers"]
    assert claims and all(isinstance(c, str) and c for c in claims)


def test_a_snapshot_uses_nothing_after_its_cutoff(saas_demo: tuple[Path, BuildResult]) -> None:
    """Features at a cutoff are the same when every record after the cutoff is deleted."""
    root, _ = saas_demo
    cfg = load_config(root / "personacraft.toml")
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run()
        con = run.con
        cutoff = "TIMESTAMP '2025-03-01 00:00:00'"
        refs = {
            "people": run.t("people"),
            "customers": keyed(run, "customers"),
            "subscriptions": keyed(run, "subscriptions"),
            "events": keyed(run, "events"),
            "texts": keyed(run, "texts"),
            "accounts": run.t("accounts"),
            "committee": run.t("committee"),
        }
        cut = {
            **refs,
            "customers": f"(SELECT * FROM {refs['customers']} WHERE created_at IS NULL OR created_at <= {cutoff})",
            "events": f"(SELECT * FROM {refs['events']} WHERE occurred_at <= {cutoff})",
            "texts": f"(SELECT * FROM {refs['texts']} WHERE created_at <= {cutoff})",
            # the label needs cancellations after the cutoff; the subscriptions started later go
            "subscriptions": f"(SELECT * FROM {refs['subscriptions']} WHERE started_at <= {cutoff})",
        }
        got = []
        for name, r in (("full", refs), ("cut", cut)):
            template = sql.CHURN_SNAPSHOT.replace("CREATE OR REPLACE TABLE", "CREATE OR REPLACE TEMP TABLE")
            con.execute(template.format(out=f"snap_{name}", cutoff=cutoff, horizon=90, generic=sql.GENERIC_EVENTS, **r))
            got.append(con.execute(f"SELECT * FROM snap_{name} ORDER BY unit").fetchall())
    assert len(got[0]) > 100
    assert got[0] == got[1]
    churned = np.array([row[1] for row in got[0]])
    assert 0 < churned.mean() < 0.5
