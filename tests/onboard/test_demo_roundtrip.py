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

pytestmark = pytest.mark.slow


def personas(out: Path) -> tuple[list[str], dict[tuple[str, str], str]]:
    """The persona names, and each customer's persona by name (ids are the workspace's own)."""
    doc = json.loads((out / "personas.json").read_text())
    names = {p["id"]: p["name"] for p in doc["personas"]}
    with (out / "assignments.csv").open(newline="") as fh:
        rows = {(r["customer_id"], r["email"]): names[r["persona_id"]] for r in csv.DictReader(fh)}
    return sorted(names.values()), rows


@pytest.mark.parametrize("kind", ["retail", "saas"])
def test_init_config_builds_the_demo_personas(kind: str, tmp_path: Path) -> None:
    own = tmp_path / "own"
    generate(kind, own, 2000, 1, 1)
    mine = tmp_path / "init"
    shutil.copytree(own / "data", mine / "data")
    t0 = time.perf_counter()
    plan = init([mine / "data"], mine / "personacraft.toml")
    print(f"init on the {kind} demo (2,000 customers): {time.perf_counter() - t0:.1f} s")
    assert all(e.include and not e.checks for e in plan.entries), [(e.display, e.checks) for e in plan.entries]
    build(own / "personacraft.toml")
    build(mine / "personacraft.toml")
    names_own, assigned_own = personas(own / "out")
    names_init, assigned_init = personas(mine / "out")
    assert names_init == names_own
    assert assigned_init == assigned_own
