"""Every customer assigned on the engine (Spark's mapInPandas, or DuckDB) gets the decision the model gives locally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from personacraft.engine import DUCKDB
from personacraft.engine.customers import per_customer
from personacraft.engine.spark import SparkEngine
from personacraft.segment import LatentClassSegmenter, load_design, save_model
from personacraft.segment.assignment import Decision, PersonaModel
from personacraft.segment.matrix import assign_everyone
from personacraft.store import Run, Workspace

from .conftest import LOCAL


def planted(run: Run) -> tuple[PersonaModel, np.ndarray, np.ndarray]:
    """Two planted groups of 400 customers over two families, 30 customers with no count at all; the model fitted."""
    rng = np.random.default_rng(7)
    keys, fams, vals, ns = [], [], [], []
    for i in range(800):
        group = i % 2
        for family, values in (("channel", ("web", "store", "app")), ("category", ("tea", "cups", "gifts", "books"))):
            p = np.full(len(values), 0.1)
            p[group] = 0.8 if family == "channel" else 0.7
            for v, n in zip(values, rng.multinomial(4, p / p.sum()), strict=True):
                if n:
                    keys.append(f"c{i:04d}"), fams.append(family), vals.append(v), ns.append(float(n))
    run.write_arrays(
        "feature_counts",
        {
            "customer_key": np.array(keys, dtype=object),
            "family": np.array(fams, dtype=object),
            "value": np.array(vals, dtype=object),
            "n": np.array(ns),
        },
    )
    everyone = np.array([f"c{i:04d}" for i in range(830)], dtype=object)
    run.write_arrays("customer_index", {"customer_key": everyone})
    design = load_design(run)
    model = LatentClassSegmenter(families=design.families, k=2, random_state=0).fit(design.N)
    save_model(run, model, design, 2)
    return PersonaModel(model, design.columns, True, 2), design.customers, design.N


def assert_same(got: Decision, want: Decision) -> None:
    for field in ("segment", "best", "assigned", "known", "second", "second_best"):
        assert getattr(got, field).tolist() == getattr(want, field).tolist(), field
    assert got.persona_ids.tolist() == want.persona_ids.tolist()


def test_per_customer_keeps_each_customers_rows_together() -> None:
    keys = np.array(["a", "a", "b", "b", "b", "c", "d", "d"], dtype=object)
    cuts = (slice(0, 3), slice(3, 4), slice(4, 7), slice(7, 8))  # b straddles three batches, d two
    batches = [{"customer_key": keys[s], "x": np.arange(8)[s]} for s in cuts]
    calls = [(b["customer_key"].tolist(), b["x"].tolist()) for b in per_customer(lambda b: b, batches)]
    assert calls == [(["a", "a"], [0, 1]), (["b", "b", "b", "c"], [2, 3, 4, 5]), (["d", "d"], [6, 7])]
    assert list(per_customer(lambda b: b, [])) == []


def test_duckdb_assignment_is_the_local_decision(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="x", config={}, inputs=[], version="t")
        personas, customers, N = planted(run)
        got = assign_everyone(run, DUCKDB, personas, customers)
        assert_same(got, personas.decide(N))
        assert int((got.known == 0).sum()) == 30 and not got.assigned[got.known == 0].any()


@pytest.mark.spark
@pytest.mark.slow
def test_spark_assignment_is_the_local_decision(spark: Any, tmp_path: Path) -> None:
    """mapInPandas over batches of 7 rows: customers straddle batches, and still each is decided once, as locally."""
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "7")
    try:
        with Workspace(tmp_path / "w.duckdb") as ws:
            run = ws.new_run(config_hash="x", config={}, inputs=[], version="t")
            personas, customers, N = planted(run)
            engine = SparkEngine(LOCAL, session=spark)
            got = assign_everyone(run, engine, personas, customers)
            assert_same(got, personas.decide(N))
            assert [t[0] for t in engine.timings] == ["assignments"]
            assert run.scalar(f"SELECT count(*) FROM {run.t('assignments')}") == 830
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
