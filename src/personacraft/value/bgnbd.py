"""Repeat purchases and P(alive) of non-contractual customers: BG/NBD, and Pareto/NBD as an option.

Each customer is summarised by ``(x, t_x, T)``: repeat purchases ``x``, the time of the
last purchase ``t_x`` and the time since the first ``T``, in periods since the first
purchase (see :mod:`personacraft.value.summary`). Both models are fitted by maximum
likelihood on the *unique* rows with their counts as weights, which is what makes them
fast: a million customers observed in whole days share a few ten thousand rows.

BG/NBD is Fader, Hardie and Lee (2005), "Counting your customers the easy way",
Marketing Science 24(2): the log-likelihood (their eq. 6), its gradient in closed form,
E[Y(t) | x, t_x, T] (eq. 10) and P(alive). Pareto/NBD follows Fader and Hardie's note
"A note on deriving the Pareto/NBD model and related expressions" (2005); its
likelihood has no simple gradient, so it is optimised with finite differences.

Parameters are optimised on the log scale; the covariance of the log-parameters is the
inverse of the Hessian of the negative log-likelihood (central differences of the
gradient). ``sample_params`` draws from that normal approximation, which is where the
intervals of :mod:`personacraft.value.clv` come from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import betaln, gammaln, hyp2f1, psi
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

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
        self._cache: dict[tuple[str, int, int], tuple[Array, Array, Array]] = {}

    def __len__(self) -> int:
        return len(self.weight)

    def subset(self, idx: Array) -> Rows:
        """These distinct rows at ``idx`` only (same levels); ``inverse`` is not carried over."""
        out = object.__new__(Rows)
        out.levels = self.levels
        out.codes = [c[idx] for c in self.codes]
        out.weight = self.weight[idx]
        out.inverse = np.empty(0, dtype=np.int64)
        out._cache = {}
        return out

    def sample(self, share: float, seed: int = 0) -> Rows:
        """A random share of the distinct rows, keeping their weights: the likelihood it gives
        is an unbiased estimate of the whole one up to a constant, good for a starting point."""
        keep = np.random.default_rng(seed).random(len(self)) < share
        return self.subset(np.flatnonzero(keep))

    def pairs(self, a: int, b: int) -> tuple[Array, Array, Array]:
        """The distinct (column a, column b) value pairs present: their codes and each row's pair."""
        key = ("pairs", a, b)
        if key not in self._cache:
            size = len(self.levels[b])
            inverse, count = dense_ids(self.codes[a] * size + self.codes[b], len(self.levels[a]) * size)
            first = np.empty(count, dtype=np.int64)
            first[inverse] = np.arange(len(inverse))
            self._cache[key] = (self.codes[a][first], self.codes[b][first], inverse)
        return self._cache[key]

    def level_weight(self, j: int) -> Array:
        """The summed weight of each distinct value of column ``j``."""
        key = ("weight", j, j)
        if key not in self._cache:
            w = np.bincount(self.codes[j], weights=self.weight, minlength=len(self.levels[j]))
            self._cache[key] = (w, w, w)
        return self._cache[key][0]

    def column(self, j: int) -> Array:
        return self.levels[j][self.codes[j]]

    @property
    def values(self) -> Array:
        return np.column_stack([self.column(j) for j in range(len(self.levels))])


