"""A synthetic online shop with five planted personas, written in real vendor formats.

Files (under ``DIR/data``): Shopify customers and orders CSV, a Judge.me reviews CSV, a
Typeform responses CSV (email as a hidden field), GA4's BigQuery export as NDJSON
with ``user_id`` = the Shopify customer id, and an email A/B test (retail_experiment.py). The data
is messy on purpose: email case and spaces differ between files, most customers skip the survey, much web traffic is
anonymous, and many reviews say nothing specific. The personas are in retail_personas.py.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from personacraft.demo import chunks, retail_beliefs, retail_experiment, retail_months, retail_rivals
from personacraft.demo.chunks import ChunkProgress, Offsets
from personacraft.demo.common import choice, messy_email, normalise, or_empty, people, write_csv
from personacraft.demo.layouts import SHOPIFY_CUSTOMER_COLUMNS, SHOPIFY_ORDER_COLUMNS
from personacraft.demo.retail_personas import (
    AGE_BANDS,
    CATALOG,
    CATEGORIES,
    CHANNELS,
    DAYS,
    DEVICES,
    GOALS,
    PERSONAS,
    Q_AGE,
    Q_BETTER,
    Q_GOAL,
    Q_HEAR,
    SHOP_TZ,
    VARIANTS,
    habit_times,
    order_days,
    sample_days,
    sample_times,
    times_after,
)
from personacraft.demo.retail_web import write_ga4, write_reviews
from personacraft.errors import ConfigError


def generate(
    out_dir: Path,
    customers: int = 5000,
    seed: int = 1,
    months: int = 1,
    progress: ChunkProgress | None = None,
    says_does: bool = True,
) -> dict[str, Path]:
    """Write the retail demo's raw exports under ``out_dir/data`` and return their paths.

    ``months=2`` writes two monthly snapshots (``data/month1``, ``data/month2``) with the
    changes planted in :mod:`~personacraft.demo.retail_months`, and a config for each. One
    snapshot is written in chunks of customers (:mod:`~personacraft.demo.chunks`), so memory
    stays bounded; ``progress(done, total)`` is told after each chunk. ``says_does``: plant the
    says-against-does contradiction of :mod:`~personacraft.demo.retail_beliefs` (one snapshot only).
    """
    if months not in (1, 2):
        raise ConfigError(f"--months must be 1 or 2, got {months}.")
    if months == 2:  # the planted changes draw across all customers: one chunk
        return _write(out_dir, customers, seed, months, np.random.default_rng(seed), Offsets(total=customers), False)
    at = Offsets(total=customers)
    for part, size in enumerate(chunks.sizes(customers)):
        at.part = part
        paths = _write(out_dir, size, seed, months, chunks.stream(seed, part), at, says_does)
        if progress is not None:
            progress(at.customers, customers)
    return paths


def _write(
    out_dir: Path, customers: int, seed: int, months: int, rng: np.random.Generator, at: Offsets, says_does: bool
) -> dict[str, Path]:
    """Write one chunk of ``customers`` customers (the whole demo when it is the only one), starting ``at``."""
    append = not at.first
    planted = np.random.default_rng([seed, 2024])  # the month-2 changes draw apart from the shop's habits
    data = out_dir / "data" / ("month2" if months == 2 else "")
    data.mkdir(parents=True, exist_ok=True)
    if at.first:  # shards of an earlier, larger demo in this folder would join this one's events
        for old in (data / "ga4").glob("events_*.ndjson"):
            old.unlink()
    shares = np.array([p.share for p in PERSONAS])
    pidx = rng.choice(len(PERSONAS), size=customers, p=shares / shares.sum())
    if months == 2:
        new_p, new_first, wave = retail_months.arrivals(planted, customers)
        pidx = np.r_[pidx, new_p]
    n = len(pidx)
    contrary = retail_beliefs.contrarians(seed, at.part, pidx) if says_does else np.zeros(n, bool)  # planted
    who = people(n, rng, seed, start=at.customers, total=max(at.total, n))
    cust_id = (7_010_000_000_000 + (at.customers + np.arange(n)) * 37 + rng.integers(0, 30, n)).astype(np.int64)
    country = choice(rng, ["US", "CA", "GB", "AU"], np.tile([0.7, 0.1, 0.12, 0.08], (n, 1)))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")

    # -- per-customer traits ---------------------------------------------------------------
    device = choice(rng, DEVICES, normalise([p.devices for p in PERSONAS])[pidx])
    chan_idx = choice(rng, list(range(len(CHANNELS))), normalise([p.channels for p in PERSONAS])[pidx]).astype(int)
    # -- orders: a first order on a day in the persona's season, then repeat orders until the
    # customer stops for good (dropout) or the data end --------------------------------------
    first = sample_days(rng, pidx)
    end = DAYS
    if months == 2:
        first = np.r_[retail_months.first_days(first[:customers]), new_first]
        end = retail_months.MONTH2_END
    o_cust, o_day = order_days(rng, pidx, first, end)
    launch = np.zeros(len(o_cust), bool)
    if months == 2:
        climber = retail_months.climbers(planted, pidx, first)
        c_cust, c_day = retail_months.launch_orders(planted, climber)
        by = np.lexsort((np.r_[o_day, c_day], np.r_[o_cust, c_cust]))
        o_cust, o_day = np.r_[o_cust, c_cust][by], np.r_[o_day, c_day][by]
        launch = np.r_[launch, np.ones(len(c_cust), bool)][by]
    n_orders = np.bincount(o_cust, minlength=n)
    o_p = pidx[o_cust]
    n_o = len(o_cust)
    o_time = habit_times(rng, o_p, o_day, last_day=end - 1)
    if launch.any():
        o_time[launch] = retail_months.launch_times(planted, o_day[launch])

    # -- line items ---------------------------------------------------------------------------
    order_no = 1001 + at.orders + np.arange(n_o)
    rng.shuffle(order_no)
    n_lines = 1 + rng.poisson(np.array([p.lines_mean - 1 for p in PERSONAS])[o_p])
    if launch.any():
        n_lines[launch] = 1 + planted.poisson(retail_months.LAUNCH_LINES - 1, int(launch.sum()))
    l_order = np.repeat(np.arange(n_o), n_lines)
    l_p = o_p[l_order]
    l_cat = choice(rng, list(range(len(PERSONAS[0].categories))), normalise([p.categories for p in PERSONAS])[l_p])
    l_cat = l_cat.astype(int)
    if launch.any():  # the climbing range's orders: mostly climbing gear, some outdoor
        on = launch[l_order]
        climbing, outdoor = CATEGORIES.index("Climbing"), CATEGORIES.index("Outdoor")
        l_cat[on] = np.where(planted.random(int(on.sum())) < 0.9, climbing, outdoor)
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
    has_disc &= ~contrary[o_cust]  # the contrarians never use a code
    disc_rate = np.where(has_disc, rng.choice([0.1, 0.15, 0.2], n_o), 0.0)
    has_disc[launch], disc_rate[launch] = True, 0.15  # the climbing range's launch offer
    disc_amt = np.round(subtotal * disc_rate, 2)
    codes = np.array(["WELCOME10", "SAVE15", "FLASH20"], dtype=object)
    disc_code = or_empty(has_disc, codes[(disc_rate * 20 - 2).astype(int).clip(0, 2)])
    disc_code[launch] = retail_months.LAUNCH_CODE
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
        append=append,
    )

    # -- customers -----------------------------------------------------------------------
    spent = np.bincount(o_cust, weights=total, minlength=n)
    has_phone = rng.random(n) < 0.4
    customer_cols = {
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
    }
    money = frozenset({"Total Spent"})
    write_csv(con, data / "customers_export.csv", customer_cols, SHOPIFY_CUSTOMER_COLUMNS, money=money, append=append)
    if months == 2:  # month 1's export: the customers who had ordered by then, with their totals then
        before = o_time < retail_months.CUTOFF
        n1 = np.bincount(o_cust[before], minlength=n)
        month1 = dict(customer_cols, **{"Total Spent": np.bincount(o_cust[before], weights=total[before], minlength=n)})
        month1["Total Orders"] = n1
        keep = n1 > 0
        month1 = {k: np.asarray(v)[keep] for k, v in month1.items()}
        path = out_dir / "data" / "month1" / "customers_export.csv"
        write_csv(con, path, month1, SHOPIFY_CUSTOMER_COLUMNS, money=money)

    # -- survey (Typeform) ----------------------------------------------------------------
    responded = np.flatnonzero(rng.random(n) < 0.45)
    rp = pidx[responded]
    # answered at any time (one snapshot), or after their first order (monthly snapshots, which cut by time)
    when = sample_times(rng, rp) if months == 1 else times_after(rng, rp, first[responded], end)
    sub = when + np.timedelta64(5, "h")
    sub_s = np.char.replace(sub.astype("datetime64[s]").astype(str), "T", " ")
    start_s = np.char.replace((sub - np.timedelta64(3, "m")).astype("datetime64[s]").astype(str), "T", " ")
    hear_names = np.array(
        ["Facebook ad", "Google search", "A friend", "Newsletter", "Instagram", "TikTok", "Google ad", "A blog"],
        dtype=object,
    )
    says_save = contrary[responded]  # … yet say they shop to save money
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
    survey_cols, survey_order = (
        {
            "#": np.array([f"{x:032x}" for x in rng.integers(0, 2**62, len(responded))], dtype=object),
            Q_AGE: choice(rng, AGE_BANDS, normalise([p.ages for p in PERSONAS])[rp]),
            Q_GOAL: choice(rng, GOALS, normalise([p.goals for p in PERSONAS])[rp]),
            Q_HEAR: hear,
            Q_BETTER: better,
            "email": messy_email(who.email[responded], rng, 0.2),
            "Start Date (UTC)": start_s.astype(object),
            "Submit Date (UTC)": sub_s.astype(object),
            "Network ID": np.array([f"{x:010x}" for x in rng.integers(0, 2**40, len(responded))], dtype=object),
        },
        ["#", Q_AGE, Q_GOAL, Q_HEAR, Q_BETTER, "email", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"],
    )
    survey_cols[Q_GOAL][says_save] = retail_beliefs.GOAL

    # -- reviews (Judge.me) ---------------------------------------------------------------
    extra = retail_months.complaints(planted, pidx, first) if months == 2 else None
    reviews = data / "judgeme_reviews.csv"
    write_reviews(con, reviews, rng, pidx, who, full_name, order_no, o_cust, o_time, extra, append=append)
    if months == 1:  # reviews of ours that name a rival (retail_rivals), drawn apart
        retail_rivals.write_switched(con, reviews, seed, at.part, pidx, full_name, who.email)

    # -- web analytics (GA4 BigQuery export) ----------------------------------------------
    window = (first, end) if months == 2 else None
    events = data / "ga4" / f"events_{at.part:03d}.ndjson"
    left, sessions, visitors = write_ga4(
        con, events, rng, pidx, cust_id, device, chan_idx, country, o_cust, o_time, window, at
    )
    # asked what to improve, those who left a checkout say why (where their persona has a reason)
    why = [p.why_left for p in PERSONAS]
    has_reason = np.array([bool(w) for w in why])[rp]
    asked = np.flatnonzero(np.isin(responded, left) & has_reason & (rng.random(len(rp)) < 0.8))
    survey_cols[Q_BETTER][asked] = [why[rp[i]][rng.integers(0, len(why[rp[i]]))] for i in asked]
    write_csv(con, data / "typeform_responses.csv", survey_cols, survey_order, append=append)

    # -- ground truth and config ----------------------------------------------------------
    truth = np.array([p.name for p in PERSONAS], dtype=object)[pidx]
    columns = {
        "customer_id": np.char.add("shopify:", cust_id.astype(str)).astype(object),
        "email": who.email,
        "persona": truth,
    }
    if months == 1:
        write_csv(con, out_dir / "ground_truth.csv", columns, ["customer_id", "email", "persona"], append=append)
        retail_experiment.write(con, data, seed, at, pidx, who.email)  # an email A/B test, drawn apart
        retail_rivals.write(con, data, seed, at.part, n, append)  # two competitors' reviews, drawn apart
        if at.first:
            sections = retail_experiment.CONFIG + retail_rivals.CONFIG + "\n[report]"  # the A/B test's, the rivals'
            text = CONFIG.replace("\n[report]", sections).format(seed=seed, n=at.total, folder="data")
            (out_dir / "personacraft.toml").write_text(text + retail_beliefs.CONFIG, encoding="utf-8")
            (out_dir / "hypotheses.yaml").write_text(retail_beliefs.CLAIMS, encoding="utf-8")
        con.close()
        at.customers, at.orders = at.customers + n, at.orders + n_o
        at.visitors, at.sessions = at.visitors + visitors, at.sessions + sessions
        return {"config": out_dir / "personacraft.toml", "ground_truth": out_dir / "ground_truth.csv", "data": data}
    retail_months.snapshot(con, data, out_dir / "data" / "month1")
    # month 2's truth: the climbers are a persona of their own now; who joined when, and what was planted
    is_new = first >= retail_months.MONTH1_END
    columns["persona"] = np.where(climber, retail_months.CLIMBER, truth)
    columns["joined"] = np.where(is_new, "month 2", "month 1").astype(object)
    columns["planted"] = np.select(
        [np.r_[np.zeros(customers, bool), wave], climber, np.isin(np.arange(n), extra[0] if extra else [])],
        ["growth wave", "split: climber", "new complaint"],
        "",
    ).astype(object)
    order = ["customer_id", "email", "persona", "joined", "planted"]
    write_csv(con, out_dir / "ground_truth.csv", columns, order)
    for month in (1, 2):
        text = CONFIG.format(seed=seed, n=n, folder=f"data/month{month}")
        (out_dir / f"month{month}.toml").write_text(text, encoding="utf-8")
    con.close()
    return {
        "config": out_dir / "month1.toml",
        "config_month2": out_dir / "month2.toml",
        "ground_truth": out_dir / "ground_truth.csv",
        "data": out_dir / "data",
    }


CONFIG = """\
# personacraft demo: a synthetic shop ({n} customers, seed {seed}).
# Each [[sources]] entry is a vendor export as the vendor writes it.
name = "Fieldnote Supply (demo)"
seed = {seed}

[[sources]]
kind = "shopify_customers"
path = "{folder}/customers_export.csv"

[[sources]]
kind = "shopify_orders"
path = "{folder}/orders_export.csv"

[[sources]]
kind = "reviews"
path = "{folder}/judgeme_reviews.csv"

[[sources]]
kind = "typeform"
path = "{folder}/typeform_responses.csv"

[[sources]]
kind = "ga4_bigquery"
path = "{folder}/ga4/*.ndjson"
user_id_namespace = "shopify"  # GA4 user_id is the shop's customer id

[report]
title = "Fieldnote Supply: who our customers are"
"""
