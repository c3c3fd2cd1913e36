"""Profiles with statistics: for each persona and attribute value, share, lift and n."""

from __future__ import annotations

from typing import Any

from personacraft.store import Run

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
       (c.n / kp.n_known) / (ca.n / ka.n_known) AS lift
FROM cnt_p c
JOIN known_p kp USING (persona, feature)
JOIN cnt_all ca USING (feature, value)
JOIN known_all ka USING (feature)
ORDER BY c.persona, c.feature, c.n DESC, c.value
"""


def profile(run: Run, *, attributes: str = "attributes", labels: str = "labels") -> list[dict[str, Any]]:
    """Every (persona, feature, value) cell with its statistics."""
    return run.dicts(PROFILE_SQL.format(attributes=run.t(attributes), labels=run.t(labels)))


def defining_traits(
    cells: list[dict[str, Any]], persona: int, *, min_n: int, limit: int, exclude: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The persona's most distinctive values: over-represented, common, published only when n >= min_n.

    Ranked by the share difference weighted by lift, one value per feature.
    """
    best: dict[str, dict[str, Any]] = {}
    for c in cells:
        if c["persona"] != persona or c["feature"] in exclude or c["n"] < min_n:
            continue
        if c["lift"] < 1.2 or c["share"] < 0.25:
            continue
        score = (c["share"] - c["population_share"]) * min(c["lift"], 5.0)
        if c["feature"] not in best or score > best[c["feature"]]["_score"]:
            best[c["feature"]] = {**c, "_score": score}
    ranked = sorted(best.values(), key=lambda c: (-c["_score"], c["feature"]))
    return [{k: v for k, v in c.items() if k != "_score"} for c in ranked[:limit]]


def cells_for(cells: list[dict[str, Any]], persona: int, feature: str, *, min_n: int) -> list[dict[str, Any]]:
    """All published values of one feature for one persona, most common first."""
    out = [c for c in cells if c["persona"] == persona and c["feature"] == feature and c["n"] >= min_n]
    return sorted(out, key=lambda c: (-c["share"], c["value"]))
