"""Says against does: where what a persona's customers state contradicts what they do, tested pair by pair.

**Families.** A *stated* family is one whose ``attributes.source`` is in :data:`STATED` (a survey answer, a
CRM field, an interview attribute); a *behavioural* one is in :data:`BEHAVIOUR` (orders, discounts,
categories, timing, events, billing, tickets). Every stated value *s* is paired with every behavioural value
*b*, in each published persona and in everyone, over the customers with both families known
(:data:`~personacraft.hypotheses.sql.SAYS_DOES`, one SQL pass).

**The test.** Each cell is the 2×2 table "states *s* or another value" × "does *b* or not". Its effect is
the difference of shares d = P(b | says s) − P(b | says another value), with Newcombe's hybrid score 95 %
interval; its test is Pearson's chi-square, or Fisher's exact test when an expected count is under 5; φ (Cramér's
V of a 2×2) is given too. The p-values of every persona's and everyone's cells are adjusted together
(Benjamini-Hochberg, "over all pairs"). A cell is tested only when at least the privacy minimum group size
state *s* and at least as many state another value.

**What saying s means** comes from the data: the same 2×2 among the customers *outside* the persona (for
everyone: nobody is outside, so everyone's cells are the links themselves). The link is the sign of d there,
when it is clear (its own BH-adjusted p < :data:`ALPHA`) and clearly at least :data:`MIN_EFFECT` (its whole
95 % interval lies beyond 10 points).

**A contradiction** in a persona is a cell where those of its customers who state *s* do *b* in the opposite
direction to the link, clearly: the persona's d has the other sign, its whole 95 % interval lies beyond
:data:`MIN_EFFECT` on that side, and its BH-adjusted p < :data:`ALPHA`. In words: *elsewhere, those who say s
do b more (less) than those who say something else; in this persona, they do it less (more)*. Of the cells of
one pair of families in a persona, one is published: the largest |d| (on a tie, the one said by fewer
customers, the more specific statement), with ``other_cells``, how many more of the pair qualify (a family of
two values always mirrors its contradiction: those who say the other value do the opposite too). A persona
mixing customers of two kinds makes links inside it point the same way as outside, so a mixture alone does not
read as a contradiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import chi2, fisher_exact, norm

from personacraft.hypotheses.sql import SAYS_DOES
from personacraft.hypotheses.stats import ALPHA, adjust
from personacraft.store import Run

STATED = ("survey", "crm", "interview")
BEHAVIOUR = ("orders", "events", "billing", "tickets")
MIN_EFFECT = 0.10  # the least difference of shares, in the persona and in the link, that counts
ALL = "all"


@dataclass(frozen=True)
class Cells:
    """Every (group, stated value, behavioural value) as arrays: the 2×2 table, the test and the effect."""

    group: np.ndarray
    s_family: np.ndarray
    s_source: np.ndarray
    s_value: np.ndarray
    b_family: np.ndarray
    b_source: np.ndarray
    b_value: np.ndarray
    a: np.ndarray  # says s, does b
    b: np.ndarray  # says s, does not
    c: np.ndarray  # says another value, does b
    d: np.ndarray  # says another value, does not


def _quote(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def cells(run: Run, persona_id_sql: str) -> dict[str, np.ndarray]:
    """The counts of :data:`~personacraft.hypotheses.sql.SAYS_DOES` for the run's labels."""
    sql = SAYS_DOES.format(
        attributes=run.t("attributes"),
        labels=run.t("labels"),
        persona_id=persona_id_sql,
        stated=_quote(STATED),
        behaviour=_quote(BEHAVIOUR),
    )
    return run.numpy(sql)


