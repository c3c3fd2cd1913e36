"""The verdict rules: the Wilson interval and the score test agree, BH adjusts, and each expect has its side."""

from __future__ import annotations

import numpy as np
import pytest

from personacraft.hypotheses.stats import (
    ALPHA,
    adjust,
    most_common_test,
    score_p,
    share_test,
    verdict,
    wilson,
)


def test_wilson_matches_a_worked_value() -> None:
    # 81 of 263 (Wilson 1927 / Newcombe 1998 worked example): 0.2553 to 0.3662 at 95 %
    lo, hi = wilson(81, 263, z=1.959964)
    assert lo == pytest.approx(0.2553, abs=1e-4) and hi == pytest.approx(0.3662, abs=1e-4)
    # the verdicts' interval is the 90 % one (z = 1.645): each end a one-sided 95 % bound, narrower
    lo, hi = wilson(81, 263)
    assert lo == pytest.approx(0.2633, abs=1e-4) and hi == pytest.approx(0.3566, abs=1e-4)
    lo, hi = wilson(81, 263, z=1.959964)
    assert lo == pytest.approx(0.2553, abs=1e-4) and hi == pytest.approx(0.3662, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(0, 50)
    assert lo == 0.0 and 0 < hi < 0.08


@pytest.mark.parametrize(("k", "n"), [(30, 100), (5, 12), (480, 1000), (990, 1000)])
def test_the_test_rejects_exactly_when_the_interval_excludes_the_threshold(k: int, n: int) -> None:
    lo, hi = wilson(k, n)
    for p0 in np.linspace(0.01, 0.99, 197):
        outside = p0 < lo or p0 > hi
        assert (score_p(k, n, p0) < ALPHA) == outside or min(abs(p0 - lo), abs(p0 - hi)) < 1e-3, (k, n, p0)


def test_the_test_is_one_sided_in_the_direction_of_the_data() -> None:
    # 56 of 100 against one half: z = 1.2, one-sided p = 0.1151 (two-sided 0.2301); the same below
    assert score_p(56, 100, 0.5) == pytest.approx(0.11507, abs=1e-4)
    assert score_p(44, 100, 0.5) == pytest.approx(0.11507, abs=1e-4)
    # 59 of 100: z = 1.8, clear one-sided (p = 0.036), where a two-sided test (p = 0.072) would not be
    assert score_p(59, 100, 0.5) < ALPHA < 2 * score_p(59, 100, 0.5)


def test_benjamini_hochberg() -> None:
    # ranks 1, 3, 2, 4: 0.01 * 4 / 1; 0.04 * 4 / 3, which also caps rank 2 (0.03 * 4 / 2 = 0.06); 0.5
    assert adjust([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert adjust([]) == []


def test_each_expect_has_its_side() -> None:
    high = share_test("majority", 80, 100, 0.5)
    low = share_test("majority", 20, 100, 0.5)
    assert verdict("majority", high, high.p_value) == "supported"
    assert verdict("majority", low, low.p_value) == "contradicted"
    assert verdict("less_than_average", low, low.p_value) == "supported"  # 20 % against an average of 50 %
    assert verdict("more_than_average", low, low.p_value) == "contradicted"
    level = share_test("at_least", 52, 100, 0.5)
    assert verdict("at_least", level, level.p_value) == "inconclusive"  # the interval spans the threshold
    assert verdict("majority", high, 0.2) == "inconclusive"  # not significant after the adjustment


def test_most_common_compares_with_the_runner_up() -> None:
    ahead = most_common_test(60, 100, 30, 0.3)
    assert ahead.threshold == 0.3 and verdict("most_common", ahead, ahead.p_value) == "supported"
    behind = most_common_test(30, 100, 60, 0.6)
    assert verdict("most_common", behind, behind.p_value) == "contradicted"
    close = most_common_test(40, 100, 38, 0.38)
    assert verdict("most_common", close, close.p_value) == "inconclusive"
