"""Profiles with statistics: for each persona and attribute value, share, lift, n and a test.

The test is Fisher's exact test of the persona against the rest of the customers whose
value of that attribute is known (two-sided as twice the smaller hypergeometric tail, vectorised),
with the Benjamini-Hochberg false-discovery-rate adjustment over every cell of the run.
The effect size is Cohen's h between the persona's share and the population's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import false_discovery_control, hypergeom

from personacraft.store import Run

ALPHA = 0.05  # a trait is published only when its adjusted p-value is below this

PROFILE_SQL = """
WITH a AS (
    SELECT a.customer_key, a.feature, a.value, a.source, l.persona
    FROM {attributes} a JOIN {labels} l USING (customer_key)
),
known_p AS (SELECT persona, feature, count(DISTINCT customer_key) AS n_known FROM a GROUP BY 1, 2),
known_all AS (SELECT feature, count(DISTINCT customer_key) AS n_known FROM a GROUP BY 1),
cnt_p AS (SELECT persona, feature, value, min(source) AS source, count(DISTINCT customer_key) AS n
          FROM a GROUP BY 1, 2, 3),
cnt_all AS (SELECT feature, value, count(DISTINCT customer_key) AS n FROM a GROUP BY 1, 2)
SELECT c.persona, c.feature, c.value, c.source, c.n, kp.n_known,
       c.n / kp.n_known AS share,
       ca.n / ka.n_known AS population_share,
       ca.n AS population_n,
       ka.n_known AS population_known,
       (c.n / kp.n_known) / (ca.n / ka.n_known) AS lift
FROM cnt_p c
JOIN known_p kp USING (persona, feature)
JOIN cnt_all ca USING (feature, value)
JOIN known_all ka USING (feature)
ORDER BY c.persona, c.feature, c.n DESC, c.value
"""


def profile(run: Run, *, attributes: str = "attributes", labels: str = "labels") -> list[dict[str, Any]]:
    """Every (persona, feature, value) cell with its statistics (see :func:`add_tests`)."""
    return add_tests(run.dicts(PROFILE_SQL.format(attributes=run.t(attributes), labels=run.t(labels))))


def save_cells(run: Run, cells: list[dict[str, Any]]) -> None:
    """``profile_cells``: each (persona, feature, value) cell's ``n`` and ``n_known``, for the diff of two runs
    (:mod:`personacraft.personas.changes` reads them instead of counting the attributes again)."""
    run.write_arrays(
        "profile_cells",
        {
            "persona": np.array([int(c["persona"]) for c in cells], dtype=np.int32),
            "feature": np.array([str(c["feature"]) for c in cells], dtype=object),
            "value": np.array([str(c["value"]) for c in cells], dtype=object),
            "n": np.array([int(c["n"]) for c in cells], dtype=np.int64),
            "n_known": np.array([int(c["n_known"]) for c in cells], dtype=np.int64),
        },
    )


def add_tests(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``p_value``, ``p_adjusted`` (Benjamini-Hochberg over all cells) and ``effect_size`` (Cohen's h)."""
    if not cells:
        return cells
    n = np.array([c["n"] for c in cells], dtype=np.int64)
    known = np.array([c["n_known"] for c in cells], dtype=np.int64)
    with_value = np.array([c["population_n"] for c in cells], dtype=np.int64)
    everyone = np.array([c["population_known"] for c in cells], dtype=np.int64)
    # drawing the persona's known customers from everyone known: P(X >= n) and P(X <= n)
    over = hypergeom.sf(n - 1, everyone, with_value, known)
    under = hypergeom.cdf(n, everyone, with_value, known)
    p = np.clip(2 * np.minimum(over, under), 0.0, 1.0)
    adjusted = false_discovery_control(p, method="bh")
    share = np.array([c["share"] for c in cells], dtype=np.float64)
    pop = np.array([c["population_share"] for c in cells], dtype=np.float64)
    h = 2 * np.arcsin(np.sqrt(share)) - 2 * np.arcsin(np.sqrt(pop))
    for c, pv, pa, e in zip(cells, p, adjusted, h, strict=True):
        c["p_value"] = float(pv)
        c["p_adjusted"] = float(pa)
        c["effect_size"] = float(e)
    return cells


def defining_traits(
    cells: list[dict[str, Any]], persona: int, *, min_n: int, limit: int, exclude: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The persona's defining values: over-represented (lift >= 1.2), common (share >= 25 %),
    significant after the FDR adjustment, and published only when n >= min_n.

    Ranked by effect size (Cohen's h), one value per feature.
    """
    best: dict[str, dict[str, Any]] = {}
    for c in cells:
        if c["persona"] != persona or c["feature"] in exclude or c["n"] < min_n:
            continue
        if c["lift"] < 1.2 or c["share"] < 0.25 or c["p_adjusted"] >= ALPHA:
            continue
        if c["feature"] not in best or c["effect_size"] > best[c["feature"]]["effect_size"]:
            best[c["feature"]] = c
    return sorted(best.values(), key=lambda c: (-c["effect_size"], c["feature"]))[:limit]


def cells_for(cells: list[dict[str, Any]], persona: int, feature: str, *, min_n: int) -> list[dict[str, Any]]:
    """All published values of one feature for one persona, most common first."""
    out = [c for c in cells if c["persona"] == persona and c["feature"] == feature and c["n"] >= min_n]
    return sorted(out, key=lambda c: (-c["share"], c["value"]))


def cell_facts(c: dict[str, Any]) -> dict[str, Any]:
    """A profile cell as published: feature, value, share, population share, lift and n, rounded;
    the adjusted p-value and effect size when it was tested (:func:`add_tests`); its source."""
    out = {
        "feature": c["feature"],
        "value": str(c["value"]),
        "share": round(float(c["share"]), 4),
        "population_share": round(float(c["population_share"]), 4),
        "lift": round(float(c["lift"]), 3),
        "n": int(c["n"]),
    }
    if "p_adjusted" in c:
        out["p_adjusted"] = float(f"{c['p_adjusted']:.3g}")
        out["effect_size"] = round(float(c["effect_size"]), 3)
    out["source"] = c.get("source") or "unknown"
    return out
