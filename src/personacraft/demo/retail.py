"""A synthetic online shop with five planted personas, written in real vendor formats.

Files (under ``DIR/data``): Shopify customers and orders CSV, a Judge.me reviews CSV, a
Typeform responses CSV (email as a hidden field) and GA4's BigQuery export as NDJSON
with ``user_id`` = the Shopify customer id. The data is messy on purpose: email case and
spaces differ between files, most customers skip the survey, much web traffic is
anonymous, and many reviews say nothing specific.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from personacraft.demo.common import People, choice, messy_email, or_empty, people, write_csv

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
    orders_mean: float
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


PERSONAS: list[Planted] = [
    Planted(
        "Deal Hunter",
        0.28,
        4.0,
        0.80,
        2.2,
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
    ),
    Planted(
        "Premium Loyalist",
        0.16,
        5.0,
        0.03,
        1.4,
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
    ),
    Planted(
        "Holiday Gifter",
        0.20,
        1.6,
        0.30,
        1.8,
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
    ),
    Planted(
        "Weekend Adventurer",
        0.20,
        3.0,
        0.15,
        1.6,
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
    ),
    Planted(
        "Night-owl Trendsetter",
        0.16,
        3.2,
        0.35,
        1.9,
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
    ),
]

START = np.datetime64("2023-01-01T00:00:00")
DAYS = 730
SHOP_TZ = "-0500"


def _normalise(rows: list[tuple[float, ...]]) -> np.ndarray:
    arr = np.asarray(rows, dtype=float)
    return arr / arr.sum(axis=1, keepdims=True)


def _sample_times(rng: np.random.Generator, pidx: np.ndarray) -> np.ndarray:
    """Order or visit times (shop-local, datetime64[s]) by each row's persona habits."""
    months = _normalise([p.months for p in PERSONAS])[pidx]
    hours = _normalise([p.hours for p in PERSONAS])[pidx]
    weekend = np.array([p.weekend_p for p in PERSONAS])[pidx]
    n = len(pidx)
    year = rng.integers(0, 2, n)
    month = choice(rng, list(range(12)), months).astype(int)
    month_start = np.array(
        [
            [(np.datetime64(f"{2023 + y}-{m + 1:02d}-01") - np.datetime64("2023-01-01")).astype(int) for m in range(12)]
            for y in range(2)
        ]
    )
    month_len = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    day = month_start[year, month] + (rng.random(n) * month_len[month]).astype(int)
    # move the day to a weekend or weekday as the persona prefers (2023-01-01 was a Sunday)
    dow = (day + 6) % 7  # 0 = Monday
    want_weekend = rng.random(n) < weekend
    is_weekend = dow >= 5
    shift = np.where(want_weekend & ~is_weekend, 5 - dow, np.where(~want_weekend & is_weekend, -(dow - 4), 0))
    day = np.clip(day + shift, 0, DAYS - 1)
    block = choice(rng, list(range(8)), hours).astype(int)
    secs = block * 3 * 3600 + (rng.random(n) * 3 * 3600).astype(int)
    return START + day.astype("timedelta64[D]") + secs.astype("timedelta64[s]")


