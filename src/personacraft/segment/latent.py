"""The segmenter: a latent class model (a mixture of multinomials) over behaviour counts.

Each persona has, for every family of behaviour (order value, daypart, product, device,
survey answer …), a distribution over its values. A customer's counts are drawn from
their persona's distributions, so the likelihood weighs the evidence each customer
actually has, and a customer without data in a family is simply not scored there.
Counts are tempered per family (capped at ``cap`` observations per customer), so no
family with long histories (web sessions) drowns the others.

k is chosen in ``[k_min, k_max]``: the best BIC among fits whose every segment reaches
the minimum size and whose every segment is stable (bootstrap Jaccard of at least
``min_stability``, after Hennig 2007). With many customers BIC alone keeps splitting
real personas along habits that go together (order value and basket size); the
stability test rejects such splits.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

_SMOOTH = 0.1  # pseudo-count per value and segment (a symmetric Dirichlet prior)


def _match(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """For each segment of ``b``, the segment of ``a`` it overlaps most."""
    inter = np.zeros((k, k))
    np.add.at(inter, (a, b), 1)
    return np.asarray(inter.argmax(axis=0))


def _jaccard_best(ref: np.ndarray, other: np.ndarray, k: int, k2: int) -> np.ndarray:
    """For each reference segment, its best Jaccard overlap with any segment of ``other``."""
    inter = np.zeros((k, k2))
    np.add.at(inter, (ref, other), 1)
    union = np.bincount(ref, minlength=k)[:, None] + np.bincount(other, minlength=k2)[None, :] - inter
    return np.asarray(np.where(union > 0, inter / np.maximum(union, 1), 0).max(axis=1))


class LatentClassSegmenter(ClusterMixin, BaseEstimator):
    """Mixture of multinomials per family, fitted by EM, with k chosen by BIC.

    ``families`` gives the family index of each column of the count matrix.
    Learned: ``k_``, ``theta_`` (segments × columns, each family's block sums to 1),
    ``weights_``, ``bic_`` (per k tried), ``screen_`` (least stable segment per k
    screened), ``log_likelihood_``, ``stability_``, ``labels_``.
    """

    def __init__(
        self,
        families: np.ndarray | None = None,
        k: int | None = None,
        k_min: int = 3,
        k_max: int = 8,
        cap: float = 3.0,
        n_init: int = 3,
        max_iter: int = 300,
        tol: float = 1e-7,
        sample_size: int = 20000,
        n_bootstrap: int = 8,
        stability_size: int = 5000,
        min_stability: float = 0.75,
        min_size: int = 30,
        min_size_share: float = 0.02,
        random_state: int = 0,
    ) -> None:
        self.families = families
        self.k = k
        self.k_min = k_min
        self.k_max = k_max
        self.cap = cap
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.sample_size = sample_size
        self.n_bootstrap = n_bootstrap
        self.stability_size = stability_size
        self.min_stability = min_stability
        self.min_size = min_size
        self.min_size_share = min_size_share
        self.random_state = random_state

    # -- the model -------------------------------------------------------------------------
    def _fam(self, n_cols: int) -> np.ndarray:
        fam = np.zeros(n_cols, dtype=np.int64) if self.families is None else np.asarray(self.families, np.int64)
        if len(fam) != n_cols:
            raise ValueError(f"families has {len(fam)} entries for {n_cols} columns")
        return fam

    def _temper(self, N: np.ndarray) -> np.ndarray:
        """Scale each customer's counts in each family to at most ``cap`` observations."""
        fam = self._fam(N.shape[1])
        n_fam = int(fam.max()) + 1 if len(fam) else 0
        tot = np.zeros((N.shape[0], n_fam))
        np.add.at(tot.T, fam, N.T)
        scale = np.where(tot > 0, np.minimum(tot, self.cap) / np.maximum(tot, 1e-12), 0.0)
        return np.asarray(N * scale[:, fam])

    def _theta(self, R: np.ndarray, Nt: np.ndarray, fam: np.ndarray) -> np.ndarray:
        C = R.T @ Nt + _SMOOTH
        sums = np.zeros((C.shape[0], int(fam.max()) + 1))
        np.add.at(sums.T, fam, C.T)
        return np.asarray(C / sums[:, fam])

    @staticmethod
    def _estep(Nt: np.ndarray, log_theta: np.ndarray, log_w: np.ndarray) -> tuple[np.ndarray, float]:
        L = Nt @ log_theta.T + log_w
        m = L.max(axis=1, keepdims=True)
        P = np.exp(L - m)
        s = P.sum(axis=1, keepdims=True)
        return P / s, float((m + np.log(s)).sum())

    def _em(self, Nt: np.ndarray, k: int, seed: int) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        fam = self._fam(Nt.shape[1])
        rng = np.random.default_rng(seed)
        R = rng.dirichlet(np.ones(k), Nt.shape[0])
        prev = -np.inf
        ll = -np.inf
        for _ in range(self.max_iter):
            w = R.mean(axis=0) + 1e-12
            theta = self._theta(R, Nt, fam)
            R, ll = self._estep(Nt, np.log(theta), np.log(w))
            if ll - prev <= self.tol * abs(ll):
                break
            prev = ll
        w = R.mean(axis=0) + 1e-12
        return ll, self._theta(R, Nt, fam), w / w.sum(), R

    def _best_of(
        self, Nt: np.ndarray, k: int, seed: int, n_init: int
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        fits = [self._em(Nt, k, seed + 7919 * i) for i in range(n_init)]
        return max(fits, key=lambda f: f[0])

    # -- estimator API -----------------------------------------------------------------------
    def fit(self, X: np.ndarray, y: object = None) -> LatentClassSegmenter:
        N = np.asarray(X, dtype=np.float64)
        if N.ndim != 2 or N.shape[0] < 2:
            raise ValueError("need a 2-D count matrix with at least two customers")
        if (N < 0).any():
            raise ValueError("counts must be non-negative")
        fam = self._fam(N.shape[1])
        n_fam = int(fam.max()) + 1 if len(fam) else 0
        rng = np.random.default_rng(self.random_state)
        n = N.shape[0]
        sample = np.sort(rng.choice(n, size=min(n, self.sample_size), replace=False))
        Nt_all = self._temper(N)
        Ns = Nt_all[sample]
        floor_share = max(self.min_size / n, self.min_size_share)
        ks = [self.k] if self.k is not None else list(range(self.k_min, self.k_max + 1))
        n_params_per_k = N.shape[1] - n_fam
        self.bic_: dict[int, float] = {}
        fits = {}
        for k in ks:
            ll, theta, w, R = self._best_of(Ns, k, self.random_state, self.n_init)
            sizes = np.bincount(R.argmax(axis=1), minlength=k) / len(Ns)
            self.bic_[k] = -2 * ll + (k * n_params_per_k + k - 1) * np.log(len(Ns))
            if self.k is not None or sizes.min() >= floor_share:
                fits[k] = (theta, w)
        if not fits:  # every k had a segment under the floor: take the smallest k tried
            k0 = min(ks)
            ll, theta, w, _ = self._best_of(Ns, k0, self.random_state, self.n_init)
            fits[k0] = (theta, w)
        # the best BIC among fits whose every segment survives resampling: with many
        # customers BIC alone splits real personas along correlated habits
        self.screen_: dict[int, float] = {}
        stab: dict[int, np.ndarray] = {}
        # bootstrap on a subsample: Jaccard estimates settle well below 5,000 customers
        Nb = Ns[np.sort(rng.choice(len(Ns), size=min(len(Ns), self.stability_size), replace=False))]
        best = None
        for k in sorted(fits, key=lambda k: (self.bic_[k], k)):
            stab[k] = self._stability(Nb, *fits[k], rng)
            self.screen_[k] = float(stab[k].min())
            if self.k is not None or stab[k].min() >= self.min_stability:
                best = k
                break
        if best is None:
            best = max(self.screen_, key=lambda k: (self.screen_[k], -k))
        theta, w = fits[best]
        stability = stab[best]
        # polish on every customer, starting from the sample's solution
        for _ in range(50):
            R, ll = self._estep(Nt_all, np.log(theta), np.log(w))
            w = R.mean(axis=0) + 1e-12
            w = w / w.sum()
            theta = self._theta(R, Nt_all, fam)
        R, ll = self._estep(Nt_all, np.log(theta), np.log(w))
        labels = R.argmax(axis=1)
        # order segments by size, largest first, so ids read the same for the same input
        order = np.argsort(-np.bincount(labels, minlength=best), kind="stable")
        self.theta_ = theta[order]
        self.weights_ = w[order]
        self.k_ = best
        self.log_likelihood_ = ll
        self.labels_ = np.argsort(order)[labels]
        # stability was measured on the sample's solution; polishing keeps segment identity
        sample_labels = self._estep(Nb, np.log(fits[best][0]), np.log(fits[best][1]))[0].argmax(axis=1)
        polished = self._posterior(Nb, tempered=True).argmax(axis=1)
        match = _match(sample_labels, polished, best)
        self.stability_ = stability[match]
        return self

    def _stability(self, Ns: np.ndarray, theta: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Mean best-match Jaccard of each segment of (theta, w) over bootstrap refits."""
        k = len(w)
        ref = self._estep(Ns, np.log(theta), np.log(w))[0].argmax(axis=1)
        if k < 2 or self.n_bootstrap < 1:
            return np.ones(k)
        scores = np.zeros(k)
        for b in range(self.n_bootstrap):
            idx = rng.integers(0, len(Ns), len(Ns))
            # refit as the model was fitted (same number of starts): one EM start often
            # stops in a local optimum, which would read as instability
            _, theta, w, _ = self._best_of(Ns[idx], k, self.random_state + 1000 + b, self.n_init)
            other, _ = self._estep(Ns, np.log(theta), np.log(w))
            scores += _jaccard_best(ref, other.argmax(axis=1), k, k)
        return scores / self.n_bootstrap

    def _posterior(self, N: np.ndarray, tempered: bool = False) -> np.ndarray:
        Nt = N if tempered else self._temper(np.asarray(N, dtype=np.float64))
        R, _ = self._estep(Nt, np.log(self.theta_), np.log(self.weights_))
        return R

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Posterior probability of each segment for each customer."""
        return self._posterior(np.asarray(X, dtype=np.float64))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.predict_proba(X).argmax(axis=1))
