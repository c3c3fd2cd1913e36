"""The order families' bands, declared once as data: the build's SQL and the API's lookups are made from them.

Each family of :data:`ORDER_BANDS` cuts one measure of an order (its hour, its month, …)
into labelled steps: a value takes the label of the first step whose bound it is under, and
the last label when it is under none. :func:`case_sql` writes the SQL ``CASE`` of a family
(used by ``FEATURE_COUNTS``), and :func:`band` reads the same steps in Python (used by the
API, which maps one customer's raw orders without DuckDB). The order-value bounds are the
build's terciles of order amounts, so they are named rather than numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MONTH_DAYS = 30.44  # days in an average month
# an order with one of these statuses is not a purchase (lower case)
NOT_PURCHASES = ("cancelled", "voided", "refunded", "failed")


@dataclass(frozen=True)
class Banding:
    """One order family: the measure it reads and its steps ``(bound, label)``; the last bound is None."""

    family: str
    sql: str  # the measure as SQL over a row of ``cust_orders`` (or an aggregate over a customer's rows)
    steps: tuple[tuple[float | str | None, str], ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(label for _, label in self.steps))


ORDER_BANDS: tuple[Banding, ...] = (
    Banding("order value", "amount", (("a1", "low"), ("a2", "mid"), (None, "high"))),
    # orders per month since the first order (tenure), so a customer who joined last month is
    # not read as a one-time buyer; customers newer than ``[segment] new_days`` are not banded
    Banding(
        "frequency",
        f"count(*) * {MONTH_DAYS} / greatest(date_diff('day', min(ordered_at), any_value(q.ref)), 1)",
        ((0.15, "occasional"), (0.4, "regular"), (None, "frequent")),
    ),
    Banding("discount", "discounted::INT", ((1, "no code"), (None, "code"))),
    Banding("daypart", "hour(local_at)", ((6, "night"), (12, "morning"), (18, "afternoon"), (None, "evening"))),
    Banding("weekday", "isodow(local_at)", ((6, "weekday"), (None, "weekend"))),
    Banding(
        "season",
        "month(local_at)",
        ((4, "rest of year"), (9, "summer"), (11, "rest of year"), (None, "holiday")),
    ),
)
BY_FAMILY: Mapping[str, Banding] = {b.family: b for b in ORDER_BANDS}
# the frequency family of runs built before tenure was taken into account: the count of orders
LEGACY_FREQUENCY = Banding("frequency", "count(*)", ((2, "1"), (4, "2-3"), (None, "4+")))


def case_sql(family: str, bounds: Mapping[str, str] | None = None) -> str:
    """The SQL ``CASE`` that bands ``family``'s measure; ``bounds`` names the SQL of named bounds (``a1``)."""
    b = BY_FAMILY[family]
    whens = " ".join(
        f"WHEN {b.sql} < {(bounds or {})[bound] if isinstance(bound, str) else bound} THEN '{label}'"
        for bound, label in b.steps[:-1]
    )
    return f"CASE {whens} ELSE '{b.steps[-1][1]}' END"


def band(family: str | Banding, value: float, bounds: Mapping[str, float] | None = None) -> str:
    """The label of ``value`` in ``family``'s steps (or a :class:`Banding`'s), as :func:`case_sql` gives it in SQL."""
    steps = (family if isinstance(family, Banding) else BY_FAMILY[family]).steps
    for bound, label in steps[:-1]:
        limit = (bounds or {})[bound] if isinstance(bound, str) else bound
        if limit is not None and value < limit:
            return label
    return steps[-1][1]


def orders_per_month(orders: int, tenure_days: float) -> float:
    """The frequency family's measure in Python: orders per month since the first order."""
    return orders * MONTH_DAYS / max(tenure_days, 1.0)


def not_purchases_sql() -> str:
    """The SQL list of statuses that are not purchases: ``('cancelled', …)``."""
    return "(" + ", ".join(f"'{s}'" for s in NOT_PURCHASES) + ")"


_MARK = re.compile(r"@([a-z ]+)@")


def expand(template: str, bounds: Mapping[str, str] | None = None) -> str:
    """``template`` with each ``@family@`` replaced by :func:`case_sql` and ``@not purchases@`` by its list."""
    return _MARK.sub(lambda m: not_purchases_sql() if m[1] == "not purchases" else case_sql(m[1], bounds), template)
