"""The retail demo over two months (``demo --months 2``): monthly export snapshots with planted changes.

The shop's data run to the end of October 2024 (month 2); month 1 is everything before
1 October. Everyone in month 1 keeps buying (or stops) as their persona does, and three
things happen in October, each one a change a living persona set must report:

- **growth**: a wave of new Night-owl Trendsetters (a campaign), as many as 60 % of the
  persona's month-1 customers, with their first orders in October, so they have had only
  weeks to reorder (tenure is not a persona: they must join the Trendsetters);
- **a new complaint**: a quarter of the Premium Loyalists review a new fabric that pills;
- **a split**: the shop launches a climbing range, and half of the Weekend Adventurers (the
  climbers) each place four orders of it (with the launch code), on weekday evenings after the
  climbing gym, so the Adventurers become two personas.

A usual month's newcomers arrive in every persona as well. :func:`snapshot` writes month 1's
exports from month 2's by cutting every file at the month's end, as a re-export would.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from personacraft.demo.retail_personas import PERSONAS, START

MONTH1_END = int((np.datetime64("2024-10-01") - START.astype("datetime64[D]")).astype(int))  # day number
MONTH2_END = int((np.datetime64("2024-11-01") - START.astype("datetime64[D]")).astype(int))
CUTOFF = START + np.timedelta64(MONTH1_END, "D")  # month 1's exports hold what happened before this (shop time)

NAMES = [p.name for p in PERSONAS]
WAVE = NAMES.index("Night-owl Trendsetter")
WAVE_SHARE = 0.6  # new trendsetters in October, per trendsetter of month 1
COMPLAINT = NAMES.index("Premium Loyalist")
COMPLAINT_SHARE = 0.25
NEW_PAINS = (
    "The new fabric pills after one wash, not what I expect at this price.",
    "Pilling on the new sweater after two wears, the fabric quality dropped.",
    "The fabric of the new collection pills badly after washing.",
)
SPLIT = NAMES.index("Weekend Adventurer")
CLIMBERS = 0.5  # share of the adventurers who take up the climbing range
CLIMBER = "Weekend Climber"  # their planted persona in month 2's ground truth
LAUNCH_ORDERS = 4
LAUNCH_LINES = 3.0  # mean items per launch order: they gear up
LAUNCH_CODE = "CLIMB15"  # every launch order uses the launch offer


def first_days(days: np.ndarray) -> np.ndarray:
    """Month 1's customers all arrived before October: a later day moves back a year (same season)."""
    return np.where(days >= MONTH1_END, days - 365, days)


def arrivals(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """October's newcomers: a usual month's in every persona, and the trendsetter wave.

    Returns their personas, their first days and whether each is in the wave.
    """
    shares = np.array([p.share for p in PERSONAS])
    usual = rng.binomial(n, 30.4 / MONTH1_END)  # a month of the two years' arrivals
    usual_p = rng.choice(len(PERSONAS), size=usual, p=shares / shares.sum())
    wave = round(float(WAVE_SHARE * shares[WAVE] / shares.sum() * n))
    pidx = np.r_[usual_p, np.full(wave, WAVE)].astype(np.int64)
    first = rng.integers(MONTH1_END, MONTH2_END, len(pidx))
    return pidx, first, np.r_[np.zeros(usual, bool), np.ones(wave, bool)]


def climbers(rng: np.random.Generator, pidx: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Adventurers of month 1 who take up climbing in October."""
    return (pidx == SPLIT) & (first < MONTH1_END) & (rng.random(len(pidx)) < CLIMBERS)


def launch_orders(rng: np.random.Generator, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The climbers' October orders of the climbing range: (customer index, day number)."""
    cust = np.repeat(np.flatnonzero(who), LAUNCH_ORDERS)
    return cust, rng.integers(MONTH1_END, MONTH2_END, len(cust))


def launch_times(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """The launch orders' times (shop-local): a weekday evening on or just before ``day``."""
    dow = (day + 6) % 7  # 0 = Monday (2023-01-01 was a Sunday)
    weekday = day - np.where(dow >= 5, dow - 4, 0)
    secs = (18 * 3600 + rng.random(len(day)) * 4 * 3600).astype(np.int64)
    return START + weekday.astype("timedelta64[D]") + secs.astype("timedelta64[s]")


def complaints(
    rng: np.random.Generator, pidx: np.ndarray, first: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The new complaint: (reviewer index, review text, day number) of loyalists who write in October."""
    writers = np.flatnonzero((pidx == COMPLAINT) & (first < MONTH1_END) & (rng.random(len(pidx)) < COMPLAINT_SHARE))
    body = np.array(NEW_PAINS, dtype=object)[rng.integers(0, len(NEW_PAINS), len(writers))]
    return writers, body, rng.integers(MONTH1_END, MONTH2_END, len(writers))


def snapshot(con: duckdb.DuckDBPyConnection, month2: Path, month1: Path) -> None:
    """Month 1's orders, reviews, survey and web events: month 2's files cut at :data:`CUTOFF`.

    The customers export is written by the generator itself (its totals change with the cut).
    The CSVs are cut at their times as written (Shopify's shop time, Judge.me's and Typeform's
    UTC), GA4's events at the same instant in UTC.
    """
    cuts = {
        "orders_export.csv": '"Created at"',
        "judgeme_reviews.csv": "review_date",
        "typeform_responses.csv": '"Submit Date (UTC)"',
    }
    month1.mkdir(parents=True, exist_ok=True)
    for name, column in cuts.items():
        con.execute(
            f"""COPY (SELECT * FROM read_csv('{month2 / name}', all_varchar = true, header = true)
                      WHERE {column} IS NULL OR left({column}, 19) < '{str(CUTOFF).replace("T", " ")}')
                TO '{month1 / name}' (HEADER, DELIMITER ',', QUOTE '"')"""
        )
    # the GA4 export line by line, as text: a row's JSON is kept exactly as written
    src, dst = month2 / "ga4" / "events_000.ndjson", month1 / "ga4" / "events_000.ndjson"
    dst.parent.mkdir(parents=True, exist_ok=True)
    utc = CUTOFF + np.timedelta64(5, "h")  # the shop is UTC-5
    micros = int((utc - np.datetime64("1970-01-01T00:00:00", "s")).astype(np.int64)) * 1_000_000
    con.execute(
        f"""COPY (SELECT line FROM read_csv('{src}', columns = {{'line': 'VARCHAR'}}, header = false,
                                             delim = '\x01', quote = '', escape = '')
                  WHERE CAST(json_extract_string(line, '$.event_timestamp') AS BIGINT) < {micros})
            TO '{dst}' (FORMAT CSV, HEADER false, DELIMITER '\x01', QUOTE '', ESCAPE '')"""
    )