def generate(out_dir: Path, customers: int = 5000, seed: int = 1) -> dict[str, Path]:
    """Write the retail demo's raw exports under ``out_dir/data`` and return their paths."""
    rng = np.random.default_rng(seed)
    data = out_dir / "data"
    (data / "ga4").mkdir(parents=True, exist_ok=True)
    n = customers
    shares = np.array([p.share for p in PERSONAS])
    pidx = rng.choice(len(PERSONAS), size=n, p=shares / shares.sum())
    who = people(n, rng, seed)
    cust_id = (7_010_000_000_000 + np.arange(n) * 37 + rng.integers(0, 30, n)).astype(np.int64)
    country = choice(rng, ["US", "CA", "GB", "AU"], np.tile([0.7, 0.1, 0.12, 0.08], (n, 1)))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")

    # -- per-customer traits ---------------------------------------------------------------
    device = choice(rng, DEVICES, _normalise([p.devices for p in PERSONAS])[pidx])
    chan_idx = choice(rng, list(range(len(CHANNELS))), _normalise([p.channels for p in PERSONAS])[pidx]).astype(int)
    n_orders = 1 + rng.poisson(np.array([p.orders_mean - 1 for p in PERSONAS])[pidx])

    # -- orders and line items ---------------------------------------------------------------
    o_cust = np.repeat(np.arange(n), n_orders)
    o_p = pidx[o_cust]
    n_o = len(o_cust)
    o_time = _sample_times(rng, o_p)
    order_no = 1001 + np.arange(n_o)
    rng.shuffle(order_no)
    n_lines = 1 + rng.poisson(np.array([p.lines_mean - 1 for p in PERSONAS])[o_p])
    l_order = np.repeat(np.arange(n_o), n_lines)
    l_p = o_p[l_order]
    l_cat = choice(rng, list(range(len(CATEGORIES))), _normalise([p.categories for p in PERSONAS])[l_p]).astype(int)
    l_prod = rng.integers(0, 6, len(l_order))
    names = np.array([[f"{t}" for t, _ in CATALOG[c]] for c in CATEGORIES], dtype=object)
    prices = np.array([[pr for _, pr in CATALOG[c]] for c in CATEGORIES])
    l_name = np.char.add(
        np.char.add(names[l_cat, l_prod].astype(str), " - "),
        np.array(VARIANTS, dtype=object)[rng.integers(0, len(VARIANTS), len(l_order))].astype(str),
    )
    l_price = prices[l_cat, l_prod]
    l_qty = 1 + (rng.random(len(l_order)) < 0.15).astype(int)
    l_sku = np.char.add("SKU-", (l_cat * 100 + l_prod).astype(str))
    subtotal = np.bincount(l_order, weights=l_price * l_qty, minlength=n_o)
    has_disc = rng.random(n_o) < np.array([p.discount_p for p in PERSONAS])[o_p]
    disc_rate = np.where(has_disc, rng.choice([0.1, 0.15, 0.2], n_o), 0.0)
    disc_amt = np.round(subtotal * disc_rate, 2)
    codes = np.array(["WELCOME10", "SAVE15", "FLASH20"], dtype=object)
    disc_code = or_empty(has_disc, codes[(disc_rate * 20 - 2).astype(int).clip(0, 2)])
    shipping = np.where(subtotal - disc_amt >= 75, 0.0, 6.9)
    taxes = np.round((subtotal - disc_amt) * 0.07, 2)
    total = np.round(subtotal - disc_amt + shipping + taxes, 2)
    first_line = np.r_[True, l_order[1:] != l_order[:-1]]
    local = o_time.astype("datetime64[s]").astype(str)
    created = np.char.add(np.char.replace(local, "T", " "), " " + SHOP_TZ)
    email_o = messy_email(who.email[o_cust], rng, 0.15)

    def head(values: np.ndarray) -> np.ndarray:
        """Order-level value on the first line of each order, empty on the others."""
        out = np.asarray(values, dtype=object)[l_order]
        out[~first_line] = None
        return out

    def head_money(values: np.ndarray) -> np.ndarray:
        out = np.asarray(values, dtype=float)[l_order].copy()
        out[~first_line] = np.nan
        return out

    full_name = np.char.add(np.char.add(who.first.astype(str), " "), who.last.astype(str)).astype(object)
    orders_cols = {
        "Name": np.char.add("#", order_no[l_order].astype(str)).astype(object),
        "Email": email_o[l_order],
        "Financial Status": head(np.full(n_o, "paid", dtype=object)),
        "Paid at": head(created),
        "Fulfillment Status": head(np.full(n_o, "fulfilled", dtype=object)),
        "Accepts Marketing": head(np.where(rng.random(n_o) < 0.6, "yes", "no")),
        "Currency": head(np.full(n_o, "USD", dtype=object)),
        "Subtotal": head_money(subtotal),
        "Shipping": head_money(shipping),
        "Taxes": head_money(taxes),
        "Total": head_money(total),
        "Discount Code": head(disc_code),
        "Discount Amount": head_money(disc_amt),
        "Shipping Method": head(np.where(shipping > 0, "Standard", "Free shipping")),
        "Created at": created[l_order],
        "Lineitem quantity": l_qty,
        "Lineitem name": l_name.astype(object),
        "Lineitem price": l_price,
        "Lineitem sku": l_sku.astype(object),
        "Lineitem requires shipping": np.full(len(l_order), "true", dtype=object),
        "Lineitem taxable": np.full(len(l_order), "true", dtype=object),
        "Lineitem fulfillment status": np.full(len(l_order), "fulfilled", dtype=object),
        "Billing Name": head(full_name[o_cust]),
        "Billing Street": head(who.street[o_cust]),
        "Billing Address1": head(who.street[o_cust]),
        "Billing City": head(who.city[o_cust]),
        "Billing Zip": head(who.zip[o_cust]),
        "Billing Country": head(country[o_cust]),
        "Billing Phone": head(who.phone[o_cust]),
        "Shipping Name": head(full_name[o_cust]),
        "Shipping Street": head(who.street[o_cust]),
        "Shipping Address1": head(who.street[o_cust]),
        "Shipping City": head(who.city[o_cust]),
        "Shipping Zip": head(who.zip[o_cust]),
        "Shipping Country": head(country[o_cust]),
        "Payment Method": head(np.where(rng.random(n_o) < 0.8, "Shopify Payments", "PayPal Express Checkout")),
        "Vendor": np.full(len(l_order), "Fieldnote Supply", dtype=object),
        "Id": head((5_500_000_000_000 + order_no * 11).astype(str)),
        "Risk Level": head(np.full(n_o, "Low", dtype=object)),
        "Source": head(np.full(n_o, "web", dtype=object)),
        "Lineitem discount": np.zeros(len(l_order)),
        "Phone": head(or_empty(rng.random(n_o) < 0.3, who.phone[o_cust])),
    }
    write_csv(
        con,
        data / "orders_export.csv",
        orders_cols,
        SHOPIFY_ORDER_COLUMNS,
        money=frozenset(
            {"Subtotal", "Shipping", "Taxes", "Total", "Discount Amount", "Lineitem price", "Lineitem discount"}
        ),
    )

    # -- customers -----------------------------------------------------------------------
    spent = np.bincount(o_cust, weights=total, minlength=n)
    has_phone = rng.random(n) < 0.4
    write_csv(
        con,
        data / "customers_export.csv",
        {
            "Customer ID": np.char.add("'", cust_id.astype(str)).astype(object),
            "First Name": who.first,
            "Last Name": who.last,
            "Email": who.email,
            "Accepts Email Marketing": np.where(rng.random(n) < 0.55, "yes", "no").astype(object),
            "Default Address Address1": who.street,
            "Default Address City": who.city,
            "Default Address Country Code": country,
            "Default Address Zip": who.zip,
            "Default Address Phone": or_empty(has_phone, who.phone),
            "Phone": or_empty(has_phone, who.phone),
            "Accepts SMS Marketing": np.where(has_phone & (rng.random(n) < 0.3), "yes", "no").astype(object),
            "Total Spent": spent,
            "Total Orders": n_orders,
            "Tax Exempt": np.full(n, "no", dtype=object),
        },
        SHOPIFY_CUSTOMER_COLUMNS,
        money=frozenset({"Total Spent"}),
    )

    # -- survey (Typeform) ----------------------------------------------------------------
    responded = np.flatnonzero(rng.random(n) < 0.45)
    rp = pidx[responded]
    sub = _sample_times(rng, rp) + np.timedelta64(5, "h")
    sub_s = np.char.replace(sub.astype("datetime64[s]").astype(str), "T", " ")
    start_s = np.char.replace((sub - np.timedelta64(3, "m")).astype("datetime64[s]").astype(str), "T", " ")
    hear_names = np.array(
        ["Facebook ad", "Google search", "A friend", "Newsletter", "Instagram", "TikTok", "Google ad", "A blog"],
        dtype=object,
    )
    hear = hear_names[chan_idx[responded]]
    noisy = rng.random(len(responded)) < 0.25
    hear[noisy] = hear_names[rng.integers(0, len(hear_names), noisy.sum())]
    # an open question: people phrase their answers in many ways
    better = np.full(len(responded), None, dtype=object)
    wants = rng.random(len(responded)) < 0.35
    pain_tab = np.array([list(p.pains) for p in PERSONAS], dtype=object)
    lead = np.array(["", "Honestly: ", "Just one thing. ", "Well, ", "To be fair, mostly fine. "], dtype=object)
    said = np.char.add(
        lead[rng.integers(0, len(lead), len(responded))].astype(str),
        pain_tab[rp, rng.integers(0, 3, len(responded))].astype(str),
    ).astype(object)
    better[wants] = said[wants]
    write_csv(
        con,
        data / "typeform_responses.csv",
        {
            "#": np.array([f"{x:032x}" for x in rng.integers(0, 2**62, len(responded))], dtype=object),
            Q_AGE: choice(rng, AGE_BANDS, _normalise([p.ages for p in PERSONAS])[rp]),
            Q_GOAL: choice(rng, GOALS, _normalise([p.goals for p in PERSONAS])[rp]),
            Q_HEAR: hear,
            Q_BETTER: better,
            "email": messy_email(who.email[responded], rng, 0.2),
            "Start Date (UTC)": start_s.astype(object),
            "Submit Date (UTC)": sub_s.astype(object),
            "Network ID": np.array([f"{x:010x}" for x in rng.integers(0, 2**40, len(responded))], dtype=object),
        },
        ["#", Q_AGE, Q_GOAL, Q_HEAR, Q_BETTER, "email", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"],
    )

    # -- reviews (Judge.me) ---------------------------------------------------------------
    _write_reviews(con, data / "judgeme_reviews.csv", rng, pidx, who, full_name, order_no, o_cust, o_time)

    # -- web analytics (GA4 BigQuery export) ----------------------------------------------
    _write_ga4(con, data / "ga4" / "events_000.ndjson", rng, pidx, cust_id, device, chan_idx, country, o_cust, o_time)

    # -- ground truth and config ----------------------------------------------------------
    write_csv(
        con,
        out_dir / "ground_truth.csv",
        {
            "customer_id": np.char.add("shopify:", cust_id.astype(str)).astype(object),
            "email": who.email,
            "persona": np.array([p.name for p in PERSONAS], dtype=object)[pidx],
        },
        ["customer_id", "email", "persona"],
    )
    (out_dir / "personacraft.toml").write_text(CONFIG.format(seed=seed, n=n), encoding="utf-8")
    con.close()
    return {
        "config": out_dir / "personacraft.toml",
        "ground_truth": out_dir / "ground_truth.csv",
        "data": data,
    }


def _write_reviews(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rng: np.random.Generator,
    pidx: np.ndarray,
    who: People,
    full_name: np.ndarray,
    order_no: np.ndarray,
    o_cust: np.ndarray,
    o_time: np.ndarray,
) -> None:
    n = len(pidx)
    reviewer = np.flatnonzero(rng.random(n) < 0.32)
    rp = pidx[reviewer]
    kind = rng.random(len(reviewer))
    generic = kind < 0.35
    negative = (kind >= 0.35) & (kind < 0.80)
    positive = kind >= 0.80
    body = np.empty(len(reviewer), dtype=object)
    body[generic] = np.array(GENERIC_REVIEWS, dtype=object)[rng.integers(0, len(GENERIC_REVIEWS), generic.sum())]
    pick = rng.integers(0, 3, len(reviewer))
    pain_tab = np.array([list(p.pains) for p in PERSONAS], dtype=object)
    praise_tab = np.array([p.praise[0] for p in PERSONAS], dtype=object)
    body[negative] = pain_tab[rp[negative], pick[negative]]
    body[positive] = praise_tab[rp[positive]]
    # real reviews carry personal data that must never reach a report
    first_order = np.searchsorted(o_cust, reviewer)
    pii = rng.random(len(reviewer)) < 0.05
    email_arr = who.email
    phone_arr = who.phone
    tails = np.where(
        rng.random(len(reviewer)) < 0.5,
        np.char.add(" Order #", order_no[first_order].astype(str)).astype(object),
        np.char.add(" Call me at ", phone_arr[reviewer].astype(str)).astype(object),
    )
    tails = np.where(
        rng.random(len(reviewer)) < 0.3,
        np.char.add(" Reach me at ", email_arr[reviewer].astype(str)).astype(object),
        tails,
    )
    body[pii] = np.char.add(body[pii].astype(str), tails[pii].astype(str)).astype(object)
    rating = np.where(
        generic, rng.choice([4, 5], len(reviewer)), np.where(negative, rng.choice([1, 2, 3], len(reviewer)), 5)
    )
    when = o_time[first_order] + np.timedelta64(9, "D")
    titles = np.where(negative, "Disappointed", np.where(positive, "Excellent", "Review")).astype(object)
    cat = np.array([CATEGORIES[int(np.argmax(p.categories))] for p in PERSONAS], dtype=object)
    handle = np.char.replace(np.char.lower(cat[rp].astype(str)), " ", "-").astype(object)
    write_csv(
        con,
        path,
        {
            "title": titles,
            "body": body,
            "rating": rating,
            "review_date": np.char.add(
                np.char.replace(when.astype("datetime64[s]").astype(str), "T", " "), " UTC"
            ).astype(object),
            "source": np.full(len(reviewer), "email", dtype=object),
            "curated": np.full(len(reviewer), "ok", dtype=object),
            "reviewer_name": full_name[reviewer],
            "reviewer_email": email_arr[reviewer],
            "product_id": rng.integers(8_000_000_000, 8_000_100_000, len(reviewer)),
            "product_handle": handle,
            "reply": np.full(len(reviewer), None, dtype=object),
            "ip_address": np.full(len(reviewer), None, dtype=object),
            "location": np.full(len(reviewer), None, dtype=object),
        },
        JUDGEME_COLUMNS,
    )


def _write_ga4(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rng: np.random.Generator,
    pidx: np.ndarray,
    cust_id: np.ndarray,
    device: np.ndarray,
    chan_idx: np.ndarray,
    country: np.ndarray,
    o_cust: np.ndarray,
    o_time: np.ndarray,
) -> None:
    """Sessions: one per order (ending in a purchase) plus browsing sessions and anonymous visitors."""
    n = len(pidx)
    # only visitors who accept analytics cookies are tracked (about 60 %)
    consent = rng.random(n) < 0.6
    tracked_orders = np.flatnonzero(consent[o_cust])
    browse = rng.poisson(0.6, n) * consent
    anon = int(n * 0.3)
    s_user = np.r_[o_cust[tracked_orders], np.repeat(np.arange(n), browse), n + np.arange(anon)]
    s_buy = np.r_[np.ones(len(tracked_orders), bool), np.zeros(browse.sum() + anon, bool)]
    users_p = np.r_[pidx, rng.integers(0, len(PERSONAS), anon)]
    t_browse = _sample_times(rng, users_p[s_user[len(tracked_orders) :]])
    s_time = np.r_[o_time[tracked_orders] - np.timedelta64(20, "m"), t_browse] + np.timedelta64(
        5, "h"
    )  # shop time -> UTC
    n_s = len(s_user)
    # events per session: session_start, page_view(s), view_item, then cart and purchase for buyers
    n_pv = 1 + rng.poisson(0.3, n_s)
    cart = s_buy | (rng.random(n_s) < 0.25)
    per = 1 + n_pv + 1 + cart.astype(int) + s_buy.astype(int)
    e_s = np.repeat(np.arange(n_s), per)
    pos = np.arange(len(e_s)) - np.repeat(np.cumsum(per) - per, per)
    names = np.where(pos == 0, "session_start", np.where(pos <= n_pv[e_s], "page_view", "view_item")).astype(object)
    after = pos - n_pv[e_s] - 1  # 0 = view_item, 1 = add_to_cart, 2 = purchase
    names[(after == 1) & cart[e_s]] = "add_to_cart"
    names[(after == 2) | ((after == 1) & ~cart[e_s])] = "purchase"
    ts = s_time[e_s] + (pos * 40).astype("timedelta64[s]")
    micros = ts.astype("datetime64[us]").astype(np.int64)
    u = s_user[e_s]
    is_cust = u < n
    known = is_cust & ((names == "purchase") | (rng.random(len(e_s)) < 0.5))
    uid = or_empty(known, cust_id[np.minimum(u, n - 1)].astype(str))
    pseudo = np.char.add(np.char.add((1_000_000_000 + u * 7).astype(str), "."), (1_600_000_000 + u).astype(str)).astype(
        object
    )
    user_dev = np.r_[device, np.array(DEVICES, dtype=object)[rng.integers(0, 3, anon)]]
    dev = user_dev[u]
    switch = rng.random(len(e_s)) < 0.1
    dev[switch] = np.array(DEVICES, dtype=object)[rng.integers(0, 3, switch.sum())]
    user_chan = np.r_[chan_idx, rng.integers(0, len(CHANNELS), anon)]
    src = np.array([c[0] for c in CHANNELS], dtype=object)[user_chan[u]]
    med = np.array([c[1] for c in CHANNELS], dtype=object)[user_chan[u]]
    geo = np.r_[country, np.full(anon, "US", dtype=object)][u]
    country_name = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "AU": "Australia"}
    geo_name = np.vectorize(country_name.get, otypes=[object])(geo)
    page_path = np.array(
        ["/", "/collections/all", "/collections/sale", "/products/item", "/cart", "/checkout"], dtype=object
    )
    page = np.char.add(
        "https://fieldnote.example", page_path[rng.integers(0, len(page_path), len(e_s))].astype(str)
    ).astype(object)
    session_id = (1_700_000_000 + e_s).astype(np.int64)
    cols = {
        "event_date": np.char.replace(ts.astype("datetime64[D]").astype(str), "-", "").astype(object),
        "event_timestamp": micros,
        "event_name": names,
        "user_id": uid,
        "user_pseudo_id": pseudo,
        "device_category": dev,
        "geo_country": geo_name,
        "ts_source": src,
        "ts_medium": med,
        "session_id": session_id,
        "page": page,
    }
    con.register("_ga4", cols)
    try:
        con.execute(f"""
        COPY (SELECT event_date, CAST(event_timestamp AS VARCHAR) AS event_timestamp, event_name,
          [{{'key': 'ga_session_id', 'value': {{'string_value': NULL::VARCHAR,
                'int_value': CAST(session_id AS VARCHAR), 'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}},
           {{'key': 'page_location', 'value': {{'string_value': page, 'int_value': NULL::VARCHAR,
                'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}}] AS event_params,
          user_id, user_pseudo_id,
          {{'category': device_category,
            'operating_system': CASE device_category WHEN 'desktop' THEN 'Windows' ELSE 'iOS' END,
            'language': 'en-us'}} AS device,
          {{'country': geo_country, 'city': NULL::VARCHAR, 'continent': NULL::VARCHAR}} AS geo,
          {{'name': CASE WHEN ts_medium = 'cpc' THEN 'always_on' ELSE '(organic)' END,
            'medium': ts_medium, 'source': ts_source}} AS traffic_source,
          'WEB' AS platform, 'fieldnote_web' AS stream_id
          FROM _ga4 ORDER BY event_timestamp) TO '{path}' (FORMAT JSON)
        """)
    finally:
        con.unregister("_ga4")


