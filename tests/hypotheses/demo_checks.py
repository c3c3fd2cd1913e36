"""Checks of the retail demo's beliefs on a build, shared by the 2,000- and the 20,000-customer tests.

Not a test module: ``tests/hypotheses/test_demo_claims.py`` and ``tests/experiments/test_build_demo_acceptance.py``
call these on the demos they build.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from personacraft.demo.retail_beliefs import EXPECTED, GOAL, PERSONA
from tests.conftest import read_csv


def planted_personas(root: Path, out: Path) -> dict[str, str]:
    """Each persona id -> the planted persona most of its members are (ground truth)."""
    truth = {r["customer_id"]: r["persona"] for r in read_csv(root / "ground_truth.csv")}
    votes: dict[str, Counter[str]] = {}
    for a in read_csv(out / "assignments.csv"):
        if a["persona_id"] and a["customer_id"] in truth:
            votes.setdefault(a["persona_id"], Counter())[truth[a["customer_id"]]] += 1
    return {pid: c.most_common(1)[0][0] for pid, c in votes.items()}


def check_claims(out: Path) -> dict[str, Any]:
    """The ten claims of hypotheses.yaml get their planted verdicts, each with its numbers, in the build's
    hypotheses.json and in the report; returns the document."""
    doc = json.loads((out / "hypotheses.json").read_text(encoding="utf-8"))
    got = {h["id"]: h["verdict"] for h in doc["hypotheses"]} | {m["id"]: m["verdict"] for m in doc["personas"]}
    assert got == EXPECTED, {k: (v, EXPECTED.get(k)) for k, v in got.items() if v != EXPECTED.get(k)}
    for h in doc["hypotheses"]:
        if h["verdict"] == "not_testable":
            assert h["reason"] and h["n"] is None and "in this run" in h["reason"], h
            continue
        assert h["n"] >= 100 and h["share"] is not None and h["p_adjusted"] < 0.05, h
        assert h["ci"][0] <= h["share"] <= h["ci"][1] and h["threshold"] is not None, h
    [made] = doc["personas"]
    assert not made["exists"] and made["known_n"] > 0 and "No evidence that this group exists" in made["reason"]
    assert all(c["verdict"] for c in made["claims"])  # each claim graded on the nearest persona, with its numbers
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert 'id="beliefs"' in html and "Beliefs vs evidence" in html
    assert "Most customers come back: four orders or more" in html and "retired night-owl collector" in html
    return doc


def check_planted(root: Path, out: Path) -> dict[str, Any]:
    """The planted says-against-does contradiction is found, in the Weekend Adventurers only, with both sides'
    numbers, on the card and in the report; returns it."""
    doc = json.loads((out / "personas.json").read_text(encoding="utf-8"))
    found = {p["id"]: p["says_vs_does"] for p in doc["personas"] if p["says_vs_does"]}
    planted = planted_personas(root, out)
    assert [planted[pid] for pid in found] == [PERSONA], (found, planted)
    [(pid, items)] = found.items()
    clash = next(x for x in items if x["says"]["value"] == GOAL)
    assert clash["does"]["family"] == "Discount use" and clash["says"]["n"] >= 10
    assert clash["does"]["value"] == "never uses a code" and clash["difference"] >= 0.1
    assert clash["elsewhere"]["difference"] <= -0.1 and clash["p_adjusted"] < 0.05
    assert clash["ci"][0] >= 0.1 and clash["elsewhere"]["ci"][1] <= -0.1  # both clearly 10 points or more
    card = (out / "report" / "cards" / f"{pid}.md").read_text(encoding="utf-8")
    assert "**Says vs does:**" in card and GOAL in card
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert 'id="says-vs-does"' in html and clash["text"].split(":")[0].replace("'", "&#39;") in html
    return clash
