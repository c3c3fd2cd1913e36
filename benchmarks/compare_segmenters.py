"""Compare segmentation algorithms on the demos' real feature matrices, at several sizes and noise levels.

    .venv/bin/python benchmarks/compare_segmenters.py --noise-model mixing --sizes 20000 --noise 0 0.2 0.3 0.4
    .venv/bin/python benchmarks/compare_segmenters.py                 # blocks: retail + SaaS, 5k and 20k, 0/20/40 %
    .venv/bin/python benchmarks/compare_segmenters.py --sizes 5000 --noise 0 --markdown docs/segmentation-table.md

Each demo is generated and built once (its workspace gives the count matrix the build
segments, and ground_truth.csv the planted personas). Two noise models:

* ``blocks`` replaces a share of the (customer, feature family) blocks with another
  customer's block, so that share of the evidence says nothing about the persona;
* ``mixing`` blends personas the way real customers do: each customer gets one other
  persona (at random), and each of their draws (an order's value band, a session's
  device, an answer …) is replaced, with chance equal to the level, by a draw from that
  other persona's law (its value shares in the clean data, per family). Counts are
  rounded to whole draws first.

The *supervised ceiling* is what a classifier trained on the planted labels reaches on the
same feature matrix (5-fold cross-validated predictions): the best of a supervised latent
class model (naive Bayes on the tempered counts), a logistic regression (tempered counts,
value shares and missing-family flags) and gradient-boosted trees (value shares, missing
left missing). Every method's ARI is also given as a share of that ceiling.

Every algorithm but the automatic ones gets the planted k, so the adjusted Rand index
(ARI) compares how well each recovers the same personas:

* latent class: personacraft's model (the default: the blend model, see segment/blend.py);
* plain latent class: the mixture of multinomials without blends, counts capped at 3
  observations per family (the default before wave 2);
* k-means: on each family's value shares (missing families imputed with the population
  mean), standardised, k-means++ with 10 starts;
* GMM: a diagonal Gaussian mixture on the same transformed features;
* Gower: k-medoids (PAM-style) on Gower distances (families a customer lacks are
  skipped, as Gower does) of a 3,000-customer sample, the rest assigned to the nearest
  cluster mean — the Gower-based stand-in for k-prototypes;
* NMF: non-negative matrix factorisation of the tempered counts, each customer in the
  component with the largest weight (the method of QCRI's APG).

* StepMix: the maintained latent class package (``pip install stepmix``), each family's most
  frequent value as one categorical answer (missing when the customer has none), k chosen by
  its BIC over 3..8 in the automatic columns.

The latent class models and StepMix also choose k themselves; the "auto" columns give the
chosen k and the ARI of that choice.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import StandardScaler

from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.segment import LatentClassSegmenter, load_design
from personacraft.store import Workspace

CLI = [sys.executable, "-m", "personacraft"]
PLAIN = {"blend": False, "cap": 3.0}  # the latent class model as it was before the blend model


def demo_matrix(kind: str, n: int, seed: int, root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(counts, family of each column, planted persona of each row) of a built demo."""
    folder = root / f"{kind}-{n}-{seed}"
    if not (folder / "out" / "personas.json").exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate(kind, folder, n, seed)
        subprocess.run(
            [*CLI, "build", "--config", str(folder / "personacraft.toml")],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    cfg = load_config(folder / "personacraft.toml")
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run()
        design = load_design(run)
        emails = dict(run.execute(f"SELECT customer_key, email FROM {run.t('customer_index')}").fetchall())
    with (folder / "ground_truth.csv").open() as fh:
        truth = {r["email"].strip().lower(): r["persona"] for r in csv.DictReader(fh)}
    y = np.array([truth.get(str(emails.get(c) or "").lower(), "?") for c in design.customers])
    keep = y != "?"
    return design.N[keep], design.families, y[keep]


def add_noise(N: np.ndarray, fam: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Replace ``share`` of the (customer, family) blocks by another random customer's block."""
    out = N.copy()
    for f in np.unique(fam):
        cols = fam == f
        rows = np.flatnonzero(rng.random(len(N)) < share)
        out[np.ix_(rows, cols)] = N[np.ix_(rng.integers(0, len(N), len(rows)), cols)]
    return out


def add_mixing(N: np.ndarray, fam: np.ndarray, y: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Each customer's draws replaced, with chance ``share``, by draws from one other persona's law."""
    labels, yi = np.unique(y, return_inverse=True)
    k = len(labels)
    other = (yi + rng.integers(1, k, len(y))) % k  # one other persona per customer, uniformly
    draws = np.rint(N).astype(np.int64)
    kept = rng.binomial(draws, 1 - share)
    out = kept.astype(np.float64)
    for f in np.unique(fam):  # families, not customers: a dozen vectorised passes
        cols = np.flatnonzero(fam == f)
        law = np.stack([draws[yi == c][:, cols].sum(axis=0) for c in range(k)]).astype(np.float64) + 1e-9
        law /= law.sum(axis=1, keepdims=True)
        replaced = (draws[:, cols] - kept[:, cols]).sum(axis=1)
        out[:, cols] += rng.multinomial(replaced, law[other])
    return out


def ceiling(N: np.ndarray, fam: np.ndarray, y: np.ndarray, seed: int) -> tuple[float, str]:
    """The best cross-validated ARI of classifiers trained on the planted labels, and which one."""
    labels, yi = np.unique(y, return_inverse=True)
    k = len(labels)
    model = LatentClassSegmenter(families=fam, cap=3.0)
    Nt = model.temper(N)
    X = profiles(N, fam)
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    scores = {}
    naive = np.zeros(len(y), dtype=np.int64)
    for train, test in folds.split(Nt, yi):
        R = np.eye(k)[yi[train]]
        theta = model._theta(R, Nt[train], fam)
        naive[test] = model._estep(Nt[test], np.log(theta), np.log(R.mean(axis=0)))[0].argmax(axis=1)
    scores["supervised latent class"] = adjusted_rand_score(yi, naive)
    missing = np.isnan(X[:, np.unique(fam, return_index=True)[1]])
    linear = np.hstack([Nt, np.nan_to_num(X), missing])
    logistic = LogisticRegression(max_iter=2000)
    scores["logistic regression"] = adjusted_rand_score(yi, cross_val_predict(logistic, linear, yi, cv=folds))
    trees = HistGradientBoostingClassifier(random_state=seed)
    scores["gradient boosting"] = adjusted_rand_score(yi, cross_val_predict(trees, X, yi, cv=folds))
    best = max(scores, key=lambda name: scores[name])
    return scores[best], best


def stepmix_labels(
    N: np.ndarray, fam: np.ndarray, k: int | None, seed: int, sample: int = 2000
) -> tuple[np.ndarray, int]:
    """StepMix's latent class model on each family's most frequent value; k by its BIC when None.

    k is chosen on a sample of ``sample`` customers with one start per k (StepMix's EM over
    3..8 with three starts takes three minutes on 5,000 customers here), then the model is
    fitted at that k on everyone with three starts.
    """
    import warnings

    from stepmix.stepmix import StepMix

    X = np.full((len(N), int(fam.max()) + 1), np.nan)
    for f in np.unique(fam):
        block = N[:, fam == f]
        X[:, f] = np.where(block.sum(axis=1) > 0, block.argmax(axis=1), np.nan)

    def fit(kk: int, rows: np.ndarray, starts: int = 3) -> tuple[float, StepMix]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = StepMix(
                n_components=kk,
                measurement="categorical_nan",
                n_init=starts,
                abs_tol=1e-6,
                max_iter=300,
                random_state=seed,
                verbose=0,
                progress_bar=0,
            )
            model.fit(rows)
            return float(model.bic(rows)), model

    if k is None:
        rows = X[np.random.default_rng(seed).choice(len(X), size=min(sample, len(X)), replace=False)]
        k = min(range(3, 9), key=lambda kk: fit(kk, rows, starts=1)[0])
    return np.asarray(fit(k, X)[1].predict(X)), k


def profiles(N: np.ndarray, fam: np.ndarray) -> np.ndarray:
    """Each family's value shares per customer; NaN where the customer has no data in the family."""
    X = np.full(N.shape, np.nan)
    for f in np.unique(fam):
        cols = fam == f
        tot = N[:, cols].sum(axis=1, keepdims=True)
        X[:, cols] = np.where(tot > 0, N[:, cols] / np.maximum(tot, 1e-12), np.nan)
    return X


def imputed(N: np.ndarray, fam: np.ndarray) -> np.ndarray:
    X = profiles(N, fam)
    means = np.nanmean(X, axis=0)
    X = np.where(np.isnan(X), np.nan_to_num(means)[None, :], X)
    return StandardScaler().fit_transform(X)


def gower_labels(N: np.ndarray, fam: np.ndarray, k: int, seed: int, sample: int = 3000) -> np.ndarray:
    X = profiles(N, fam)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(X), size=min(sample, len(X)), replace=False))
    S = X[idx]
    known = ~np.isnan(S)
    V = np.nan_to_num(S)
    # Gower on shares in [0, 1]: the mean absolute difference over the columns both customers have
    both = known.astype(np.float64) @ known.T.astype(np.float64)
    dist = np.zeros((len(S), len(S)))
    for j in range(S.shape[1]):  # columns, not rows: ~100 vectorised passes
        kj = known[:, j]
        dist += np.abs(V[:, j][:, None] - V[:, j][None, :]) * (kj[:, None] & kj[None, :])
    dist = np.where(both > 0, dist / np.maximum(both, 1), 1.0)
    lab = k_medoids(dist, k, rng)
    centers = np.array([np.nanmean(S[lab == c], axis=0) for c in range(k)])
    centers = np.nan_to_num(centers)
    Xf, kn = np.nan_to_num(X), (~np.isnan(X)).astype(np.float64)
    d = np.stack([(np.abs(Xf - c[None, :]) * kn).sum(axis=1) / np.maximum(kn.sum(axis=1), 1) for c in centers], 1)
    return np.asarray(d.argmin(axis=1))


def k_medoids(dist: np.ndarray, k: int, rng: np.random.Generator, starts: int = 5) -> np.ndarray:
    """Voronoi-iteration k-medoids on a distance matrix, k-means++ seeding, best of ``starts``."""
    best, best_cost = np.zeros(len(dist), dtype=np.int64), np.inf
    for _ in range(starts):
        med = [int(rng.integers(len(dist)))]
        for _ in range(1, k):
            d2 = dist[:, med].min(axis=1) ** 2
            med.append(int(rng.choice(len(dist), p=d2 / d2.sum())) if d2.sum() > 0 else int(rng.integers(len(dist))))
        for _ in range(100):
            lab = dist[:, med].argmin(axis=1)
            new = [
                int(np.flatnonzero(lab == c)[dist[np.ix_(lab == c, lab == c)].sum(axis=1).argmin()])
                if (lab == c).any()
                else med[c]
                for c in range(k)
            ]
            if new == med:
                break
            med = new
        cost = dist[:, med].min(axis=1).sum()
        if cost < best_cost:
            best, best_cost = dist[:, med].argmin(axis=1), cost
    return best


def algorithms(fam: np.ndarray, seed: int) -> dict[str, Callable[[np.ndarray, int], np.ndarray]]:
    def latent(N: np.ndarray, k: int) -> np.ndarray:
        return np.asarray(LatentClassSegmenter(families=fam, k=k, random_state=seed).fit(N).labels_)

    def plain(N: np.ndarray, k: int) -> np.ndarray:
        model = LatentClassSegmenter(families=fam, k=k, random_state=seed, **PLAIN)
        return np.asarray(model.fit(N).labels_)

    def kmeans(N: np.ndarray, k: int) -> np.ndarray:
        return np.asarray(KMeans(k, n_init=10, random_state=seed).fit_predict(imputed(N, fam)))

    def gmm(N: np.ndarray, k: int) -> np.ndarray:
        X = imputed(N, fam)
        return np.asarray(GaussianMixture(k, covariance_type="diag", n_init=3, random_state=seed).fit(X).predict(X))

    def gower(N: np.ndarray, k: int) -> np.ndarray:
        return gower_labels(N, fam, k, seed)

    def nmf(N: np.ndarray, k: int) -> np.ndarray:
        Nt = LatentClassSegmenter(families=fam).temper(N)
        W = NMF(k, init="nndsvda", max_iter=500, random_state=seed).fit_transform(Nt)
        return np.asarray(W.argmax(axis=1))

    def stepmix(N: np.ndarray, k: int) -> np.ndarray:
        return stepmix_labels(N, fam, k, seed)[0]

    return {
        "latent class": latent,
        "plain latent class": plain,
        "k-means": kmeans,
        "GMM": gmm,
        "Gower": gower,
        "NMF": nmf,
        "StepMix": stepmix,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kinds", nargs="+", default=["retail", "saas"])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.2, 0.4])
    ap.add_argument("--noise-model", choices=["blocks", "mixing"], default="blocks")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", nargs="+", help="run only these algorithms (names as in the table)")
    ap.add_argument("--no-stepmix-auto", action="store_true", help="skip StepMix's choice of k (slow)")
    ap.add_argument("--dir", type=Path, default=Path("bench-out") / "segments")
    ap.add_argument("--markdown", type=Path, help="also write the table here")
    args = ap.parse_args()
    names = [n for n in algorithms(np.zeros(1, dtype=np.int64), 0) if not args.only or n in args.only]
    head = (
        "| demo | customers | noise | ceiling | "
        + " | ".join(f"{n} ARI (of ceiling)" for n in names)
        + " | latent class auto k: k, ARI (of ceiling) | plain auto k | StepMix auto k |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    print(head, flush=True)
    seconds = {n: 0.0 for n in [*names, "latent class auto", "plain auto", "StepMix auto"]}
    for kind in args.kinds:
        for n in args.sizes:
            N0, fam, y = demo_matrix(kind, n, args.seed, args.dir)
            k = len(set(y))
            for noise in args.noise:
                rng = np.random.default_rng(args.seed)
                if not noise:
                    N = N0
                elif args.noise_model == "mixing":
                    N = add_mixing(N0, fam, y, noise, rng)
                else:
                    N = add_noise(N0, fam, noise, rng)
                top, which = ceiling(N, fam, y, args.seed)
                scores = []
                for name, fit in algorithms(fam, args.seed).items():
                    if name not in names:
                        continue
                    start = time.perf_counter()
                    scores.append(adjusted_rand_score(y, fit(N, k)))
                    seconds[name] += time.perf_counter() - start
                auto = []
                for label, extra in (("latent class auto", {}), ("plain auto", PLAIN)):
                    start = time.perf_counter()
                    model = LatentClassSegmenter(families=fam, random_state=args.seed, **extra).fit(N)
                    seconds[label] += time.perf_counter() - start
                    if model.structure_found_:
                        score = adjusted_rand_score(y, model.labels_)
                        sign = "=" if model.k_ == k else "≠"
                        auto.append(f"{model.k_} ({sign} {k}), {score:.3f} ({score / top:.0%})")
                    else:
                        auto.append("none")
                if args.no_stepmix_auto:
                    auto.append("not run")
                else:
                    start = time.perf_counter()
                    labels, chosen = stepmix_labels(N, fam, None, args.seed)
                    seconds["StepMix auto"] += time.perf_counter() - start
                    score = adjusted_rand_score(y, labels)
                    auto.append(f"{chosen} ({'=' if chosen == k else '≠'} {k}), {score:.3f} ({score / top:.0%})")
                best = max(scores)
                cells = [(f"**{s:.3f}**" if s == best else f"{s:.3f}") + f" ({s / top:.0%})" for s in scores]
                line = (
                    f"| {kind} | {len(y):,} | {noise:.0%} | {top:.3f} ({which}) | "
                    + " | ".join(cells)
                    + " | "
                    + " | ".join(auto)
                    + " |"
                )
                lines.append(line)
                print(line, flush=True)
    timing = ", ".join(f"{name} {s:.0f} s" for name, s in seconds.items())
    print(f"\nnoise model: {args.noise_model}; total fit time per algorithm: {timing}")
    if args.markdown:
        text = "\n".join(lines) + f"\n\nNoise model: {args.noise_model}. Total fit time per algorithm: {timing}.\n"
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
