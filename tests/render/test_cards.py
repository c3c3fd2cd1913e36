"""Persona cards (report/cards/<id>.html|.pdf|.png|.md|.json) and the gallery at the top of the report."""

from __future__ import annotations

import copy
import json
import re
import struct
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from personacraft.pipeline import BuildResult
from personacraft.render.cards.band import feature_label
from personacraft.render.cards.content import DENSITIES, card_context
from personacraft.render.cards.page import card_html, card_markdown
from personacraft.render.cards.pdf import fit_card, pdf_page_count
from personacraft.render.cards.svg import Colors
from personacraft.render.cards.writer import FORMATS, render_cards
from personacraft.render.charts import PALETTE
from personacraft.render.report import render_report
from personacraft.render.style import contrast
from tests.browser import console_errors, dump_dom, needs_chromium

# card sets made from a built demo: end-to-end, so in the slow lane
BUILT_RETAIL = pytest.param("retail", marks=pytest.mark.slow)
BUILT_SAAS = pytest.param("saas_demo", marks=pytest.mark.slow)
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


# ---------------------------------------------------------------- SaaS-like personas, built by hand


def _trait(feature: str, value: str, share: float, population: float, lift: float, n: int) -> dict[str, Any]:
    return {"feature": feature, "value": value, "share": share, "population_share": population, "lift": lift, "n": n}


def _saas_full() -> dict[str, Any]:
    """A B2B persona with every field the lead is adding: story, type mix, committee, recommendations."""
    return {
        "id": "p1",
        "name": "Hands-on power user",
        "size": 1736,
        "share": 0.3472,
        "stability": 1.0,
        "stability_band": "highly stable",
        "persona_type": "end_user",
        "persona_type_mix": {"end_user": 0.82, "influencer": 0.12, "decision_maker": 0.06, "unknown": 0.0},
        "traits": [
            _trait("Buying role", "End User", 1.0, 0.35, 2.9, 1221),
            _trait("Seniority", "individual contributor", 1.0, 0.4, 2.5, 1736),
            _trait("Product use", "heavy (50+ actions)", 0.98, 0.35, 2.8, 1443),
            _trait("Top action", "Invoice Approved", 0.78, 0.27, 2.9, 1161),
        ],
        "goals": [{"goal": "Close the books faster", "share": 0.49, "population_share": 0.22, "lift": 2.2, "n": 336}],
        "needs": None,
        "pain_points": [
            {
                "label": "The bank reconciliation page is very slow",
                "share": 0.38,
                "lift": 3.0,
                "n": 219,
                "quotes": ["The bank reconciliation page is very slow."],
            },
        ],
        "channels": [{"channel": "(direct) / (none)", "share": 0.8, "lift": 2.6, "n": 1189}],
        "value": {
            "clv_mean": 4210.5,
            "clv_interval": [3810.0, 4620.25],
            "churn_risk": 0.18,
            "revenue_share": 0.41,
            "revenue_per_customer": 3120.0,
            "most_valuable": True,
            "at_risk": False,
            "missing": {},
        },
        "story": {
            "name": "Maria Lopez",
            "age": "25-34",
            "occupation": "Accounts Payable Specialist",
            "location": "the United States",
            "income": "$50k to $75k",
            "bio": "Maria Lopez stands for 1,736 customers, 35% of the base. Buying role: End User for 100% of them, "
            "2.9× the average. Product use: heavy (50+ actions) for 98% of them, 2.8× the average.",
            "typical_day": "On a usual day they work in the product most on “Invoice Approved”, use desktop.",
            "values": ["speed and convenience", "visibility and control"],
            "goals": ["Their main goal: “Close the books faster” (49% of those surveyed, 2.2× the average)."],
            "pains": ["What hurts: “The bank reconciliation page is very slow”, raised by 38% of those who wrote."],
            "quote": "The bank reconciliation page is very slow.",
            "channels": ["First reached through (direct) / (none) (80%, 2.6× the average)."],
            "content": ["Most interested in Invoice Approved (79%, 2.9× the average)."],
            "triggers": ["Buys on comparing plans: 31% do it most (1.8× the average)."],
            "objections": ["May object: “The bank reconciliation page is very slow” (38% raise it)."],
            "sentences": [{"field": "age", "text": "Age 25-34.", "evidence": {"method": "survey", "facts": []}}],
            "missing": {},
        },
        "committee": {
            "accounts": 412,
            "types_present": {"buyer": 0.31, "decision_maker": 0.74, "end_user": 1.0},
            "signs": {"n": 388, "types": {"buyer": 0.28, "decision_maker": 0.72}},
            "uses": {"n": 9, "types": None, "reason": "fewer than 10 contacts"},
            "won_accounts": 120,
            "lost_accounts": 64,
            "won_vs_lost": [
                {
                    "type": "decision_maker",
                    "won_share": 0.81,
                    "lost_share": 0.42,
                    "lift": 1.93,
                    "n_won": 97,
                    "n_lost": 27,
                }
            ],
            "method": "contacts of the accounts this persona's members belong to",
        },
        "recommendations": {
            "messaging": [
                {"text": "Lead with “Close the books faster”: 49% name it (2.2× the average).", "evidence": {}}
            ],
            "channels": [{"text": "Invest in (direct) / (none): 80% first came this way.", "evidence": {}}],
            "sales": [
                {
                    "text": "Bring the decision-maker in early: present in 81% of won accounts, 42% of lost.",
                    "evidence": {},
                }
            ],
            "product": [{"text": "Fix “The bank reconciliation page is very slow”: 38% raise it.", "evidence": {}}],
            "retention": None,
            "missing": {"retention": "fewer than 20 % of members are lapsed and churn risk is not above average"},
        },
        "missing": {},
    }