def check_rfm(X: Any) -> Array:
    """``X`` as an (n, 3) float array of ``x, t_x, T`` with 0 <= t_x <= T and whole x >= 0."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 3:
        raise ModelError(f"expected rows of (x, t_x, T), got an array of shape {X.shape}")
    x, t_x, T = X.T
    bad = ~np.isfinite(X).all(axis=1) | (x < 0) | (x != np.floor(x)) | (t_x < 0) | (t_x > T + 1e-9)
    bad |= (x == 0) & (t_x != 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ModelError(
            f"{int(bad.sum())} rows are not valid (x, t_x, T) summaries, e.g. row {i}: {X[i].tolist()} "
            "(x must be a whole number >= 0, 0 <= t_x <= T, and t_x = 0 when x = 0)"
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
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return np.full_like(H, np.nan)
    return np.linalg.inv(H)


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


class _CountingModel(FittedParameters, BaseEstimator):
    """What BG/NBD and Pareto/NBD share: the fit on distinct rows and the covariance."""

    ANALYTIC = False  # whether _objective returns the gradient too

    def __init__(self, tol: float = 1e-10, max_iter: int = 1000) -> None:
        self.tol = tol
        self.max_iter = max_iter

    # -- to be provided ----------------------------------------------------------------
    def _loglik(self, theta: Array, R: Rows) -> Array:
        """Log-likelihood of each distinct row at the parameters ``theta`` (natural scale)."""
        raise NotImplementedError

    def _objective(self, log_theta: Array, R: Rows) -> tuple[float, Array]:
        """The weighted negative log-likelihood and its gradient in log-parameters."""
        raise NotImplementedError

    # -- fitting ---------------------------------------------------------------------
    def fit(self, X: Any, y: None = None, sample_weight: Array | None = None) -> _CountingModel:
        """Fit by maximum likelihood on the distinct ``(x, t_x, T)`` rows of ``X`` (or a ``Rows``).

        With many distinct rows, the optimiser starts from the fit on a random tenth of
        them, which leaves a few full-size iterations to do.
        """
        R = X if isinstance(X, Rows) else Rows(check_rfm(X), sample_weight)
        if len(R) == 0:
            raise ModelError("no customers to fit")
        start, curvature = np.zeros(len(self.PARAMS)), None
        if len(R) > WARM_START_ROWS:
            warm = self._optimise(R.sample(0.1), start)
            start, curvature = warm.x, positive_definite(warm.hess_inv)
        res = self._optimise(R, start, curvature)
        if not np.isfinite(res.fun):
            raise ModelError(f"{type(self).__name__} did not converge: {res.message}")
        self.log_params_ = res.x
        self.params_ = dict(zip(self.PARAMS, np.exp(res.x).tolist(), strict=True))
        self.log_likelihood_ = float((R.weight * self._loglik(np.exp(res.x), R)).sum())
        self.n_customers_ = round(float(R.weight.sum()))
        self.n_unique_ = len(R)
        self.n_iter_ = int(res.nit)
        self._fitted_rows = R
        self._covariance: Array | None = None
        return self

    def _optimise(self, R: Rows, start: Array, hess_inv: Array | None = None) -> optimize.OptimizeResult:
        scale = float(R.weight.sum())
        if self.ANALYTIC:
            fun: Callable[[Array], Any] = lambda lt: tuple(v / scale for v in self._objective(lt, R))  # noqa: E731
        else:
            fun = lambda lt: float(-(R.weight * self._loglik(np.exp(lt), R)).sum() / scale)  # noqa: E731
        options = {"gtol": self.tol, "maxiter": self.max_iter, "hess_inv0": hess_inv}
        return optimize.minimize(fun, start, jac=self.ANALYTIC, method="BFGS", options=options)

    @property
    def covariance_(self) -> Array:
        """Covariance of the log-parameters: the inverse Hessian of the negative log-likelihood.

        Computed on first use (intervals need it; point predictions do not).
        """
        check_is_fitted(self, "log_params_")
        if self._covariance is None:
            R = self._fitted_rows
            if self.ANALYTIC:
                grad: Callable[[Array], Array] = lambda lt: self._objective(lt, R)[1]  # noqa: E731
                step = 1e-5
            else:
                grad = lambda lt: optimize.approx_fprime(  # noqa: E731
                    lt, lambda z: -float((R.weight * self._loglik(np.exp(z), R)).sum()), 1e-6
                )
                step = 1e-3
            self._covariance = covariance(hessian(grad, self.log_params_, step))
        return self._covariance

    def _theta(self, params: Array | None) -> Array:
        return self.theta_ if params is None else np.asarray(params, dtype=float)

    @staticmethod
    def _rows(X: Any) -> Rows:
        return X if isinstance(X, Rows) else Rows(np.asarray(X, dtype=float))

    def log_likelihood(self, X: Any, params: Array | None = None) -> float:
        """The total log-likelihood of ``X`` at the fitted (or given) parameters."""
        R = Rows(check_rfm(X))
        return float((R.weight * self._loglik(self._theta(params), R)).sum())

    def score(self, X: Any, y: None = None) -> float:
        """Mean log-likelihood per customer (higher is better), as scikit-learn expects."""
        return self.log_likelihood(X) / len(X)

    def p_alive(self, X: Any, params: Array | None = None) -> Array:
        """P(still a customer at T | x, t_x, T), per row of ``X`` (or per distinct row of a ``Rows``)."""
        R = self._rows(X)
        out = self._p_alive(self._theta(params), R)
        return out if isinstance(X, Rows) else out[R.inverse]

    def expected_purchases(self, t: float | Array, X: Any, params: Array | None = None) -> Array:
        """E[Y(t) | x, t_x, T]: purchases expected in the next ``t`` periods.

        ``t`` may be one horizon (one value per row) or several (an array of shape
        (len(t), rows)); ``X`` may be a ``Rows``, whose distinct rows are then returned.
        """
        t_arr = np.asarray(t, dtype=float)
        if np.any(t_arr < 0):
            raise ModelError("a forecast horizon cannot be negative")
        R = self._rows(X)
        out = self._expected(np.atleast_1d(t_arr), self._theta(params), R)
        out = out if isinstance(X, Rows) else out[:, R.inverse]
        return out[0] if t_arr.ndim == 0 else out

    def discounted_purchases(self, ts: Array, factors: Array, R: Rows, params: Array | None = None) -> Array:
        """Per distinct row of ``R``: the sum over k of ``factors[k-1]`` times the purchases
        expected between ``ts[k-1]`` and ``ts[k]`` (``ts`` starts at 0)."""
        return self._discounted(np.asarray(ts, dtype=float), np.asarray(factors, dtype=float), self._theta(params), R)

    def _discounted(self, ts: Array, factors: Array, theta: Array, R: Rows) -> Array:
        return (np.diff(self._expected(ts, theta, R), axis=0) * factors[:, None]).sum(axis=0)

    def _p_alive(self, theta: Array, R: Rows) -> Array:
        raise NotImplementedError

    def _expected(self, ts: Array, theta: Array, R: Rows) -> Array:
        raise NotImplementedError


class BetaGeo(_CountingModel):
    """The BG/NBD model: purchases at a gamma-mixed Poisson rate, dropping out after any
    purchase with a beta-mixed probability. Parameters ``r, alpha, a, b``.

    Every term that depends on one column only (x, t_x or T) is computed once per distinct
    value; per row there are only gathers and a log-add.
    """

    PARAMS = ("r", "alpha", "a", "b")
    ANALYTIC = True

    @staticmethod
    def _parts(theta: Array, R: Rows) -> tuple[Array, Array, Array, Array]:
        """Per row: the constant head, the two log terms A and B of the likelihood, and r + x."""
        r, alpha, a, b = theta
        x, tx, T = R.levels
        ix, itx, iT = R.codes
        base = betaln(a, b)
        head = (gammaln(r + x) - gammaln(r) + r * np.log(alpha))[ix]
        rx = (r + x)[ix]
        A = (betaln(a, b + x) - base)[ix] - rx * np.log(alpha + T)[iT]
        with np.errstate(divide="ignore", invalid="ignore"):
            cB = np.where(x > 0, betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - base, -np.inf)
        B = cB[ix] - rx * np.log(alpha + tx)[itx]
        return head, A, B, rx

    def _loglik(self, theta: Array, R: Rows) -> Array:
        head, A, B, _ = self._parts(theta, R)
        return head + np.logaddexp(A, B)

    def _objective(self, log_theta: Array, R: Rows) -> tuple[float, Array]:
        theta = np.exp(log_theta)
        r, alpha, a, b = theta
        x, tx, T = R.levels
        ix, itx, iT = R.codes
        w = R.weight
        wx = R.level_weight(0)
        base = betaln(a, b)
        LT, Lt = np.log(alpha + T), np.log(alpha + tx)
        with np.errstate(divide="ignore", invalid="ignore"):
            cB = np.where(x > 0, betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - base, -np.inf)
        rx = (r + x)[ix]
        A = (betaln(a, b + x) - base)[ix] - rx * LT[iT]
        B = cB[ix] - rx * Lt[itx]
        # log(e^A + e^B) and the share of e^B, stably
        d = B - A
        e = np.exp(-np.abs(d))
        both = np.maximum(A, B) + np.log1p(e)
        pB = np.where(d > 0, 1.0, e) / (1.0 + e)
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        nll = -float((wx * head).sum() + (w * both).sum())
        wB = w * pB
        wA = w - wB
        # sums by level of one column: a bincount per column instead of gathers per row
        sA = np.bincount(ix, weights=wA, minlength=len(x))
        sB = wx - sA
        nT, nt = len(T), len(tx)
        ab, abx = psi(a + b), psi(a + b + x)
        with np.errstate(invalid="ignore"):
            dB_b = np.where(x > 0, psi(np.maximum(b + x - 1, 1e-300)) - abx - psi(b) + ab, 0.0)
        d_r = (
            (wx * (psi(r + x) - psi(r) + np.log(alpha))).sum()
            - (LT * np.bincount(iT, weights=wA, minlength=nT)).sum()
            - (Lt * np.bincount(itx, weights=wB, minlength=nt)).sum()
        )
        d_alpha = (
            r / alpha * wx.sum()
            - (np.bincount(iT, weights=rx * wA, minlength=nT) / (alpha + T)).sum()
            - (np.bincount(itx, weights=rx * wB, minlength=nt) / (alpha + tx)).sum()
        )
        d_a = (sA * (ab - abx)).sum() + (sB * (psi(a + 1) - abx - psi(a) + ab)).sum()
        d_b = (sA * (psi(b + x) - abx - psi(b) + ab)).sum() + (sB * dB_b).sum()
        return nll, -np.array([d_r, d_alpha, d_a, d_b]) * theta

    def _p_alive(self, theta: Array, R: Rows) -> Array:
        r, alpha, a, b = theta
        x, tx, T = R.levels
        ix, itx, iT = R.codes
        with np.errstate(divide="ignore", invalid="ignore"):
            coef = np.where(x > 0, a / np.maximum(b + x - 1, 1e-300), 0.0)
        log_ratio = np.log(alpha + T)[iT] - np.log(alpha + tx)[itx]
        return 1.0 / (1.0 + coef[ix] * np.exp((r + x)[ix] * log_ratio))

    def _pair_curve(self, ts: Array, theta: Array, R: Rows) -> tuple[Array, Array]:
        """E[Y(t)] / P(alive) (eq. 10 without its last factor) for each horizon and each distinct
        (x, T) pair present, and each row's pair: that part does not depend on t_x."""
        r, alpha, a, b = theta
        if abs(a - 1) < 1e-7:  # the formula is 0/0 at a = 1; its limit is continuous in a
            a = 1 + 1e-7
        x, _, T = R.levels
        cx, cT, inverse = R.pairs(0, 2)
        px, pT = x[cx], T[cT]
        out = np.zeros((len(ts), len(px)))
        for k, t in enumerate(ts):  # horizons (a few), not rows
            if t == 0:
                continue
            z = t / (alpha + pT + t)
            with np.errstate(divide="ignore", invalid="ignore"):
                tail = 1 - np.exp((r + px) * (np.log(alpha + pT) - np.log(alpha + pT + t))) * hyp2f1(
                    r + px, b + px, a + b + px - 1, z
                )
            out[k] = (a + b + px - 1) / (a - 1) * tail
        return out, inverse

    def _expected(self, ts: Array, theta: Array, R: Rows) -> Array:
        curve, inverse = self._pair_curve(ts, theta, R)
        return curve[:, inverse] * self._p_alive(theta, R)

    def _discounted(self, ts: Array, factors: Array, theta: Array, R: Rows) -> Array:
        curve, inverse = self._pair_curve(ts, theta, R)
        per_pair = (np.diff(curve, axis=0) * factors[:, None]).sum(axis=0)
        return per_pair[inverse] * self._p_alive(theta, R)


