"""``build --if-changed`` on a real small demo: no run when nothing changed, a run when any source byte did."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.pipeline import build
from personacraft.pipeline.refresh import unchanged_since
from personacraft.store import Workspace

pytestmark = pytest.mark.slow  # builds a demo and starts the command in its own process


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "personacraft", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


def _crm(path: Path) -> dict[str, tuple[str, str]]:
    """A CRM write-back file as email -> (persona, persona id)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["Email"]: (r["Persona"], r["Persona ID"]) for r in csv.DictReader(fh)}


def runs(config: Path) -> list[str]:
    with Workspace(load_config(config).workspace_path, read_only=True) as ws:
        return [r["run_id"] for r in ws.runs()]


def test_if_changed_builds_only_when_a_source_changed(tmp_path: Path) -> None:
    generate("retail", tmp_path, 1500, 5)
    config = tmp_path / "personacraft.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[text]\nmethod = "tfidf"\n', encoding="utf-8")
    cfg = load_config(config)
    assert unchanged_since(cfg) is None  # no workspace yet
    first = build(cfg).run_id

    r = cli("build", "--if-changed", "--config", str(config), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"No source changed since run {first}; nothing to do." in r.stderr
    assert r.stdout == "" and runs(config) == [first]

    # a new modification time alone is no change; a file a glob newly matches is one
    orders = tmp_path / "data" / "orders_export.csv"
    os.utime(orders, (1_000_000_000, 1_000_000_000))
    assert unchanged_since(cfg) == first
    extra = tmp_path / "data" / "ga4" / "events_999.ndjson"
    shutil.copyfile(tmp_path / "data" / "ga4" / "events_000.ndjson", extra)
    assert unchanged_since(cfg) is None
    extra.unlink()
    assert unchanged_since(cfg) == first
    # another output folder has no outputs yet: a build is due there
    assert unchanged_since(cfg, tmp_path / "elsewhere") is None

    # one byte of one source file
    reviews = tmp_path / "data" / "judgeme_reviews.csv"
    data = bytearray(reviews.read_bytes())
    at = data.index(b"\n") + 1  # the first letter of the first review's title
    data[at] = ord("X") if data[at] != ord("X") else ord("Y")
    reviews.write_bytes(bytes(data))
    r = cli("build", "--if-changed", "--config", str(config), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "nothing to do" not in r.stderr and "Built run" in r.stderr
    second = runs(config)[0]
    assert second != first and len(runs(config)) == 2
    assert Path(r.stdout.strip()) == tmp_path / "out" / "report" / "index.html"
    # the CRM delta turns the first run's write-back into the second's
    crm = {f: _crm(tmp_path / "out" / "runs" / f / "activation" / "crm_personas.csv") for f in (first, second)}
    delta = _crm(tmp_path / "out" / "activation" / "crm_personas_delta.csv")
    applied = {**crm[first], **delta}
    assert {k: v for k, v in applied.items() if v[1]} == crm[second]
    assert json.loads((tmp_path / "out" / "activation" / "summary.json").read_text())["crm_delta"]["since_run"] == first

    r = cli("build", "--if-changed", "--config", str(config), cwd=tmp_path)
    assert r.returncode == 0 and f"No source changed since run {second}; nothing to do." in r.stderr
    # a changed setting is a change too
    config.write_text(config.read_text(encoding="utf-8").replace("seed = 5", "seed = 6"), encoding="utf-8")
    assert unchanged_since(load_config(config)) is None
