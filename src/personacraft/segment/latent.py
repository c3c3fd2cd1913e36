"""The segmenter: a latent class model (a mixture of multinomials) over behaviour counts.

Each persona has, for every family of behaviour (order value, daypart, product, device,
survey answer …), a distribution over its values. A customer's counts are drawn from
their persona's distributions, so the likelihood weighs the evidence each customer
actually has, and a customer without data in a family is simply not scored there (no
"no survey" persona can form). Counts are tempered per family (capped at ``cap``
observations per customer, times the family's ``weight``), so no family with long
histories (web sessions) drowns the others. With ``blend`` (the default) a customer may
borrow a share of their draws from a second persona (:mod:`~personacraft.segment.blend`),
so customers who blend two personas neither form a persona of their own nor land in the
wrong one.

k is chosen in ``[k_min, k_max]`` by separation and stability together:

* separation: the ICL criterion (BIC plus twice the entropy of the assignments; Biernacki,
  Celeux & Govaert 2000), which penalises segments that overlap, reported per k also as
  the relative entropy ``1 - E / (n log k)`` (1 = every customer clearly in one segment);
* stability: every segment's bootstrap Jaccard (Hennig 2007, as ``fpc::clusterboot``)
  must reach ``min_stability``; with many customers ICL alone can split real personas
  along habits that go together (order value and basket size), and the bootstrap rejects
  such splits.

The best ICL among the stable fits whose every segment reaches the minimum size wins.
When one segment (k = 1) explains the data better than any stable split, or no split is
stable, the model says so (``structure_found_ = False``) instead of inventing personas.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data

from personacraft.segment import blend as _blend
from personacraft.segment.temper import temper
from personacraft.threads import one_blas_thread

SHORT_RUN = 15  # blend EM iterations from each start before the best is run on
LONG_RUN = 100  # at most this many more for the best start (or until the log-likelihood moves < 1e-6)
Params = tuple[np.ndarray, float, np.ndarray]  # theta (k × columns), blend share a, pair weights pi (k × k)


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
    """Mixture of multinomials per family, fitted by EM, with k chosen by ICL and bootstrap stability.

    ``families`` gives the family index of each column of the count matrix, and
    ``family_weights`` (optional) a weight per family; ``blend=False`` fits the plain model.
    Learned: ``k_``, ``theta_`` (segments × columns, each family's block sums to 1),
    ``weights_``, ``blend_`` (the share of a member's draws from their partner persona),
    ``pairs_`` (k × k weights of persona and partner; diagonal: pure members), ``bic_`` and
    ``icl_`` (per k tried), ``screen_`` (least stable segment per k screened),
    ``log_likelihood_``, ``stability_``, ``labels_``.
    """

    def __init__(
        self,
        families: np.ndarray | None = None,
        family_weights: np.ndarray | None = None,
        k: int | None = None,
        k_min: int = 3,
        k_max: int = 8,
        cap: float = 20.0,
        blend: bool = True,
        n_init: int = 6,
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
        self.family_weights = family_weights
        self.k = k
        self.k_min = k_min
        self.k_max = k_max
        self.cap = cap
        self.blend = blend
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

    def temper(self, N: np.ndarray) -> np.ndarray:
        """Scale each customer's counts in each family to at most ``cap`` observations (times its weight)."""
        return temper(np.asarray(N, dtype=np.float64), self._fam(N.shape[1]), self.cap, self.family_weights)

    @staticmethod
    def _theta(R: np.ndarray, Nt: np.ndarray, fam: np.ndarray) -> np.ndarray:
        return _blend.laws(R, Nt, fam)

    @staticmethod
    def _estep(Nt: np.ndarray, log_theta: np.ndarray, log_w: np.ndarray) -> tuple[np.ndarray, float]:
        L = Nt @ log_theta.T + log_w
        m = L.max(axis=1, keepdims=True)
        P = np.exp(L - m)
        s = P.sum(axis=1, keepdims=True)
        return P / s, float((m + np.log(s)).sum())

    @staticmethod
    def _seeded(Nt: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
        """Responsibilities from k-means++ seeds (D² sampling) on the customers' count profiles."""
        X = Nt / np.maximum(Nt.sum(axis=1, keepdims=True), 1e-12)
        centers = [X[rng.integers(len(X))]]
        d2 = ((X - centers[0]) ** 2).sum(axis=1)
        for _ in range(1, k):
            total = d2.sum()
            i = rng.choice(len(X), p=d2 / total) if total > 0 else rng.integers(len(X))
            centers.append(X[i])
            d2 = np.minimum(d2, ((X - X[i]) ** 2).sum(axis=1))
        C = np.asarray(centers)
        dist = (X**2).sum(axis=1)[:, None] - 2 * X @ C.T + (C**2).sum(axis=1)[None, :]
        R = np.full((len(X), k), 0.1 / max(k - 1, 1))
        R[np.arange(len(X)), dist.argmin(axis=1)] = 0.9
        return R

    def _em(
        self, Nt: np.ndarray, k: int, seed: int, seeded: bool = False
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        fam = self._fam(Nt.shape[1])
        rng = np.random.default_rng(seed)
        R = self._seeded(Nt, k, rng) if seeded else rng.dirichlet(np.ones(k), Nt.shape[0])
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
        # half the starts from k-means++ seeds, half from random responsibilities
        fits = [self._em(Nt, k, seed + 7919 * i, seeded=i % 2 == 0) for i in range(n_init)]
        return max(fits, key=lambda f: f[0])

    def _fit_k(self, Nt: np.ndarray, k: int, seed: int) -> tuple[float, Params, np.ndarray]:
        """The best of ``n_init`` starts at ``k`` segments (with ``blend``, each start's blend model).

        Returns the log-likelihood, the parameters ``(theta, a, pi)`` and each customer's
        persona posterior.
        """
        fits = [self._em(Nt, k, seed + 7919 * i, seeded=i % 2 == 0) for i in range(self.n_init)]
        if not self.blend or k < 2:
            ll, theta, w, R = max(fits, key=lambda f: f[0])
            return ll, (theta, 0.0, np.diag(w)), R
        fam = self._fam(Nt.shape[1])
        # "small EM" (Biernacki, Celeux & Govaert 2003): a short blend run from every start,
        # then the best one to convergence
        short = [
            _blend.blend_em(Nt, fam, *_blend.start(Nt, fam, R), max_iter=SHORT_RUN, tol=self.tol) for *_, R in fits
        ]
        _, theta, a, pi = max(short, key=lambda f: f[0])
        ll, theta, a, pi = _blend.blend_em(Nt, fam, theta, a, pi, max_iter=LONG_RUN, tol=1e-6)
        return ll, (theta, a, pi), _blend.posterior(Nt, theta, a, pi)[0]

    def _persona_posterior(self, Nt: np.ndarray, params: Params) -> np.ndarray:
        theta, a, pi = params
        if not self.blend or len(theta) < 2:
            return self._estep(Nt, np.log(theta), np.log(np.maximum(np.diag(pi), 1e-300)))[0]
        return _blend.posterior(Nt, theta, a, pi, self._fitted_terms(params))[0]

    def _fitted_terms(self, params: Params) -> tuple[np.ndarray, np.ndarray] | None:
        """The fitted model's :func:`~personacraft.segment.blend.log_terms`, computed once (None for other
        parameters, as during the fit): an API request scores one customer with them."""
        fitted = getattr(self, "theta_", None), getattr(self, "blend_", None), getattr(self, "pairs_", None)
        if params[0] is not fitted[0] or params[1] != fitted[1] or params[2] is not fitted[2]:
            return None
        cached = getattr(self, "_terms", None)
        if cached is None or cached[0] is not fitted[0] or cached[1] != fitted[1] or cached[2] is not fitted[2]:
            cached = self._terms = (*fitted, _blend.log_terms(*params))
        return cached[3]

    # -- estimator API -----------------------------------------------------------------------
    def fit(self, X: np.ndarray, y: object = None) -> LatentClassSegmenter:
        """Fit on ``X`` (customers × count columns), choosing k by ICL among stable fits."""
        with one_blas_thread():  # thousands of small products: see personacraft.threads
            return self._fit(X)

    def _fit(self, X: np.ndarray) -> LatentClassSegmenter:
        N = self._check_counts(X)
        fam = self._fam(N.shape[1])
        n_fam = int(fam.max()) + 1 if len(fam) else 0
        rng = np.random.default_rng(self.random_state)
        n = N.shape[0]
        sample = np.sort(rng.choice(n, size=min(n, self.sample_size), replace=False))
        Nt_all = self.temper(N)
        Ns = Nt_all[sample]
        floor_share = max(self.min_size / n, self.min_size_share)
        ks = [self.k] if self.k is not None else list(range(self.k_min, self.k_max + 1))
        n_params_per_k = N.shape[1] - n_fam
        log_n = np.log(len(Ns))
        self.bic_: dict[int, float] = {}
        self.icl_: dict[int, float] = {}
        self.separation_: dict[int, float] = {}
        # one segment: the baseline every split must beat
        theta1 = self._theta(np.ones((len(Ns), 1)), Ns, fam)
        ll1 = float((Ns @ np.log(theta1).T).sum())
        self.bic_[1] = self.icl_[1] = -2 * ll1 + n_params_per_k * log_n
        fits: dict[int, Params] = {}
        for k in ks:
            ll, params, P = self._fit_k(Ns, k, self.random_state)
            entropy = float(-(P * np.log(np.maximum(P, 1e-300))).sum())
            mixing = k * k if self.blend else k - 1  # the pair weights and the blend share, or the sizes
            self.bic_[k] = -2 * ll + (k * n_params_per_k + mixing) * log_n
            self.icl_[k] = self.bic_[k] + 2 * entropy
            self.separation_[k] = 1 - entropy / (len(Ns) * np.log(k)) if k > 1 else 1.0
            sizes = np.bincount(P.argmax(axis=1), minlength=k) / len(Ns)
            if self.k is not None or sizes.min() >= floor_share:
                fits[k] = params
        # the best ICL among fits whose every segment survives resampling
        self.screen_: dict[int, float] = {}
        stab: dict[int, np.ndarray] = {}
        # bootstrap on a subsample: Jaccard estimates settle well below 5,000 customers
        Nb = Ns[np.sort(rng.choice(len(Ns), size=min(len(Ns), self.stability_size), replace=False))]
        best = None
        for k in sorted(fits, key=lambda k: (self.icl_[k], k)):
            if self.k is None and self.icl_[k] >= self.icl_[1]:
                break  # no split separates the customers better than one segment does
            stab[k] = self._stability(Nb, fits[k], rng)
            self.screen_[k] = float(stab[k].min())
            if self.k is not None or stab[k].min() >= self.min_stability:
                best = k
                break
        self.structure_found_ = best is not None
        if best is None:
            # no stable structure: one segment, and the caller publishes no personas
            self.k_ = 1
            self.theta_ = theta1
            self.weights_ = np.ones(1)
            self.pairs_ = np.ones((1, 1))
            self.blend_ = 0.0
            self.labels_ = np.zeros(n, dtype=np.int64)
            self.stability_ = np.zeros(1)
            self.n_iter_ = 0
            self.log_likelihood_ = float((Nt_all @ np.log(theta1).T).sum())
            return self
        theta, a, pi = fits[best]
        stability = stab[best]
        # polish on every customer, starting from the sample's solution
        self.n_iter_ = 50
        if self.blend:
            ll, theta, a, pi = _blend.blend_em(Nt_all, fam, theta, a, pi, max_iter=self.n_iter_, tol=self.tol)
        else:
            w = np.diag(pi)
            for _ in range(self.n_iter_):
                R, ll = self._estep(Nt_all, np.log(theta), np.log(w))
                w = R.mean(axis=0) + 1e-12
                w = w / w.sum()
                theta = self._theta(R, Nt_all, fam)
            pi = np.diag(w)
        P = self._persona_posterior(Nt_all, (theta, a, pi))
        labels = P.argmax(axis=1)
        # order segments by size, largest first, so ids read the same for the same input
        order = np.argsort(-np.bincount(labels, minlength=best), kind="stable")
        self.theta_ = theta[order]
        self.pairs_ = pi[np.ix_(order, order)]
        self.weights_ = self.pairs_.sum(axis=1)
        self.blend_ = float(a)
        self.k_ = best
        self.log_likelihood_ = ll
        self.labels_ = np.argsort(order)[labels]
        # stability was measured on the sample's solution; polishing keeps segment identity
        sample_labels = self._persona_posterior(Nb, fits[best]).argmax(axis=1)
        polished = self._posterior(Nb, tempered=True).argmax(axis=1)
        match = _match(sample_labels, polished, best)
        self.stability_ = stability[match]
        return self

    def _check_counts(self, X: np.ndarray, reset: bool = True) -> np.ndarray:
        """X as a dense float array of finite, non-negative counts (scikit-learn's checks)."""
        N = validate_data(self, X, reset=reset, dtype=np.float64, ensure_min_samples=2 if reset else 1)
        if (N < 0).any():
            raise ValueError("Negative values in data passed to LatentClassSegmenter: counts must be non-negative")
        return np.asarray(N)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def _stability(self, Ns: np.ndarray, params: Params, rng: np.random.Generator) -> np.ndarray:
        """Mean best-match Jaccard of each segment of ``params`` over bootstrap refits."""
        k = len(params[0])
        ref = self._persona_posterior(Ns, params).argmax(axis=1)
        if k < 2 or self.n_bootstrap < 1:
            return np.ones(k)
        scores = np.zeros(k)
        for b in range(self.n_bootstrap):
            idx = rng.integers(0, len(Ns), len(Ns))
            # refit as the model was fitted (same number of starts): one EM start often
            # stops in a local optimum, which would read as instability
            _, refit, _ = self._fit_k(Ns[idx], k, self.random_state + 1000 + b)
            other = self._persona_posterior(Ns, refit)
            scores += _jaccard_best(ref, other.argmax(axis=1), k, k)
        return scores / self.n_bootstrap

    def _posterior(self, N: np.ndarray, tempered: bool = False) -> np.ndarray:
        Nt = N if tempered else self.temper(np.asarray(N, dtype=np.float64))
        return self._persona_posterior(Nt, (self.theta_, self.blend_, self.pairs_))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Posterior probability of each segment for each customer."""
        check_is_fitted(self, "theta_")
        return self._posterior(self._check_counts(X, reset=False))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.predict_proba(X).argmax(axis=1))
