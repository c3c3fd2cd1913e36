"""A persona's History on its page: the line chart helper, the history read from the runs' files, and the page.

The fast tests draw charts and follow hand-made runs; the slow ones serve a real workspace of three
runs (the `builds` fixture: seed 1 twice, then seed 2) and the web demo's one-run workspace over a
real loopback server, and open the page in headless Chromium.
"""

from __future__ import annotations

import copy
import html
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import load_config
from personacraft.personas.history import History, RunRecord, persona_history, read_history
from personacraft.render.linechart import Line, line_chart, line_colors
from personacraft.render.style import WHITE, contrast, num
from personacraft.web.service import Service
from tests.browser import needs_chromium
from tests.web.loopback import chromium, serve

POINT = re.compile(r'<(?:circle|rect|polygon)[^>]*class="pt" data-line="(\d+)" data-step="(\d+)" data-value="([^"]+)"')


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _section(page: str) -> str:
    start = page.index('id="history"')
    return page[start : page.index("</section>", start)]


def _svg(section: str, cls: str) -> str:
    start = section.index(f'<svg class="{cls}"')
    return section[start : section.index("</svg>", start)]


# ---------------------------------------------------------------- the chart helper


def test_line_chart_has_a_point_per_step_titles_axes_and_gaps() -> None:
    svg = line_chart(
        ["run 1", "run 2", "run 3"],
        [Line("customers", [331.0, 286.0, 300.0], "#2f6690"), Line("other", [0.5, None, 0.7], "#d1495b")],
        title="Customers per run",
        x_title="run",
        y_title="customers",
        fmt=num,
    )
    points = [(int(k), int(i), float(v)) for k, i, v in POINT.findall(svg)]
    assert points == [(0, 0, 331.0), (0, 1, 286.0), (0, 2, 300.0), (1, 0, 0.5), (1, 2, 0.7)]
    assert "<title>Customers per run</title>" in svg and 'role="img"' in svg
    assert "<desc>customers: run 1 331, run 2 286, run 3 300; other: run 1 0, run 2 unknown, run 3 1.</desc>" in svg
    assert ">customers</text>" in svg and ">run</text>" in svg and ">run 3</text>" in svg
    assert svg.count("<path ") == 1  # the second line's missing value leaves lone points, no line through the gap
    assert "<title>run 2: customers 286</title>" in svg
    assert "<script" not in svg and "style=" not in svg


def test_a_lone_line_writes_its_values_and_colours_stand_out_from_white() -> None:
    line = Line("n", [1200.0, 1234567.0], "#edae49")
    svg = line_chart(["a", "b"], [line], title="t", x_title="x", y_title="y", fmt=num)
    assert ">1,200</text>" in svg and ">1,234,567</text>" in svg
    assert [v for *_, v in POINT.findall(svg)] == ["1200", "1234567"]
    colors = line_colors(4, "#edae49")  # the palette's yellow is darkened until it stands out
    assert len(set(colors)) == 4 and all(contrast(c, WHITE) >= 3.0 for c in colors)


# ---------------------------------------------------------------- the history of hand-made runs


def _persona(size: int, traits: dict[tuple[str, str], float]) -> dict[str, Any]:
    return {"name": "x", "size": size, "share": size / 1000, "traits": traits}


