"""The retail demo's email A/B test: control, "free shipping" and "new arrivals", with planted effects.

An email tool's export of the test (``data/email_ab_test.csv``): one row per recipient with the
campaign, the variant sent, the email, when it was sent, whether the recipient placed an order the
email is credited with, and the revenue of that order. Planted: "free shipping" lifts the Deal
Hunters' conversion by :data:`FREE_SHIPPING_LIFT` and nobody else's; "new arrivals" lifts the
Night-owl Trendsetters' by :data:`NEW_ARRIVALS_LIFT` (a little); nothing else differs between arms.

The draws come from a generator of their own (``[seed, 18, chunk]``), so the demo's other files are
the same with or without the test.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from personacraft.demo.chunks import Offsets
from personacraft.demo.common import messy_email, write_csv
from personacraft.demo.retail_personas import DAYS, PERSONAS, START

EXPERIMENT = "2024-11 shipping email"
FILE = "email_ab_test.csv"
COLUMNS = ["Campaign", "Variant", "Email", "Sent At", "Placed Order", "Revenue"]
VARIANTS = ("control", "free shipping", "new arrivals")
SENT_SHARE = 0.9  # the share of customers on the mailing list
# the chance of an order within the email's attribution window, per planted persona, in the control arm
BASE = {
    "Deal Hunter": 0.08,
    "Premium Loyalist": 0.10,
    "Holiday Gifter": 0.06,
    "Weekend Adventurer": 0.07,
    "Night-owl Trendsetter": 0.08,
}
FREE_SHIPPING_LIFT = 0.06  # Deal Hunters only
NEW_ARRIVALS_LIFT = 0.03  # Night-owl Trendsetters only
ORDER_VALUE = {  # mean order value (lognormal, sigma 0.5)
    "Deal Hunter": 45.0,
    "Premium Loyalist": 160.0,
    "Holiday Gifter": 80.0,
    "Weekend Adventurer": 110.0,
    "Night-owl Trendsetter": 70.0,
}


def rates(pidx: np.ndarray, arm: np.ndarray) -> np.ndarray:
    """The planted chance of converting for each recipient (planted persona index, arm index)."""
    names = [p.name for p in PERSONAS]
    base = np.array([BASE[n] for n in names])[pidx]
    lift = np.zeros(len(pidx))
    lift += np.where((arm == 1) & (pidx == names.index("Deal Hunter")), FREE_SHIPPING_LIFT, 0.0)
    lift += np.where((arm == 2) & (pidx == names.index("Night-owl Trendsetter")), NEW_ARRIVALS_LIFT, 0.0)
    return base + lift


def write(
    con: duckdb.DuckDBPyConnection, data: Path, seed: int, at: Offsets, pidx: np.ndarray, email: np.ndarray
) -> None:
    """Write (or append, after the first chunk) this chunk's recipients of the test."""
    rng = np.random.default_rng([seed, 18, at.part])
    sent = np.flatnonzero(rng.random(len(pidx)) < SENT_SHARE)
    p = pidx[sent]
    arm = rng.integers(0, len(VARIANTS), len(sent))
    converted = rng.random(len(sent)) < rates(p, arm)
    mean = np.array([ORDER_VALUE[x.name] for x in PERSONAS])[p]
    value = np.round(mean * rng.lognormal(-0.125, 0.5, len(sent)), 2)
    send = START + np.timedelta64(DAYS - 45, "D") + np.timedelta64(14, "h")  # one send, 45 days before the end
    when = send + (rng.integers(0, 3600, len(sent)) * np.timedelta64(1, "s"))  # the send takes an hour
    columns = {
        "Campaign": np.full(len(sent), EXPERIMENT, dtype=object),
        "Variant": np.array(VARIANTS, dtype=object)[arm],
        "Email": messy_email(email[sent], rng, 0.1),
        "Sent At": np.char.replace(when.astype("datetime64[s]").astype(str), "T", " ").astype(object),
        "Placed Order": np.where(converted, "1", "0").astype(object),
        "Revenue": np.where(converted, value, 0.0),
    }
    write_csv(con, data / FILE, columns, COLUMNS, money=frozenset({"Revenue"}), append=not at.first)


CONFIG = f"""
[[sources]]
kind = "csv"                   # an email tool's export of an A/B test: one row per recipient
path = "{{folder}}/{FILE}"
table = "experiments"
name = "email A/B test"
[sources.columns]
experiment_id = "Campaign"
variant = "Variant"
email = "Email"
exposed_at = "Sent At"
converted = "Placed Order"
revenue = "Revenue"

[[experiments]]
experiment = "{EXPERIMENT}"
control = "control"
outcomes = ["converted", "revenue"]
"""
