"""The retail demo's reviews (Judge.me CSV) and web analytics (GA4 BigQuery export, NDJSON)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from personacraft.demo.chunks import Offsets
from personacraft.demo.common import People, copy_out, or_empty, write_csv
from personacraft.demo.layouts import JUDGEME_COLUMNS
from personacraft.demo.retail_personas import (
    CATEGORIES,
    CHANNELS,
    DEVICES,
    GENERIC_REVIEWS,
    PERSONAS,
    START,
    sample_times,
    times_after,
)

REVIEWERS = 0.32  # the share of customers who write a review (the rivals' reviews, retail_rivals, too)


def write_reviews(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rng: np.random.Generator,
    pidx: np.ndarray,
    who: People,
    full_name: np.ndarray,
    order_no: np.ndarray,
    o_cust: np.ndarray,
    o_time: np.ndarray,
    extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    append: bool = False,
) -> None:
    """Reviews a week or so after a customer's first order; ``extra``: (reviewer, text, day) of more
    negative reviews (the two-month demo's new complaint); ``append``: to the file an earlier chunk wrote."""
    n = len(pidx)
    reviewer = np.flatnonzero(rng.random(n) < REVIEWERS)
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
    if extra is not None:
        more, text, day = extra
        reviewer, rp = np.r_[reviewer, more], np.r_[rp, pidx[more]]
        body = np.r_[body, text]
        negative, positive = np.r_[negative, np.ones(len(more), bool)], np.r_[positive, np.zeros(len(more), bool)]
        generic = np.r_[generic, np.zeros(len(more), bool)]
        rating = np.r_[rating, rng.choice([1, 2], len(more))]
        hours = rng.integers(8, 22, len(more)).astype("timedelta64[h]")
        when = np.r_[when, START + day.astype("timedelta64[D]") + hours]
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
        append=append,
    )


