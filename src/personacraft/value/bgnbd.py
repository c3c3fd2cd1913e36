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


def unique_rows(X: Array, sample_weight: Array | None = None) -> tuple[Array, Array]:
    """The distinct rows of ``X`` and their summed weights (the fit's unit of work)."""
    X = np.ascontiguousarray(X, dtype=float)
    w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    rows, inverse = np.unique(X, axis=0, return_inverse=True)
    return rows, np.bincount(inverse.ravel(), weights=w, minlength=len(rows))


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


def covariance(H: Array) -> Array:
    """The inverse of a Hessian, or NaNs when it is not positive definite (no intervals then)."""
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return np.full_like(H, np.nan)
    return np.linalg.inv(H)


class _CountingModel(BaseEstimator):
    """What BG/NBD and Pareto/NBD share: the fit on unique rows, the covariance, the draws."""

    PARAMS: tuple[str, ...] = ()

    def __init__(self, tol: float = 1e-10, max_iter: int = 1000) -> None:
        self.tol = tol
        self.max_iter = max_iter

    # -- to be provided ----------------------------------------------------------------
    def _loglik(self, theta: Array, X: Array) -> Array:
        """Per-row log-likelihood at the parameters ``theta`` (natural scale)."""
        raise NotImplementedError

    def _gradient(self, log_theta: Array, X: Array, w: Array) -> Array | None:
        """Gradient of the weighted negative log-likelihood in log-parameters, or None."""
        return None

    # -- fitting ---------------------------------------------------------------------
    def fit(self, X: Any, y: None = None, sample_weight: Array | None = None) -> _CountingModel:
        """Fit by maximum likelihood on the distinct ``(x, t_x, T)`` rows of ``X``."""
        X = check_rfm(X)
        if len(X) == 0:
            raise ModelError("no customers to fit")
        rows, w = unique_rows(X, sample_weight)
        scale = float(w.sum())

        def nll(lt: Array) -> float:
            return float(-(w * self._loglik(np.exp(lt), rows)).sum() / scale)

        analytic = self._gradient(np.zeros(len(self.PARAMS)), rows, w) is not None

        def jac(lt: Array) -> Array:
            g = self._gradient(lt, rows, w)
            assert g is not None
            return g / scale

        start = np.zeros(len(self.PARAMS))
        res = optimize.minimize(
            nll,
            start,
            jac=jac if analytic else None,
            method="BFGS",
            options={"gtol": self.tol, "maxiter": self.max_iter},
        )
        if not np.isfinite(res.fun):
            raise ModelError(f"{type(self).__name__} did not converge: {res.message}")
        self.log_params_ = res.x
        self.params_ = dict(zip(self.PARAMS, np.exp(res.x).tolist(), strict=True))
        self.log_likelihood_ = float((w * self._loglik(np.exp(res.x), rows)).sum())
        self.n_customers_ = round(scale)
        self.n_unique_ = len(rows)
        self.n_iter_ = int(res.nit)

        def total_grad(lt: Array) -> Array:
            if analytic:
                return jac(lt) * scale
            return optimize.approx_fprime(lt, lambda z: nll(z) * scale, 1e-6)

        self.covariance_ = covariance(hessian(total_grad, res.x, 1e-5 if analytic else 1e-3))
        return self

    @property
    def theta_(self) -> Array:
        return np.exp(self.log_params_)

    def standard_errors(self) -> dict[str, float]:
        """Standard errors of the parameters (delta method from the log scale)."""
        check_is_fitted(self, "covariance_")
        se = self.theta_ * np.sqrt(np.diag(self.covariance_))
        return dict(zip(self.PARAMS, se.tolist(), strict=True))

    def sample_params(self, n: int, seed: int = 0) -> Array:
        """``n`` parameter draws (rows, natural scale) from the normal approximation of the fit.

        The first row is the point estimate, so draw 0 always gives the fitted prediction.
        Without a usable covariance every row is the point estimate.
        """
        check_is_fitted(self, "covariance_")
        if not np.isfinite(self.covariance_).all():
            return np.tile(self.theta_, (n, 1))
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(self.log_params_, self.covariance_, size=n, method="cholesky")
        draws[0] = self.log_params_
        return np.exp(draws)

    def log_likelihood(self, X: Any, params: Array | None = None) -> float:
        """The total log-likelihood of ``X`` at the fitted (or given) parameters."""
        theta = self.theta_ if params is None else np.asarray(params, dtype=float)
        rows, w = unique_rows(check_rfm(X))
        return float((w * self._loglik(theta, rows)).sum())

    def score(self, X: Any, y: None = None) -> float:
        """Mean log-likelihood per customer (higher is better), as scikit-learn expects."""
        return self.log_likelihood(X) / len(X)