def wilson_arrays(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals of ``k`` in ``n``, element-wise (``n`` > 0)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def two_by_two(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> dict[str, np.ndarray]:
    """Per table: the difference of shares with Newcombe's interval, φ, the p-value and the test's name."""
    a, b, c, d = (np.asarray(x, dtype=np.float64) for x in (a, b, c, d))
    n1, n2 = a + b, c + d
    n = n1 + n2
    z = float(norm.ppf(1 - ALPHA / 2))
    # a side with no customers (everyone of a cell says s, or none does) gives NaN: never tested, and a NaN
    # interval is never "beyond" (callers test only cells with the minimum group on both sides)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = a / n1, c / n2
        l1, u1 = wilson_arrays(a, n1, z)
        l2, u2 = wilson_arrays(c, n2, z)
        diff = p1 - p2
        lo = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        hi = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    col1, col2 = a + c, b + d
    denom = n1 * n2 * col1 * col2
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(denom > 0, n * (a * d - b * c) ** 2 / denom, 0.0)
        phi = np.where(denom > 0, (a * d - b * c) / np.sqrt(denom), 0.0)
    p = chi2.sf(stat, 1)
    expected = np.minimum.reduce([n1 * col1, n1 * col2, n2 * col1, n2 * col2]) / np.maximum(n, 1)
    small = np.flatnonzero((expected < 5) & (denom > 0))
    for i in small:  # Fisher's exact test, table by table: only the few tables with a small expected count
        p[i] = fisher_exact([[a[i], b[i]], [c[i], d[i]]]).pvalue
    test = np.where((expected < 5) & (denom > 0), "fisher", "chi-square")
    return {"diff": diff, "lo": lo, "hi": hi, "phi": phi, "p": np.where(denom > 0, p, 1.0), "test": test}


def beyond(t: dict[str, np.ndarray]) -> np.ndarray:
    """+1 where the whole 95 % interval of the difference lies at or above :data:`MIN_EFFECT`, -1 where at or
    below its negative, 0 elsewhere: the difference is *clearly* at least that large."""
    return np.where(t["lo"] >= MIN_EFFECT, 1, np.where(t["hi"] <= -MIN_EFFECT, -1, 0))


def says_vs_does(run: Run, persona_ids: list[str], persona_id_sql: str, *, min_group: int) -> dict[str, Any]:
    """Every persona's contradictions between what its customers state and what they do (the module's rules).

    Returns ``{"personas": {id: [contradiction, …]}, "tested": cells tested, "pairs": family pairs,
    "links": everyone's clearest links, "rule": …}``."""
    rows = cells(run, persona_id_sql)
    empty: dict[str, Any] = {"personas": {p: [] for p in persona_ids}, "tested": 0, "pairs": 0, "links": []}
    if not len(rows["persona_id"]):
        return empty | {"reason": "no customer has both a stated family (survey, CRM, interview) and a behaviour"}
    g = rows["persona_id"].astype(str)
    n_sb, n_s, n_b, n = (rows[k].astype(np.int64) for k in ("n_sb", "n_s", "n_b", "n"))
    key = np.char.add(
        np.char.add(np.char.add(rows["s_family"].astype(str), "\x1f"), rows["s_value"].astype(str)),
        np.char.add(
            np.char.add("\x1f", rows["b_family"].astype(str)), np.char.add("\x1f", rows["b_value"].astype(str))
        ),
    )
    # everyone's counts for each cell, to take the persona's away: the customers outside it
    is_all = g == ALL
    index = {k: i for i, k in enumerate(key[is_all])}
    at = np.array([index.get(k, -1) for k in key])  # one lookup per cell (not per customer)
    found = at >= 0
    ref = {name: np.where(found, arr[is_all][np.maximum(at, 0)], 0) for name, arr in
           (("n_sb", n_sb), ("n_s", n_s), ("n_b", n_b), ("n", n))}  # fmt: skip
    out_sb = np.where(is_all, ref["n_sb"], ref["n_sb"] - n_sb)
    out_s = np.where(is_all, ref["n_s"], ref["n_s"] - n_s)
    out_b = np.where(is_all, ref["n_b"], ref["n_b"] - n_b)
    out_n = np.where(is_all, ref["n"], ref["n"] - n)
    inside = two_by_two(n_sb, n_s - n_sb, n_b - n_sb, n - n_s - n_b + n_sb)
    outside = two_by_two(out_sb, out_s - out_sb, out_b - out_sb, out_n - out_s - out_b + out_sb)
    tested = (n_s >= min_group) & (n - n_s >= min_group)
    ref_tested = (out_s >= min_group) & (out_n - out_s >= min_group) & ~is_all
    p_adj = np.ones(len(g))
    p_adj[tested] = adjust(list(inside["p"][tested]))
    ref_adj = np.ones(len(g))
    ref_adj[ref_tested] = adjust(list(outside["p"][ref_tested]))
    link = np.where(ref_adj < ALPHA, beyond(outside), 0)
    clash = tested & ~is_all & (link != 0) & (beyond(inside) == -link) & (p_adj < ALPHA)
    found_by: dict[tuple[str, str, str], list[int]] = {}
    for i in (int(x) for x in np.flatnonzero(clash)):  # the contradictions: a handful of cells, not customers
        found_by.setdefault((str(g[i]), str(rows["s_family"][i]), str(rows["b_family"][i])), []).append(i)
    result: dict[str, list[dict[str, Any]]] = {p: [] for p in persona_ids}
    chosen = {k: min(v, key=lambda i: (-abs(inside["diff"][i]), n_s[i], str(key[i]))) for k, v in found_by.items()}
    for k, i in sorted(chosen.items(), key=lambda kv: (kv[0][0], p_adj[kv[1]], kv[0])):
        if k[0] in result:
            entry = _entry(rows, i, inside, outside, p_adj, ref_adj, n_s, n, out_s, out_n)
            entry["other_cells"] = len(found_by[k]) - 1  # more cells of the same pair that qualify
            result[k[0]].append(entry)
    pairs = len({(str(f), str(b)) for f, b in zip(rows["s_family"], rows["b_family"], strict=True)})
    clear = np.flatnonzero(is_all & tested & (p_adj < ALPHA) & (beyond(inside) != 0))
    top = sorted((int(i) for i in clear), key=lambda i: (-abs(inside["diff"][i]), str(key[i])))[:10]
    links = [_link(rows, i, inside, p_adj, n_s, n) for i in top]
    return {
        "personas": result,
        "tested": int(tested.sum()),
        "pairs": pairs,
        "links": links,
        "rule": {"alpha": ALPHA, "min_effect": MIN_EFFECT, "min_group_size": min_group},
    }


def _r(x: float, places: int = 4) -> float:
    return round(float(x), places)


def _entry(
    rows: dict[str, np.ndarray],
    i: int,
    inside: dict[str, np.ndarray],
    outside: dict[str, np.ndarray],
    p_adj: np.ndarray,
    ref_adj: np.ndarray,
    n_s: np.ndarray,
    n: np.ndarray,
    out_s: np.ndarray,
    out_n: np.ndarray,
) -> dict[str, Any]:
    """One contradiction with both sides' numbers and a sentence."""
    s_val, b_val, b_fam = str(rows["s_value"][i]), str(rows["b_value"][i]), str(rows["b_family"][i])
    says_share = rows["n_sb"][i] / n_s[i]
    rest_share = (rows["n_b"][i] - rows["n_sb"][i]) / (n[i] - n_s[i])
    more = inside["diff"][i] > 0
    text = (
        f"Those who say {s_val!r} ({int(n_s[i]):,} customers): {says_share:.0%} show {b_fam.lower()} {b_val!r}, "
        f"against {rest_share:.0%} of the persona's others who answered; elsewhere, those who say it show it "
        f"{'less' if more else 'more'} often than the rest ({outside['diff'][i] * 100:+.0f} points)."
    )
    return {
        "says": {
            "family": str(rows["s_family"][i]),
            "value": s_val,
            "source": str(rows["s_source"][i]),
            "n": int(n_s[i]),
        },
        "does": {"family": b_fam, "value": b_val, "source": str(rows["b_source"][i])},
        "share_sayers": _r(says_share),
        "share_others": _r(rest_share),
        "n_others": int(n[i] - n_s[i]),
        "difference": _r(inside["diff"][i]),
        "ci": [_r(inside["lo"][i]), _r(inside["hi"][i])],
        "phi": _r(inside["phi"][i], 3),
        "test": str(inside["test"][i]),
        "p_value": float(f"{inside['p'][i]:.3g}"),
        "p_adjusted": float(f"{p_adj[i]:.3g}"),
        "elsewhere": {
            "difference": _r(outside["diff"][i]),
            "ci": [_r(outside["lo"][i]), _r(outside["hi"][i])],
            "n_sayers": int(out_s[i]),
            "n_others": int(out_n[i] - out_s[i]),
            "p_adjusted": float(f"{ref_adj[i]:.3g}"),
        },
        "text": text,
    }


def _link(
    rows: dict[str, np.ndarray],
    i: int,
    inside: dict[str, np.ndarray],
    p_adj: np.ndarray,
    n_s: np.ndarray,
    n: np.ndarray,
) -> dict[str, Any]:
    """One of everyone's clearest links between a stated value and a behaviour (the reference)."""
    return {
        "says": {"family": str(rows["s_family"][i]), "value": str(rows["s_value"][i]), "n": int(n_s[i])},
        "does": {"family": str(rows["b_family"][i]), "value": str(rows["b_value"][i])},
        "difference": _r(inside["diff"][i]),
        "ci": [_r(inside["lo"][i]), _r(inside["hi"][i])],
        "n_others": int(n[i] - n_s[i]),
        "p_adjusted": float(f"{p_adj[i]:.3g}"),
    }
