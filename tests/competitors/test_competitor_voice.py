"""Competitor voice on texts alone: planted weak points come out, a random split of real reviews gives none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from personacraft.demo.retail_personas import PERSONAS
from personacraft.demo.retail_rivals import OURS_WEAK, RIVALS, WEAK, rival_reviews
from personacraft.text.competitors import competitor_voice
from personacraft.text.themes import model_available
from personacraft.text.voice import TextThemes, themed

UCI = Path(__file__).parents[1] / "data" / "reviews" / "amazon_cells_labelled_sample.txt"
MINILM = [pytest.mark.skipif(not model_available(), reason="no text extra"), pytest.mark.slow]


def build(bodies: list[str], brands: list[str], ours: list[bool], ratings: list[float], method: str) -> TextThemes:
    n = len(bodies)
    extra = [(b, o, f"{b}.csv", False) for b, o in zip(brands, ours, strict=True)]
    return themed(
        [str(i) for i in range(n)], [""] * n, bodies, ["review"] * n, np.array(ratings, float), extra, method=method
    )


def planted(n: int, seed: int) -> tuple[list[str], list[str], list[bool], list[float]]:
    rng = np.random.default_rng(seed)
    bodies, brands, ours, ratings = [], [], [], []
    for brand in ("Us", *RIVALS):
        body, rating = rival_reviews(n, rng, brand)  # n, and those who came from another shop
        # vary the texts a little, as people do, so duplicates are not the rule
        tail = rng.choice(["", " Thanks.", " Sad.", " Really.", " Honestly."], len(body))
        bodies += [f"{b}{t}" for b, t in zip(body, tail, strict=True)]
        brands += [brand] * len(body)
        ours += [brand == "Us"] * len(body)
        ratings += rating.tolist()
    return bodies, brands, ours, ratings


SIZING = PERSONAS[[p.name for p in PERSONAS].index(OURS_WEAK)].pains


def planted_of(quote: str) -> str:
    """Which planted complaint a quote is: a rival's brand, "sizing", or "" for anything else."""
    core = quote.split(". ")[0].rstrip(".") + "."
    for brand, texts in WEAK.items():
        if core in texts:
            return brand
    return "sizing" if core in SIZING else ""


def recovered(doc: dict) -> tuple[set[str], set[str]]:
    """The rivals whose planted complaint is a significant weak point, and whether sizing is ours."""
    theirs = {w["brand"] for w in doc["their_weak_points"] if planted_of(w["quotes"][0]) == w["brand"]}
    ours = {planted_of(w["quotes"][0]) for w in doc["our_weak_points"]}
    return theirs, ours


@pytest.mark.skipif(not model_available(), reason="no text extra")
@pytest.mark.slow  # themes of 1,500 texts with the sentence model
def test_planted_weak_points_are_recovered_and_nothing_else() -> None:
    tt = build(*planted(500, seed=1), method="minilm")
    doc = competitor_voice(tt, min_n=30)
    assert doc is not None
    theirs, ours = recovered(doc)
    assert theirs == set(RIVALS), doc["their_weak_points"]
    assert "sizing" in ours, doc["our_weak_points"]
    assert [b["brand"] for b in doc["brands"]] == ["Us", *sorted(RIVALS)]
    assert all(500 <= b["n"] <= 540 for b in doc["brands"]), doc["brands"]
    found = [planted_of(w["quotes"][0]) for w in doc["their_weak_points"] + doc["our_weak_points"]]
    assert all(found), found  # nothing but the planted weak points is significant


@pytest.mark.slow  # themes of 1,500 texts (about 20 s)
def test_tfidf_recovers_the_single_wording_weak_point() -> None:
    # TF-IDF splits the three wordings of a complaint and mixes some into other themes: the single
    # wording (Trailhead's shipping costs) comes out; the rest is the MiniLM path's (docs/competitors.md)
    doc = competitor_voice(build(*planted(500, seed=1), method="tfidf"), min_n=30)
    assert doc is not None
    assert "Trailhead Outfitters" in recovered(doc)[0]