def test_persona_history_reads_trait_shares_from_the_runs_then_their_changes() -> None:
    a, b, c = ("Device", "mobile"), ("Time", "evening"), ("Band", "$129 and more")
    changes_2 = {
        "from_run": "r1",
        "to_run": "r2",
        "personas": [
            {
                "id": "p1",
                "status": "kept",
                "traits": [{"feature": "Time", "value": "evening", "share_from": 0.4, "share_to": 0.5}],
            },
            {"id": "p2", "status": "died", "matched_from": ["p2"]},
        ],
        "alerts": [{"kind": "persona_died", "persona_id": "p2", "message": "Persona p2 matches no persona any more."}],
    }
    changes_3 = {
        "from_run": "r2",
        "to_run": "r3",
        "personas": [
            {"id": "p1", "status": "split", "matched_from": ["p1"], "traits": [{"feature": "Time"}]},
            {"id": "p3", "status": "split", "matched_from": ["p1"]},
        ],
        "alerts": [{"kind": "persona_split", "persona_id": "p1", "message": "Persona p1 split.", "evidence": {}}],
    }
    history = History(
        [
            RunRecord("r1", "2026-01-01", 1000, {"p1": _persona(300, {a: 0.8}), "p2": _persona(100, {})}),
            RunRecord("r2", "2026-02-01", 1000, {"p1": _persona(320, {a: 0.7})}, changes_2),
            RunRecord("r3", "2026-03-01", 1000, {"p1": _persona(200, {b: 0.6, a: 0.75, c: 0.3})}, changes_3),
        ],
        gone=["r0"],
    )
    found = persona_history(history, "p1", "r3")
    assert found is not None and found["traits"] == [b, a, c]
    assert [p["size"] for p in found["points"]] == [300, 320, 200]
    # evening: published in r3 only, compared by r2's changes (share then and now); the band exists in r3 only
    assert [p["traits"] for p in found["points"]] == [[0.4, 0.8, None], [0.5, 0.7, None], [0.6, 0.75, 0.3]]
    assert [(c["run_id"], c["status"]) for c in found["changed"]] == [("r3", "split")]
    assert found["changed"][0]["alerts"] == [{"kind": "persona_split", "message": "Persona p1 split."}]
    # up to the run shown: the page of an older run stops there
    assert [p["run_id"] for p in persona_history(history, "p1", "r2")["points"]] == ["r1", "r2"]  # type: ignore[index]
    died = persona_history(history, "p2", "r3")
    assert died is not None and [p["run_id"] for p in died["points"]] == ["r1"]
    assert [(c["run_id"], c["status"]) for c in died["changed"]] == [("r2", "died")]
    assert persona_history(history, "p9", "r3") is None
    assert history.last_run("p2") == "r1" and history.last_run("p9") is None


def test_read_history_keeps_successful_runs_oldest_first_and_names_lost_ones(tmp_path: Path) -> None:
    def folder(name: str, sizes: list[int]) -> str:
        path = tmp_path / name
        path.mkdir()
        personas = [{"id": f"p{i + 1}", "size": s} for i, s in enumerate(sizes)]
        doc = {"run_id": name, "customers": 10, "personas": personas}
        (path / "personas.json").write_text(json.dumps(doc), encoding="utf-8")
        return str(path)

    rows = [
        {"run_id": "r3", "seq": 3, "status": "succeeded", "out_dir": str(tmp_path / "moved")},
        {"run_id": "r2", "seq": 2, "status": "failed", "out_dir": None},
        {"run_id": "r1", "seq": 1, "status": "succeeded", "out_dir": folder("r1", [6, 4])},
        {"run_id": "r4", "seq": 4, "status": "succeeded", "out_dir": folder("r4", [7])},
    ]
    history = read_history(rows)
    assert [r.run_id for r in history.runs] == ["r1", "r4"] and history.gone == ["r3"]
    assert history.runs[0].personas["p2"]["size"] == 4 and history.runs[1].changes is None


# ---------------------------------------------------------------- the page, over a real server


@pytest.fixture(scope="module")
def three_runs(builds: dict[str, Any]) -> Iterator[tuple[str, Service]]:
    """The `builds` workspace (three runs) served on a free loopback port: (base URL, service)."""
    service = Service(load_config(builds["root"] / "one" / "personacraft.toml"))
    for base in serve(service):
        yield base, service


def test_the_persona_page_charts_every_run_with_the_stored_sizes(
    three_runs: tuple[str, Service], builds: dict[str, Any]
) -> None:
    base, service = three_runs
    runs = [builds["first"], builds["again"], builds["resample"]]
    assert service.view.run_id == runs[-1].run_id
    for persona in service.view.personas:
        status, page = _get(f"{base}/personas/{persona['id']}")
        assert status == 200
        section = _section(page)
        assert '<h2 id="history-h">History</h2>' in section
        stored = []
        for run in runs:  # the size each run published for this persona id, from its own personas.json
            doc = json.loads((run.run_dir / "personas.json").read_text(encoding="utf-8"))
            stored.append(next(p["size"] for p in doc["personas"] if p["id"] == persona["id"]))
        points = POINT.findall(_svg(section, "lines size"))
        assert [(int(i), float(v)) for _, i, v in points] == [(i, float(s)) for i, s in enumerate(stored)]
        assert "History starts with this run." not in section
        # the top three traits: one line each, their shares in this run as published
        traits = POINT.findall(_svg(section, "lines traits-history"))
        newest = [(int(k), float(v)) for k, i, v in traits if int(i) == len(runs) - 1]
        assert newest == [(k, t["share"]) for k, t in enumerate(persona["traits"][:3])]
        assert html.unescape(section).count(f"run {int(runs[0].run_id[:4])} ") >= 1


