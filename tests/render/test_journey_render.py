"""The journey page (report/journeys.html) rendered from journeys.json documents."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from personacraft.render.charts import PALETTE
from personacraft.render.journey.page import render_journeys
from personacraft.render.journey.svg import funnel_svg, sankey_svg
from personacraft.render.style import contrast
from tests.browser import console_errors, dump_dom, needs_chromium

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "journeys" / "sample.json"
STAGES = ["awareness", "consideration", "purchase", "retention", "advocacy"]


@pytest.fixture
def doc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def _render(doc: dict[str, Any], tmp_path: Path) -> str:
    path = render_journeys(doc, tmp_path, title="Retail demo")
    assert path == tmp_path / "report" / "journeys.html"
    return path.read_text(encoding="utf-8")


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def _text(svg: ET.Element) -> str:
    return " ".join(t for t in svg.itertext() if t.strip())


def _section(html: str, sid: str) -> str:
    start = html.index(f'<section class="journey" id="{sid}"')
    return html[start : html.index("</section>", start)]


def _empty_journey() -> dict[str, Any]:
    return {
        "customers": None,
        "funnel": [
            {"stage": s, "customers": None, "share": None, "conversion": None, "drop_off": None, "biggest_drop": False}
            for s in STAGES
        ],
        "stage_times": [{"from": "awareness", "to": "consideration", "median_days": None, "n": None}],
        "first_touch": [],
        "first_touch_known": None,
        "paths": [],
        "paths_known": None,
        "before_conversion": {"sessions_median": None, "touches_median": None, "days_median": None, "n": None},
        "abandonment": [
            {
                "step": "cart",
                "stage": "consideration",
                "unit": "sessions",
                "rate": None,
                "population_rate": None,
                "lift": None,
                "started": None,
                "abandoned": None,
                "customers": None,
            }
        ],
        "stages": [
            {
                "stage": s,
                "actions": [],
                "touchpoints": [],
                "channels": [],
                "emotion": None,
                "barriers": [],
                "opportunity": None,
                "missing": {},
            }
            for s in STAGES
        ],
    }


# ---------------------------------------------------------------- the page


def test_sample_page_has_a_section_per_group_and_links_back(doc: dict[str, Any], tmp_path: Path) -> None:
    html = _render(doc, tmp_path)
    assert 'href="index.html"' in html
    assert '<section class="journey" id="all-customers"' in html and "All customers" in html
    for i, p in enumerate(doc["personas"]):
        section = _section(html, p["persona_id"])
        assert p["name"] in section
        assert f"--c:{PALETTE[i % len(PALETTE)]};" in section  # the persona colour, in report.py's order
    assert doc["definition"]["funnel"] in html
    for row in ("Actions", "Touchpoints", "Channels", "Emotion", "Pain points", "Opportunities"):
        assert f'<th scope="row">{row}<span>' in html
    for s in STAGES:
        assert s.capitalize() in html
    # the figures of the sample: first touch, time between stages, before conversion, abandonment, paths
    population = _section(html, "all-customers")
    for text in ("google / organic", "2.5 days", "61 days", "same day", "360 / 3,000 sessions", "1,400"):
        assert text in population
    assert "<q>Shipping costs at checkout are too high for small orders.</q>" in population
    assert "Show shipping costs early and offer a free-shipping threshold." in population
    # the opportunity's evidence; all customers are not compared with themselves
    assert "<li>shipping costs · 3.0× all customers · n 60</li>" in _section(html, "p1")
    assert "<li>shipping costs · n 60</li>" in population
    assert "fewer than 10 customers wrote at this stage" in population  # the document's own missing reason
    # lifts against all customers only in persona sections, not in the population's own
    assert "3.0×</b>" in _section(html, "p1") and "3.0×</b>" not in population


def test_page_is_self_contained_and_printable(doc: dict[str, Any], tmp_path: Path) -> None:
    html = _render(doc, tmp_path)
    assert "http://" not in html and "https://" not in html  # no CDN, no remote font, no namespace URL
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "@media print" in html and "break-before:page" in html


def test_every_svg_is_valid_xml_and_labelled(doc: dict[str, Any], tmp_path: Path) -> None:
    svgs = _svgs(_render(doc, tmp_path))
    # per section: funnel, Sankey, emotional curve, and a face per stage with a sentiment (3 in the sample)
    assert len(svgs) == 3 * (3 + 3)
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img" and root.get("aria-label")
        assert root.find("title") is not None


def test_tables_have_header_scopes(doc: dict[str, Any], tmp_path: Path) -> None:
    html = _render(doc, tmp_path)
    headers = re.findall(r"<th\b[^>]*>", html)
    assert headers and all("scope=" in th for th in headers)


def test_deterministic(doc: dict[str, Any], tmp_path: Path) -> None:
    first = _render(doc, tmp_path / "a")
    assert _render(copy.deepcopy(doc), tmp_path / "b") == first


def test_accent_colours_are_readable(doc: dict[str, Any], tmp_path: Path) -> None:
    doc["personas"] = [dict(doc["personas"][0], persona_id=f"p{i}", name=f"P {i}") for i in range(len(PALETTE))]
    html = _render(doc, tmp_path)
    styles = re.findall(r'<section class="journey"[^>]*style="([^"]+)"', html)
    assert len(styles) == 1 + len(PALETTE)
    for style in styles:
        var = dict(re.findall(r"--([a-z]+):(#[0-9a-f]{6})", style))
        assert contrast(var["ct"], "#ffffff") >= 4.5 and contrast(var["ct"], var["tint"]) >= 4.5
        assert contrast(var["on"], var["chip"]) >= 4.5


def test_definitions_and_nested_evidence_are_readable(doc: dict[str, Any], tmp_path: Path) -> None:
    doc["definition"].update(
        stage_time="A customer reaches a stage at their first evidence of it or of a later stage.",
        window_days=90,
        abandonment={"cart": "sessions with an add-to-cart step and neither a checkout nor a purchase"},
        events={"add_to_cart": "cart", "begin_checkout": "checkout"},
    )
    doc["population"]["missing"] = {"onboarding": "no product-use events in the data"}
    doc["personas"][0]["stages"][2]["opportunity"]["evidence"] = {
        "abandonment": {"step": "checkout", "share": 0.05, "population_share": 0.04, "lift": 1.25, "n": 140},
        "theme": {"label": "shipping costs", "share": 0.3, "population_share": 0.1, "lift": 3.0, "n": 60},
    }
    doc["definition"]["text_cues"] = {"purchase": r"\b(checkout|shipping)\b"}
    html = _render(doc, tmp_path)
    assert "<b>Time between stages.</b> A customer reaches a stage" in html
    assert "<dt>Look-back before purchase</dt><dd>90 days</dd>" in html
    assert "<dt>cart</dt><dd>sessions with an add-to-cart step" in html
    assert '<details class="mapping"><summary>Event → step' in html
    assert '<tr><th scope="row">begin_checkout</th><td>checkout</td></tr>' in html
    assert '<details class="mapping"><summary>Stage ← text cue' in html  # patterns are a table, not prose
    assert "<li>Abandonment: checkout · share 5% vs 4% of all · 1.2× all customers · n 140</li>" in html
    assert "<li>Theme: shipping costs · share 30% vs 10% of all · 3.0× all customers · n 60</li>" in html
    assert "no product-use events in the data" in _section(html, "all-customers")


# ---------------------------------------------------------------- the charts


def test_funnel_svg_names_every_stage_with_counts(doc: dict[str, Any]) -> None:
    funnel = doc["population"]["funnel"]
    root = ET.fromstring(funnel_svg(funnel, PALETTE[0]))
    text = _text(root)
    for row in funnel:
        assert row["stage"].capitalize() in text
        assert f"{row['customers']:,}" in text
    assert "95% continue" in text and "39% drop off" in text and "biggest drop" in text
    assert len(root.findall("rect")) == len(funnel)


def test_funnel_svg_draws_hidden_stages_as_placeholders() -> None:
    funnel = [
        {"stage": "awareness", "customers": 50, "share": 1.0, "conversion": None, "drop_off": None},
        {"stage": "consideration", "customers": None, "share": None, "conversion": None, "drop_off": None},
    ]
    root = ET.fromstring(funnel_svg(funnel, PALETTE[1]))
    assert "under minimum group size" in _text(root)
    assert any(r.get("stroke-dasharray") for r in root.findall("rect"))
    assert funnel_svg([], PALETTE[1]).startswith("<p")  # no funnel: a note, not an empty chart


def test_sankey_draws_one_lane_per_path_that_meet_at_the_last_step(doc: dict[str, Any]) -> None:
    """Each node and band carries one path's customers, as the table of paths does (a path that is the
    tail of a longer one is not added into it: 700, not 700 + 200); the lanes meet at purchase."""
    paths = doc["population"]["paths"]
    svg = sankey_svg(paths, PALETTE[0])
    root = ET.fromstring(svg)
    steps = sum(len(p["steps"]) for p in paths)
    assert len(root.findall(".//path")) == steps - len(paths)  # one band per transition of each path
    rects = root.findall(".//rect")
    assert len(rects) == steps - len(paths) + 1  # the lanes share their last step
    counts = {p["customers"] for p in paths}
    titles = [r.findtext("title") or "" for r in rects] + [p.findtext("title") or "" for p in root.findall(".//path")]
    for title in titles:
        n = int(title.rsplit(": ", 1)[1].removesuffix(" customers").replace(",", ""))
        assert n in counts or title.startswith("purchase: 990 customers"), title
    # the last step sits alone in the rightmost column, as tall as every path together
    right = max(float(r.get("x", 0)) for r in rects)
    last = [r for r in rects if float(r.get("x", 0)) == right]
    assert len(last) == 1 and (last[0].findtext("title") or "").startswith("purchase: 990 customers")
    assert "page_view → view_item: 700 customers" in titles and "page_view → view_item: 900 customers" not in titles
    assert sankey_svg(copy.deepcopy(paths), PALETTE[0]) == svg
    # a path cut to its last steps starts with …
    cut = sankey_svg([{**paths[0], "cut": True}], PALETTE[0])
    assert "<title>…: 700 customers</title>" in cut


def test_sankey_without_paths_is_a_note() -> None:
    for paths in ([], [{"steps": [], "customers": 30, "share": 0.1}], [{"steps": ["purchase"], "customers": None}]):
        out = sankey_svg(paths, PALETTE[0])
        assert "<svg" not in out and "No path is shared by enough customers" in out


# ---------------------------------------------------------------- nulls, empties and escaping


def test_null_figures_render_as_an_explicit_note(doc: dict[str, Any], tmp_path: Path) -> None:
    p = doc["personas"][0]
    p["funnel"][4].update(customers=None, share=None, conversion=None, drop_off=None)
    p["stage_times"][0]["median_days"] = None
    p["first_touch"][0]["lift"] = None
    p["before_conversion"] = {"sessions_median": None, "touches_median": None, "days_median": None, "n": 3}
    p["abandonment"][0].update(rate=None, lift=None, customers=4)
    p["stages"][1]["emotion"] = None
    p["stages"][1]["missing"] = {"emotion": "only 3 customers wrote here"}
    p["stages"][2]["actions"] = []
    html = _render(doc, tmp_path)
    assert "None" not in html and "null" not in html
    section = _section(html, "p1")
    assert "under minimum group size" in section
    assert "too few customers" in section  # stage time with n 4, medians over 3, abandonment over 4
    assert "only 3 customers wrote here" in section
    assert "unknown: no action recorded at this stage" in section
    assert re.search(r'<td class="n"><span class="na">unknown</span></td>', section)  # the null lift


def test_empty_document_renders(tmp_path: Path) -> None:
    empty = {
        "run_id": None,
        "definition": {"stages": STAGES, "funnel": None, "min_group_size": None},
        "population": _empty_journey(),
        "personas": [],
    }
    html = _render(empty, tmp_path / "a")
    assert "None" not in html and "No persona journey" in html
    assert "under minimum group size" in html and "No path is shared by enough customers" in html
    for svg in _svgs(html):
        ET.fromstring(svg)
    # a persona with everything empty, and a document with nothing at all
    with_persona = {**empty, "personas": [{**_empty_journey(), "persona_id": "p1", "name": "Ghost", "stages": []}]}
    html = _render(with_persona, tmp_path / "b")
    assert "None" not in html and "Ghost" in html and "unknown: this stage is not in the data" in html
    html = _render({}, tmp_path / "c")
    assert "None" not in html and "All customers" in html


def test_text_is_escaped(doc: dict[str, Any], tmp_path: Path) -> None:
    evil = '<script>alert("x")</script> & co'
    p = doc["personas"][0]
    p["name"] = evil
    p["first_touch"][0]["channel"] = evil
    p["stages"][0]["actions"][0]["label"] = evil
    p["stages"][2]["barriers"][1]["quotes"] = [evil, "second", "third is not shown"]
    p["stages"][2]["opportunity"]["evidence"]["barrier"] = evil
    p["paths"][0]["steps"][1] = evil
    p["funnel"][0]["stage"] = evil
    html = _render(doc, tmp_path)
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<q>second</q>" in html and "third is not shown" not in html  # two quotes at most
    for svg in _svgs(html):
        ET.fromstring(svg)  # the hand-written SVG escapes too
    root = ET.fromstring(sankey_svg(p["paths"], PALETTE[0]))
    assert evil in {p.findtext("title", "").split(" → ")[0] for p in root.findall(".//path")}


# ---------------------------------------------------------------- a real browser


@needs_chromium
def test_page_opens_in_headless_chromium_without_console_errors(doc: dict[str, Any], tmp_path: Path) -> None:
    page = render_journeys(doc, tmp_path, title="Retail demo")
    result = dump_dom(page, tmp_path / "profile")
    assert "<h1>Customer journeys</h1>" in result.stdout, result.stderr[-2000:]
    assert 'id="p2"' in result.stdout
    assert console_errors(result) == []
