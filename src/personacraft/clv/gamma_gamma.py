"""Spend per purchase: the Gamma-Gamma model of Fader, Hardie and Lee (2005), "RFM and CLV".

Each repeat customer is summarised by ``(x, m_x)``: repeat purchases and their mean
value. A customer's mean spend ``zeta`` is gamma(q, v) across customers, and each
purchase is gamma(p, p/zeta)-ish around it, so

    E[M | x, m_x] = p (v + x m_x) / (p x + q - 1)

shrinks the observed mean towards the population mean the less a customer has bought.
Fitted by maximum likelihood, with the gradient in closed form, on
the log scale; the covariance comes from the Hessian (:mod:`personacraft.clv.mle`). Terms in ``x`` alone
are computed once per distinct ``x``; per customer there are a log and a few products.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import gammaln, psi
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from personacraft.clv.mle import (
    WARM_START_ROWS,
    FittedParameters,
    check_summaries,
    covariance,
    factor_column,
    hessian,
    positive_definite,
)
from personacraft.errors import ModelError

Array = np.ndarray


def check_spend(X: Any) -> Array:
    """``X`` as an (n, 2) float array of ``x, m_x`` with whole x >= 1 and m_x > 0."""

    def invalid(X: Array) -> Array:
        x, m = X.T
        return (x < 1) | (x != np.floor(x)) | (m <= 0)

    return check_summaries(
        X,
        ("x", "m_x"),
        invalid,
        "Gamma-Gamma takes customers with x >= 1 repeat purchases and a positive mean value",
    )


class GammaGamma(FittedParameters, BaseEstimator):
    """Gamma-Gamma spend model. Parameters ``p, q, v``."""

    PARAMS = ("p", "q", "v")

    def __init__(self, tol: float = 1e-10, max_iter: int = 1000) -> None:
        self.tol = tol
        self.max_iter = max_iter

    @staticmethod
    def _data(X: Array, weights: Array | None = None) -> dict[str, Array]:
        """What the likelihood needs that does not depend on the parameters, computed once."""
        levels, ix = factor_column(X[:, 0])
        m = X[:, 1]
        w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=float)
        return {
            "x": levels,
            "ix": ix,
            "w": w,
            "xm": X[:, 0] * m,
            "log_m": np.log(m),
            "wx": np.bincount(ix, weights=w, minlength=len(levels)),
            "wxlogm": np.bincount(ix, weights=w * np.log(m), minlength=len(levels)),
        }

    @staticmethod
    def _objective(log_theta: Array, D: dict[str, Array]) -> tuple[float, Array]:
        """The weighted negative log-likelihood and its gradient in log-parameters.

        Terms in x alone are computed once per distinct x and weighted by the per-x sums.
        """
        p, q, v = np.exp(log_theta)
        x, ix, w, wx = D["x"], D["ix"], D["w"], D["wx"]
        px = p * x
        log_xmv = np.log(D["xm"] + v)
        per_x = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + px * np.log(x)
        ll = (wx * per_x).sum() + ((px - 1) * D["wxlogm"]).sum() - (w * (px + q)[ix] * log_xmv).sum()
        wlog = np.bincount(ix, weights=w * log_xmv, minlength=len(x))
        common = psi(px + q)
        d_p = (wx * x * (common - psi(px) + np.log(x))).sum() + (x * D["wxlogm"]).sum() - (x * wlog).sum()
        d_q = (wx * (common - psi(q) + np.log(v))).sum() - wlog.sum()
        d_v = q / v * wx.sum() - (w * (px + q)[ix] / (D["xm"] + v)).sum()
        return -float(ll), -np.array([d_p, d_q, d_v]) * np.array([p, q, v])

    def fit(self, X: Any, y: None = None, sample_weight: Array | None = None) -> GammaGamma:
        """Fit on the ``(x, m_x)`` rows of repeat customers (from a fit on a tenth of them when
        there are many, as BG/NBD does)."""
        X = check_spend(X)
        if len(X) < 2:
            raise ModelError("Gamma-Gamma needs at least two customers with repeat purchases")
        w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        # start at the method-of-moments mean: p = 1, q = 2, v = mean spend
        start = np.log([1.0, 2.0, float(np.average(X[:, 1], weights=w))])
        curvature = None
        if len(X) > WARM_START_ROWS:
            part = np.random.default_rng(0).random(len(X)) < 0.1
            warm = self._optimise(self._data(X[part], w[part]), start)
            start, curvature = warm.x, positive_definite(warm.hess_inv)
        D = self._data(X, w)
        res = self._optimise(D, start, curvature)
        if not np.isfinite(res.fun):
            raise ModelError(f"Gamma-Gamma did not converge: {res.message}")
        self.log_params_ = res.x
        self.params_ = dict(zip(self.PARAMS, np.exp(res.x).tolist(), strict=True))
        self.log_likelihood_ = -self._objective(res.x, D)[0]
        self.n_customers_ = round(float(w.sum()))
        self.n_iter_ = int(res.nit)
        self._data_ = D
        self._covariance: Array | None = None
        if self.params_["q"] <= 1:
            raise ModelError(
                f"Gamma-Gamma gave q = {self.params_['q']:.3f} <= 1, so mean spend has no finite expectation; "
                "spend per purchase is too heavy-tailed for this model"
            )
        return self

    def _optimise(self, D: dict[str, Array], start: Array, hess_inv: Array | None = None) -> optimize.OptimizeResult:
        scale = float(D["w"].sum())
        return optimize.minimize(
            lambda lt: tuple(z / scale for z in self._objective(lt, D)),
            start,
            jac=True,
            method="BFGS",
            options={"gtol": self.tol, "maxiter": self.max_iter, "hess_inv0": hess_inv},
        )

    @property
    def covariance_(self) -> Array:
        """Covariance of the log-parameters (inverse Hessian), computed on first use."""
        check_is_fitted(self, "log_params_")
        if self._covariance is None:
            D = self._data_
            self._covariance = covariance(hessian(lambda lt: self._objective(lt, D)[1], self.log_params_))
        return self._covariance

    def _clip_draws(self, log_draws: Array) -> Array:
        # q <= 1 has no finite mean; keep draws where the expectation exists
        log_draws[:, 1] = np.maximum(log_draws[:, 1], np.log1p(1e-6))
        return log_draws

    def expected_spend(self, x: Array, m_x: Array, params: Array | None = None) -> Array:
        """E[M | x, m_x]; customers without repeat purchases (x = 0) get the population mean."""
        p, q, v = self.theta_ if params is None else params
        x = np.asarray(x, dtype=float)
        m = np.where(x > 0, np.asarray(m_x, dtype=float), 0.0)
        return p * (v + x * m) / (p * x + q - 1)

    def population_mean(self) -> float:
        """The mean spend per purchase across customers: p v / (q - 1)."""
        p, q, v = self.theta_
        return float(p * v / (q - 1))

    def log_likelihood(self, X: Any, params: Array | None = None) -> float:
        theta = self.theta_ if params is None else np.asarray(params, dtype=float)
        return -self._objective(np.log(theta), self._data(check_spend(X)))[0]
