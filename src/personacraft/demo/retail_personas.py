"""The retail demo's shop: its catalogue, survey questions and five planted personas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from personacraft.demo.common import choice, normalise

CATALOG: dict[str, list[tuple[str, float]]] = {
    "Outdoor": [
        ("Trail Runner Shoes", 129.0),
        ("Ridge Rain Jacket", 149.0),
        ("Summit Daypack", 89.0),
        ("Merino Hiking Socks", 24.0),
        ("Camp Stove Kit", 69.0),
        ("Trekking Poles", 59.0),
    ],
    "Premium apparel": [
        ("Cashmere Crew Sweater", 189.0),
        ("Tailored Wool Coat", 329.0),
        ("Silk Scarf", 95.0),
        ("Linen Shirt", 89.0),
        ("Leather Belt", 75.0),
        ("Selvedge Jeans", 165.0),
    ],
    "Home basics": [
        ("Cotton Bath Towel", 14.0),
        ("Storage Basket", 12.0),
        ("Microfiber Sheet Set", 29.0),
        ("Scented Candle", 9.0),
        ("Throw Blanket", 24.0),
        ("Laundry Bag", 8.0),
    ],
    "Gifts": [
        ("Chocolate Hamper", 49.0),
        ("Photo Frame", 29.0),
        ("Tea Sampler", 34.0),
        ("Candle Gift Set", 39.0),
        ("Puzzle Game", 27.0),
        ("Gift Box Deluxe", 65.0),
    ],
    "Trend accessories": [
        ("Bucket Hat", 22.0),
        ("Chunky Sneakers", 59.0),
        ("Phone Charm", 9.0),
        ("Mini Crossbody Bag", 39.0),
        ("Hair Clip Set", 12.0),
        ("Oversized Sunglasses", 19.0),
    ],
    # launched in the two-month demo's second month (retail_months.py); nobody buys it before
    "Climbing": [
        ("Climbing Harness", 79.0),
        ("Chalk Bag", 19.0),
        ("Belay Device", 35.0),
        ("Climbing Shoes", 119.0),
        ("Quickdraw Set", 99.0),
        ("Crash Pad", 189.0),
    ],
}
CATEGORIES = list(CATALOG)
VARIANTS = ["Black", "Navy", "Sand", "Olive", "S", "M", "L"]

Q_AGE = "How old are you?"
Q_GOAL = "What's your main goal when you shop with us?"
Q_HEAR = "How did you first hear about us?"
Q_BETTER = "Anything we could do better?"
AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55+"]
GOALS = [
    "Save money on everyday things",
    "Buy quality that lasts",
    "Find the perfect gift",
    "Gear up for my next adventure",
    "Keep up with the latest trends",
]
DEVICES = ["mobile", "desktop", "tablet"]
CHANNELS = [
    ("facebook", "cpc"),
    ("google", "organic"),
    ("(direct)", "(none)"),
    ("newsletter", "email"),
    ("instagram", "social"),
    ("tiktok", "social"),
    ("google", "cpc"),
    ("trailblog.example", "referral"),
]
GENERIC_REVIEWS = [
    "Great product!",
    "Love it.",
    "Works as described.",
    "Good value, thanks.",
    "Five stars.",
    "Nice quality.",
    "Happy with my purchase.",
    "As expected.",
]


@dataclass(frozen=True)
class Planted:
    """A planted persona: the knobs that make its customers behave alike."""

    name: str
    share: float
    orders_mean: float  # orders a year while they keep buying
    discount_p: float
    lines_mean: float
    categories: tuple[float, ...]
    hours: tuple[float, ...]  # weights per 3-hour block, 0-3, 3-6 … 21-24
    weekend_p: float
    months: tuple[float, ...]
    devices: tuple[float, ...]
    channels: tuple[float, ...]
    ages: tuple[float, ...]
    goals: tuple[float, ...]
    pains: tuple[str, ...]
    praise: tuple[str, ...]
    dropout: float = 0.1  # the chance of stopping for good after each order (BG/NBD's p)
    checkouts_left: float = 0.0  # mean extra web sessions that reach checkout and stop there
    why_left: tuple[str, ...] = ()  # what those who left a checkout answer when asked what to improve


PERSONAS: list[Planted] = [
    Planted(
        "Deal Hunter",
        0.28,
        6.0,
        0.80,
        3.0,
        (0.05, 0.02, 0.65, 0.10, 0.18),
        (0, 0, 0.5, 1, 1, 1.5, 4, 3),
        0.30,
        (1,) * 12,
        (0.78, 0.17, 0.05),
        (0.45, 0.05, 0.05, 0.15, 0.15, 0.0, 0.15, 0.0),
        (0.15, 0.5, 0.3, 0.05, 0.0),
        (0.75, 0.05, 0.05, 0.05, 0.10),
        (
            "Shipping costs are too high for small orders.",
            "The discount code did not work at checkout.",
            "Prices went up since my last order, not a bargain anymore.",
        ),
        ("Great prices and the coupon saved me a lot.",),
        dropout=0.06,
        checkouts_left=1.2,
        why_left=(
            "Shipping costs at checkout were too high, so I left my cart.",
            "I gave up at checkout when the shipping cost showed up.",
            "Free shipping on small orders please, the shipping costs at checkout put me off.",
        ),
    ),
    Planted(
        "Premium Loyalist",
        0.16,
        6.0,
        0.03,
        2.0,
        (0.04, 0.80, 0.06, 0.08, 0.02),
        (0, 0, 1, 4, 4, 2, 1, 0.2),
        0.15,
        (1,) * 12,
        (0.15, 0.75, 0.10),
        (0.02, 0.25, 0.35, 0.33, 0.02, 0.0, 0.03, 0.0),
        (0.0, 0.05, 0.25, 0.45, 0.25),
        (0.03, 0.85, 0.05, 0.02, 0.05),
        (
            "Too much plastic in the packaging for a premium brand.",
            "The packaging is wasteful, please use less plastic.",
            "Expected recyclable packaging at this price.",
        ),
        ("Beautiful fabric, the quality lasts for years.",),
        dropout=0.03,
    ),
    Planted(
        "Holiday Gifter",
        0.20,
        2.5,
        0.30,
        2.5,
        (0.03, 0.10, 0.05, 0.80, 0.02),
        (0, 0, 1, 2, 3, 3, 2, 0.5),
        0.65,
        (0.4, 0.3, 0.3, 0.3, 0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 3.5, 6.0),
        (0.55, 0.30, 0.15),
        (0.05, 0.60, 0.15, 0.05, 0.05, 0.0, 0.10, 0.0),
        (0.05, 0.2, 0.4, 0.25, 0.1),
        (0.05, 0.05, 0.82, 0.03, 0.05),
        (
            "The delivery was late and the gift missed the birthday.",
            "Shipping took two weeks, too slow for a present.",
            "Package arrived after Christmas, delivery was far too slow.",
        ),
        ("Lovely gift, beautifully wrapped.",),
        dropout=0.1,
    ),
    Planted(
        "Weekend Adventurer",
        0.20,
        4.0,
        0.15,
        2.4,
        (0.80, 0.06, 0.04, 0.04, 0.06),
        (0, 0.5, 4, 2, 1, 1, 1.5, 0.2),
        0.60,
        (0.3, 0.3, 0.9, 1.4, 1.6, 1.7, 1.6, 1.3, 0.9, 0.6, 0.3, 0.3),
        (0.35, 0.50, 0.15),
        (0.03, 0.25, 0.10, 0.12, 0.05, 0.0, 0.05, 0.40),
        (0.05, 0.45, 0.35, 0.12, 0.03),
        (0.05, 0.15, 0.03, 0.75, 0.02),
        (
            "The sizing runs small, I had to return the shoes.",
            "Sizes are inconsistent, the jacket was too small.",
            "Wrong size chart, the fit is much smaller than listed.",
        ),
        ("Held up perfectly on a three-day hike.",),
        dropout=0.04,
    ),
    Planted(
        "Night-owl Trendsetter",
        0.16,
        9.0,
        0.35,
        2.6,
        (0.02, 0.03, 0.10, 0.05, 0.80),
        (3, 1, 0, 0.2, 0.5, 1, 2, 5),
        0.45,
        (1,) * 12,
        (0.92, 0.04, 0.04),
        (0.05, 0.03, 0.02, 0.02, 0.38, 0.45, 0.05, 0.0),
        (0.65, 0.3, 0.05, 0.0, 0.0),
        (0.10, 0.05, 0.03, 0.02, 0.80),
        (
            "The item I wanted was out of stock again.",
            "Everything sells out in minutes, restock faster.",
            "Out of stock in my size, so disappointing.",
        ),
        ("So cute, everyone asked where I got it.",),
        dropout=0.2,
    ),
]

START = np.datetime64("2023-01-01T00:00:00")
DROPOUT_SPREAD = 10.0  # pseudo-counts of the Beta each customer's dropout chance is drawn from
DAYS = 730
SHOP_TZ = "-0500"


def _month_starts() -> np.ndarray:
    """The day number (from START) of the first of each month, 2 years × 12 months."""
    return np.array(
        [
            [(np.datetime64(f"{2023 + y}-{m + 1:02d}-01") - np.datetime64("2023-01-01")).astype(int) for m in range(12)]
            for y in range(2)
        ]
    )


def sample_days(rng: np.random.Generator, pidx: np.ndarray) -> np.ndarray:
    """A day number (from START) for each row, in the months its persona prefers."""
    months = normalise([p.months for p in PERSONAS])[pidx]
    n = len(pidx)
    year = rng.integers(0, 2, n)
    month = choice(rng, list(range(12)), months).astype(int)
    month_len = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    return np.asarray(_month_starts()[year, month] + (rng.random(n) * month_len[month]).astype(int))


def habit_times(rng: np.random.Generator, pidx: np.ndarray, day: np.ndarray, last_day: int = DAYS - 1) -> np.ndarray:
    """Times (shop-local, datetime64[s]) on or near ``day``, moved to each row's weekday and hour habits."""
    hours = normalise([p.hours for p in PERSONAS])[pidx]
    weekend = np.array([p.weekend_p for p in PERSONAS])[pidx]
    n = len(pidx)
    # move the day to a weekend or weekday as the persona prefers (2023-01-01 was a Sunday)
    dow = (day + 6) % 7  # 0 = Monday
    want_weekend = rng.random(n) < weekend
    is_weekend = dow >= 5
    shift = np.where(want_weekend & ~is_weekend, 5 - dow, np.where(~want_weekend & is_weekend, -(dow - 4), 0))
    day = np.clip(day + shift, 0, last_day)
    block = choice(rng, list(range(8)), hours).astype(int)
    secs = block * 3 * 3600 + (rng.random(n) * 3 * 3600).astype(int)
    return START + day.astype("timedelta64[D]") + secs.astype("timedelta64[s]")


