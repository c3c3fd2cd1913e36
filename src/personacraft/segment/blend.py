"""Customers who blend two personas: the EM of a latent class model whose members may borrow from a second.

Real customers are not pure. A deal seeker sometimes shops at noon on a desktop, as the
gift giver does. The blend model keeps one law per persona (``theta``, segments × columns)
and lets each customer be a pair ``(c, o)``: their draws come from persona ``c``'s law with
chance ``1 - a`` and from persona ``o``'s with chance ``a`` (``o = c`` is a pure member).
``a``, the blend share, is learned, as are the pair weights ``pi`` (k × k). A customer's
persona is ``c``, summed over their possible partners ``o``. When customers do not blend,
``a`` and the off-diagonal weights go to zero and the model is the plain latent class
model. Every step is a matrix product over the pairs (k² of them), in chunks of customers.
"""

from __future__ import annotations

import numpy as np

from personacraft.segment.temper import normalise

SMOOTH = 0.1  # pseudo-count per value and segment (a symmetric Dirichlet prior)
CHUNK = 100_000  # customers per E-step block, so k² columns of posteriors never fill memory
A_BOUNDS = (0.005, 0.45)  # the blend share stays below one half: ``c`` is the persona, ``o`` the partner


def pair_laws(theta: np.ndarray, a: float) -> np.ndarray:
    """Each pair's law (k² × columns): ``(1 - a) theta_c + a theta_o``, pure on the diagonal."""
    k = len(theta)
    laws = (1 - a) * theta[:, None, :] + a * theta[None, :, :]
    laws[np.arange(k), np.arange(k)] = theta
    return np.asarray(laws.reshape(k * k, -1))


def log_terms(theta: np.ndarray, a: float, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs' log laws (columns × k²) and log weights (k²): what :func:`pair_posterior` scores with."""
    return np.log(pair_laws(theta, a)).T, np.log(np.maximum(pi.ravel(), 1e-300))


def pair_posterior(
    Nt: np.ndarray, theta: np.ndarray, a: float, pi: np.ndarray, terms: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, float]:
    """The posterior of each pair (customers × k²) and the log-likelihood; ``terms``: :func:`log_terms`, if known."""
    log_laws, log_pi = terms if terms is not None else log_terms(theta, a, pi)
    L = Nt @ log_laws + log_pi
    m = L.max(axis=1, keepdims=True)
    P = np.exp(L - m)
    s = P.sum(axis=1, keepdims=True)
    return P / s, float((m + np.log(s)).sum())


def persona_posterior(R: np.ndarray, k: int) -> np.ndarray:
    """Each persona's posterior (customers × k) from the pairs' (customers × k²)."""
    return np.asarray(R.reshape(len(R), k, k).sum(axis=2))


def posterior(
    Nt: np.ndarray, theta: np.ndarray, a: float, pi: np.ndarray, terms: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, float]:
    """Each persona's posterior for every customer (in chunks) and the log-likelihood."""
    k = len(theta)
    out = np.zeros((len(Nt), k))
    ll = 0.0
    terms = terms if terms is not None else log_terms(theta, a, pi)
    for start in range(0, len(Nt), CHUNK):
        R, part = pair_posterior(Nt[start : start + CHUNK], theta, a, pi, terms)
        out[start : start + CHUNK] = persona_posterior(R, k)
        ll += part
    return out, ll


def _mstep(C: np.ndarray, theta: np.ndarray, a: float, fam: np.ndarray) -> tuple[np.ndarray, float]:
    """New (theta, a) from each pair's expected counts ``C`` (k × k × columns)."""
    k = len(theta)
    laws = pair_laws(theta, a).reshape(k, k, -1)
    own = (1 - a) * theta[:, None, :] / laws
    idx = np.arange(k)
    own[idx, idx] = 1.0
    borrowed = C * (1 - own)
    counts = (C * own).sum(axis=1) + borrowed.sum(axis=0) + SMOOTH
    off = ~np.eye(k, dtype=bool)
    total = C[off].sum()
    a_new = float(np.clip(borrowed[off].sum() / total, *A_BOUNDS)) if total > 0 else A_BOUNDS[0]
    return normalise(counts, fam), a_new


def laws(R: np.ndarray, Nt: np.ndarray, fam: np.ndarray) -> np.ndarray:
    """Each segment's law (segments × columns) from responsibilities ``R``: smoothed counts, per family."""
    return normalise(R.T @ Nt + SMOOTH, fam)


def start(Nt: np.ndarray, fam: np.ndarray, R0: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """A starting ``(theta, a, pi)`` from persona responsibilities ``R0``: half of each persona pure."""
    k = R0.shape[1]
    theta = laws(R0, Nt, fam)
    w = R0.mean(axis=0) + 1e-12
    w = w / w.sum()
    pi = np.outer(w, np.full(k, 0.5 / max(k - 1, 1)))
    np.fill_diagonal(pi, 0.5 * w)
    return theta, 0.2, pi


def blend_em(
    Nt: np.ndarray,
    fam: np.ndarray,
    theta: np.ndarray,
    a: float,
    pi: np.ndarray,
    *,
    max_iter: int = 300,
    tol: float = 1e-7,
) -> tuple[float, np.ndarray, float, np.ndarray]:
    """Fit the blend model from ``(theta, a, pi)``; returns ``(ll, theta, a, pi)`` at the last E-step."""
    k = len(theta)
    prev = ll = -np.inf
    for _ in range(max_iter):
        C = np.zeros((k * k, Nt.shape[1]))
        mass = np.zeros(k * k)
        ll = 0.0
        for begin in range(0, len(Nt), CHUNK):
            block = Nt[begin : begin + CHUNK]
            R, part = pair_posterior(block, theta, a, pi)
            C += R.T @ block
            mass += R.sum(axis=0)
            ll += part
        if ll - prev <= tol * abs(ll):
            break
        prev = ll
        theta, a = _mstep(C.reshape(k, k, -1), theta, a, fam)
        pi = (mass / len(Nt)).reshape(k, k) + 1e-12
        pi /= pi.sum()
    return ll, theta, a, pi