def _saas_thin() -> dict[str, Any]:
    """A persona where almost everything is null or absent: every box must say why."""
    return {
        "id": "p2",
        "name": "Occasional admin",
        "size": 120,
        "share": 0.024,
        "stability": 0.71,
        "stability_band": "doubtful",
        "persona_type": None,
        "persona_type_mix": None,
        "traits": [],
        "goals": None,
        "needs": None,
        "pain_points": None,
        "channels": None,
        "value": {
            "clv_mean": None,
            "clv_interval": None,
            "churn_risk": None,
            "revenue_share": None,
            "most_valuable": False,
            "at_risk": False,
            "missing": {
                "clv_mean": "no orders are in the sources, so there is no purchase history to project",
                "churn_risk": "the subscription churn model was not fitted: too little validation data",
                "revenue_share": "no orders or payments of these customers are in the sources",
            },
        },
        "story": {
            "name": None,
            "age": None,
            "occupation": None,
            "location": None,
            "income": None,
            "bio": "Occasional admins stand for 120 customers, 2% of the base.",
            "typical_day": None,
            "values": [],
            "goals": [],
            "pains": [],
            "quote": None,
            "channels": [],
            "content": [],
            "triggers": [],
            "objections": [],
            "sentences": [],
            "missing": {
                "age": "no age or birth date, and no survey question about age, for enough members",
                "occupation": "no job titles in the sources for enough members",
                "location": "no country known for enough members",
                "income": "no income in the sources (no survey question about it)",
                "typical_day": "no order times, devices, visit days or product actions known for enough members",
                "values": "no goal or pain point of this persona names something it values",
                "goals": "no survey goal or need theme reaches the minimum group for this persona",
                "pains": "no pain theme reaches the minimum group, lift 1.2 and significance for this persona",
                "quote": "no text of a member fits a pain point",
                "channels": "no web analytics or survey answer about channels for enough members",
                "content": "no products or product actions known for enough members",
                "triggers": "no discount, season or evaluation habit stands out for this persona",
                "objections": "no pain theme to anticipate as an objection",
            },
        },
        "recommendations": {
            "messaging": None,
            "channels": None,
            "sales": None,
            "product": None,
            "retention": None,
            "missing": {
                "messaging": "no goal or need reaches the minimum group",
                "channels": "no channel data",
                "sales": "no CRM deals or buying roles in the sources",
                "product": "no pain theme to fix",
                "retention": "churn risk is unknown",
            },
        },
        "missing": {"persona_type": "no buying roles or survey answer about the role in the sources"},
    }


