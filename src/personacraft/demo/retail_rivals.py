"""The retail demo's competitors: a Trustpilot-style export of two other shops' reviews, with planted weak points.

Each rival's reviews are drawn as the shop's own are (retail_web.write_reviews: the same personas'
shares, the same generic, complaint and praise texts in the same proportions), except that the
rivals never have the sizing complaint (the Weekend Adventurer's pains): those reviews are the
rival's own complaint instead, one our personas have (:data:`WEAK`: Trailhead's shipping costs, the
Deal Hunter's; Summit's late deliveries, the Holiday Gifter's). So sizing is where *we* are weak,
each rival's complaint is its weak point (and a "where they are weak" angle for that persona), and
every other text has the same expected share for every brand: nothing else should come out
significant (docs/competitors.md).

Some customers of every shop say in a review that they came from another one (:func:`came_from`),
at the same rate for every brand: ours name a rival (the persona's competitor mentions), a rival's
name the other rival. The theme model does not see brand names (text.corpus), so these are one
theme, of the same share for every brand. One rival review in a hundred is exported twice
(counted once), and usernames, order numbers and phones are there for the privacy checks.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from personacraft.demo.common import write_csv
from personacraft.demo.layouts import JUDGEME_COLUMNS
from personacraft.demo.retail_personas import GENERIC_REVIEWS, PERSONAS
from personacraft.demo.retail_web import REVIEWERS

RIVALS = ("Trailhead Outfitters", "Summit & Sons")
PAINS = {p.name: p.pains for p in PERSONAS}
# each rival is weak where one of our personas hurts: "where they are weak" angles for that persona
WEAK: dict[str, tuple[str, ...]] = {
    "Trailhead Outfitters": PAINS["Deal Hunter"][:1],  # shipping costs
    "Summit & Sons": PAINS["Holiday Gifter"],  # late delivery, three wordings
}
# some customers say they came from another shop (a 5-star review naming it), the same share for every brand
SWITCHED = {
    "Deal Hunter": "Switched from {} last year and glad I did.",
    "Holiday Gifter": "Used to buy from {}, much happier with this shop.",
}
CAME_FROM = {"Deal Hunter": "Trailhead Outfitters", "Holiday Gifter": "Summit & Sons"}  # ours; a rival names the other
SWITCHED_SHARE = 0.04  # of those personas' customers
DUPLICATE_SHARE = 0.01  # rival reviews exported twice (same author, text and date): counted once
OURS_WEAK = "Weekend Adventurer"  # whose complaint (sizing) the rivals never have
COLUMNS = [
    "Review Id",
    "Review Created (UTC)",
    "Review Title",
    "Review Content",
    "Review Stars",
    "Review Username",
    "Company",
]
FIRST = ["Maria", "Jonas", "Aiko", "Pedro", "Lena", "Omar", "Tomasz", "Nia", "Felix", "Ingrid", "Kwame", "Sofia"]
LAST = "ABCDEFGHIJKLMNOPRSTVWZ"
CONFIG = """
[[sources]]
kind = "reviews"
path = "{folder}/trustpilot_competitors.csv"  # two other shops' reviews (Trustpilot-style), brand in "Company"
ours = false
"""


def came_from(persona: str, brand: str) -> str:
    """What a customer of ``brand`` (a persona of :data:`SWITCHED`) who came from another shop says."""
    shop = CAME_FROM[persona]
    if shop == brand:
        shop = next(r for r in RIVALS if r != brand)
    return SWITCHED[persona].format(shop)


def rival_reviews(n: int, rng: np.random.Generator, brand: str) -> tuple[np.ndarray, np.ndarray]:
    """``n`` review texts and ratings of ``brand`` (ours when not a rival), drawn as the module doc says,
    then the reviews of those who came from another shop (about 2 % more)."""
    shares = np.array([p.share for p in PERSONAS])
    rp = rng.choice(len(PERSONAS), size=n, p=shares / shares.sum())
    kind = rng.random(n)
    generic, negative = kind < 0.35, (kind >= 0.35) & (kind < 0.80)
    body = np.empty(n, dtype=object)
    body[generic] = np.array(GENERIC_REVIEWS, dtype=object)[rng.integers(0, len(GENERIC_REVIEWS), generic.sum())]
    pain_tab = np.array([list(p.pains) for p in PERSONAS], dtype=object)
    body[negative] = pain_tab[rp[negative], rng.integers(0, 3, n)[negative]]
    positive = ~generic & ~negative
    body[positive] = np.array([p.praise[0] for p in PERSONAS], dtype=object)[rp[positive]]
    rating = np.where(generic, rng.choice([4, 5], n), np.where(negative, rng.choice([1, 2, 3], n), 5))
    if brand in WEAK:
        # the sizing complaints a rival never gets are its own complaint: every other text keeps its share
        sizing = negative & (rp == [p.name for p in PERSONAS].index(OURS_WEAK))
        body[sizing] = np.array(WEAK[brand], dtype=object)[rng.integers(0, len(WEAK[brand]), sizing.sum())]
        rating[sizing] = rng.choice([1, 2], int(sizing.sum()))
    # as many came from another shop as of our customers (write_switched), per review written
    names = np.array([p.name for p in PERSONAS], dtype=object)[rp]
    came = np.flatnonzero(np.isin(names, list(SWITCHED)) & (rng.random(n) < SWITCHED_SHARE / REVIEWERS))
    said = np.array([came_from(str(p), brand) for p in names[came]], dtype=object)
    return np.r_[body, said], np.r_[rating, np.full(len(came), 5)]


def write(con: duckdb.DuckDBPyConnection, data: Path, seed: int, part: int, customers: int, append: bool) -> None:
    """Append this chunk's rival reviews (about a third of ``customers`` per rival) to the export."""
    rng = np.random.default_rng([seed, 20, part])  # apart from the shop's own draws
    columns: dict[str, list[object]] = {c: [] for c in COLUMNS}
    for r, brand in enumerate(RIVALS):
        body, rating = rival_reviews(round(customers * REVIEWERS), rng, brand)
        n = len(body)
        who = [f"{FIRST[i % len(FIRST)]} {LAST[j % len(LAST)]}." for i, j in rng.integers(0, 1000, (n, 2))]
        tails = rng.random(n)
        body = np.where(tails < 0.02, np.char.add(body.astype(str), " Order #48213 still missing."), body)
        body = np.where((tails >= 0.02) & (tails < 0.04), np.char.add(body.astype(str), " Call 555-013-2233."), body)
        day = rng.integers(0, 365 * 24, n).astype("timedelta64[h]") + np.datetime64("2024-01-01T00:00:00")
        columns["Review Id"] += [f"tp-{part}-{r}-{i}" for i in range(n)]
        columns["Review Created (UTC)"] += [str(d).replace("T", " ") for d in day]
        columns["Review Title"] += ["Disappointed" if x <= 2 else "Review" for x in rating]
        columns["Review Content"] += [str(b) for b in body]
        columns["Review Stars"] += [int(x) for x in rating]
        columns["Review Username"] += who
        columns["Company"] += [brand] * n
    again = np.flatnonzero(rng.random(len(columns["Company"])) < DUPLICATE_SHARE)
    for c in COLUMNS:  # exported twice: the same review under a new id
        columns[c] += [f"{columns[c][i]}-again" if c == "Review Id" else columns[c][i] for i in again]
    write_csv(
        con,
        data / "trustpilot_competitors.csv",
        {c: np.array(v, dtype=object) for c, v in columns.items()},
        COLUMNS,
        append=append,
    )


def write_switched(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    seed: int,
    part: int,
    pidx: np.ndarray,
    names: np.ndarray,
    emails: np.ndarray,
) -> None:
    """Append to our reviews (Judge.me) the 5-star reviews of customers who say they came from a rival."""
    rng = np.random.default_rng([seed, 21, part])
    persona = np.array([p.name for p in PERSONAS], dtype=object)[pidx]
    said = np.array([came_from(str(p), "") if p in SWITCHED else "" for p in persona], dtype=object)
    who = np.flatnonzero((said != "") & (rng.random(len(pidx)) < SWITCHED_SHARE))
    day = rng.integers(0, 365, len(who)).astype("timedelta64[D]") + np.datetime64("2024-01-01T10:00:00")
    write_csv(
        con,
        path,
        {
            "title": np.full(len(who), "Excellent", dtype=object),
            "body": said[who],
            "rating": np.full(len(who), 5),
            "review_date": np.array([str(d).replace("T", " ") + " UTC" for d in day], dtype=object),
            "source": np.full(len(who), "email", dtype=object),
            "curated": np.full(len(who), "ok", dtype=object),
            "reviewer_name": names[who],
            "reviewer_email": emails[who],
        },
        JUDGEME_COLUMNS,
        append=True,
    )
