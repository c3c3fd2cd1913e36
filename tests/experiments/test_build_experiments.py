"""The build's experiments stage on a small hand-made workspace: exposures to customers and personas, computed
outcomes within their window, the persona blocks, and the config's errors naming file, entry and key."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from personacraft.config import Config, load_config
from personacraft.errors import ConfigError
from personacraft.experiments.personas import persona_experiments
from personacraft.pipeline import stages
from personacraft.sources import fingerprint, make_source
from personacraft.store import Run, Workspace

N = 400  # customers: c0 … c399, in two personas by parity
SOURCES = """
[[sources]]
kind = "csv"
path = "customers.csv"
table = "customers"

[[sources]]
kind = "csv"
path = "orders.csv"
table = "orders"

[[sources]]
kind = "csv"
path = "ab.csv"
table = "experiments"
name = "ab"
[sources.columns]
experiment_id = "test"
variant = "arm"
customer_id = "who"
exposed_at = "sent"
converted = "bought"
clicks = "clicks"
"""


def _files(root: Path) -> dict[str, Any]:
    """Customers, orders and an export; returns what the test expects to read back."""
    rng = np.random.default_rng(5)
    ids = [f"c{i}" for i in range(N)]
    (root / "customers.csv").write_text(
        "customer_id,email\n" + "".join(f"{c},{c}@example.com\n" for c in ids), encoding="utf-8"
    )
    arm = rng.integers(0, 2, N)  # 0 control, 1 "B"
    # orders: every customer one old order; the "B" arm of persona 0 a second order 3 days after exposure
    # (inside a 10-day window), everyone in persona 1 one 20 days after (outside it)
    lines = ["order_id,customer_id,ordered_at,amount"]
    for i, c in enumerate(ids):
        lines.append(f"o{i}a,{c},2024-01-01 10:00:00,10")
        if i % 2 == 0 and arm[i] == 1:
            lines.append(f"o{i}b,{c},2024-06-04 10:00:00,25.5")
        if i % 2 == 1:
            lines.append(f"o{i}c,{c},2024-06-21 10:00:00,7")
    lines.append("olast,c0,2024-09-01 10:00:00,1")  # the data end: every 10-day window is over
    (root / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # the export names customers by id or by email (upper case, spaces): both resolve
    who = [c if i % 3 else f" {c.upper()}@EXAMPLE.COM " for i, c in enumerate(ids)]
    rows = ["test,arm,who,sent,bought,clicks"]
    # bought: 10 % of everyone, and half of the B arm of persona 0 besides
    bought = (rng.random(N) < 0.1) | ((arm == 1) & (np.arange(N) % 2 == 0) & (rng.random(N) < 0.5))
    rows += [
        f"t1,{'B' if arm[i] else 'control'},{who[i]},2024-06-01 09:00:00,{int(bought[i])},{i % 4}" for i in range(N)
    ]
    rows.append("t1,B,stranger@example.com,2024-06-01 09:00:00,1,1")  # not a customer of the workspace
    (root / "ab.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return {"arm": arm}


def _config(root: Path, experiments: str) -> Config:
    (root / "personacraft.toml").write_text(SOURCES + experiments, encoding="utf-8")
    return load_config(root / "personacraft.toml")


def _run(cfg: Config, ws: Workspace) -> Run:
    """Ingest and unify the sources, then label every customer's persona by parity (p0 even, p1 odd)."""
    sources = [make_source(s, cfg.root) for s in cfg.sources]
    inputs = fingerprint(sources)
    run = ws.new_run(config_hash="t", config={}, inputs=inputs, version="test")
    stages.ingest(cfg, run, sources, inputs, lambda _: None)
    stages.unify(cfg, run)
    keys = run.numpy(
        f"SELECT i.customer_key, c.customer_id FROM {run.t('customers')} c JOIN {run.t('identity')} i "
        "ON i.node = 'id:' || c.customer_id ORDER BY 2"
    )
    persona = np.array([int(c[1:]) % 2 for c in keys["customer_id"]], dtype=np.int32)
    run.write_arrays("labels", {"customer_key": keys["customer_key"], "persona": persona})
    return run