def write_ga4(
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
    window: tuple[np.ndarray, int] | None = None,
    at: Offsets | None = None,
) -> tuple[np.ndarray, int, int]:
    """Sessions: one per order (ending in a purchase) plus browsing sessions and anonymous visitors.

    Anonymous visitors (30 % as many as customers, one session each, never identified) are the
    prospects of the journey funnel; four in ten of them only read pages. A customer's own sessions
    carry their user_id on about half the events and the same user_pseudo_id throughout, so their
    anonymous events join their journey.

    A persona with ``checkouts_left`` also has sessions that reach checkout and stop there.
    With ``window`` (each customer's first day, and the day the data end), a customer browses
    only after their first order, and visitors only before the end (the monthly snapshots).
    ``at``: where this chunk starts (cookies and session ids carry on from the chunks before).
    Returns the customers (indices) who left a checkout at least once, and the sessions and
    anonymous visitors written.
    """
    n = len(pidx)
    at = at or Offsets(total=n)
    # only visitors who accept analytics cookies are tracked (about 60 %)
    consent = rng.random(n) < 0.6
    tracked_orders = np.flatnonzero(consent[o_cust])
    browse = rng.poisson(0.6, n) * consent
    left = rng.poisson(np.array([p.checkouts_left for p in PERSONAS])[pidx]) * consent
    anon = int(n * 0.3)
    s_user = np.r_[
        o_cust[tracked_orders], np.repeat(np.arange(n), browse), np.repeat(np.arange(n), left), n + np.arange(anon)
    ]
    s_buy = np.r_[np.ones(len(tracked_orders), bool), np.zeros(browse.sum() + left.sum() + anon, bool)]
    s_left = np.r_[np.zeros(len(tracked_orders) + browse.sum(), bool), np.ones(left.sum(), bool), np.zeros(anon, bool)]
    users_p = np.r_[pidx, rng.integers(0, len(PERSONAS), anon)]
    browsers = s_user[len(tracked_orders) :]
    if window is None:
        t_browse = sample_times(rng, users_p[browsers])
    else:
        start = np.r_[window[0], np.zeros(anon, np.int64)][browsers]
        t_browse = times_after(rng, users_p[browsers], start, window[1])
    s_time = np.r_[o_time[tracked_orders] - np.timedelta64(20, "m"), t_browse] + np.timedelta64(
        5, "h"
    )  # shop time -> UTC
    n_s = len(s_user)
    # events per session: session_start, page_view(s), view_item, then cart and purchase for buyers
    n_pv = 1 + rng.poisson(0.3, n_s)
    cart = s_buy | s_left | (rng.random(n_s) < 0.25)
    # buyers go through checkout; a few browsers with a cart start it and stop
    checkout = s_buy | s_left | (cart & (rng.random(n_s) < 0.1))
    per = 1 + n_pv + 1 + cart.astype(int) + checkout.astype(int) + s_buy.astype(int)
    e_s = np.repeat(np.arange(n_s), per)
    pos = np.arange(len(e_s)) - np.repeat(np.cumsum(per) - per, per)
    names = np.where(pos == 0, "session_start", np.where(pos <= n_pv[e_s], "page_view", "view_item")).astype(object)
    after = pos - n_pv[e_s] - 1  # 0 = view_item, then add_to_cart, begin_checkout, purchase as the session has them
    k_checkout = 1 + cart.astype(int)
    names[(after == 1) & cart[e_s]] = "add_to_cart"
    names[(after == k_checkout[e_s]) & checkout[e_s]] = "begin_checkout"
    names[(after == k_checkout[e_s] + checkout[e_s]) & s_buy[e_s]] = "purchase"
    # four in ten anonymous visitors only read pages and leave: no product view, cart or checkout (a rule
    # on the visitor's number, not a draw, so every other event keeps its random draws)
    # the demo-wide number of each user: customers first, then visitors (as one chunk numbers them)
    g_user = np.where(s_user < n, at.customers + s_user, max(at.total, n) + at.visitors + s_user - n)
    reader = (s_user >= n) & ((g_user * 7919) % 10 < 4)
    names[reader[e_s] & (pos > 0)] = "page_view"
    ts = s_time[e_s] + (pos * 40).astype("timedelta64[s]")
    micros = ts.astype("datetime64[us]").astype(np.int64)
    u = s_user[e_s]
    g = g_user[e_s]
    is_cust = u < n
    known = is_cust & ((names == "purchase") | (rng.random(len(e_s)) < 0.5))
    uid = or_empty(known, cust_id[np.minimum(u, n - 1)].astype(str))
    pseudo = np.char.add(np.char.add((1_000_000_000 + g * 7).astype(str), "."), (1_600_000_000 + g).astype(str)).astype(
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
    session_id = (1_700_000_000 + at.sessions + e_s).astype(np.int64)
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
    query = """
        SELECT event_date, CAST(event_timestamp AS VARCHAR) AS event_timestamp, event_name,
          [{'key': 'ga_session_id', 'value': {'string_value': NULL::VARCHAR,
                'int_value': CAST(session_id AS VARCHAR), 'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}},
           {'key': 'page_location', 'value': {'string_value': page, 'int_value': NULL::VARCHAR,
                'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}] AS event_params,
          user_id, user_pseudo_id,
          {'category': device_category,
            'operating_system': CASE device_category WHEN 'desktop' THEN 'Windows' ELSE 'iOS' END,
            'language': 'en-us'} AS device,
          {'country': geo_country, 'city': NULL::VARCHAR, 'continent': NULL::VARCHAR} AS geo,
          {'name': CASE WHEN ts_medium = 'cpc' THEN 'always_on' ELSE '(organic)' END,
            'medium': ts_medium, 'source': ts_source} AS traffic_source,
          'WEB' AS platform, 'fieldnote_web' AS stream_id
          FROM _demo ORDER BY event_timestamp
    """
    copy_out(con, cols, query, path, "FORMAT JSON")
    stopped = checkout & ~s_buy & (s_user < n)
    return np.unique(s_user[stopped]), n_s, anon