def _hostile() -> dict[str, Any]:
    """Markup in every text a customer or an export could control."""
    p = _saas_full()
    p["id"], p["name"] = "p3", f"Power user {HOSTILE}"
    p["story"] = dict(
        p["story"],
        name=f"Ann {HOSTILE}",
        bio=f"Bio {HOSTILE}",
        quote=f"Quote {HOSTILE}",
        pains=[f"Pain {HOSTILE}"],
        occupation="Admin | Ops *lead* [x](javascript:alert(1))",
    )
    p["traits"] = [dict(p["traits"][0], value=HOSTILE)]
    p["committee"] = {"note": HOSTILE}
    return p


def _saas_personas() -> list[dict[str, Any]]:
    return [_saas_full(), _saas_thin(), _hostile()]


# ---------------------------------------------------------------- rendered once per module


@pytest.fixture(scope="module")
def retail_cards(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("retail-cards")
    return out, render_cards([p.to_dict() for p in built.personas], out, title="Retail demo", run_id=built.run_id)


@pytest.fixture(scope="module")
def saas_cards(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("saas-cards")
    return out, render_cards(_saas_personas(), out, title="SaaS demo", run_id="0001-test")


@pytest.fixture(scope="module")
def saas_demo_cards(saas_demo: tuple[Path, BuildResult]) -> tuple[Path, list[Path]]:
    """The cards the SaaS demo's build wrote (every format, every persona)."""
    out = saas_demo[1].out_dir
    folder = out / "report" / "cards"
    return out, [folder / f"{p.id}.{ext}" for p in saas_demo[1].personas for ext in FORMATS]


def _by_suffix(paths: list[Path], suffix: str) -> list[Path]:
    """The cards of one format (not the slides nor the deck)."""
    return [p for p in paths if p.suffix == suffix and ".slide." not in p.name and p.name != "deck.pdf"]


class _Text(HTMLParser):
    """The visible text of a page (no style, no SVG)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "svg", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "svg", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# ---------------------------------------------------------------- files


def test_every_format_per_persona_in_order(retail_cards: tuple[Path, list[Path]], built: BuildResult) -> None:
    out, paths = retail_cards
    folder = out / "report" / "cards"
    personas = built.personas.to_dict()["personas"]
    expected = [
        folder / name
        for p in personas
        for name in [f"{p['id']}.{ext}" for ext in FORMATS] + [f"{p['id']}.slide.pdf", f"{p['id']}.slide.png"]
    ]
    assert paths == [*expected, folder / "deck.pdf"]
    for path in paths:
        assert path.is_file() and path.stat().st_size > 0, path
    for p in personas:  # the persona's JSON, as it is
        assert json.loads((folder / f"{p['id']}.json").read_text(encoding="utf-8")) == json.loads(
            json.dumps(p, default=str)
        )


@pytest.mark.parametrize("which", [BUILT_RETAIL, "saas", BUILT_SAAS])
@pytest.mark.slow  # draws every card as a PDF
def test_each_pdf_has_exactly_one_page(which: str, request: pytest.FixtureRequest) -> None:
    _, paths = request.getfixturevalue(f"{which}_cards")
    pdfs = _by_suffix(paths, ".pdf")
    assert pdfs
    assert [pdf_page_count(p) for p in pdfs] == [1] * len(pdfs)


# "saas" too is slow: the PNGs are drawn by headless Chromium (the fast lane runs no browser)
@pytest.mark.parametrize("which", [BUILT_RETAIL, pytest.param("saas", marks=pytest.mark.slow), BUILT_SAAS])
def test_each_png_is_an_a4_page(which: str, request: pytest.FixtureRequest) -> None:
    _, paths = request.getfixturevalue(f"{which}_cards")
    for png in _by_suffix(paths, ".png"):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", png
        width, height = struct.unpack(">II", data[16:24])
        assert 1000 <= width <= 2000, (png, width)
        assert abs(height / width - 297 / 210) < 0.01, (png, width, height)  # A4 portrait
        assert len(data) > 30_000  # a drawn page, not a blank one


@pytest.mark.slow  # lays the card out as PDF several times
def test_a_card_that_does_not_fit_is_laid_out_denser_until_it_does() -> None:
    p = _saas_full()
    story = p["story"]
    for key in ("goals", "pains", "channels", "content", "triggers", "objections"):
        story[key] = [f"{story[key][0]} And one more sentence to make it longer, number {i}." for i in range(8)]
    story["bio"] = " ".join([story["bio"]] * 6)
    p["traits"] = p["traits"] * 3
    p["recommendations"] = {
        k: [{"text": f"Do thing {i} for {k}, " * 6, "evidence": {}} for i in range(5)]
        for k in ("messaging", "channels", "sales", "product", "retention")
    }
    first = card_html(p, color=PALETTE[0], title="SaaS demo", density=0)
    html, layout = fit_card(p, color=PALETTE[0], title="SaaS demo")
    assert len(layout.pages) == 1
    assert 'data-density="full"' in first and 'data-density="full"' not in html  # it took a denser layout


# ---------------------------------------------------------------- HTML


@pytest.mark.parametrize("which", [BUILT_RETAIL, "saas"])
def test_html_is_self_contained_and_prints_on_a4(which: str, request: pytest.FixtureRequest) -> None:
    _, paths = request.getfixturevalue(f"{which}_cards")
    for page in _by_suffix(paths, ".html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"https?://", html), page  # no CDN, no font, no SVG namespace URL
        for banned in ("<script", "<link", "@import", "url(", "<img", "@font-face"):
            assert banned not in html, (page, banned)
        assert "@page { size: A4;" in html and "@media print" in html
        assert "personas.json" not in html, page  # the card stands alone
        assert "None" not in _visible(html), page


def test_every_svg_is_valid_xml_and_labelled(saas_cards: tuple[Path, list[Path]]) -> None:
    for page in _by_suffix(saas_cards[1], ".html"):
        svgs = re.findall(r"<svg\b.*?</svg>", page.read_text(encoding="utf-8"), flags=re.S)
        assert svgs, page
        for svg in svgs:
            root = ET.fromstring(svg)
            assert root.get("role") == "img" and root.get("aria-label") and root.find("title") is not None


def test_card_shows_the_story_type_committee_and_recommendations(saas_cards: tuple[Path, list[Path]]) -> None:
    out, _ = saas_cards
    text = _visible((out / "report" / "cards" / "p1.html").read_text(encoding="utf-8"))
    for expected in (
        "Maria Lopez",
        "stands for the Hands-on power user",
        "Persona · End user",
        "25-34",
        "Accounts Payable Specialist",
        "the United States",
        "$50k to $75k",
        "end user 82% · influencer 12% · decision-maker 6%",
        "1,736",
        "35%",
        "highly stable",
        "speed and convenience",
        "“ The bank reconciliation page is very slow. ”",
        "Buys on comparing plans",
        "Most interested in Invoice Approved",
        "$4,210.50",
        "$3,810.00 to $4,620.25",
        "18%",
        "Most valuable",
        "Buying committee",
        "Types present buyer 31%, decision-maker 74%, end user 100%",
        "Won vs lost Decision-maker, won share 81%, lost share 42%",  # no lift and no n on the card
        "Uses types unknown: fewer than 10 contacts",  # a part of the committee under the minimum group
        "Bring the decision-maker in early",
        "Not yet · fewer than 20 % of members are lapsed",  # retention: the reason from recommendations.missing
        "run 0001-test · persona p1",
    ):
        assert expected in text, expected
    assert "Method" not in text  # the committee's method is for personas.json, not for the card
    assert "May object" not in text  # the one objection only repeats a pain the band shows


def test_missing_fields_say_unknown_with_their_reason(saas_cards: tuple[Path, list[Path]]) -> None:
    out, _ = saas_cards
    html = (out / "report" / "cards" / "p2.html").read_text(encoding="utf-8")
    text = _visible(html)
    thin = _saas_thin()
    reasons = list(thin["story"]["missing"].values()) + list(thin["recommendations"]["missing"].values())
    reasons += [*thin["value"]["missing"].values(), thin["missing"]["persona_type"]]
    for reason in reasons:
        # long reasons are cut to their first clause on the card, never dropped
        head = reason.split(":")[0].split(";")[0][:40]
        assert head in text, reason
    assert "no value stands out" in text  # traits: no missing reason of their own
    assert text.count("Unknown") + text.count("Not yet") + text.count("not known") >= 12
    assert '<ul class="b"></ul>' not in html and "<dd></dd>" not in html and "<td></td>" not in html
    assert "None" not in text and "null" not in text


def test_an_old_personas_json_without_story_fields_still_renders() -> None:
    p = {"id": "p1", "name": "Bare", "size": 10, "share": 0.5}
    ctx = card_context(p, color=PALETTE[0], title="t")
    assert ctx["person"] is None and ctx["type"]["label"] is None
    text = _visible(card_html(p, color=PALETTE[0], title="t"))
    assert "Bare" in text and "no data for it in this run" in text and "None" not in text


def test_text_is_escaped(saas_cards: tuple[Path, list[Path]]) -> None:
    out, _ = saas_cards
    html = (out / "report" / "cards" / "p3.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html
    for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.S):
        ET.fromstring(svg)  # still valid XML with the markup in a trait
    md = (out / "report" / "cards" / "p3.md").read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<[A-Za-z/!]", md)
    assert "\\<script\\>" in md and "Admin \\| Ops \\*lead\\* \\[x\\](javascript:alert(1))" in md


def test_deterministic() -> None:
    p = _saas_full()
    first = card_html(p, color=PALETTE[1], title="SaaS demo", run_id="r")
    assert card_html(copy.deepcopy(p), color=PALETTE[1], title="SaaS demo", run_id="r") == first
    assert card_markdown(p, title="SaaS demo") == card_markdown(copy.deepcopy(p), title="SaaS demo")


def test_text_colours_read_at_4_5_to_1_for_every_persona_colour() -> None:
    for color in PALETTE:
        for fg, bg in Colors.of(color).text_pairs():
            assert contrast(fg, bg) >= 4.5, (color, fg, bg, round(contrast(fg, bg), 2))


def test_persona_colours_follow_the_report(retail_cards: tuple[Path, list[Path]], built: BuildResult) -> None:
    out, _ = retail_cards
    for i, p in enumerate(built.personas.to_dict()["personas"]):
        html = (out / "report" / "cards" / f"{p['id']}.html").read_text(encoding="utf-8")
        assert f"--c:{PALETTE[i % len(PALETTE)]};" in html


def test_densities_shrink() -> None:
    for a, b in pairwise(DENSITIES):
        assert b.font_pt < a.font_pt and b.items <= a.items and b.recs <= a.recs
    assert DENSITIES[-1].clip


# ---------------------------------------------------------------- Markdown


@pytest.mark.parametrize("which", [BUILT_RETAIL, "saas"])
def test_markdown_pastes_as_headings_lists_and_a_table(which: str, request: pytest.FixtureRequest) -> None:
    _, paths = request.getfixturevalue(f"{which}_cards")
    for path in _by_suffix(paths, ".md"):
        md = path.read_text(encoding="utf-8")
        assert not re.search(r"(?<!\\)<[A-Za-z/!]", md), path  # no HTML
        assert md.startswith("# ") and "\n## Who they are\n" in md and "\n## What to do\n" in md
        assert "\n- " in md
        assert "None" not in md and "\n\n\n" not in md
        if "| Trait |" in md:
            rows = [line for line in md.splitlines() if line.startswith("| ")]
            assert len({line.count(" | ") for line in rows}) == 1  # every row has the same columns
        else:
            assert "*Unknown:" in md.split("## Defining traits")[1]


def test_markdown_has_the_quote_as_a_blockquote(retail_cards: tuple[Path, list[Path]], built: BuildResult) -> None:
    out, _ = retail_cards
    for p in built.personas.to_dict()["personas"]:
        md = (out / "report" / "cards" / f"{p['id']}.md").read_text(encoding="utf-8")
        quotes = [q for pp in p["pain_points"] or [] for q in pp["quotes"]]
        if quotes:
            assert re.search(r"^> “.+”$", md, flags=re.M), p["id"]
        assert f"| {feature_label(p['traits'][0]['feature'])}" in md.replace("\\", "")


# ---------------------------------------------------------------- the gallery in the report


def test_report_gallery_links_every_card(built: BuildResult, tmp_path: Path) -> None:
    pset = built.personas
    render_cards([pset[0].to_dict()], tmp_path, title="Retail demo", formats=("html", "md", "json"))
    page = render_report(pset, tmp_path, title="Retail demo", accounting=[], cards=True)
    html = page.read_text(encoding="utf-8")
    gallery = html[html.index('<section class="gallery"') : html.index('<section class="overview"')]
    for p in pset:
        assert p.name in gallery
        for ext in ("html", "pdf", "png", "md"):
            assert f'href="cards/{p.id}.{ext}"' in gallery
    first = pset[0].id
    assert (page.parent / "cards" / f"{first}.html").is_file()  # the links point where render_cards writes
    table = gallery[gallery.index('<table class="compare">') :]
    rows = ("Share of customers", "Share of revenue", "What sets them apart", "Top frustration", "Top channel")
    for row in (*rows, "Predicted value per customer, next 12 months", "Churn risk, next 12 months"):
        assert f'<th scope="row">{row}</th>' in table
    assert '<th scope="row">Type</th>' not in table  # every retail persona is a buyer: the row says nothing
    assert table.count('<th scope="col"') == len(pset) + 1  # a "Persona" corner cell, then one per persona
    # without cards, the gallery stays but links nothing
    plain = render_report(pset, tmp_path / "plain", title="Retail demo", accounting=[]).read_text(encoding="utf-8")
    assert '<section class="gallery"' in plain and 'href="cards/' not in plain


# ---------------------------------------------------------------- a real browser


@needs_chromium
def test_every_card_opens_in_headless_chromium_without_console_errors(
    retail_cards: tuple[Path, list[Path]],
    saas_cards: tuple[Path, list[Path]],
    saas_demo_cards: tuple[Path, list[Path]],
    tmp_path: Path,
) -> None:
    pages = [
        *_by_suffix(retail_cards[1], ".html"),
        *_by_suffix(saas_cards[1], ".html"),
        *_by_suffix(saas_demo_cards[1], ".html"),
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda ip: dump_dom(ip[1], tmp_path / f"profile{ip[0]}"), enumerate(pages)))
    for page, result in zip(pages, results, strict=True):
        assert '<main class="sheet"' in result.stdout and "</footer>" in result.stdout, (page, result.stderr[-2000:])
        assert console_errors(result) == [], (page, console_errors(result))


def test_the_card_says_in_words_how_clearly_members_fit() -> None:
    words = "Many members (31%) are in between this persona and Deal hunter."
    p = {
        "id": "p1",
        "name": "Gift giver",
        "size": 400,
        "share": 0.2,
        "fit": {"mean_confidence": 0.71, "hybrid_share": 0.31, "hybrid_with": "p2", "words": words},
    }
    assert words in _visible(card_html(p, color=PALETTE[0], title="t"))
    assert words in card_markdown(p, title="t")
    bare = {"id": "p1", "name": "Gift giver", "size": 400, "share": 0.2}
    assert "in between" not in _visible(card_html(bare, color=PALETTE[0], title="t"))