def test_computed_and_carried_outcomes_per_persona(tmp_path: Path) -> None:
    expected = _files(tmp_path)
    cfg = _config(
        tmp_path,
        '[[experiments]]\nexperiment = "t1"\ncontrol = "control"\noutcomes = ["converted", "clicks"]\n'
        'compute = ["orders", "revenue"]\nwindow_days = 10\n',
    )
    with Workspace(cfg.workspace_path) as ws:
        run = _run(cfg, ws)
        found = persona_experiments(run, cfg.experiments, ["p0", "p1"], min_n=10, seed=0)
    [doc] = found.experiments
    assert doc["accounting"]["exposures"] == N + 1
    assert doc["accounting"]["left_out_before_reading"] == {"not a customer of the workspace": 1}
    assert doc["accounting"]["used"] == N
    arm = expected["arm"]
    by = {(b["variant"], b["outcome"]): b for b in found.blocks["p0"]}
    # persona 0, arm B: one order of 25.50 in the window each; control none; persona 1: none in the window
    n_b = int(((arm == 1) & (np.arange(N) % 2 == 0)).sum())
    orders = by[("B", "orders")]
    assert orders["persona"]["n_variant"] == n_b
    assert orders["persona"]["mean_variant"] == 1.0 and orders["persona"]["mean_control"] == 0.0
    assert math.isclose(by[("B", "revenue")]["persona"]["mean_variant"], 25.5)
    assert by[("B", "converted")]["verdict"] == "works better here than elsewhere"
    p1 = {(b["variant"], b["outcome"]): b for b in found.blocks["p1"]}
    assert p1[("B", "orders")]["persona"]["mean_variant"] == 0.0  # their orders came after the window
    assert p1[("B", "converted")]["verdict"] == "no evidence"
    clicks = [i % 4 for i in range(N)]
    assert math.isclose(
        by[("B", "clicks")]["everyone"]["mean_variant"], np.mean([c for c, a in zip(clicks, arm, strict=True) if a])
    )
    assert by[("B", "converted")]["text"].startswith("tested: 'B' lifted conversion by ")
    assert "points for this persona, 95 % CI " in by[("B", "converted")]["text"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'experiment = "t9"\noutcomes = ["converted"]',
            'experiment = "t9"' and '"experiment" names "t9", which is not in',
        ),
        ('experiment = "t1"\noutcomes = ["opens"]', "\"outcomes\" names 'opens', which the export"),
        ('experiment = "t1"\ncontrol = "A"\noutcomes = ["converted"]', '"control" is "A", which is not a variant'),
        ('source = "nope"\noutcomes = ["converted"]', '"source" names "nope"'),
    ],
)
def test_an_entry_naming_what_the_data_lacks_is_a_clear_error(tmp_path: Path, entry: str, message: str) -> None:
    _files(tmp_path)
    cfg = _config(tmp_path, f"[[experiments]]\n{entry}\n")
    with Workspace(cfg.workspace_path) as ws:
        run = _run(cfg, ws)
        with pytest.raises(ConfigError) as err:
            persona_experiments(run, cfg.experiments, ["p0", "p1"], min_n=10, seed=0)
    assert str(err.value).startswith("personacraft.toml [[experiments]] #1: ") and message in str(err.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('experiment = "t1"\noutcomes = ["converted"]\nwindow_days = 0', '"window_days" must be a positive whole'),
        ('experiment = "t1"\ncompute = ["orders"]\nwindow_days = "30"', '"window_days" must be a positive whole'),
        ('experiment = "t1"\ncompute = ["clicks"]', "\"compute\" names 'clicks'; the workspace can compute"),
        ('experiment = "t1"\nsource = "ab"\noutcomes = ["converted"]', 'with "experiment" (its id) or "source"'),
        ('experiment = "t1"', "name at least one outcome"),
        ('experiment = "t1"\noutcomes = ["converted"]\nwindow = 3', 'unknown setting "window"'),
        ('experiment = "t1"\noutcomes = "converted"', '"outcomes" must be a list'),
    ],
)
def test_a_bad_entry_names_file_entry_and_key(tmp_path: Path, entry: str, message: str) -> None:
    (tmp_path / "personacraft.toml").write_text(SOURCES + f"[[experiments]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "personacraft.toml")
    assert str(err.value).startswith("personacraft.toml [[experiments]] #1: ") and message in str(err.value)


def test_without_experiments_every_persona_says_why(tmp_path: Path) -> None:
    _files(tmp_path)
    cfg = _config(tmp_path, "")
    built: list[dict[str, Any]] = [{"id": "p0", "missing": {}}, {"id": "p1", "missing": {}}]
    with Workspace(cfg.workspace_path) as ws:
        run = _run(cfg, ws)
        found = stages.experiments(cfg, run, built)
    assert found.experiments == []
    assert all(p["experiments"] is None and "no [[experiments]] entry" in p["missing"]["experiments"] for p in built)


def test_an_entry_may_name_the_source_instead(tmp_path: Path) -> None:
    _files(tmp_path)
    cfg = _config(tmp_path, '[[experiments]]\nsource = "ab"\nname = "Spring email"\noutcomes = ["converted"]\n')
    with Workspace(cfg.workspace_path) as ws:
        run = _run(cfg, ws)
        found = persona_experiments(run, cfg.experiments, ["p0", "p1"], min_n=10, seed=0)
    assert [(d["experiment"], d["name"]) for d in found.experiments] == [("t1", "Spring email")]
    assert {b["outcome"] for b in found.blocks["p1"]} == {"converted"}


def test_segment_exposures_with_outcomes_from_later_events(tmp_path: Path) -> None:
    """Experiment Viewed calls (by user or by a cookie identified later) read with conversion_event outcomes."""
    rng = np.random.default_rng(3)
    calls = []
    for i in range(300):
        user, anon = f"u{i}", f"a{i}"
        arm = "B" if i % 2 else "control"
        by_cookie = i % 5 == 0  # viewed before logging in: the cookie is stitched to the user by a later call
        calls.append({"type": "identify", "userId": user, "anonymousId": anon, "timestamp": "2024-05-01T10:00:00Z",
                      "traits": {"email": f"{user}@example.com"}})  # fmt: skip
        calls.append({"type": "page", "userId": user, "anonymousId": anon, "timestamp": "2024-06-02T10:00:00Z",
                      "properties": {"url": "https://shop.example/account"}})  # fmt: skip
        calls.append({"type": "track", "event": "Experiment Viewed", "userId": None if by_cookie else user,
                      "anonymousId": anon, "timestamp": "2024-06-01T10:00:00Z",
                      "properties": {"experiment_name": "Hero", "variation_name": arm}})  # fmt: skip
        if rng.random() < (0.6 if arm == "B" else 0.2):
            calls.append({"type": "track", "event": "Order Completed", "userId": user,
                          "timestamp": "2024-06-03T10:00:00Z"})  # fmt: skip
    calls.append({"type": "track", "event": "Heartbeat", "userId": "u0", "timestamp": "2024-09-01T10:00:00Z"})
    (tmp_path / "seg.jsonl").write_text("\n".join(json.dumps(c) for c in calls) + "\n", encoding="utf-8")
    (tmp_path / "personacraft.toml").write_text(
        '[[sources]]\nkind = "segment_events"\npath = "seg.jsonl"\n\n[[experiments]]\nexperiment = "Hero"\n'
        'control = "control"\ncompute = ["converted"]\nconversion_event = "Order Completed"\nwindow_days = 7\n',
        encoding="utf-8",
    )
    cfg = load_config(tmp_path / "personacraft.toml")
    with Workspace(cfg.workspace_path) as ws:
        sources = [make_source(s, cfg.root) for s in cfg.sources]
        inputs = fingerprint(sources)
        run = ws.new_run(config_hash="t", config={}, inputs=inputs, version="test")
        stages.ingest(cfg, run, sources, inputs, lambda _: None)
        stages.unify(cfg, run)
        keys = run.numpy(f"SELECT DISTINCT customer_key FROM {run.t('identity')} WHERE customer_key IS NOT NULL")
        run.write_arrays(
            "labels", {"customer_key": keys["customer_key"], "persona": np.zeros(len(keys["customer_key"]), np.int32)}
        )
        found = persona_experiments(run, cfg.experiments, ["p0"], min_n=10, seed=0)
    [doc] = found.experiments
    assert doc["accounting"]["exposures"] == 300 and doc["accounting"]["used"] == 300  # cookies stitched too
    [item] = found.blocks["p0"]
    assert item["outcome"] == "converted" and item["verdict"] == "works here"
    assert 0.3 < item["persona"]["diff"] < 0.5


def test_a_sample_ratio_mismatch_gives_no_verdict(tmp_path: Path) -> None:
    """Arms of 300 and 100 where the design is even: the effect is there, but no persona may trust it."""
    _files(tmp_path)
    rows = ["test,arm,who,sent,bought,clicks"] + [
        f"t1,{'B' if i % 4 == 0 else 'control'},c{i},2024-06-01 09:00:00,{int(i % 4 == 0 and i % 8 == 0)},0"
        for i in range(N)
    ]
    (tmp_path / "ab.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    cfg = _config(tmp_path, '[[experiments]]\nexperiment = "t1"\noutcomes = ["converted"]\n')
    with Workspace(cfg.workspace_path) as ws:
        run = _run(cfg, ws)
        found = persona_experiments(run, cfg.experiments, ["p0", "p1"], min_n=10, seed=0)
    items = [i for b in found.blocks.values() for i in b]
    assert items and all(i["verdict"] == "no evidence" and not i["srm_ok"] for i in items)
    assert all(i["everyone_verdict"] == "no evidence" for i in items)
    assert all("sample ratio does not match" in i["persona_reason"] for i in items if i["persona"] is not None)


def test_a_customer_in_two_variants_of_one_export_is_excluded_not_superseded(tmp_path: Path) -> None:
    _files(tmp_path)
    with (tmp_path / "ab.csv").open("a", encoding="utf-8") as fh:  # c1 (in one arm above) again, in both arms
        fh.write("t1,B,c1,2024-06-02 09:00:00,0,0\nt1,control,c1,2024-06-02 09:00:00,0,0\n")
    cfg = _config(tmp_path, '[[experiments]]\nexperiment = "t1"\ncontrol = "control"\noutcomes = ["converted"]\n')
    with Workspace(cfg.workspace_path) as ws:
        run = _run(cfg, ws)
        found = persona_experiments(run, cfg.experiments, ["p0", "p1"], min_n=10, seed=0)
    [doc] = found.experiments
    acc = doc["accounting"]
    assert acc["exposures"] == N + 2  # c1 again in its own arm is a newer copy of that row (superseded)
    # c1's rows in two variants are all left out, with the rule's reason; none passes as a newer copy
    assert acc["used"] == N - 1, acc
    assert [(r["reason"], r["rows"]) for r in acc["reasons"]] == [("customer in two or more variants", 2)]
