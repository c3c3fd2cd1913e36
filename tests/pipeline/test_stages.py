"""Each stage of the pipeline run alone, in order, on a small demo, with its typed result checked."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from personacraft.config import Config, load_config
from personacraft.demo import generate
from personacraft.pipeline import stages
from personacraft.segment.assignment import persona_id
from personacraft.sources import Source, fingerprint, make_source
from personacraft.store import Run, Workspace


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A 400-customer retail demo, TF-IDF themes (no model load)."""
    root = tmp_path_factory.mktemp("small")
    generate("retail", root, 400, 3)
    config = root / "personacraft.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[text]\nmethod = "tfidf"\n', encoding="utf-8")
    return load_config(config)


def _new_run(cfg: Config, ws: Workspace) -> tuple[Run, list[Source], list[dict[str, Any]]]:
    sources = [make_source(s, cfg.root) for s in cfg.sources]
    inputs = fingerprint(sources)
    return ws.new_run(config_hash="t", config={}, inputs=inputs, version="test"), sources, inputs


@pytest.mark.slow  # runs every stage of a build
def test_stages_one_by_one(small: Config) -> None:
    said: list[str] = []
    with Workspace(small.workspace_path) as ws:
        run, sources, inputs = _new_run(small, ws)
        accounting = stages.ingest(small, run, sources, inputs, said.append)
        assert len(accounting) == len(sources) and all(a.balanced for a in accounting)
        assert said == [f"Reading {s.label}" for s in sources]

        merge = stages.unify(small, run)
        assert merge.customers >= 400 and run.has_rows("customer_index")

        stages.features(small, run)
        families = {r["family"] for r in run.dicts(f"SELECT DISTINCT family FROM {run.t('feature_counts')}")}
        assert {"order value", "daypart", "device"} <= families

        fitted = stages.value(small, run)
        assert fitted.missing is None and run.has_rows("customer_status")

        texts = stages.text(small, run)
        assert texts.themes is not None and texts.themes.method == "tfidf" and texts.bodies

        seg = stages.segment(small, run)
        n = len(seg.design.customers)
        assert seg.found and 2 <= seg.published <= seg.model.k_ and int(seg.sizes.sum()) == n
        assert len(seg.decision.segment) == n and seg.decision.assigned.all()
        labels = run.numpy(f"SELECT persona, confidence FROM {run.t('labels')} ORDER BY customer_key")
        assert np.array_equal(labels["persona"], seg.model.labels_)
        assert np.array_equal(labels["confidence"], seg.decision.best)

        prof = stages.profile_segments(small, run, texts)
        assert prof.cells and {c["persona"] for c in prof.cells} >= set(range(seg.published))

        value = stages.persona_value(small, run, fitted, seg)
        assert len(value.personas) == seg.published

        journey_doc = stages.journeys(small, run, seg, texts)
        assert len(journey_doc["personas"]) == seg.published

        personas = stages.personas(small, run, seg, prof, value, journey_doc)
        assert [p["id"] for p in personas] == [persona_id(i) for i in range(seg.published)]
        assert [b["name"] for b in journey_doc["personas"]] == [p["name"] for p in personas]

        # a stage rerun on the same run gives the same answer (the seed is the config's)
        again = stages.segment(small, run)
        assert np.array_equal(again.model.labels_, seg.model.labels_)
