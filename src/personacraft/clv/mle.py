"""What the maximum-likelihood models of :mod:`personacraft.clv` share.

- :class:`Rows`: the distinct rows of a summary table with their weights, factored by
  column, so that a term of one column is computed once per distinct value;
- :func:`check_summaries`: one check of the per-customer inputs, with an error naming a row;
- :func:`hessian`, :func:`covariance`, :func:`positive_definite`: the curvature at the optimum;
- :class:`FittedParameters`: parameters, standard errors and draws of a fitted model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from personacraft.errors import ModelError

Array = np.ndarray
WARM_START_ROWS = 50_000  # above this many distinct rows, start from a fit on a tenth of them


def factor_column(values: Array) -> tuple[Array, Array]:
    """The distinct values of a column and each row's code into them.

    Whole numbers in a modest range (days, purchase counts) are coded by subtraction,
    with no sort; anything else goes through ``np.unique``.
    """
    v = np.asarray(values, dtype=float)
    if len(v):
        lo, hi = float(v.min()), float(v.max())
        if hi - lo <= max(4 * len(v), 1024) and np.array_equal(v, np.floor(v)):
            levels = np.arange(lo, hi + 1)
            return levels, (v - lo).astype(np.int64)
    levels, codes = np.unique(v, return_inverse=True)
    return levels, codes.ravel().astype(np.int64)


def dense_ids(key: Array, space: int) -> tuple[Array, int]:
    """Each key's rank among the distinct keys present (in key order), and how many there are.

    A lookup table when the key space is small, else a sort.
    """
    if space <= max(8 * len(key), 1 << 20):
        present = np.zeros(space, dtype=bool)
        present[key] = True
        rank = np.cumsum(present, dtype=np.int32) - 1
        return rank[key], int(rank[-1] + 1) if space else 0
    distinct, inverse = np.unique(key, return_inverse=True)
    return inverse.ravel(), len(distinct)


class Rows:
    """The distinct rows of a table of numbers, with their summed weights, factored by column.

    ``levels[j]`` holds column j's distinct values and ``codes[j]`` each distinct row's
    index into them, so a function of one column is computed once per value, not per
    row. ``inverse`` maps every input row to its distinct row.
    """

    def __init__(self, X: Array, weights: Array | None = None) -> None:
        X = np.asarray(X, dtype=float)
        factored = [factor_column(X[:, j]) for j in range(X.shape[1])]
        self.levels = [lv for lv, _ in factored]
        codes = [c for _, c in factored]
        # combine one column at a time, ranking the combinations present after each step, so
        # the key space stays small enough for a lookup table instead of a sort
        ids, count = dense_ids(codes[0], len(self.levels[0]))
        for j in range(1, len(codes)):  # columns, not rows
            size = len(self.levels[j])
            ids, count = dense_ids(ids * size + codes[j], count * size)
        self.inverse = ids
        w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=float)
        self.weight = np.bincount(ids, weights=w, minlength=count)
        first = np.empty(count, dtype=np.int64)
        first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)  # a row of each distinct row
        self.codes = [c[first] for c in codes]
        self._pairs: dict[tuple[int, int], tuple[Array, Array, Array]] = {}
        self._level_weights: dict[int, Array] = {}

    def __len__(self) -> int:
        return len(self.weight)

    def subset(self, idx: Array) -> Rows:
        """These distinct rows at ``idx`` only (same levels); ``inverse`` is not carried over."""
        out = object.__new__(Rows)
        out.levels = self.levels
        out.codes = [c[idx] for c in self.codes]
        out.weight = self.weight[idx]
        out.inverse = np.empty(0, dtype=np.int64)
        out._pairs, out._level_weights = {}, {}
        return out

    def sample(self, share: float, seed: int = 0) -> Rows:
        """A random share of the distinct rows, keeping their weights: the likelihood it gives
        is an unbiased estimate of the whole one up to a constant, good for a starting point."""
        keep = np.random.default_rng(seed).random(len(self)) < share
        return self.subset(np.flatnonzero(keep))

    def pairs(self, a: int, b: int) -> tuple[Array, Array, Array]:
        """The distinct (column a, column b) value pairs present: their codes and each row's pair."""
        if (a, b) not in self._pairs:
            size = len(self.levels[b])
            inverse, count = dense_ids(self.codes[a] * size + self.codes[b], len(self.levels[a]) * size)
            first = np.empty(count, dtype=np.int64)
            first[inverse] = np.arange(len(inverse))
            self._pairs[a, b] = (self.codes[a][first], self.codes[b][first], inverse)
        return self._pairs[a, b]

    def level_weight(self, j: int) -> Array:
        """The summed weight of each distinct value of column ``j``."""
        if j not in self._level_weights:
            self._level_weights[j] = np.bincount(self.codes[j], weights=self.weight, minlength=len(self.levels[j]))
        return self._level_weights[j]

    def column(self, j: int) -> Array:
        return self.levels[j][self.codes[j]]


