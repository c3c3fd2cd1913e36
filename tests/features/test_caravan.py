"""A real customer table (CoIL 2000 insurance customers, tests/data/caravan) segmented on its attributes alone,
declared in [sources.features]: the benchmark's pipeline runs on a part of the committed sample."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from personacraft.config import load_config
from personacraft.pipeline import build
from personacraft.store import Workspace
from tests.conftest import read_csv
from tests.features import caravan as caravan_personas

pytestmark = pytest.mark.slow
ROWS = 800


def test_personas_on_the_sample_attributes(tmp_path: Path) -> None:
    part = tmp_path / "caravan_part.csv"
    with caravan_personas.DATA.open(encoding="utf-8") as src, part.open("w", encoding="utf-8", newline="") as dst:
        rows = list(csv.reader(src))
        csv.writer(dst).writerows(rows[: ROWS + 1])
    config = caravan_personas.write_config(tmp_path / "ws", k=4, data=part)
    result = build(load_config(config))
    attributes = set(caravan_personas.attributes(part))
    assert len(attributes) == 41 and not attributes & set(caravan_personas.GROUPS)
    assert result.personas and all(t.feature in attributes for p in result.personas for t in p.traits)
    assigned = read_csv(result.out_dir / "assignments.csv")
    assert len(assigned) == ROWS and sum(1 for r in assigned if r["persona_id"]) > ROWS // 2
    with Workspace(load_config(config).workspace_path, read_only=True) as ws:
        run = ws.run(None)
        families = run.execute(f"SELECT DISTINCT family FROM {run.t('custom_families')}").fetchall()
        assert {f for (f,) in families} == attributes
        small = run.execute(
            f"SELECT count(*) FROM (SELECT family, value FROM {run.t('custom_values')} GROUP BY ALL "
            "HAVING count(DISTINCT customer_key) < 10)"
        ).fetchone()
        assert small == (0,)  # every published value covers the minimum group size
