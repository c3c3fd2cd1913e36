"""Spend per purchase: the Gamma-Gamma model of Fader, Hardie and Lee (2005), "RFM and CLV".

Each repeat customer is summarised by ``(x, m_x)``: repeat purchases and their mean
value. A customer's mean spend ``zeta`` is gamma(q, v) across customers, and each
purchase is gamma(p, p/zeta)-ish around it, so

    E[M | x, m_x] = p (v + x m_x) / (p x + q - 1)

shrinks the observed mean towards the population mean the less a customer has bought.
Fitted by maximum likelihood on the unique rows, with the gradient in closed form, on
the log scale; the covariance comes from the Hessian, as for BG/NBD.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import gammaln, psi
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from personacraft.errors import ModelError
from personacraft.value.bgnbd import covariance, hessian, unique_rows

Array = np.ndarray


def check_spend(X: Any) -> Array:
    """``X`` as an (n, 2) float array of ``x, m_x`` with whole x >= 1 and m_x > 0."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ModelError(f"expected rows of (x, m_x), got an array of shape {X.shape}")
    x, m = X.T
    bad = ~np.isfinite(X).all(axis=1) | (x < 1) | (x != np.floor(x)) | (m <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ModelError(
            f"{int(bad.sum())} rows are not valid (x, m_x) spend summaries, e.g. row {i}: {X[i].tolist()} "
            "(Gamma-Gamma takes customers with x >= 1 repeat purchases and a positive mean value)"
        )
    return X


class GammaGamma(BaseEstimator):
    """Gamma-Gamma spend model. Parameters ``p, q, v``."""

    PARAMS = ("p", "q", "v")

    def __init__(self, tol: float = 1e-10, max_iter: int = 1000) -> None:
        self.tol = tol
        self.max_iter = max_iter

    @staticmethod
    def _loglik(theta: Array, X: Array) -> Array:
        p, q, v = theta
        x, m = X.T
        return (
            gammaln(p * x + q)
            - gammaln(p * x)
            - gammaln(q)
            + q * np.log(v)
            + (p * x - 1) * np.log(m)
            + p * x * np.log(x)
            - (p * x + q) * np.log(x * m + v)
        )

    @staticmethod
    def _gradient(log_theta: Array, X: Array, w: Array) -> Array:
        p, q, v = np.exp(log_theta)
        x, m = X.T
        common = psi(p * x + q) - np.log(x * m + v)
        d_p = x * (common - psi(p * x) + np.log(m) + np.log(x))
        d_q = common - psi(q) + np.log(v)
        d_v = q / v - (p * x + q) / (x * m + v)
        return -np.array([(w * d).sum() for d in (d_p, d_q, d_v)]) * np.array([p, q, v])

    def fit(self, X: Any, y: None = None, sample_weight: Array | None = None) -> GammaGamma:
        """Fit on the distinct ``(x, m_x)`` rows of repeat customers."""
        X = check_spend(X)
        if len(X) < 2:
            raise ModelError("Gamma-Gamma needs at least two customers with repeat purchases")
        rows, w = unique_rows(X, sample_weight)
        scale = float(w.sum())
        # start at the method-of-moments mean: p = 1, q = 2, v = mean spend
        start = np.log([1.0, 2.0, float(np.average(rows[:, 1], weights=w))])
        res = optimize.minimize(
            lambda lt: float(-(w * self._loglik(np.exp(lt), rows)).sum() / scale),
            start,
            jac=lambda lt: self._gradient(lt, rows, w) / scale,
            method="BFGS",
            options={"gtol": self.tol, "maxiter": self.max_iter},
        )
        if not np.isfinite(res.fun):
            raise ModelError(f"Gamma-Gamma did not converge: {res.message}")
        self.log_params_ = res.x
        self.params_ = dict(zip(self.PARAMS, np.exp(res.x).tolist(), strict=True))
        self.log_likelihood_ = float((w * self._loglik(np.exp(res.x), rows)).sum())
        self.n_customers_ = round(scale)
        self.n_iter_ = int(res.nit)
        self.covariance_ = covariance(hessian(lambda lt: self._gradient(lt, rows, w), res.x))
        if self.params_["q"] <= 1:
            raise ModelError(
                f"Gamma-Gamma gave q = {self.params_['q']:.3f} <= 1, so mean spend has no finite expectation; "
                "spend per purchase is too heavy-tailed for this model"
            )
        return self

    @property
    def theta_(self) -> Array:
        return np.exp(self.log_params_)

    def standard_errors(self) -> dict[str, float]:
        check_is_fitted(self, "covariance_")
        se = self.theta_ * np.sqrt(np.diag(self.covariance_))
        return dict(zip(self.PARAMS, se.tolist(), strict=True))

    def sample_params(self, n: int, seed: int = 0) -> Array:
        """``n`` draws of ``(p, q, v)``; row 0 is the point estimate (see BetaGeo.sample_params)."""
        check_is_fitted(self, "covariance_")
        if not np.isfinite(self.covariance_).all():
            return np.tile(self.theta_, (n, 1))
        draws = np.random.default_rng(seed).multivariate_normal(
            self.log_params_, self.covariance_, size=n, method="cholesky"
        )
        draws[0] = self.log_params_
        # q <= 1 has no finite mean; keep draws where the expectation exists
        draws[:, 1] = np.maximum(draws[:, 1], np.log1p(1e-6))
        return np.exp(draws)

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
        rows, w = unique_rows(check_spend(X))
        return float((w * self._loglik(theta, rows)).sum())
