"""The Data health page and the newest inspection: read from the workspace's runs, shown without raw values."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from personacraft.config import load_config
from personacraft.inspection import inspect
from personacraft.store import Workspace
from personacraft.web.app import create_app
from personacraft.web.service import Service, newest_inspection
from personacraft.web.views.runs import inspection_context
from tests.inspection.test_bad_input import workspace


@pytest.fixture
def inspected(tmp_path: Path) -> dict[str, object]:
    """A small workspace with one inspection (a missing survey file, two rejected order lines)."""
    config = load_config(workspace(tmp_path, '\n[[sources]]\nkind = "typeform"\npath = "survey.csv"\n'))
    inspect(config)
    with Workspace(config.workspace_path, read_only=True) as ws:
        doc = newest_inspection(ws.runs())
    assert doc is not None
    return doc


def test_the_newest_inspection_is_read_from_the_runs_and_shown_without_values(inspected: dict[str, object]) -> None:
    ctx = inspection_context(inspected)
    assert ctx is not None and ctx["run_id"] == inspected["run_id"]
    stages = {v["stage"]: v["status"] for v in ctx["readiness"]}
    assert stages["build"] == "missing" and stages["journeys"] == "missing"
    assert [s["kind"] for s in ctx["sources"]] == ["shopify_customers", "csv"]
    assert ctx["errors"][0][0] == "typeform:survey.csv"
    assert "not-money-7731" not in repr(ctx)  # a rejected value: only in inspect.json
    assert newest_inspection([{"status": "succeeded"}]) is None
    assert newest_inspection([{"status": "inspected", "summary_json": '{"json": "/nowhere.json"}'}]) is None


def test_health_page_shows_the_inspection_and_how_to_start(
    service: Service, inspected: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    html = TestClient(create_app(service)).get("/health").text
    assert "Start with your own data" in html and "personacraft init FOLDER" in html
    assert "Latest inspection" not in html  # the demo's workspace has none
    monkeypatch.setattr(service, "inspection", inspected)
    html = TestClient(create_app(service)).get("/health").text
    assert "Latest inspection" in html and str(inspected["run_id"]) in html
    assert "no events source" in html and "typeform:survey.csv" in html
    assert "not-money-7731" not in html
    assert "read from a sample" not in html
    # a source read from a sample (inspect --sample-mb) says so, with the rows estimated for the whole
    sources = [dict(s) for s in inspected["sources"]]  # type: ignore[attr-defined]
    sources[1]["sample"] = {"share": 0.0665, "read_estimate": 12279241, "files_read": 1, "files_total": 1}
    monkeypatch.setattr(service, "inspection", {**inspected, "sources": sources})
    html = TestClient(create_app(service)).get("/health").text
    assert "read from a sample of 7% of its bytes, about 12,279,241 rows" in html
