"""The verdict rules: each ``expect`` as a share against a threshold, the Wilson interval, the score test, and BH.

A claim is about the share of a group's customers (those whose value of the family is known)
who hold a value. Each ``expect`` names a threshold and a side:

============================  ==============================  ============================
``expect``                    threshold                       the claim holds when
============================  ==============================  ============================
``majority``                  0.5                             share > 0.5
``at_least`` (with ``share``)  ``share``                       share ≥ ``share``
``more_than_average``         the population share            share > population share
``less_than_average``         the population share            share < population share
``most_common``               the runner-up value's share     the value is held by more
============================  ==============================  ============================

Every claim is directional (the share lies above the threshold, or below it), so the test is the
one-sided score test of the share against the threshold, in the direction the data lie (for
``most_common``: of the value's count against the runner-up's, among the customers who hold either,
against one half). Its p-value is below 0.05 exactly when the threshold lies outside the 90 % Wilson
interval, whose two ends are the one-sided 95 % bounds: "the interval spans the threshold" and "not
significant" are the same statement. A claim is thus supported only when a one-sided 5 % test says
the share lies on its side, and contradicted only when one says the share lies on the other side:
each wrong verdict has at most a 5 % chance at the boundary, the error a one-sided claim allows.
The p-values of a file are adjusted together (Benjamini-Hochberg); a claim is **supported** when
its adjusted p-value is below :data:`ALPHA` and the share lies on the claim's side,
**contradicted** when it is below and the share lies on the other side, and **inconclusive**
otherwise, or when fewer customers than the privacy minimum group size are known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import false_discovery_control, norm

ALPHA = 0.05
Z = float(norm.ppf(1 - ALPHA))  # 1.645: each end of the 90 % interval is a one-sided 95 % bound, as the test is
EXPECTS = ("majority", "at_least", "more_than_average", "less_than_average", "most_common")
# the side each expect claims: +1 the share is above the threshold, -1 below
SIDE = {"majority": 1, "at_least": 1, "more_than_average": 1, "less_than_average": -1, "most_common": 1}


def wilson(k: float, n: float, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes in ``n`` (``(0, 1)`` when ``n`` is 0)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def score_p(k: float, n: float, p0: float) -> float:
    """The one-sided p-value of the score test of ``k`` in ``n`` against the share ``p0``, in the direction
    the share lies (above ``p0`` or below it)."""
    if n <= 0:
        return 1.0
    p0 = min(max(p0, 1e-12), 1 - 1e-12)
    z = (k / n - p0) / np.sqrt(p0 * (1 - p0) / n)
    return float(min(1.0, norm.sf(abs(z))))


def adjust(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values, in the same order."""
    if not p_values:
        return []
    return [float(x) for x in false_discovery_control(np.asarray(p_values, dtype=np.float64), method="bh")]


@dataclass(frozen=True)
class Test:
    """One claim's test before the adjustment: the counts it rests on and its raw p-value."""

    k: int  # customers with the value
    n: int  # customers of the group whose family is known
    threshold: float  # the share the claim is measured against
    p_value: float
    side: int  # +1 when the evidence lies above the threshold (the value ahead, for most_common), -1 below, 0 on it


def share_test(expect: str, k: int, n: int, threshold: float) -> Test:
    """The share ``k / n`` against ``threshold`` (majority, at_least, more or less than average)."""
    share = k / n if n else 0.0
    side = int(np.sign(share - threshold)) if n else 0
    return Test(k, n, threshold, score_p(k, n, threshold), side)


def most_common_test(k: int, n: int, runner_up: int, runner_up_share: float) -> Test:
    """The value's count ``k`` against the runner-up's, among the customers holding either, against one half;
    ``runner_up`` is the count of the most common *other* value."""
    both = k + runner_up
    side = int(np.sign(k - runner_up))
    return Test(k, n, runner_up_share, score_p(k, both, 0.5) if both else 1.0, side)


def verdict(expect: str, test: Test, p_adjusted: float) -> str:
    """``supported``, ``contradicted`` or ``inconclusive`` (see the module's rules)."""
    if p_adjusted >= ALPHA or test.side == 0:
        return "inconclusive"
    return "supported" if test.side == SIDE[expect] else "contradicted"
