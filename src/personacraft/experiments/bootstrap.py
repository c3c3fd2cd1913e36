"""The bootstrap interval of a difference in means: resampled within each arm, vectorised and seeded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CHUNK = 20_000_000  # draws per block of resamples: bounds memory at about 160 MB of indices


def resampled_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The means of ``resamples`` resamples (with replacement, same size) of ``values``, in blocks."""
    n = len(values)
    out = np.empty(resamples)
    block = max(1, CHUNK // max(n, 1))
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        idx = rng.integers(0, n, size=(size, n))
        out[start : start + size] = values[idx].mean(axis=1)
    return out


def bootstrap_interval(
    control: np.ndarray, variant: np.ndarray, resamples: int, seed: Sequence[int] | int, alpha: float = 0.05
) -> tuple[float, float]:
    """Percentile interval of mean(variant) - mean(control) over ``resamples`` resamples of each arm.

    ``seed`` seeds :func:`numpy.random.default_rng` (a sequence: the caller's seed and the cell's
    position), so the same input gives the same interval.
    """
    if len(control) == 0 or len(variant) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(list(seed) if not isinstance(seed, int) else seed)
    diffs = resampled_means(np.asarray(variant, float), resamples, rng) - resampled_means(
        np.asarray(control, float), resamples, rng
    )
    low, high = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)
