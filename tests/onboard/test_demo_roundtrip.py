"""init on both demos' exports writes a config whose build gives the same personas as the demo's own config."""

from __future__ import annotations

import csv
import json
import shutil
import time
from pathlib import Path

import pytest

from personacraft import build
from personacraft.demo import generate
from personacraft.onboard import init
from personacraft.pipeline import BuildResult

pytestmark = pytest.mark.slow


def personas(out: Path) -> tuple[list[str], dict[tuple[str, str], str]]:
    """The persona names, and each customer's persona by name (ids are the workspace's own)."""
    doc = json.loads((out / "personas.json").read_text())
    names = {p["id"]: p["name"] for p in doc["personas"]}
    with (out / "assignments.csv").open(newline="") as fh:
        rows = {(r["customer_id"], r["email"]): names[r["persona_id"]] for r in csv.DictReader(fh)}
    return sorted(names.values()), rows


def init_and_build(data: Path, root: Path, kind: str) -> Path:
    """Copy a demo's exports under ``root``, run init on them and build its config; the out folder."""
    mine = root / "init"
    shutil.copytree(data, mine / "data")
    t0 = time.perf_counter()
    plan = init([mine / "data"], mine / "personacraft.toml")
    print(f"init on the {kind} demo (2,000 customers): {time.perf_counter() - t0:.1f} s")
    assert all(e.include and not e.checks for e in plan.entries), [(e.display, e.checks) for e in plan.entries]
    build(mine / "personacraft.toml")
    return mine / "out"


def test_init_config_builds_the_retail_demo_personas(retail_demo: Path, built: BuildResult, tmp_path: Path) -> None:
    """Against the session's retail demo, built once with its own config."""
    names_own, assigned_own = personas(built.out_dir)
    names_init, assigned_init = personas(init_and_build(retail_demo / "data", tmp_path, "retail"))
    assert names_init == names_own
    assert assigned_init == assigned_own


def test_init_config_builds_the_saas_demo_personas(tmp_path: Path) -> None:
    own = tmp_path / "own"
    generate("saas", own, 2000, 1, 1)
    build(own / "personacraft.toml")
    names_own, assigned_own = personas(own / "out")
    names_init, assigned_init = personas(init_and_build(own / "data", tmp_path, "saas"))
    assert names_init == names_own
    assert assigned_init == assigned_own
