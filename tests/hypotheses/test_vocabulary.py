"""The feature vocabulary: ids from labels, shares over the labelled customers, names resolved or suggested."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from personacraft.hypotheses.vocabulary import Unknown, slug, vocabulary
from personacraft.store import Run, Workspace


def small_run(tmp_path: Path) -> tuple[Workspace, Run]:
    """A run with 40 labelled customers: Device known for 30 (20 mobile, 10 desktop), a survey answer for 4."""
    ws = Workspace(tmp_path / "ws.duckdb")
    run = ws.new_run(config_hash="x", config={}, inputs=[], version="test")
    keys = [f"c{i:02d}" for i in range(40)]
    rows = [(k, "Device", "mobile" if i < 20 else "desktop", "events") for i, k in enumerate(keys[:30])]
    rows += [(k, "What's your main goal?", "Save money", "survey") for k in keys[:4]]
    rows += [("stranger", "Device", "tablet", "events")]  # not labelled: not in the population
    cols = list(zip(*rows, strict=True))
    run.write_arrays(
        "attributes",
        {
            name: np.array(c, dtype=object)
            for name, c in zip(("customer_key", "feature", "value", "source"), cols, strict=True)
        },
    )
    run.write_arrays("labels", {"customer_key": np.array(keys, dtype=object), "persona": np.zeros(40, dtype=np.int32)})
    return ws, run


def test_ids_are_the_labels_in_lower_case_with_underscores() -> None:
    assert slug("Discount use") == "discount_use"
    assert slug("What's your main goal when you shop with us?") == "whats_your_main_goal_when_you_shop_with_us"
    assert slug("facebook / cpc") == "facebook_cpc"
    assert slug("$197 and more") == "197_and_more"
    assert slug("Größe") == "größe" and slug("???") == "_"


def test_the_vocabulary_counts_the_labelled_customers(tmp_path: Path) -> None:
    ws, run = small_run(tmp_path)
    with ws:
        vocab = vocabulary(run, min_group=10)
    doc = vocab.as_json()
    assert [f["family"] for f in doc] == ["device", "whats_your_main_goal"]
    device = doc[0]
    assert device["label"] == "Device" and device["n_known"] == 30
    assert device["values"] == [
        {"value": "mobile", "label": "mobile", "population_share": 0.6667, "n": 20},
        {"value": "desktop", "label": "desktop", "population_share": 0.3333, "n": 10},
    ]
    # four customers: under the minimum group size, the value is listed without a share
    assert doc[1]["values"] == [{"value": "save_money", "label": "Save money", "population_share": None, "n": None}]


def test_names_resolve_by_id_or_label_and_unknown_ones_get_suggestions(tmp_path: Path) -> None:
    ws, run = small_run(tmp_path)
    with ws:
        vocab = vocabulary(run, min_group=10)
    device = vocab.family("device")
    assert vocab.family("Device") is device and vocab.family("DEVICE") is device
    assert vocab.value(device, "Mobile").label == "mobile"
    with pytest.raises(Unknown) as err:
        vocab.family("Devices")
    assert err.value.nearest == ["Device"] and "did you mean 'Device'?" in str(err.value)
    with pytest.raises(Unknown) as err:
        vocab.value(device, "desk top pc")
    assert err.value.nearest == ["desktop"]
    with pytest.raises(Unknown) as err:
        vocab.family("zzz")
    assert err.value.nearest == [] and str(err.value) == "no feature family 'zzz' in this run"
