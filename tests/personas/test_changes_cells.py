"""The counts the diff compares traits with: saved by the build's profile, the same as counting the attributes again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from personacraft.personas.changes import _cells
from personacraft.segment.profile import profile, save_cells
from personacraft.store import Workspace

# customer, feature, value: c2 has two first channels (and one of them twice), c5 no device
ATTRIBUTES = [
    ("c1", "Device", "mobile"),
    ("c2", "Device", "mobile"),
    ("c3", "Device", "desktop"),
    ("c4", "Device", "mobile"),
    ("c6", "Device", "desktop"),
    ("c1", "First channel", "google / cpc"),
    ("c2", "First channel", "google / cpc"),
    ("c2", "First channel", "google / cpc"),
    ("c2", "First channel", "newsletter / email"),
    ("c3", "First channel", "newsletter / email"),
    ("c5", "First channel", "google / cpc"),
    ("c6", "First channel", "google / cpc"),
]
LABELS = {"c1": 0, "c2": 0, "c3": 1, "c4": 1, "c5": 1, "c6": 2}  # segment 2 is not published


def test_saved_cells_are_the_counted_ones(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        run.write_arrays(
            "attributes",
            {
                "customer_key": np.array([a[0] for a in ATTRIBUTES], dtype=object),
                "feature": np.array([a[1] for a in ATTRIBUTES], dtype=object),
                "value": np.array([a[2] for a in ATTRIBUTES], dtype=object),
                "source": np.array(["events"] * len(ATTRIBUTES), dtype=object),
            },
        )
        run.write_arrays(
            "labels",
            {
                "customer_key": np.array(list(LABELS), dtype=object),
                "persona": np.array(list(LABELS.values()), dtype=np.int32),
            },
        )
        counted = _cells(run, 2)
        save_cells(run, profile(run))
        saved = _cells(run, 2)
        assert saved == counted
        # members, not rows: c2's two (three) channel rows make one member with a known channel
        assert saved[(0, "First channel", "google / cpc")] == (2, 2)
        assert saved[(0, "First channel", "newsletter / email")] == (1, 2)
        assert saved[(1, "Device", "mobile")] == (1, 2)
        assert not any(p == 2 for p, _, _ in saved)  # the unpublished segment is left out
        run.execute(f"DROP TABLE {run.t('attributes')}")  # the diff no longer needs the attributes
        assert _cells(run, 2) == counted