def test_a_changed_run_links_to_what_changed(three_runs: tuple[str, Service], builds: dict[str, Any]) -> None:
    base, service = three_runs
    resample = builds["resample"]
    changes = json.loads((resample.run_dir / "changes.json").read_text(encoding="utf-8"))
    flagged = {a["persona_id"] for a in changes["alerts"]} | {
        p["id"] for p in changes["personas"] if p["status"] != "kept"
    }
    for persona in service.view.personas:
        section = _section(_get(f"{base}/personas/{persona['id']}")[1])
        link = f'href="/runs?run={resample.run_id}#changes"'
        assert (link in section) == (persona["id"] in flagged), persona["id"]
        if persona["id"] not in flagged:
            assert "no change crossed an alert threshold" in section
    # the link's target: what changed in that run, even when it is not the run shown
    status, page = _get(f"{base}/runs?run={builds['again'].run_id}")
    assert status == 200 and f"What changed in run {builds['again'].run_id}" in page
    assert f'href="/runs?run={resample.run_id}#changes"' in page  # the run list links each run's changes
    status, page = _get(f"{base}/runs?run={builds['first'].run_id}")
    assert status == 404 and "has no record of what changed" in page


def test_a_split_and_an_alert_are_named_and_linked(builds: dict[str, Any]) -> None:
    """The demo's runs change nothing: say the newest run split p1 from its first run and raised an alert."""
    service = Service(load_config(builds["root"] / "one" / "personacraft.toml"))
    newest = service.history.runs[-1]
    pid = service.view.personas[0]["id"]
    changes = copy.deepcopy(newest.changes)
    assert changes is not None
    entry = next(p for p in changes["personas"] if p["id"] == pid)
    entry.update(status="split", matched_from=[pid])
    changes["alerts"] = [{"kind": "size_change", "persona_id": pid, "message": "Persona grew by 9 points."}]
    service.history = replace(service.history, runs=[*service.history.runs[:-1], replace(newest, changes=changes)])
    for base in serve(service):
        section = html.unescape(_section(_get(f"{base}/personas/{pid}")[1]))
        item = re.search(r"<li><a href=\"([^\"]+)\">(run \d+)</a>(.*?)</li>", section, flags=re.S)
        assert item is not None and item.group(1) == f"/runs?run={newest.run_id}#changes"
        assert item.group(2) == f"run {int(newest.run_id[:4])}"
        assert f"split from {pid}; Persona grew by 9 points." in item.group(3)
        assert section.count("<li><a href=") == 1


def test_an_unknown_persona_is_a_clear_404(three_runs: tuple[str, Service]) -> None:
    base, service = three_runs
    status, page = _get(f"{base}/personas/p999")
    assert status == 404
    assert f"There is no persona “p999” in run {service.view.run_id}." in html.unescape(page)
    assert "last published" not in page


def test_a_one_run_workspace_says_history_starts_here(service: Service) -> None:
    for base in serve(service):
        section = _section(_get(f"{base}/personas/{service.view.personas[0]['id']}")[1])
        assert "History starts with this run." in section
        assert "<svg" not in section


@needs_chromium
def test_the_history_in_chromium_has_no_console_error(three_runs: tuple[str, Service], tmp_path: Path) -> None:
    base, service = three_runs
    pid = service.view.personas[0]["id"]
    problems: list[str] = []
    for browser in chromium():
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}/personas/{pid}", wait_until="networkidle")
        chart = page.locator("#history svg.size")
        assert chart.is_visible() and chart.bounding_box()["width"] > 300
        assert page.locator("#history svg.size .pt").count() == 3
        page.locator("#history").screenshot(path=str(tmp_path / "history.png"))
        page.close()
    assert problems == []
