"""How often a difference nobody planted comes out significant in competitor voice, by adjustment.

    PYTHONPATH=src .venv/bin/python benchmarks/rival_false_positives.py --customers 2000 --runs 40
    PYTHONPATH=src .venv/bin/python benchmarks/rival_false_positives.py --customers 20000 --runs 40

Draws the retail demo's reviews for us and the two rivals (demo.retail_rivals.rival_reviews, brand
names hidden as the theme model hides them) many times, takes each distinct text as a theme (the
demo's texts are templates: a theme model can only join them), tests every cell as
text.competitors does, and counts the runs where a non-planted cell is significant, and those
where each rival's planted complaint is: with Benjamini-Hochberg over every cell, and with Holm
over the pain cells (what text.competitors does).
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import false_discovery_control

from personacraft.demo.retail_personas import PERSONAS
from personacraft.demo.retail_rivals import OURS_WEAK, RIVALS, WEAK, rival_reviews
from personacraft.text.competitors import exact_p, holm

PAINS = {t for p in PERSONAS for t in p.pains}
PLANTED = {t for ts in WEAK.values() for t in ts} | set({p.name: p.pains for p in PERSONAS}[OURS_WEAK])


def one(customers: int, seed: int) -> dict[str, tuple[bool, dict[str, bool]]]:
    rng = np.random.default_rng(seed)
    n = round(customers * 0.32)
    order = ["Us", *RIVALS]
    brands = {}
    for b in order:
        body, _ = rival_reviews(n, rng, b)
        brands[b] = [str(t).replace(RIVALS[0], "them").replace(RIVALS[1], "them") for t in body]
    texts = sorted(set().union(*brands.values()))
    size = np.array([len(brands[b]) for b in order])
    x = np.array([[brands[b].count(t) for b in order] for t in texts])
    k = len(texts)
    p = np.full((k, 3), np.nan)
    for j in (1, 2):
        p[:, j] = exact_p(x[:, j], np.full(k, size[j]), x[:, 0], np.full(k, size[0]))
    p[:, 0] = exact_p(x[:, 0], np.full(k, size[0]), x[:, 1:].sum(1), np.full(k, size[1:].sum()))
    out = {}
    pain = np.array([t in PAINS for t in texts])
    bh = false_discovery_control(p.ravel(), method="bh").reshape(p.shape)
    hm = np.full_like(p, np.nan)
    hm[pain] = holm(p[pain].ravel()).reshape(-1, 3)
    for name, adj in (("BH, every cell", bh), ("Holm, pain cells", hm)):
        sig = np.nan_to_num(adj, nan=1.0) < 0.05
        false = any(sig[i].any() for i in range(k) if texts[i] not in PLANTED)
        got = {b: any(sig[i, order.index(b)] for i in range(k) if texts[i] in WEAK[b]) for b in RIVALS}
        out[name] = (false, got)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=40)
    a = ap.parse_args()
    runs = [one(a.customers, s) for s in range(a.runs)]
    for name in runs[0]:
        false = sum(r[name][0] for r in runs)
        got = {b: sum(r[name][1][b] for r in runs) for b in RIVALS}
        print(
            f"{a.customers} customers, {name}: a non-planted cell significant in {false}/{a.runs} runs; "
            f"planted complaint (one wording at least) significant: {got}"
        )


if __name__ == "__main__":
    main()
