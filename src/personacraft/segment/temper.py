"""How much evidence a customer's counts carry: each family's counts capped, times its weight.

A customer's draws in one family are not independent: someone who opened the app on a
phone 40 times mostly tells us a few times that they use a phone. Each customer's counts
in a family are scaled to at most ``cap`` observations (keeping their proportions), and
multiplied by the family's weight (``[segment.weights]``).
"""

from __future__ import annotations

import numpy as np


def family_totals(N: np.ndarray, fam: np.ndarray) -> np.ndarray:
    """Each customer's total count in each family (customers × families)."""
    n_fam = int(fam.max()) + 1 if len(fam) else 0
    if N.shape[0] == 1:  # one customer (an API request): the same sums in the same order, without ufunc.at's overhead
        return np.bincount(fam, weights=N[0], minlength=n_fam)[None, :]
    tot = np.zeros((N.shape[0], n_fam))
    np.add.at(tot.T, fam, N.T)
    return tot


def normalise(C: np.ndarray, fam: np.ndarray) -> np.ndarray:
    """Rows of ``C`` scaled so that each family's block sums to 1."""
    sums = np.zeros((C.shape[0], int(fam.max()) + 1))
    np.add.at(sums.T, fam, C.T)
    return np.asarray(C / np.maximum(sums[:, fam], 1e-300))


def temper(N: np.ndarray, fam: np.ndarray, cap: float, weights: np.ndarray | None = None) -> np.ndarray:
    """Counts scaled so that each customer has at most ``cap`` observations per family, times the family's weight."""
    tot = family_totals(N, fam)
    eff = np.minimum(tot, cap)
    scale = np.where(tot > 0, eff / np.maximum(tot, 1e-12), 0.0)
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (tot.shape[1],):
            raise ValueError(f"family_weights has {w.size} entries for {tot.shape[1]} families")
        scale = scale * w
    return np.asarray(N * scale[:, fam])
