"""Personas that stay current, end to end: the two-month retail demo's planted changes are found exactly.

``personacraft demo --months 2`` writes two monthly snapshots. Month 2 brings a wave of new
trendsetters (growth), a new complaint among the loyalists, and a climbing range that splits
the adventurers in two (see :mod:`personacraft.demo.retail_months`). Built one after the
other in one workspace, the second build's ``changes.json`` must flag exactly those three
changes, and the wave's new customers must join the trendsetters.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.pipeline import BuildResult, build
from tests.conftest import read_csv

CUSTOMERS = 3000


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult, BuildResult]:
    root = tmp_path_factory.mktemp("months")
    paths = generate("retail", root, CUSTOMERS, 1, months=2)
    first = build(load_config(paths["config"]))
    second = build(load_config(paths["config_month2"]))
    return root, first, second


def _planted(root: Path, built: BuildResult) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Each persona id → the planted persona most of its members come from; and the truth by email."""
    with (root / "ground_truth.csv").open() as fh:
        truth = {r["email"].strip().lower(): r for r in csv.DictReader(fh)}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for r in read_csv(built.out_dir / "assignments.csv"):
        if r["email"] in truth:
            votes[r["persona_id"]][truth[r["email"]]["persona"]] += 1
    return {pid: c.most_common(1)[0][0] for pid, c in votes.items()}, truth


def _changes(built: BuildResult) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((built.out_dir / "changes.json").read_text(encoding="utf-8"))
    return doc


@pytest.mark.slow
def test_the_planted_drift_is_found_exactly(months: tuple[Path, BuildResult, BuildResult]) -> None:
    root, first, second = months
    before, _ = _planted(root, first)
    after, _ = _planted(root, second)
    changes = _changes(second)
    by_id = {p["id"]: p for p in changes["personas"]}
    # the growing persona keeps its id and is flagged
    grown = next(pid for pid, name in after.items() if name == "Night-owl Trendsetter")
    assert before.get(grown) == "Night-owl Trendsetter" and by_id[grown]["status"] == "kept"
    alerts = {(a["kind"], a["persona_id"]) for a in changes["alerts"]}
    assert ("size_change", grown) in alerts
    # the new complaint raises an alert in the loyalists' persona
    loyal = next(pid for pid, name in after.items() if name == "Premium Loyalist")
    assert ("new_pain", loyal) in alerts
    pain = next(a for a in changes["alerts"] if a["kind"] == "new_pain")
    assert "pill" in json.dumps(pain).lower() or "fabric" in json.dumps(pain).lower()
    # the adventurers split in two
    old_adventurer = next(pid for pid, name in before.items() if name == "Weekend Adventurer")
    parts = [p for p in changes["personas"] if p["status"] == "split"]
    assert {tuple(p["matched_from"]) for p in parts} == {(old_adventurer,)} and len(parts) == 2
    assert ("persona_split", old_adventurer) in alerts
    # and nothing else
    assert alerts == {("size_change", grown), ("new_pain", loyal), ("persona_split", old_adventurer)}, alerts


@pytest.mark.slow
def test_new_customers_join_their_persona(months: tuple[Path, BuildResult, BuildResult]) -> None:
    root, _, second = months
    after, truth = _planted(root, second)
    joined = [r for r in read_csv(second.out_dir / "assignments.csv") if truth.get(r["email"], {}).get("joined")]
    new = [r for r in joined if truth[r["email"]]["joined"] == "month 2"]
    right = sum(after[r["persona_id"]] == truth[r["email"]]["persona"] for r in new)
    assert len(new) >= 200 and right / len(new) >= 0.9, (right, len(new))
    doc = json.loads((second.out_dir / "personas.json").read_text(encoding="utf-8"))
    assert all(p["value"]["new_share"] < 0.5 for p in doc["personas"])  # no persona of new customers
