"""The tests of an experiment, from sufficient statistics: proportions, means, SRM, BH, heterogeneity, power.

Every function works on numbers already aggregated (n, mean, sample variance) per arm, so the
same code reads a 100-row file and a 10M-row table. Arrays are numpy; a result that cannot be
computed (an arm with fewer than 2 units, a variance of 0) is NaN, which the JSON writes as null.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

POWER = 0.8  # the power at which the minimum detectable effect is given
SRM_ALPHA = 0.001  # a sample-ratio mismatch below this p-value invalidates the experiment


@dataclass(frozen=True)
class Effect:
    """One comparison of a variant against the control: the difference, its interval and its p-value."""

    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    se: float  # unpooled standard error of the difference (the weight in the heterogeneity test)


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


def wilson(x: float, n: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson's score interval for a proportion of ``x`` successes in ``n`` trials."""
    if n <= 0:
        return float("nan"), float("nan")
    z = _z(alpha)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(centre - half), float(centre + half)


def proportions(x0: float, n0: float, x1: float, n1: float, alpha: float = 0.05) -> Effect:
    """Variant (``x1`` of ``n1``) against control (``x0`` of ``n0``): two-proportion z test (pooled) and
    Newcombe's hybrid score interval for the difference (his method 10, from two Wilson intervals)."""
    if n0 <= 0 or n1 <= 0:
        nan = float("nan")
        return Effect(nan, nan, nan, nan, nan)
    p0, p1 = x0 / n0, x1 / n1
    diff = p1 - p0
    pooled = (x0 + x1) / (n0 + n1)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    p_value = float(2 * stats.norm.sf(abs(diff) / se0)) if se0 > 0 else 1.0
    l0, u0 = wilson(x0, n0, alpha)
    l1, u1 = wilson(x1, n1, alpha)
    low = diff - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = diff + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    se = float(np.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1))
    return Effect(float(diff), float(low), float(high), p_value, se)


def welch(m0: float, v0: float, n0: float, m1: float, v1: float, n1: float, alpha: float = 0.05) -> Effect:
    """Variant (mean ``m1``, sample variance ``v1``, ``n1`` units) against control: Welch's t test and interval."""
    diff = m1 - m0
    if n0 < 2 or n1 < 2:
        nan = float("nan")
        return Effect(float(diff), nan, nan, nan, nan)
    a, b = v0 / n0, v1 / n1
    se = float(np.sqrt(a + b))
    if se == 0:
        return Effect(float(diff), float(diff), float(diff), 1.0 if diff == 0 else 0.0, 0.0)
    df = (a + b) ** 2 / (a * a / (n0 - 1) + b * b / (n1 - 1))
    t = diff / se
    p_value = float(2 * stats.t.sf(abs(t), df))
    half = float(stats.t.ppf(1 - alpha / 2, df)) * se
    return Effect(float(diff), float(diff - half), float(diff + half), p_value, se)


def benjamini_hochberg(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (step-up, capped at 1); NaN stays NaN and is not counted."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if not m:
        return out
    vals = p[ok]
    order = np.argsort(vals, kind="stable")
    ranked = vals[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adjusted, 1.0)
    out[ok] = res
    return out


def srm(observed: Sequence[float], weights: Sequence[float] | None = None) -> tuple[list[float], float]:
    """Sample-ratio mismatch: the expected counts (equal allocation, or ``weights``) and the chi-square p-value."""
    obs = np.asarray(observed, dtype=float)
    w = np.ones(len(obs)) if weights is None else np.asarray(weights, dtype=float)
    expected = obs.sum() * w / w.sum()
    if len(obs) < 2 or obs.sum() == 0:
        return expected.tolist(), float("nan")
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    return expected.tolist(), float(stats.chi2.sf(chi2, len(obs) - 1))


def cochran_q(effects: Sequence[float], ses: Sequence[float]) -> tuple[float, int, float]:
    """Cochran's Q over group effects with their standard errors: ``(Q, df, p)``; groups with se 0 are left out."""
    d = np.asarray(effects, dtype=float)
    s = np.asarray(ses, dtype=float)
    ok = np.isfinite(d) & np.isfinite(s) & (s > 0)
    d, s = d[ok], s[ok]
    if len(d) < 2:
        return float("nan"), 0, float("nan")
    w = 1 / s**2
    mean = (w * d).sum() / w.sum()
    q = float((w * (d - mean) ** 2).sum())
    return q, len(d) - 1, float(stats.chi2.sf(q, len(d) - 1))


def contrast(effect: float, se: float, others: Sequence[float], other_ses: Sequence[float]) -> float:
    """Two-sided p-value of one group's effect against the inverse-variance mean of the other groups' effects."""
    d = np.asarray(others, dtype=float)
    s = np.asarray(other_ses, dtype=float)
    ok = np.isfinite(d) & np.isfinite(s) & (s > 0)
    if not ok.any() or not np.isfinite(se) or se <= 0:
        return float("nan")
    w = 1 / s[ok] ** 2
    rest = (w * d[ok]).sum() / w.sum()
    z = (effect - rest) / np.sqrt(se**2 + 1 / w.sum())
    return float(2 * stats.norm.sf(abs(z)))


def mde(variance: float, n0: float, n1: float, alpha: float = 0.05, power: float = POWER) -> float:
    """The smallest true difference a two-sided test at ``alpha`` detects with ``power``, both arms of ``variance``."""
    if n0 <= 0 or n1 <= 0 or not np.isfinite(variance):
        return float("nan")
    return float((_z(alpha) + stats.norm.ppf(power)) * np.sqrt(variance * (1 / n0 + 1 / n1)))
