"""Shared fixtures: seeded demos built once per test session, and the fast lane's rule.

A test is part of the slow lane (``-m slow``) when it asks for a built demo (directly or
through another fixture), or is marked ``slow`` because it builds one itself, starts the
command in its own process, fuzzes, or opens a browser page of a build; ``make test-fast``
runs the others (497 tests in 63 s on this project's 2-core machine, measured 2026-12-05).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.pipeline import BuildResult, build

DEMO_CUSTOMERS = 2000
DEMO_SEED = 7
SAAS_CONTACTS = 20_000  # about 3,300 accounts: enough churn for the time-validated model
SAAS_SEED = 1
IDENTITY_CUSTOMERS = 2000  # the `builds` fixture: persona ids and history across runs


def tfidf_demo(root: Path, kind: str, customers: int, seed: int) -> Path:
    """Write a demo under ``root`` whose config finds text themes with TF-IDF (fast); its config's path."""
    generate(kind, root, customers, seed)
    return with_tfidf(root / "personacraft.toml")


def with_tfidf(config: Path) -> Path:
    """``config`` switched to TF-IDF text themes (fast, no sentence model); the same path."""
    config.write_text(config.read_text(encoding="utf-8") + '\n[text]\nmethod = "tfidf"\n', encoding="utf-8")
    return config


@pytest.fixture(scope="session")
def retail_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A retail demo folder (exports, config, ground truth); treat as read-only."""
    root = tmp_path_factory.mktemp("retail")
    generate("retail", root, DEMO_CUSTOMERS, DEMO_SEED)
    return root


@pytest.fixture(scope="session")
def built(retail_demo: Path) -> BuildResult:
    """The retail demo, built once."""
    return build(load_config(retail_demo / "personacraft.toml"))


@pytest.fixture(scope="session")
def saas_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """A SaaS demo big enough for the planted ICP and churn drivers to show, built once
    (TF-IDF themes, for speed); treat as read-only."""
    root = tmp_path_factory.mktemp("saas")
    return root, build(load_config(tfidf_demo(root, "saas", SAAS_CONTACTS, SAAS_SEED)))


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three runs in one workspace and out/: the retail demo (2,000 customers) of seed 1 built twice, then
    seed 2 (same law, new people); treat as read-only."""
    root = tmp_path_factory.mktemp("identity")
    generate("retail", root / "one", IDENTITY_CUSTOMERS, 1)
    generate("retail", root / "two", IDENTITY_CUSTOMERS, 2)
    cfg = load_config(root / "one" / "personacraft.toml")
    first, again = build(cfg), build(cfg)
    second = root / "two" / "personacraft.toml"
    second.write_text(f'workspace = "{cfg.workspace_path.as_posix()}"\n' + second.read_text(encoding="utf-8"))
    resample = build(load_config(second), out_dir=root / "one" / "out")
    return {"root": root, "first": first, "again": again, "resample": resample}


# fixtures that generate or build a demo: the tests that use them are end-to-end
BUILDS = frozenset(
    ("retail_demo", "built", "saas_demo", "web_demo", "service", "saas_built", "exported", "builds", "funnel_demo")
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BUILDS.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_config(folder: Path, sources: str, extra: str = "") -> Path:
    """Write a personacraft.toml with the given [[sources]] text."""
    path = folder / "personacraft.toml"
    path.write_text(extra + "\n" + sources, encoding="utf-8")
    return path
