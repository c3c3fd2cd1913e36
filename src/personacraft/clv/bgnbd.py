"""Repeat purchases and P(alive) of non-contractual customers: BG/NBD, and Pareto/NBD as an option.

Each customer is summarised by ``(x, t_x, T)``: repeat purchases ``x``, the time of the
last purchase ``t_x`` and the time since the first ``T``, in periods since the first
purchase (``RFM_SUMMARY`` in :mod:`personacraft.features.sql`, read by
:func:`personacraft.clv.model.summarise`). Both models are fitted by maximum likelihood on
the *distinct* rows with their counts as weights (:class:`personacraft.clv.mle.Rows`),
which is what makes them fast: a million customers observed in whole days share fewer than
300,000 rows, and a few hundred distinct values per column.

BG/NBD is Fader, Hardie and Lee (2005), "Counting your customers the easy way",
Marketing Science 24(2): the log-likelihood (their eq. 6), its gradient in closed form,
E[Y(t) | x, t_x, T] (eq. 10) and P(alive). Pareto/NBD follows Fader and Hardie's note
"A note on deriving the Pareto/NBD model and related expressions" (2005); its
likelihood has no simple gradient, so it is optimised with finite differences.

Parameters are optimised on the log scale; the covariance of the log-parameters is the
inverse of the Hessian of the negative log-likelihood (central differences of the
gradient). ``sample_params`` draws from that normal approximation, which is where the
intervals of :mod:`personacraft.clv.model` come from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import betaln, gammaln, hyp2f1, psi
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from personacraft.clv.mle import (
    WARM_START_ROWS,
    FittedParameters,
    Rows,
    check_summaries,
    covariance,
    hessian,
    positive_definite,
)
from personacraft.errors import ModelError

Array = np.ndarray


def check_rfm(X: Any) -> Array:
    """``X`` as an (n, 3) float array of ``x, t_x, T`` with 0 <= t_x <= T and whole x >= 0."""

    def invalid(X: Array) -> Array:
        x, t_x, T = X.T
        return (x < 0) | (x != np.floor(x)) | (t_x < 0) | (t_x > T + 1e-9) | ((x == 0) & (t_x != 0))

    return check_summaries(
        X, ("x", "t_x", "T"), invalid, "x must be a whole number >= 0, 0 <= t_x <= T, and t_x = 0 when x = 0"
    )


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
        # a line search may try a step whose parameters overflow (a, b run large when dropout hardly
        # varies between customers): the objective is then inf or nan, and the search steps back
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
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
    def _parts(theta: Array, R: Rows) -> tuple[Array, Array, Array, Array, Array, Array]:
        """The pieces of the likelihood: the head per distinct x, the two log terms A and B per
        row, r + x per row, and log(alpha + T) and log(alpha + t_x) per distinct value."""
        r, alpha, a, b = theta
        x, tx, T = R.levels
        ix, itx, iT = R.codes
        base = betaln(a, b)
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        LT, Lt = np.log(alpha + T), np.log(alpha + tx)
        with np.errstate(divide="ignore", invalid="ignore"):
            cB = np.where(x > 0, betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - base, -np.inf)
        rx = (r + x)[ix]
        A = (betaln(a, b + x) - base)[ix] - rx * LT[iT]
        B = cB[ix] - rx * Lt[itx]
        return head, A, B, rx, LT, Lt

    def _loglik(self, theta: Array, R: Rows) -> Array:
        head, A, B, *_ = self._parts(theta, R)
        return head[R.codes[0]] + np.logaddexp(A, B)

    def _objective(self, log_theta: Array, R: Rows) -> tuple[float, Array]:
        theta = np.exp(log_theta)
        r, alpha, a, b = theta
        x, tx, T = R.levels
        ix, itx, iT = R.codes
        w = R.weight
        wx = R.level_weight(0)
        head, A, B, rx, LT, Lt = self._parts(theta, R)
        # log(e^A + e^B) and the share of e^B, stably
        d = B - A
        e = np.exp(-np.abs(d))
        both = np.maximum(A, B) + np.log1p(e)
        pB = np.where(d > 0, 1.0, e) / (1.0 + e)
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
