"""One figure per pain and one count per path on the journey page: the rendered page of the retail demo
and its journeys.json agree with themselves wherever a pain or a path is shown."""

from __future__ import annotations

import json
import re
from collections import defaultdict

from personacraft.pipeline import BuildResult

BARRIER = re.compile(
    r'<div class="barrier[^"]*">\s*<div><span class="tag">([^<]*)</span><span class="lbl">([^<]*)</span></div>\s*'
    r'<span class="fig">(.*?)</span>',
    re.S,
)
OPPORTUNITY = re.compile(r'<div class="opp"><p>(.*?)</p>', re.S)
PATH_ROW = re.compile(
    r'<tr><th scope="row" class="n">\d+</th><td><ol class="path">.*?</ol></td><td class="n">([\d,]+)</td>'
)
COVER = re.compile(r"path(?:s)? shown cover ([\d,]+) of the ([\d,]+) customers with a known path")
NODE = re.compile(r'<rect class="node"[^>]*><title>([^<]*): ([\d,]+) customers</title></rect>')
BAND = re.compile(r'<path class="link"[^>]*><title>([^<]*): ([\d,]+) customers</title></path>')


def _sections(html: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r'<section class="journey" id="([^"]+)"', html):
        out[m.group(1)] = html[m.start() : html.index("</section>", m.start())]
    return out


def _num(text: str) -> int:
    return int(text.replace(",", ""))


def _page(built: BuildResult) -> dict[str, str]:
    return _sections((built.out_dir / "report" / "journeys.html").read_text(encoding="utf-8"))


def _pains(section: str) -> list[tuple[str, str, str, str | None]]:
    """(tag, label, figure, figure of all customers) of every pain point of a section."""
    out = []
    for tag, label, fig in BARRIER.findall(section):
        fig = re.sub(r"<[^>]+>", "", fig)
        share = fig.split(" ")[0]
        of_all = re.search(r" vs (\S+) of all", fig)
        out.append((tag, label.strip(), share, of_all.group(1) if of_all else None))
    return out


def test_each_pain_carries_one_figure_on_the_journey_page(built: BuildResult) -> None:
    sections = _page(built)
    population = {label: share for _, label, share, _ in _pains(sections["all-customers"])}
    assert population, "all customers have pain points"
    themes = 0
    for sid, section in sections.items():
        pains = _pains(section)
        labels = [label for _, label, _, _ in pains]
        assert len(labels) == len(set(labels)), (sid, labels)  # a pain sits at one stage only
        shares = {label: share for _, label, share, _ in pains}
        for _, label, _, of_all in pains:
            if of_all is not None and label in population:  # a persona's "vs … of all" is all customers' figure
                assert of_all == population[label], (sid, label, of_all, population[label])
        # opportunities quote the figure of the pain they answer
        for text in OPPORTUNITY.findall(section):
            for label, share in re.findall(r"“([^”]+)”, raised by (\S+) of those who wrote", text):
                assert shares[label.strip()] == share, (sid, label, share, shares.get(label))
                themes += 1
            for rate, step in re.findall(r"\((\S+) of (\w+) starts stop there", text):
                assert shares[f"{step} abandonment"] == rate, (sid, text)
    assert themes, "some opportunity answers a pain theme"


def test_each_pain_has_one_stage_and_one_population_figure_in_journeys_json(built: BuildResult) -> None:
    doc = json.loads((built.out_dir / "journeys.json").read_text(encoding="utf-8"))
    pop: dict[str, float] = {}
    for block in [doc["population"], *doc["personas"]]:
        seen: dict[str, str] = {}
        for stage in block["stages"]:
            for b in stage["barriers"]:
                if b["kind"] != "theme":
                    continue
                assert b["label"] not in seen, (block.get("name"), b["label"], seen[b["label"]], stage["stage"])
                seen[b["label"]] = stage["stage"]
                if block is doc["population"]:
                    pop[b["label"]] = b["share"]
                elif b["label"] in pop:
                    assert b["population_share"] == pop[b["label"]], (block["name"], b["label"])
                    # the lift comes from the unrounded shares: it matches the rounded ones within their rounding
                    share, of_all, lift = b["share"], b["population_share"], b["lift"]
                    slack = lift * (0.00005 / share + 0.00005 / of_all) + 0.0005
                    assert abs(lift - share / of_all) <= slack, (block["name"], b["label"], share, of_all, lift)
    assert pop


def test_paths_count_the_same_in_the_text_and_the_diagram(built: BuildResult) -> None:
    doc = json.loads((built.out_dir / "journeys.json").read_text(encoding="utf-8"))
    blocks = {"all-customers": doc["population"], **{p["persona_id"]: p for p in doc["personas"]}}
    checked = 0
    for sid, section in _page(built).items():
        block = blocks[sid]
        rows = [_num(n) for n in PATH_ROW.findall(section)]
        assert rows == [p["customers"] for p in block["paths"]], sid
        if not rows:
            continue
        cover = COVER.search(section)
        assert cover, sid
        shown, known = _num(cover.group(1)), _num(cover.group(2))
        assert shown == sum(rows) == block["paths_shown"] and known == block["paths_known"] >= shown
        drawn: dict[str, set[int]] = defaultdict(set)
        for step, n in NODE.findall(section):
            drawn[step].add(_num(n))
        for _, n in BAND.findall(section):
            drawn["band"].add(_num(n))
        # every count in the diagram is a path's count from the table, or all of them together at purchase
        assert drawn["purchase"] == {shown}, sid
        for step, counts in drawn.items():
            if step != "purchase":
                assert counts <= set(rows), (sid, step, counts, rows)
        checked += 1
    assert checked >= 2