SHOPIFY_ORDER_COLUMNS = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing Company",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Billing Phone",
    "Shipping Name",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping Company",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    "Tax 1 Name",
    "Tax 1 Value",
    "Tax 2 Name",
    "Tax 2 Value",
    "Tax 3 Name",
    "Tax 3 Value",
    "Tax 4 Name",
    "Tax 4 Value",
    "Tax 5 Name",
    "Tax 5 Value",
    "Phone",
    "Receipt Number",
    "Duties",
    "Billing Province Name",
    "Shipping Province Name",
    "Payment ID",
    "Payment Terms Name",
    "Next Payment Due At",
    "Payment References",
]
SHOPIFY_CUSTOMER_COLUMNS = [
    "Customer ID",
    "First Name",
    "Last Name",
    "Email",
    "Accepts Email Marketing",
    "Default Address Company",
    "Default Address Address1",
    "Default Address Address2",
    "Default Address City",
    "Default Address Province Code",
    "Default Address Country Code",
    "Default Address Zip",
    "Default Address Phone",
    "Phone",
    "Accepts SMS Marketing",
    "Total Spent",
    "Total Orders",
    "Note",
    "Tax Exempt",
    "Tags",
]
JUDGEME_COLUMNS = [
    "title",
    "body",
    "rating",
    "review_date",
    "source",
    "curated",
    "reviewer_name",
    "reviewer_email",
    "product_id",
    "product_handle",
    "reply",
    "reply_date",
    "picture_urls",
    "ip_address",
    "location",
    "metaobject_handle",
]

CONFIG = """\
# personacraft demo: a synthetic shop ({n} customers, seed {seed}).
# Each [[sources]] entry is a vendor export as the vendor writes it.
name = "Fieldnote Supply (demo)"
seed = {seed}

[[sources]]
kind = "shopify_customers"
path = "data/customers_export.csv"

[[sources]]
kind = "shopify_orders"
path = "data/orders_export.csv"

[[sources]]
kind = "reviews"
path = "data/judgeme_reviews.csv"

[[sources]]
kind = "typeform"
path = "data/typeform_responses.csv"

[[sources]]
kind = "ga4_bigquery"
path = "data/ga4/*.ndjson"
user_id_namespace = "shopify"  # GA4 user_id is the shop's customer id

[report]
title = "Fieldnote Supply: who our customers are"
"""