def sample_times(rng: np.random.Generator, pidx: np.ndarray) -> np.ndarray:
    """Order or visit times (shop-local, datetime64[s]) by each row's persona habits."""
    return habit_times(rng, pidx, sample_days(rng, pidx))


def times_after(rng: np.random.Generator, pidx: np.ndarray, first: np.ndarray, end: int) -> np.ndarray:
    """Times (shop-local) on a day between each row's ``first`` day and ``end``, at its habitual hours."""
    day = first + np.floor(rng.random(len(pidx)) * np.maximum(end - first, 1)).astype(np.int64)
    return habit_times(rng, pidx, day, last_day=end - 1)


def order_days(
    rng: np.random.Generator, pidx: np.ndarray, first: np.ndarray, end: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's order days (customer index, day number), sorted by customer then day.

    A BG/NBD-like process in calendar time: the first order on day ``first``, then orders at
    the customer's own rate (their persona's ``orders_mean`` a year, gamma-spread), thinned to
    the persona's season, until they stop for good (after each order with the persona's
    ``dropout`` chance) or the data end (``end``, exclusive).
    """
    n = len(pidx)
    first = np.minimum(first, end - 1)  # 2024 is a leap year: its 31 December is day 730
    season = normalise([p.months for p in PERSONAS])
    lift = season * 12  # each month's rate against an even year
    peak = lift.max(axis=1)
    rate = np.array([p.orders_mean for p in PERSONAS])[pidx] / 365 * rng.gamma(8.0, 1 / 8, n)
    cand = rate * peak[pidx]  # candidate rate before thinning to the season
    k = int(max(8, np.ceil(np.quantile(cand * (end - first), 0.999) * 1.5 + 6)))
    gaps = rng.exponential(1.0, (n, k)) / cand[:, None]
    gaps[:, 0] = 0.0
    day = first[:, None] + np.cumsum(gaps, axis=1)
    month = np.searchsorted(_month_starts().ravel(), np.minimum(day, DAYS - 1), side="right") - 1
    accept = rng.random((n, k)) < lift[pidx[:, None], month % 12] / peak[pidx][:, None]
    accept[:, 0] = True
    # each customer's own chance of stopping, spread around their persona's (a Beta with 10 pseudo-counts,
    # BG/NBD's own assumption), so the purchase model can tell how much dropout varies
    mean = np.array([p.dropout for p in PERSONAS])[pidx]
    lives = rng.geometric(rng.beta(DROPOUT_SPREAD * mean, DROPOUT_SPREAD * (1 - mean)))
    keep = accept & (np.cumsum(accept, axis=1) <= lives[:, None]) & (day < end)
    cust, col = np.nonzero(keep)
    return cust, np.floor(day[cust, col]).astype(np.int64)
