"""Persona ids across real builds: the same data twice, a resample of the same law, and ``personacraft diff``."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import load_config
from personacraft.pipeline import BuildResult
from personacraft.store import Workspace
from personacraft.web.service import RunView
from personacraft.web.views.runs import changes_context

pytestmark = pytest.mark.slow  # three builds of a 2,000-customer demo (the `builds` fixture of tests/conftest.py)
STATUSES = {"kept", "born", "died", "split", "merged"}
KINDS = {
    "size_change",
    "persona_born",
    "persona_died",
    "persona_split",
    "persona_merged",
    "new_pain",
    "churn_risk_up",
    "trait_shift",
}


def _changes(result: BuildResult) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((result.run_dir / "changes.json").read_text(encoding="utf-8"))
    return doc


def _column(path: Path, column: str, key: str = "customer_id") -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as f:
        return {r[key]: r[column] for r in csv.DictReader(f)}


def test_a_first_build_writes_no_changes(builds: dict[str, Any]) -> None:
    assert not (builds["first"].run_dir / "changes.json").exists()
    assert [p.id for p in builds["first"].personas] == [f"p{i + 1}" for i in range(len(builds["first"].personas))]


def test_the_same_data_twice_keeps_every_persona_and_alerts_nothing(builds: dict[str, Any]) -> None:
    first, again = builds["first"], builds["again"]
    changes = _changes(again)
    assert changes["from_run"] == first.run_id and changes["to_run"] == again.run_id
    assert changes["matched_by"] == "members"
    assert [(p["id"], p["status"], p["matched_from"]) for p in changes["personas"]] == [
        (p.id, "kept", [p.id]) for p in first.personas
    ]
    assert changes["alerts"] == []
    assert changes["drift"] == 0.0
    assert sum(m["n"] for m in changes["migration"] if m["from"] != m["to"]) == 0
    assert _column(again.run_dir / "assignments.csv", "persona_id") == _column(
        first.run_dir / "assignments.csv", "persona_id"
    )
    # shown in the report and on the web app's runs page
    assert "What changed" in (again.run_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert "What changed" not in (first.run_dir / "report" / "index.html").read_text(encoding="utf-8")
    shown = changes_context(RunView.load(again.run_dir))
    assert shown is not None and shown["to_run"] == again.run_id
    assert changes_context(RunView.load(first.run_dir)) is None


def test_a_resample_keeps_every_id_and_alerts_nothing(builds: dict[str, Any]) -> None:
    first, resample = builds["first"], builds["resample"]
    changes = _changes(resample)
    names = {p.id: p.name for p in first.personas}
    got = {p["id"]: p["status"] for p in changes["personas"]}
    print("resample:", changes["matched_by"], got, "drift", changes["drift"], "alerts", changes["alerts"])
    assert got == {pid: "kept" for pid in names}
    assert all(p["matched_from"] == [p["id"]] for p in changes["personas"])
    assert changes["alerts"] == []
    # the ids are those of the first run in every output that names a persona
    ids = set(names)
    assert {v for v in _column(resample.run_dir / "assignments.csv", "persona_id").values() if v} == ids
    crm = _column(resample.run_dir / "activation" / "crm_personas.csv", "Persona ID", "Email")
    assert set(crm.values()) <= ids
    summary = json.loads((resample.run_dir / "activation" / "summary.json").read_text(encoding="utf-8"))
    assert {p["id"] for p in summary["personas"]} == ids
    assert {p.id for p in resample.personas} == ids
    # the invented person stays with the persona (the demos' customers all live in one country)
    people = {p.id: p.story.name for p in first.personas}
    print("names:", {p.id: (names[p.id], p.name) for p in resample.personas})
    assert {p.id: p.story.name for p in resample.personas} == people
    assert not (builds["root"] / "one" / ".personacraft" / "alerts.jsonl").exists()
    # the diff reads the counts the build's profile made, not the attributes again
    with Workspace(load_config(builds["root"] / "one" / "personacraft.toml").workspace_path, read_only=True) as ws:
        run = ws.run(resample.run_id)
        assert run.has_table("profile_cells")
        assert run.has_rows("profile_cells")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "personacraft", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


def test_diff_writes_the_contract_keys(builds: dict[str, Any]) -> None:
    root = builds["root"]
    r = cli("diff", "--config", "one/personacraft.toml", "--json", "d.json", cwd=root)
    assert r.returncode == 0, r.stderr
    doc = json.loads((root / "d.json").read_text(encoding="utf-8"))
    assert {"from_run", "to_run", "personas", "migration", "alerts"} <= doc.keys()
    assert (doc["from_run"], doc["to_run"]) == (builds["again"].run_id, builds["resample"].run_id)
    for p in doc["personas"]:
        assert {"id", "name", "status", "matched_from", "size_from", "size_to"} <= p.keys()
        assert p["status"] in STATUSES and isinstance(p["matched_from"], list)
        assert p["ci_low"] <= p["share_change"] <= p["ci_high"]
    for m in doc["migration"]:
        assert set(m) == {"from", "to", "n"}
    for a in doc["alerts"]:
        assert set(a) == {"kind", "persona_id", "message", "evidence"} and a["kind"] in KINDS
    # --from and --to pick the runs: the same data twice
    r = cli("diff", "--config", "one/personacraft.toml", "--from", builds["first"].run_id, "--to",
            builds["again"].run_id, cwd=root)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "No alerts." in r.stdout and "kept" in r.stdout


def test_diff_bad_input_says_what_is_wrong(builds: dict[str, Any]) -> None:
    root = builds["root"]
    r = cli("diff", "--config", "one/personacraft.toml", "--from", "0099-nope", cwd=root)
    assert r.returncode != 0 and "0099-nope" in r.stderr and "Traceback" not in r.stderr
    r = cli("diff", "--config", "one/personacraft.toml", "--to", builds["first"].run_id, cwd=root)
    assert r.returncode != 0 and "only one successful run" in r.stderr and "Traceback" not in r.stderr
