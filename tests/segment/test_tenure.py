"""Tenure is not a persona: customers too new to judge join the persona they behave like.

The retail demo's customers arrive over two years, so those whose first order is under
``[segment] new_days`` (90) days before the newest order have had no time to reorder. They
have no frequency value, are assigned by what they bought and how, and the personas say how
many of their members are new.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict

from personacraft.pipeline import BuildResult
from personacraft.store import Workspace
from tests.conftest import read_csv


def test_new_customers_join_the_persona_they_behave_like(built: BuildResult) -> None:
    root = built.out_dir.parent
    with (root / "ground_truth.csv").open() as fh:
        truth = {r["email"].strip().lower(): r["persona"] for r in csv.DictReader(fh)}
    with Workspace(root / ".personacraft" / "workspace.duckdb", read_only=True) as ws:
        run = ws.run(built.run_id)
        rows = run.dicts(
            f"""SELECT c.email, o.tenure_days < 90 AS new,
                       EXISTS (SELECT 1 FROM {run.t("feature_counts")} f
                               WHERE f.customer_key = o.customer_key AND f.family = 'frequency') AS has_frequency
                FROM {run.t("order_features")} o JOIN {run.t("customer_index")} c USING (customer_key)"""
        )
    new = {r["email"] for r in rows if r["new"]}
    assert new and not any(r["has_frequency"] for r in rows if r["new"])
    assert all(r["has_frequency"] for r in rows if not r["new"])
    assigned = {r["email"]: r["persona_id"] for r in read_csv(built.out_dir / "assignments.csv")}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for email, pid in assigned.items():
        if email in truth:
            votes[pid][truth[email]] += 1
    planted = {pid: c.most_common(1)[0][0] for pid, c in votes.items()}
    judged = [e for e in new if e in truth and e in assigned]
    right = sum(planted[assigned[e]] == truth[e] for e in judged)
    assert len(judged) >= 100 and right / len(judged) >= 0.9, (right, len(judged))


def test_each_persona_says_how_many_members_are_new(built: BuildResult) -> None:
    import json

    doc = json.loads((built.out_dir / "personas.json").read_text())
    counts = {r["persona_id"]: 0 for r in read_csv(built.out_dir / "assignments.csv")}
    for p in doc["personas"]:
        v = p["value"]
        assert 0 <= v["new_share"] < 0.5  # no persona is made of new customers
        assert abs(v["new_members"] - v["new_share"] * v["clv_customers"]) <= 1
    assert sum(p["value"]["new_members"] for p in doc["personas"]) > 0 and counts
    card = (built.out_dir / "report" / "cards").glob("*.md")
    texts = [c.read_text(encoding="utf-8") for c in card]
    assert texts and any("are new customers, too new to say how often they buy" in t for t in texts)
