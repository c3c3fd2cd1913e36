"""Time competitor voice on 200,000 texts over 5 brands with the MiniLM path; report texts/s and peak memory.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_competitors.py                  # 200k texts, MiniLM
    PYTHONPATH=src .venv/bin/python benchmarks/bench_competitors.py --texts 20000 --method tfidf

The texts are those of benchmarks/bench_themes.py (12 planted themes, eight to ten wordings each,
with openings, closings and typos), each naming one of 576 products (a colour and an item) or none,
so that nearly all are distinct, as real reviews are (the number is printed; each distinct text is
embedded once). They are drawn for five brands with their own theme weights: each of the four
rivals has one planted weak point (a pain theme weighing twice as much as for the others), and so
do we. The run goes
through the same code as a build: redaction-free bodies -> ``text.voice.themed`` (one theme model
over all brands) -> ``text.competitors.competitor_voice``. Peak memory is the process's maximum
resident set size; the load average is printed because the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_themes import THEMES, planted_texts
from personacraft.text.competitors import competitor_voice
from personacraft.text.voice import themed

BRANDS = ["Us", "Rival A", "Rival B", "Rival C", "Rival D"]
# reviews name what was bought: 576 products (and none) make nearly every text distinct, as real reviews are
COLOURS = ["blue", "black", "green", "red", "grey", "navy", "olive", "white", "orange", "yellow", "brown", "purple"]
ITEMS = ["hoodie", "trail shoes", "rain jacket", "fleece", "beanie", "backpack", "socks", "gloves"]
ITEMS += ["down vest", "t-shirt", "hiking boots", "water bottle", "tent", "sleeping bag", "shorts", "cap"]
PRODUCTS = ["", ""] + [
    f" {frame} {c} {i}" for frame in ("with the", "for the", "on my") for c in COLOURS for i in ITEMS
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=200_000)
    ap.add_argument("--method", default="minilm", choices=["minilm", "tfidf"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    pool, y_pool = planted_texts(args.texts * 2, args.seed, PRODUCTS)
    names = list(THEMES)
    pains = [i for i, name in enumerate(names) if "praise" not in name][:5]
    # each brand draws its texts from the pool with its own theme weights: uniform, except that
    # rival b's weak theme (pains[b - 1]) and ours (pains[4]) weigh twice as much
    texts, y, brand = [], [], []
    per = args.texts // len(BRANDS)
    for b in range(len(BRANDS)):
        w = np.ones(len(names))
        w[pains[b - 1] if b else pains[4]] = 2.0
        p = w[y_pool] / w[y_pool].sum()
        pick = rng.choice(len(pool), size=per, replace=False, p=p)
        texts += [pool[i] for i in pick]
        y += y_pool[pick].tolist()
        brand += [b] * per
    y = np.array(y)
    rating = np.where(np.isin(y, pains), rng.choice([1.0, 2.0], len(y)), rng.choice([4.0, 5.0], len(y)))
    extra = [(BRANDS[b], b == 0, f"{BRANDS[b]}.csv", False) for b in brand]
    n = len(texts)
    t0 = time.perf_counter()
    tt = themed([str(i) for i in range(n)], [""] * n, texts, ["review"] * n, rating, extra, method=args.method)
    t1 = time.perf_counter()
    doc = competitor_voice(tt, min_n=30)
    t2 = time.perf_counter()
    assert doc is not None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    distinct = len({t.lower() for t in texts})
    print(f"{n:,} texts ({distinct:,} distinct) over {len(BRANDS)} brands, method {args.method}")
    print(f"themes {tt.themes.k if tt.themes else 0}: {t1 - t0:.1f} s; competitor statistics: {t2 - t1:.2f} s")
    print(f"total {t2 - t0:.1f} s, {n / (t2 - t0):,.0f} texts/s, peak memory {peak:,.0f} MB")
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("planted: rivals' weak themes", [names[p] for p in pains[:4]], "ours", names[pains[4]])
    for w in doc["their_weak_points"]:
        print(f"  their weak point: {w['brand']:<8} {w['label']:<40} {w['share']:.3f} vs {w['our_share']:.3f}")
    for w in doc["our_weak_points"]:
        print(f"  our weak point:   {w['brand']:<8} {w['label']:<40} {w['share']:.3f} vs {w['our_share']:.3f}")


if __name__ == "__main__":
    main()
