"""The retail demo's beliefs at 2,000 customers: its ten claims graded right, its planted contradiction found,
and none found on the demo written without it (slow: the session's demo build, and one more without the plant)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.pipeline import BuildResult, build
from tests.conftest import DEMO_CUSTOMERS, DEMO_SEED, with_tfidf
from tests.hypotheses.demo_checks import check_claims, check_planted


@pytest.fixture(scope="module")
def unplanted(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The session's demo (same size and seed) written without the planted contradiction, built (TF-IDF)."""
    root = tmp_path_factory.mktemp("retail-unplanted")
    generate("retail", root, DEMO_CUSTOMERS, DEMO_SEED, says_does=False)
    return build(load_config(with_tfidf(root / "personacraft.toml")))


def test_the_ten_claims_get_their_verdicts_at_2000(built: BuildResult, retail_demo: Path) -> None:
    assert load_config(retail_demo / "personacraft.toml").beliefs.file == "hypotheses.yaml"
    check_claims(built.out_dir)


def test_the_planted_contradiction_is_found_at_2000(built: BuildResult, retail_demo: Path) -> None:
    check_planted(retail_demo, built.out_dir)


@pytest.mark.slow
def test_no_contradiction_on_the_demo_without_it(unplanted: BuildResult) -> None:
    doc = json.loads((unplanted.out_dir / "personas.json").read_text(encoding="utf-8"))
    assert doc["personas"] and all(p["says_vs_does"] == [] for p in doc["personas"])
    html = (unplanted.out_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert "No persona's customers say one thing and do the opposite." in html
    check_claims(unplanted.out_dir)  # the claims do not rest on the plant
