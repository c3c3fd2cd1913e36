"""The "Beliefs vs evidence" page: the newest ``personacraft hypotheses`` check of the run shown, in the test
client and in a real headless Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import personacraft as pc
from personacraft.pipeline import BuildResult
from personacraft.web.app import create_app
from personacraft.web.service import Service
from personacraft.web.views.beliefs import beliefs_context
from tests.browser import needs_chromium
from tests.web.loopback import chromium, serve
from tests.web.test_browser import CONTRAST_JS, DESKTOP, PHONE, Watch


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&amp;", "&")


@pytest.fixture(scope="module")
def checked(
    service: Service, web_demo: tuple[Path, BuildResult], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The web demo's run checked against beliefs made from its first persona (kept in its hypotheses.json)."""
    p = service.view.personas[0]
    top = p["traits"][0]
    path = tmp_path_factory.mktemp("beliefs") / "beliefs.yaml"
    path.write_text(
        f"""hypotheses:
  - id: own_trait
    claim: "Our first persona stands out by its top trait"
    persona: {p["id"]}
    family: "{top["feature"]}"
    value: "{top["value"]}"
    expect: more_than_average
  - id: typo
    claim: "A family with a typo"
    persona: all
    family: "{top["feature"]}x"
    value: "{top["value"]}"
    expect: majority
personas:
  - name: Invented night owls
    claims:
      - {{family: Shopping time, value: night (0 to 6 h)}}
      - {{family: Discount use, value: never uses a code}}
      - {{family: Season, value: holiday season (Nov to Dec)}}
      - {{family: Order value, value: "{top["value"] if top["feature"] == "Order value" else "x"}"}}
""",
        encoding="utf-8",
    )
    return pc.hypotheses.check(path, service.view.run_id, config=web_demo[0])


def test_without_a_check_the_page_says_how_to_make_one(service: Service, tmp_path: Path) -> None:
    app = create_app(service)
    service_view = service.view
    try:
        service.view = replace(service_view, run_dir=tmp_path)  # a run folder without hypotheses.json
        html = TestClient(app).get("/beliefs").text
    finally:
        service.view = service_view
    assert "No beliefs checked against this run yet" in html and "personacraft hypotheses hypotheses.yaml" in html


def test_the_page_shows_each_verdict_with_its_numbers(service: Service, checked: dict[str, Any]) -> None:
    r = TestClient(create_app(service)).get("/beliefs")
    assert r.status_code == 200
    text = _text(r.text)
    own = checked["hypotheses"][0]
    assert own["verdict"] == "supported"
    assert "Our first persona stands out by its top trait" in text and "supported" in text
    assert f"{own['share']:.0%} of {own['n']:,}" in text  # the share and n, as the result holds them
    assert f'href="/personas/{own["persona"]}"' in r.text  # the persona links to its page
    assert "not testable" in text and "did you mean" in text
    assert "Hand-made persona: Invented night owls" in text and "No evidence that this group exists" in text
    assert '<a href="/beliefs" aria-current="page">Beliefs</a>' in r.text
    # the page's own context keeps the base template's: the period line still counts customers
    period = re.search(r'<p class="period">(.*?)</p>', r.text)
    assert period is not None and period.group(1).endswith(f"{service.view.personas_doc['customers']:,} customers")


def test_a_check_of_another_run_is_not_shown(service: Service, checked: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "hypotheses.json").write_text(json.dumps(checked | {"run_id": "0099-other"}), encoding="utf-8")
    assert beliefs_context(replace(service.view, run_dir=tmp_path))["result"] is None
    (tmp_path / "hypotheses.json").write_text("{not json", encoding="utf-8")
    assert beliefs_context(replace(service.view, run_dir=tmp_path))["result"] is None


@pytest.fixture(scope="module")
def server(service: Service) -> Iterator[str]:
    yield from serve(service)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium()


@needs_chromium
def test_the_page_in_a_browser(server: str, browser: Any, checked: dict[str, Any], tmp_path: Path) -> None:
    """Linked from the nav; text reads at 4.5:1; a phone needs no horizontal scroll; no console error."""
    page = browser.new_page(viewport=DESKTOP)
    watch = Watch(page)
    page.goto(server + "/", wait_until="networkidle")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Beliefs").click()
    page.wait_for_url("**/beliefs")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Beliefs vs evidence"
    assert page.locator("span.flag.good").count() >= 1
    assert page.evaluate(CONTRAST_JS) == []
    page.screenshot(path=str(tmp_path / "beliefs.png"), full_page=True)
    page.set_viewport_size(PHONE)
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], sizes
    page.close()
    assert watch.problems == []
