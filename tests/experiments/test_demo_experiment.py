"""The retail demo's email A/B test: drawn apart from the rest of the demo, deterministic, with the planted rates."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pytest

from personacraft.config import load_config
from personacraft.demo import chunks, generate, retail_experiment
from personacraft.demo.retail_personas import PERSONAS


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_the_planted_rates() -> None:
    names = [p.name for p in PERSONAS]
    pidx = np.repeat(np.arange(len(names)), 3)
    arm = np.tile(np.arange(3), len(names))
    rates = dict(
        zip(
            zip((names[i] for i in pidx), (retail_experiment.VARIANTS[a] for a in arm), strict=True),
            retail_experiment.rates(pidx, arm),
            strict=True,
        )
    )
    for name in names:
        base = retail_experiment.BASE[name]
        assert rates[(name, "control")] == base
        lift = retail_experiment.FREE_SHIPPING_LIFT if name == "Deal Hunter" else 0.0
        assert rates[(name, "free shipping")] == pytest.approx(base + lift)
        lift = retail_experiment.NEW_ARRIVALS_LIFT if name == "Night-owl Trendsetter" else 0.0
        assert rates[(name, "new arrivals")] == pytest.approx(base + lift)


@pytest.mark.slow  # writes the demo three times (about 3 s each)
def test_the_test_leaves_every_other_file_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate("retail", tmp_path / "with", 600, 3)
    generate("retail", tmp_path / "again", 600, 3)
    monkeypatch.setattr(retail_experiment, "write", lambda *a, **k: None)
    generate("retail", tmp_path / "without", 600, 3)
    with_, again, without = (_digests(tmp_path / d) for d in ("with", "again", "without"))
    assert with_ == again  # deterministic
    export = f"data/{retail_experiment.FILE}"
    assert export in with_ and export not in without
    assert {k: v for k, v in with_.items() if k not in (export, "personacraft.toml")} == {
        k: v for k, v in without.items() if k != "personacraft.toml"
    }
    cfg = load_config(tmp_path / "with" / "personacraft.toml")
    [entry] = cfg.experiments
    assert entry.experiment == retail_experiment.EXPERIMENT and entry.outcomes == ("converted", "revenue")
    rows = duckdb.sql(
        f"SELECT \"Variant\", count(*) FROM read_csv('{tmp_path / 'with' / export}') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in rows] == sorted(retail_experiment.VARIANTS) and sum(r[1] for r in rows) > 0.8 * 600


@pytest.mark.slow  # writes a demo in three chunks
def test_a_chunked_demo_appends_its_recipients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "sizes", lambda total, chunk=chunks.CHUNK: [120, 120, total - 240])
    generate("retail", tmp_path, 300, 4)
    text = (tmp_path / "data" / retail_experiment.FILE).read_text(encoding="utf-8")
    header = ",".join(retail_experiment.COLUMNS)
    assert text.count(header + "\n") == 1 and text.startswith(header)
    emails = [line.split(",")[2].strip().lower() for line in text.splitlines()[1:]]
    assert len(emails) == len(set(emails)) > 0.8 * 300  # every chunk's recipients, each once
