import numpy as np
import pytest
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
        draws = rng.poisson(5 + f, n)
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


@pytest.mark.slow
def test_pure_noise_is_reported_as_no_structure_not_as_personas() -> None:
    rng = np.random.default_rng(4)
    fam = np.repeat(np.arange(3), (4, 3, 5))
    for seed in range(3):
        # independent families, the same distribution for everyone: nothing to find
        N = np.hstack([rng.multinomial(3, np.full(v, 1 / v), 3000) for v in (4, 3, 5)]).astype(float)
        model = LatentClassSegmenter(families=fam, k_min=2, k_max=5, random_state=seed).fit(N)
        assert not model.structure_found_
        assert model.k_ == 1 and set(model.labels_) == {0}
        assert min(model.icl_[k] for k in range(2, 6)) >= model.icl_[1]


def test_separation_and_icl_are_reported_for_every_k() -> None:
    N, fam, _ = planted_counts(2000, 3, seed=6)
    model = LatentClassSegmenter(families=fam, k_min=2, k_max=5, random_state=0).fit(N)
    assert model.structure_found_ and model.k_ == 3
    assert set(model.icl_) == {1, 2, 3, 4, 5} and set(model.separation_) == {2, 3, 4, 5}
    assert all(0 <= v <= 1 for v in model.separation_.values())
    assert model.icl_[3] == min(model.icl_[k] for k in model.screen_)


def test_a_family_weighted_zero_does_not_segment() -> None:
    N, fam, y = planted_counts(2000, 3, seed=7)
    noise = np.random.default_rng(0).multinomial(20, np.full(6, 1 / 6), len(N)).astype(float)
    fam2 = np.concatenate([fam, np.full(6, 3)])
    both = np.hstack([N, noise])
    model = LatentClassSegmenter(
        families=fam2, family_weights=np.array([1.0, 1.0, 1.0, 0.0]), k_min=2, k_max=5, random_state=0
    ).fit(both)
    assert model.k_ == 3 and adjusted_rand_score(y, model.labels_) > 0.8
    # counts of a family weighted 0 do not move anyone
    moved = both.copy()
    moved[:, fam2 == 3] = 0
    assert np.allclose(model.predict_proba(moved), model.predict_proba(both))


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        LatentClassSegmenter(k=2).fit(-np.ones((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        LatentClassSegmenter(k=2).fit(np.full((5, 3), np.nan))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")  # the array-API check needs SCIPY_ARRAY_API
def test_follows_the_scikit_learn_estimator_contract() -> None:
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(
        LatentClassSegmenter(k=2, n_bootstrap=2, stability_size=200, sample_size=500),
        expected_failed_checks={
            "check_clustering": "it fits standardised data with negative values, which are not counts",
        },
    )


def blended_counts(n: int, k: int, share: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts from k planted segments where each customer draws ``share`` of their values from another one."""
    rng = np.random.default_rng(seed)
    sizes = (4, 3, 5, 4)
    fam = np.repeat(np.arange(len(sizes)), sizes)
    y = rng.integers(0, k, n)
    other = (y + rng.integers(1, k, n)) % k
    blocks = []
    for f, v in enumerate(sizes):
        probs = rng.dirichlet(np.full(v, 0.3), k)
        law = (1 - share) * probs[y] + share * probs[other]
        blocks.append(rng.multinomial(rng.poisson(6 + f, n), law))
    return np.hstack(blocks).astype(float), fam, y


@pytest.mark.slow
def test_customers_who_blend_two_personas_are_still_found() -> None:
    N, fam, y = blended_counts(4000, 4, 0.3, seed=11)
    model = LatentClassSegmenter(families=fam, k_min=2, k_max=6, random_state=0).fit(N)
    plain = LatentClassSegmenter(families=fam, k=4, blend=False, cap=3.0, random_state=0).fit(N)
    assert model.k_ == 4
    assert 0.2 < model.blend_ < 0.4  # the blend share is learned
    assert adjusted_rand_score(y, model.labels_) > adjusted_rand_score(y, plain.labels_)
    assert np.allclose(model.pairs_.sum(), 1) and np.allclose(model.weights_, model.pairs_.sum(axis=1))


def test_customers_who_do_not_blend_give_a_small_blend_share() -> None:
    N, fam, y = planted_counts(2000, 3, seed=12)
    model = LatentClassSegmenter(families=fam, k=3, random_state=0).fit(N)
    assert model.blend_ < 0.1 or np.trace(model.pairs_) > 0.8
    assert adjusted_rand_score(y, model.labels_) > 0.8
