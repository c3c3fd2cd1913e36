"""Shared fixtures of the web tests: a small retail demo of their own, built once per session.

The demo is not the suite-wide ``built`` one: the API tests write API tokens into its
workspace, and the other tests treat theirs as read-only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from personacraft.config import load_config
from personacraft.pipeline import BuildResult, build
from personacraft.web.service import Service
from tests.conftest import tfidf_demo

WEB_CUSTOMERS = 1000
WEB_SEED = 7


@pytest.fixture(scope="session")
def web_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """A retail demo (1,000 customers, TF-IDF themes for speed), built once: (config path, build result)."""
    config = tfidf_demo(tmp_path_factory.mktemp("web"), "retail", WEB_CUSTOMERS, WEB_SEED)
    return config, build(load_config(config))


@pytest.fixture(scope="session")
def service(web_demo: tuple[Path, BuildResult]) -> Service:
    """The web service over the demo's workspace (its newest run)."""
    return Service(load_config(web_demo[0]))