def real_reviews() -> list[str]:
    return [line.split("\t")[0] for line in UCI.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.slow  # each builds themes of 1,500 texts (about 20 s on TF-IDF)
@pytest.mark.parametrize("method", ["tfidf", pytest.param("minilm", marks=MINILM)])
def test_a_random_split_of_real_reviews_gives_no_weak_point(method: str) -> None:
    texts = real_reviews()
    assert len(texts) == 231
    rng = np.random.default_rng(7)
    brands = np.where(rng.random(len(texts)) < 0.5, "Us", "Them").tolist()
    ratings = [1.0 if line.rstrip().endswith("0") else 5.0 for line in UCI.read_text().splitlines() if line.strip()]
    tt = build(texts, brands, [b == "Us" for b in brands], ratings, method)
    doc = competitor_voice(tt, min_n=30)
    assert doc is not None and doc["themes"]
    assert doc["their_weak_points"] == [] and doc["our_weak_points"] == []
    assert all(c["p_adjusted"] is None or c["p_adjusted"] >= 0.05 for t in doc["themes"] for c in t["brands"])


def test_duplicates_count_once_and_another_language_is_kept_apart() -> None:
    english = ["The parcel arrived damaged and crushed.", "Great fabric and it lasts for years.", "Too slow delivery."]
    german = ["Das Paket war beschädigt und die Lieferung war sehr langsam.", "Die Qualität ist nicht gut."]
    bodies = english * 20 + english * 20 + german * 10
    brands = ["Us"] * 60 + ["Them"] * 60 + ["Them"] * 20
    files = ["us.csv"] * 60 + ["them.csv"] * 60 + ["them_de.csv"] * 20
    n = len(bodies)
    repeat = [i >= 3 for i in range(60)] + [i >= 3 for i in range(60)] + [i >= 2 for i in range(20)]
    extra = [(b, b == "Us", f, r) for b, f, r in zip(brands, files, repeat, strict=True)]
    tt = themed([str(i) for i in range(n)], [""] * n, bodies, ["review"] * n, np.full(n, 3.0), extra, method="tfidf")
    assert tt.foreign.sum() == 20 and (tt.themes.labels[tt.foreign] == -1).all()
    doc = competitor_voice(tt, min_n=1)
    assert doc["accounting"] == {
        "texts": n,
        "compared": 6,
        "themed": 6,
        "no_theme": 0,
        "duplicates": n - 6 - 2,
        "other_language": 2,
        "not_compared_kinds": 0,
    }
    acc = doc["accounting"]
    assert acc["texts"] == acc["compared"] + acc["duplicates"] + acc["other_language"] + acc["not_compared_kinds"]
    assert acc["compared"] == acc["themed"] + acc["no_theme"]


def test_the_kind_column_never_breaks_a_word(tmp_path: Path) -> None:
    import personacraft.web
    from personacraft.render.competitors import competitors_body, write_competitors_page

    cell = {"brand": "Us", "share": 0.1, "ci_low": 0.05, "ci_high": 0.2, "n": 10, "p_adjusted": None}
    doc = {
        "brands": [{"brand": "Us", "ours": True, "n": 100, "compared": True, "source": "review"}],
        "themes": [{"label": "Lovely gift", "kind": "praise", "brands": [cell]}],
        "their_weak_points": [],
        "our_weak_points": [],
        "accounting": {
            "texts": 100,
            "compared": 100,
            "themed": 90,
            "no_theme": 10,
            "duplicates": 0,
            "other_language": 0,
        },
        "method": {"alpha": 0.05, "min_group_size": 10},
    }
    body = str(competitors_body(doc))
    assert '<td class="kind">praise</td>' in body and "90 in a theme, 10 in none" in body
    rule = ".rivals-themes .kind { white-space: nowrap; overflow-wrap: normal; }"
    # the report's page and the web app's style sheet (whose cells otherwise break anywhere)
    assert rule in write_competitors_page(doc, tmp_path, title="t").read_text(encoding="utf-8")
    assert rule in (Path(personacraft.web.__file__).parent / "templates" / "app.css.j2").read_text(encoding="utf-8")