class ParetoNBD(_CountingModel):
    """The Pareto/NBD model: gamma-mixed Poisson purchases, gamma-mixed exponential
    lifetimes. Parameters ``r, alpha, s, beta``. Fitted with finite-difference gradients."""

    PARAMS = ("r", "alpha", "s", "beta")

    @staticmethod
    def _log_a0(theta: Array, x: Array, t_x: Array, T: Array) -> Array:
        """log A0 of the note (eq. 19-20), stable for either order of alpha and beta."""
        r, alpha, s, beta = theta
        hi, lo = max(alpha, beta), min(alpha, beta)
        c = r + x if alpha < beta else s + 1
        rsx = r + s + x
        f1 = hyp2f1(rsx, c, rsx + 1, (hi - lo) / (hi + t_x))
        f2 = hyp2f1(rsx, c, rsx + 1, (hi - lo) / (hi + T))
        u = np.log(f1) - rsx * np.log(hi + t_x)
        v = np.log(f2) - rsx * np.log(hi + T)
        with np.errstate(divide="ignore"):
            return u + np.log1p(-np.exp(np.minimum(v - u, 0.0)))

    def _head_stay(self, theta: Array, R: Rows) -> tuple[Array, Array]:
        r, alpha, s, beta = theta
        x, T = R.column(0), R.column(2)
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        return head, -(r + x) * np.log(alpha + T) - s * np.log(beta + T)

    def _loglik(self, theta: Array, R: Rows) -> Array:
        r, _, s, _ = theta
        x, t_x, T = R.column(0), R.column(1), R.column(2)
        head, stay = self._head_stay(theta, R)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = np.log(s) - np.log(r + s + x) + self._log_a0(theta, x, t_x, T)
        return head + np.logaddexp(stay, np.where(np.isnan(left), -np.inf, left))

    def _p_alive(self, theta: Array, R: Rows) -> Array:
        head, stay = self._head_stay(theta, R)
        return np.minimum(np.exp(head + stay - self._loglik(theta, R)), 1.0)

    def _expected(self, ts: Array, theta: Array, R: Rows) -> Array:
        """Eq. 22 of the note."""
        r, alpha, s, beta = theta
        x, T = R.column(0), R.column(2)
        rate = self._p_alive(theta, R) * (r + x) * (beta + T) / ((alpha + T) * (s - 1))
        return np.stack([rate * (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) for t in ts])


MODELS: dict[str, type[_CountingModel]] = {"bgnbd": BetaGeo, "pareto_nbd": ParetoNBD}
