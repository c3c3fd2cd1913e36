"""Customers drawn from the BG/NBD and Gamma-Gamma models: for tests, benchmarks and demos.

Vectorised over customers; the only loop is over the purchase index (a few dozen steps).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def bgnbd_customers(
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: Array | float,
    seed: int = 0,
    max_purchases: int = 200,
) -> Array:
    """``(x, t_x, T)`` rows of ``n`` customers observed for ``T`` periods after their first purchase.

    Each customer buys at a rate lambda ~ Gamma(r, rate alpha) and, after each repeat
    purchase, drops out with a probability p ~ Beta(a, b).
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    lives = rng.geometric(p)  # repeat purchases until the one after which the customer drops out
    x = np.zeros(n)
    t_x = np.zeros(n)
    clock = np.zeros(n)
    active = np.ones(n, dtype=bool)
    for j in range(1, max_purchases + 1):  # purchase index, not rows
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        clock[idx] += rng.exponential(1.0, len(idx)) / np.maximum(lam[idx], 1e-12)
        bought = clock[idx] <= T[idx]
        hit = idx[bought]
        x[hit] = j
        t_x[hit] = clock[hit]
        active[idx[~bought]] = False
        active[hit[lives[hit] <= j]] = False
    return np.column_stack([x, t_x, T])


def gamma_gamma_spend(x: Array, p: float, q: float, v: float, seed: int = 0) -> Array:
    """The mean value ``m_x`` of each customer's ``x`` repeat purchases (NaN when x = 0)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=float)
    nu = rng.gamma(q, 1.0 / v, len(x))  # each customer's scale: mean spend p / nu
    # the sum of x gamma(p, nu) purchases is gamma(p x, nu)
    total = rng.gamma(np.maximum(p * x, 1e-12), 1.0 / nu)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x > 0, total / x, np.nan)