def check_summaries(X: Any, columns: tuple[str, ...], invalid: Callable[[Array], Array], rule: str) -> Array:
    """``X`` as an (n, len(columns)) float array, or a ModelError naming the first row that is not
    finite or that ``invalid`` flags, with ``rule`` saying what a valid row is."""
    X = np.asarray(X, dtype=float)
    names = ", ".join(columns)
    if X.ndim != 2 or X.shape[1] != len(columns):
        raise ModelError(f"expected rows of ({names}), got an array of shape {X.shape}")
    bad = ~np.isfinite(X).all(axis=1) | invalid(X)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ModelError(
            f"{int(bad.sum())} rows are not valid ({names}) summaries, e.g. row {i}: {X[i].tolist()} ({rule})"
        )
    return X


def hessian(grad: Callable[[Array], Array], theta: Array, step: float = 1e-5) -> Array:
    """The Hessian at ``theta`` by central differences of ``grad``, symmetrised."""
    k = len(theta)
    H = np.empty((k, k))
    for i in range(k):  # k is the number of parameters (3 or 4), not rows
        e = np.zeros(k)
        e[i] = step
        H[i] = (grad(theta + e) - grad(theta - e)) / (2 * step)
    return (H + H.T) / 2


def positive_definite(M: Array | None) -> Array | None:
    """``M`` symmetrised if it is positive definite (a usable BFGS curvature), else None."""
    if M is None:
        return None
    M = (M + M.T) / 2
    try:
        np.linalg.cholesky(M)
    except np.linalg.LinAlgError:
        return None
    return M


def covariance(H: Array) -> Array:
    """The inverse of a Hessian, or NaNs when it is not positive definite (no intervals then)."""
    usable = positive_definite(H)
    return np.full_like(H, np.nan) if usable is None else np.linalg.inv(usable)


class FittedParameters:
    """What every maximum-likelihood model here shares once fitted: its parameters on the
    natural scale, their standard errors, and draws for intervals. Needs ``PARAMS``,
    ``log_params_`` and ``covariance_`` (of the log-parameters)."""

    PARAMS: tuple[str, ...] = ()
    log_params_: Array

    @property
    def covariance_(self) -> Array:
        raise NotImplementedError

    @property
    def theta_(self) -> Array:
        return np.exp(self.log_params_)

    def standard_errors(self) -> dict[str, float]:
        """Standard errors of the parameters (delta method from the log scale)."""
        se = self.theta_ * np.sqrt(np.diag(self.covariance_))
        return dict(zip(self.PARAMS, se.tolist(), strict=True))

    def _clip_draws(self, log_draws: Array) -> Array:
        """Keep drawn log-parameters where the model is defined (nothing to do by default)."""
        return log_draws

    def sample_params(self, n: int, seed: int = 0) -> Array:
        """``n`` parameter draws (rows, natural scale) from the normal approximation of the fit.

        The first row is the point estimate, so draw 0 always gives the fitted prediction.
        Without a usable covariance (or with n = 1) every row is the point estimate.
        """
        if n == 1 or not np.isfinite(self.covariance_).all():
            return np.tile(self.theta_, (n, 1))
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(self.log_params_, self.covariance_, size=n, method="cholesky")
        draws[0] = self.log_params_
        return np.exp(self._clip_draws(draws))
