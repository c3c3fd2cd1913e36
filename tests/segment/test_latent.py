import numpy as np
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

from personacraft.segment import LatentClassSegmenter


def planted_counts(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts from k planted segments over three families of 4, 3 and 5 values."""
    rng = np.random.default_rng(seed)
    sizes = (4, 3, 5)
    fam = np.repeat(np.arange(3), sizes)
    y = rng.integers(0, k, n)
    blocks = []
    for f, v in enumerate(sizes):
        probs = rng.dirichlet(np.full(v, 0.3), k)
        draws = rng.poisson(2 + f, n)
        blocks.append(np.stack([rng.multinomial(d, probs[c]) for d, c in zip(draws, y, strict=True)]))
    return np.hstack(blocks).astype(float), fam, y


def test_recovers_planted_segments_and_their_number() -> None:
    N, fam, y = planted_counts(3000, 4, seed=1)
    model = LatentClassSegmenter(families=fam, k_min=2, k_max=6, random_state=0).fit(N)
    assert model.k_ == 4
    assert adjusted_rand_score(y, model.labels_) > 0.8
    assert model.stability_.min() > 0.75
    assert np.allclose(model.predict_proba(N).sum(axis=1), 1)
    # each family's block of theta is a distribution
    for f in range(3):
        assert np.allclose(model.theta_[:, fam == f].sum(axis=1), 1)


def test_deterministic_for_a_seed_and_clonable() -> None:
    N, fam, _ = planted_counts(800, 3, seed=2)
    a = LatentClassSegmenter(families=fam, k_min=2, k_max=4, random_state=5).fit(N)
    b = clone(a).fit(N)
    assert np.array_equal(a.labels_, b.labels_)
    assert np.allclose(a.theta_, b.theta_)


def test_customers_without_data_fall_back_to_the_prior() -> None:
    N, fam, _ = planted_counts(600, 3, seed=3)
    model = LatentClassSegmenter(families=fam, k=3, random_state=0).fit(N)
    p = model.predict_proba(np.zeros((1, N.shape[1])))
    assert np.allclose(p[0], model.weights_)


def test_pure_noise_yields_unstable_or_single_structure() -> None:
    rng = np.random.default_rng(4)
    fam = np.repeat(np.arange(3), (4, 3, 5))
    N = rng.poisson(1.0, (1500, 12)).astype(float)
    model = LatentClassSegmenter(families=fam, k_min=2, k_max=5, random_state=0).fit(N)
    assert model.stability_.min() < 0.75 or model.k_ == 2
