import numpy as np
from scipy.stats import fisher_exact

from personacraft.segment.profile import add_tests, defining_traits


def cell(persona: int, value: str, n: int, known: int, with_value: int, everyone: int) -> dict:
    return {
        "persona": persona,
        "feature": "device",
        "value": value,
        "n": n,
        "n_known": known,
        "population_n": with_value,
        "population_known": everyone,
        "share": n / known,
        "population_share": with_value / everyone,
        "lift": (n / known) / (with_value / everyone),
    }


def test_p_values_are_fishers_exact_test_with_bh_adjustment() -> None:
    cells = add_tests([cell(0, "mobile", 60, 100, 200, 1000), cell(0, "desktop", 40, 100, 800, 1000)])
    for c in cells:
        # persona vs the rest, as a 2x2 table
        table = [
            [c["n"], c["n_known"] - c["n"]],
            [c["population_n"] - c["n"], c["population_known"] - c["n_known"] - (c["population_n"] - c["n"])],
        ]
        tails = [fisher_exact(table, alternative=a).pvalue for a in ("greater", "less")]
        assert np.isclose(c["p_value"], min(1.0, 2 * min(tails)), rtol=1e-6, atol=1e-300)
    ps = sorted(c["p_value"] for c in cells)
    assert np.isclose(max(c["p_adjusted"] for c in cells), ps[-1])
    assert np.isclose(min(c["p_adjusted"] for c in cells), min(1.0, ps[0] * 2, ps[1]))
    assert cells[0]["effect_size"] > 0 > cells[1]["effect_size"]


def test_defining_traits_need_significance_size_and_rank_by_effect() -> None:
    cells = add_tests(
        [
            cell(0, "mobile", 60, 100, 200, 1000),  # strong, significant
            cell(0, "tablet", 9, 10, 100, 1000),  # striking but n < 10: never published
            cell(0, "desktop", 30, 100, 240, 1000),  # lift 1.25, not significant
        ]
    )
    traits = defining_traits(cells, 0, min_n=10, limit=5)
    assert [t["value"] for t in traits] == ["mobile"]
    assert all(t["n"] >= 10 and t["p_adjusted"] < 0.05 for t in traits)
