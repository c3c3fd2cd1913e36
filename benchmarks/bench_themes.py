"""Time and score text themes on 100k planted texts: the MiniLM path, the TF-IDF path, and BERTopic.

    .venv/bin/python benchmarks/bench_themes.py                    # 100k texts
    .venv/bin/python benchmarks/bench_themes.py --texts 20000 --skip-bertopic

The texts are generated from 12 planted complaint and praise themes, each written in
eight to ten different ways, with different openings, product names, closings, and a
share of typos, so most of the 100k texts are distinct (the number is printed). Purity
is the share of texts in a theme whose majority planted theme is their own; "recovered"
counts the planted themes that are the majority of at least one theme. BERTopic (when
installed: pip install bertopic) gets the same MiniLM embeddings, so its time is its
clustering and labelling only, and runs with its defaults (UMAP, HDBSCAN, c-TF-IDF).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np

THEMES = {
    "shipping cost": [
        "shipping costs are too high for small orders",
        "the delivery fee is more than the item itself",
        "paying ten dollars shipping for one shirt is too much",
        "free shipping threshold is way too high",
        "postage is expensive compared to other shops",
        "shipping charges made me cancel my cart",
        "why is delivery so expensive",
        "the shipping fee doubled the price",
    ],
    "late delivery": [
        "the parcel arrived two weeks late",
        "delivery was late and the gift missed the birthday",
        "my order took forever to arrive",
        "the package was stuck in transit for days",
        "it came a week after the promised date",
        "courier kept postponing the delivery",
        "still waiting for my order after three weeks",
        "tracking said delivered but it came days later",
    ],
    "sizing": [
        "the sizing runs small so I had to return it",
        "wrong size chart, the fit is much smaller than listed",
        "sizes are inconsistent between items",
        "the jacket was two sizes too small",
        "I ordered my usual size and it did not fit",
        "fit is off, order one size up",
        "the shoes are narrower than the size guide says",
        "measurements on the chart are wrong",
    ],
    "packaging waste": [
        "too much plastic in the packaging",
        "the packaging is wasteful, please use less plastic",
        "expected recyclable packaging at this price",
        "a huge box for a tiny item",
        "every item wrapped in its own plastic bag",
        "please switch to paper packaging",
        "so much packaging waste for one order",
        "the box was full of plastic air pillows",
    ],
    "out of stock": [
        "everything sells out in minutes, restock faster",
        "the item I wanted was out of stock again",
        "out of stock in my size, so disappointing",
        "never available when I want to buy",
        "back in stock alerts never work",
        "sold out again before I could order",
        "my size is always missing",
        "restocks are too rare",
    ],
    "discount code": [
        "the discount code did not work at checkout",
        "my coupon was rejected",
        "promo code says invalid even though it is valid",
        "the voucher did not apply to my cart",
        "newsletter discount never arrived",
        "code expired before I could use it",
        "the sale price was not applied at checkout",
        "could not combine the gift card with the code",
    ],
    "app crash": [
        "the app crashes when I open my basket",
        "app freezes every time I check out",
        "the mobile app keeps closing by itself",
        "cannot log in to the app since the update",
        "the app is slow and crashes often",
        "payment page in the app goes blank",
        "app shows an error when adding to cart",
        "the app logged me out and lost my cart",
    ],
    "refund": [
        "still waiting for my refund",
        "the refund took over a month",
        "returned the item but never got my money back",
        "refund was less than what I paid",
        "customer service ignores my refund request",
        "they refused to refund a faulty product",
        "the return label never came so no refund",
        "refund went to an old card",
    ],
    "quality praise": [
        "beautiful fabric, the quality lasts for years",
        "great quality for the price",
        "the material feels premium and durable",
        "well made and still looks new after many washes",
        "excellent stitching and solid build",
        "high quality, worth every penny",
        "the leather is soft and sturdy",
        "best quality I have found online",
    ],
    "service praise": [
        "customer service was quick and friendly",
        "support solved my problem in minutes",
        "the team replied the same day and fixed it",
        "very helpful staff on the chat",
        "they sent a replacement right away",
        "great service, they really care",
        "the agent was patient and kind",
        "fast and helpful answer from support",
    ],
    "gift praise": [
        "lovely gift, beautifully wrapped",
        "my wife loved the present",
        "perfect gift for my dad",
        "the gift box looked amazing",
        "bought it as a present and it was a hit",
        "nice gift wrapping and a handwritten card",
        "great birthday gift idea",
        "the kids loved their presents",
    ],
    "checkout": [
        "checkout keeps failing at the payment step",
        "the checkout asked for my address three times",
        "could not pay with my card at checkout",
        "checkout page times out",
        "too many steps to check out",
        "the payment was declined without a reason",
        "checkout forces me to create an account",
        "apple pay does not work at checkout",
    ],
}
OPENINGS = ["", "", "Honestly, ", "Sadly ", "Well, ", "Update: ", "FYI ", "Just saying, ", "Hi, ", "To be fair, "]
CLOSINGS = ["", ".", ".", "!", "!!", ". Thanks.", ". Not happy.", ". Will see.", ". 5 stars.", ". Again."]
PRODUCTS = ["", "", "", " with the blue hoodie", " for the trail shoes", " on my last order", " with the rain jacket"]


def planted_texts(n: int, seed: int, products: Sequence[str] = PRODUCTS) -> tuple[list[str], np.ndarray]:
    """``n`` texts of the planted themes (and each text's theme): a wording with an opening, a product
    from ``products``, a closing, and now and then a typo."""
    rng = np.random.default_rng(seed)
    names = list(THEMES)
    y = rng.integers(0, len(names), n)
    out = []
    for t in y:
        base = str(rng.choice(THEMES[names[t]]))
        text = str(rng.choice(OPENINGS)) + base + str(rng.choice(products)) + str(rng.choice(CLOSINGS))
        if rng.random() < 0.15:  # a typo: two letters swapped
            i = int(rng.integers(1, max(2, len(text) - 2)))
            text = text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
        out.append(text[0].upper() + text[1:])
    return out, y


def purity(labels: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    ok = labels >= 0
    majors = set()
    right = 0
    for c in np.unique(labels[ok]):
        counts = np.bincount(y[ok & (labels == c)], minlength=len(THEMES))
        majors.add(int(counts.argmax()))
        right += int(counts.max())
    return right / max(int(ok.sum()), 1), len(majors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-bertopic", action="store_true")
    args = ap.parse_args()
    from personacraft.text.themes import embed_minilm, find_themes, model_available

    texts, y = planted_texts(args.texts, args.seed)
    distinct = len({t.lower() for t in texts})
    print(f"{len(texts):,} texts ({distinct:,} distinct) from {len(THEMES)} planted themes")
    print(f"{'method':<10}{'seconds':>9}{'texts/s':>10}{'themes':>8}{'purity':>8}{'recovered':>11}")
    methods = ["tfidf"] + (["minilm"] if model_available() else [])
    for method in methods:
        start = time.perf_counter()
        themes = find_themes(texts, method=method, seed=args.seed)
        sec = time.perf_counter() - start
        p, rec = purity(themes.labels, y)
        print(
            f"{method:<10}{sec:>9.1f}{len(texts) / sec:>10,.0f}{themes.k:>8}{p:>8.3f}{rec:>8}/{len(THEMES)}", flush=True
        )
    if args.skip_bertopic:
        return
    try:
        from bertopic import BERTopic
    except ImportError:
        print("BERTopic is not installed (pip install bertopic); skipped")
        return
    start = time.perf_counter()
    emb = embed_minilm(texts)
    embed_s = time.perf_counter() - start
    start = time.perf_counter()
    topics, _ = BERTopic(calculate_probabilities=False, verbose=False).fit_transform(texts, embeddings=emb)
    sec = time.perf_counter() - start
    labels = np.asarray(topics)
    p, rec = purity(labels, y)
    k = len(set(labels.tolist()) - {-1})
    total = sec + embed_s
    print(
        f"{'BERTopic':<10}{total:>9.1f}{len(texts) / total:>10,.0f}{k:>8}{p:>8.3f}{rec:>8}/{len(THEMES)}"
        f"   (embedding every text {embed_s:.0f} s + BERTopic {sec:.0f} s; "
        f"{np.mean(labels == -1):.0%} left as outliers)"
    )


if __name__ == "__main__":
    main()
