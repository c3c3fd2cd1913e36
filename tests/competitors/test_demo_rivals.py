"""The retail demo's rivals: planted weak points recovered from a build, nothing else, mentions and angles."""

from __future__ import annotations

import json

from personacraft.demo.retail_personas import PERSONAS
from personacraft.demo.retail_rivals import OURS_WEAK, RIVALS, WEAK
from personacraft.pipeline import BuildResult

SIZING = {p.name: p.pains for p in PERSONAS}[OURS_WEAK]


def _planted(quote: str) -> str:
    core = quote.split(". ")[0].rstrip(".") + "."
    for brand, texts in WEAK.items():
        if core in texts:
            return brand
    return "sizing" if core in SIZING else ""


def test_the_demo_rivals_weak_points_come_out_and_nothing_else(built: BuildResult) -> None:
    doc = json.loads((built.out_dir / "competitors.json").read_text(encoding="utf-8"))
    assert [b["brand"] for b in doc["brands"] if not b["ours"]] == sorted(RIVALS)
    assert all(b["compared"] for b in doc["brands"])
    theirs = {w["brand"] for w in doc["their_weak_points"] if _planted(w["quotes"][0]) == w["brand"]}
    assert theirs == set(RIVALS), doc["their_weak_points"]
    assert all(_planted(w["quotes"][0]) == w["brand"] for w in doc["their_weak_points"])
    assert doc["our_weak_points"] and all(_planted(w["quotes"][0]) == "sizing" for w in doc["our_weak_points"])
    acc = doc["accounting"]
    assert acc["duplicates"] > 0 and acc["texts"] == acc["compared"] + acc["duplicates"] + acc["other_language"]
    assert acc["compared"] == acc["themed"] + acc["no_theme"]
    # only the planted differences are significant: every other tested cell is not
    planted = {w["label"] for w in doc["their_weak_points"] + doc["our_weak_points"]}
    others = [t for t in doc["themes"] if t["label"] not in planted]
    assert all(c["p_adjusted"] is None or c["p_adjusted"] >= 0.05 for t in others for c in t["brands"]), others
    # our customers who came from a rival are counted per persona; the rivals' weak points are angles
    assert {m["brand"] for m in doc["mentions"]} == set(RIVALS)
    assert doc["angles"] and {a["brand"] for a in doc["angles"]} <= set(RIVALS)
    assert all(a["evidence"]["quotes"] and a["evidence"]["p_adjusted"] < 0.05 for a in doc["angles"])
    # and the personas' messaging says it, with the evidence
    messages = [m for p in built.personas.to_dict()["personas"] for m in p["recommendations"]["messaging"]]
    weak = [m for m in messages if m["text"].startswith("Where ") and " is weak: " in m["text"]]
    assert weak and all(m["evidence"][0]["competitor"]["p_adjusted"] < 0.05 for m in weak)


def test_the_report_has_a_competitor_section_and_page(built: BuildResult) -> None:
    html = built.report.read_text(encoding="utf-8")
    assert 'id="competitors"' in html and 'href="competitors.html"' in html
    page = (built.out_dir / "report" / "competitors.html").read_text(encoding="utf-8")
    assert "Their weak points" in page and "Our weak points" in page
    for brand in RIVALS:
        assert brand.replace("&", "&amp;") in page