class BetaGeo(_CountingModel):
    """The BG/NBD model: purchases at a gamma-mixed Poisson rate, dropping out after any
    purchase with a beta-mixed probability. Parameters ``r, alpha, a, b``."""

    PARAMS = ("r", "alpha", "a", "b")

    def _loglik(self, theta: Array, X: Array) -> Array:
        r, alpha, a, b = theta
        x, t_x, T = X.T
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        A = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            B = np.where(
                x > 0,
                betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - betaln(a, b) - (r + x) * np.log(alpha + t_x),
                -np.inf,
            )
        return head + np.logaddexp(A, B)

    def _gradient(self, log_theta: Array, X: Array, w: Array) -> Array:
        r, alpha, a, b = np.exp(log_theta)
        x, t_x, T = X.T
        A = betaln(a, b + x) - (r + x) * np.log(alpha + T)
        rep = x > 0
        bx1 = np.where(rep, b + x - 1, 1.0)
        B = np.where(rep, betaln(a + 1, bx1) - (r + x) * np.log(alpha + t_x), -np.inf)
        m = np.maximum(A, B)
        pA = np.exp(A - m)
        pB = np.exp(B - m)
        pA, pB = pA / (pA + pB), pB / (pA + pB)
        d_r = psi(r + x) - psi(r) + np.log(alpha) - pA * np.log(alpha + T) - pB * np.log(alpha + t_x)
        d_alpha = r / alpha - (r + x) * (pA / (alpha + T) + pB / (alpha + t_x))
        ab, abx = psi(a + b), psi(a + b + x)
        d_a = pA * (ab - abx) + pB * (psi(a + 1) - abx - psi(a) + ab)
        d_b = pA * (psi(b + x) - abx - psi(b) + ab) + pB * np.where(rep, psi(bx1) - abx - psi(b) + ab, 0.0)
        g = np.array([(w * d).sum() for d in (d_r, d_alpha, d_a, d_b)])
        return -g * np.array([r, alpha, a, b])

    def p_alive(self, X: Any, params: Array | None = None) -> Array:
        """P(still a customer at T | x, t_x, T): 1 for x = 0 by the model's own assumption."""
        r, alpha, a, b = self.theta_ if params is None else params
        x, t_x, T = np.asarray(X, dtype=float).T
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = np.where(
                x > 0,
                a / np.maximum(b + x - 1, 1e-300) * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x))),
                0.0,
            )
        return 1.0 / (1.0 + odds)

    def expected_purchases(self, t: float | Array, X: Any, params: Array | None = None) -> Array:
        """E[Y(t) | x, t_x, T]: purchases expected in the next ``t`` periods (eq. 10)."""
        r, alpha, a, b = self.theta_ if params is None else params
        x, _, T = np.asarray(X, dtype=float).T
        t = np.asarray(t, dtype=float)
        if np.any(t < 0):
            raise ModelError("a forecast horizon cannot be negative")
        z = t / (alpha + T + t)
        with np.errstate(divide="ignore", invalid="ignore"):
            first = (a + b + x - 1) / (a - 1)
            tail = 1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp2f1(
                r + x, b + x, a + b + x - 1, z
            )
        out = first * tail * self.p_alive(X, np.array([r, alpha, a, b]))
        return np.where(t == 0, 0.0, out)


class ParetoNBD(_CountingModel):
    """The Pareto/NBD model: gamma-mixed Poisson purchases, gamma-mixed exponential
    lifetimes. Parameters ``r, alpha, s, beta``."""

    PARAMS = ("r", "alpha", "s", "beta")

    @staticmethod
    def _log_a0(theta: Array, X: Array) -> Array:
        """log A0 of the note (eq. 19-20), stable for either order of alpha and beta."""
        r, alpha, s, beta = theta
        x, t_x, T = X.T
        hi, lo = max(alpha, beta), min(alpha, beta)
        c = r + x if alpha < beta else s + 1
        rsx = r + s + x
        f1 = hyp2f1(rsx, c, rsx + 1, (hi - lo) / (hi + t_x))
        f2 = hyp2f1(rsx, c, rsx + 1, (hi - lo) / (hi + T))
        u = np.log(f1) - rsx * np.log(hi + t_x)
        v = np.log(f2) - rsx * np.log(hi + T)
        with np.errstate(divide="ignore"):
            return u + np.log1p(-np.exp(np.minimum(v - u, 0.0)) + 0.0)

    def _loglik(self, theta: Array, X: Array) -> Array:
        r, alpha, s, beta = theta
        x, _, T = X.T
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        stay = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = np.log(s) - np.log(r + s + x) + self._log_a0(theta, X)
        return head + np.logaddexp(stay, np.where(np.isnan(left), -np.inf, left))

    def p_alive(self, X: Any, params: Array | None = None) -> Array:
        """P(still a customer at T | x, t_x, T)."""
        theta = self.theta_ if params is None else np.asarray(params)
        r, alpha, s, beta = theta
        X = np.asarray(X, dtype=float)
        x, _, T = X.T
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        return np.minimum(
            np.exp(head - (r + x) * np.log(alpha + T) - s * np.log(beta + T) - self._loglik(theta, X)), 1.0
        )

    def expected_purchases(self, t: float | Array, X: Any, params: Array | None = None) -> Array:
        """E[Y(t) | x, t_x, T] (eq. 22 of the note)."""
        theta = self.theta_ if params is None else np.asarray(params)
        r, alpha, s, beta = theta
        x, _, T = np.asarray(X, dtype=float).T
        t = np.asarray(t, dtype=float)
        rate = (r + x) * (beta + T) / ((alpha + T) * (s - 1))
        return self.p_alive(X, theta) * rate * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))


MODELS: dict[str, type[_CountingModel]] = {"bgnbd": BetaGeo, "pareto_nbd": ParetoNBD}
