"""The journey vocabulary: a leaf the config validates ``[journey]`` with, without the journey stage."""

from __future__ import annotations

import subprocess
import sys

import pytest

from personacraft.errors import ConfigError
from personacraft.journey.vocabulary import STAGES, STEPS, check_mappings


def test_every_step_is_at_a_stage() -> None:
    assert all(stage in STAGES for stage, _ in STEPS.values())
    assert all(STEPS[s][0] == s for s in STAGES)  # a stage's own name is a step too


def test_check_mappings_accepts_steps_stages_and_drops() -> None:
    check_mappings({"demo booked": "trial", "page_view": ""}, {"Hot lead": "consideration"}, {"purchase": r"\bcart\b"})


@pytest.mark.parametrize(
    ("events", "lifecycle", "cues", "message"),
    [
        ({"x": "nowhere"}, {}, {}, "which is not a step or stage"),
        ({}, {"Hot lead": "cart"}, {}, "use one of awareness"),
        ({}, {}, {"checkout": "x"}, "is not a stage"),
        ({}, {}, {"purchase": "("}, "is not a regular expression"),
    ],
)
def test_check_mappings_rejects(events: dict, lifecycle: dict, cues: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_mappings(events, lifecycle, cues)


def test_config_loads_only_the_settings_and_vocabulary_of_the_journey() -> None:
    code = (
        "import sys, personacraft.config; print(sorted(m for m in sys.modules if m.startswith('personacraft.journey')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['personacraft.journey', 'personacraft.journey.settings', 'personacraft.journey.vocabulary']"
