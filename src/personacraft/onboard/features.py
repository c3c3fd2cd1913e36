"""Columns that could be feature families (``[sources.features]``): few distinct values, taken by no canonical column.

A proposal is never switched on by itself: the writer puts it in the config commented out and
marked ``# CHECK:``, because a column such as the account owner would make personas of sales reps.
"""

from __future__ import annotations

import re

import duckdb

from personacraft.onboard.files import Candidate
from personacraft.onboard.profile import Profile
from personacraft.sources.columns import q

ORDERED_WORDS = (
    {"low", "medium", "high"},
    {"small", "medium", "large"},
    {"s", "m", "l", "xl"},
    {"bronze", "silver", "gold", "platinum"},
    {"never", "rarely", "sometimes", "often", "always"},
)
# names of columns that identify or locate a person or record: never a feature
NOT_A_FEATURE = re.compile(
    r"(^|[^a-z])(id|ids|zip|postal|postcode|plz|phone|mobile|address|street|email|e-mail|name|note|notes)([^a-z]|$)",
    re.IGNORECASE,
)
RANGE = re.compile(r"^\s*([<>]=?\s*)?[0-9][0-9.,]*\s*(-|–|to|\+)\s*([0-9][0-9.,]*)?\s*$")


def feature_kind(p: Profile) -> str:
    """categorical, ordinal (ranges like 25-34, tiers, small whole numbers) or numeric (many numeric values)."""
    values = [v.strip().lower() for v in p.top]
    if p.money >= 0.95 and p.distinct > 8:
        return "numeric"
    if values and all(RANGE.match(v) for v in values):
        return "ordinal"
    if values and p.integer >= 0.95 and p.distinct <= 11:
        return "ordinal"
    if values and any(set(values) <= words for words in ORDERED_WORDS):
        return "ordinal"
    return "categorical"


def propose_features(profiles: dict[str, Profile], taken: set[str]) -> dict[str, tuple[str, str]]:
    """column -> (feature kind, what it holds) for columns no canonical column takes and few values fill."""
    out: dict[str, tuple[str, str]] = {}
    for col, p in profiles.items():
        low = col.strip().lower()
        if low in taken or col in taken or p.filled < 0.3 or p.n < 2 or NOT_A_FEATURE.search(col):
            continue
        ids = p.unique > 0.95 or (p.id_like > 0.9 and p.unique > 0.5 and p.integer < 0.95)  # ids, not attributes
        if p.email > 0.2 or p.date > 0.5 or ids or p.avg_len > 40:
            continue
        few = 2 <= p.distinct <= 20 and p.distinct <= max(2, p.n // 3)
        many_numbers = p.money >= 0.95 and p.distinct > 20 and p.unique < 0.9
        if not (few or many_numbers):
            continue
        kind = "numeric" if many_numbers else feature_kind(p)
        shown = ", ".join(p.top[:5]) + (" …" if p.distinct > 5 else "")
        out[col] = (kind, f"{p.distinct} values: {shown}" if p.top else f"{p.distinct}+ numeric values")
    return out


def vary_within(con: duckdb.DuckDBPyConnection, cand: Candidate, key: str, columns: list[str]) -> dict[str, float]:
    """column -> the share of the customers with several rows of the sample whose value of it changes between them.

    Near 0: a fact about the customer (gender). High: a fact about each order (its product, its status).
    In between: a state that changes over time (a loyalty tier), of which the newest value is kept."""
    if not columns:
        return {}
    counts = ", ".join(f"count(DISTINCT {q(c)}) AS d{i}" for i, c in enumerate(columns))
    shares = ", ".join(f"count(*) FILTER (WHERE d{i} > 1) / greatest(count(*), 1)" for i in range(len(columns)))
    row = con.execute(
        f"""WITH g AS (SELECT {counts} FROM {cand.sample} WHERE nullif(trim({q(key)}), '') IS NOT NULL
            GROUP BY {q(key)} HAVING count(*) > 1) SELECT {shares} FROM g"""
    ).fetchone()
    return {c: float(share or 0.0) for c, share in zip(columns, row or (), strict=False)}
