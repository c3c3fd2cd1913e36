"""The ICP's rules: the conjunctions of attribute values where the best units are most over-represented, in words.

Subgroup discovery (:mod:`personacraft.icp.subgroups`) proposes them; a rule is published with
coverage, precision, lift, n and Fisher's exact test (Benjamini-Hochberg over the rules found)
when it lifts the best rate by ``MIN_LIFT`` or more and has ``p_adjusted < 0.05``. Each rule says
its evidence in words, "12 of 14 won and kept (likely 60–96 %)": the 95 % Wilson score interval of
its best rate; a rule covering fewer than ``FEW`` units carries a warning. Rules about accounts are
about companies: the people attributes of an account (buying role, seniority, job function) say
how complete the CRM is, not which company to target, so they are kept out of its rules (the fit
score still reads them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from personacraft.icp.subgroups import Subgroup, discover
from personacraft.icp.units import CHANNEL_FEATURES, Condition, Units
from personacraft.segment.profile import ALPHA, add_tests

QUALITY_A = 0.5  # subgroup quality: coverage ** a * (precision - base rate)
DEPTH = 2  # conditions per rule
BEAM = 20
MAX_RULES = 5
MIN_LIFT = 1.2
FEW = 30  # a rule covering fewer units carries a warning
Z95 = 1.959964
PEOPLE_FEATURES = frozenset({"Buying role", "Seniority", "Job function"})
# what "best" means in a rule's evidence, by unit
BEST_WORDS = {"account": "won and kept", "customer": "in the top fifth by CLV"}


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``k / n`` (95 % by default)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def evidence(best: int, n: int, kind: str) -> str:
    """``12 of 14 won and kept (likely 60–96 %)``."""
    lo, hi = wilson(best, n)
    return f"{best:,} of {n:,} {BEST_WORDS.get(kind, 'best')} (likely {100 * lo:.0f}–{100 * hi:.0f} %)"


def find_rules(units: Units, *, min_n: int) -> list[dict[str, Any]]:
    """The published rules: subgroups of best units, each with its evidence."""
    usable = np.array([units.kind != "account" or f not in PEOPLE_FEATURES for f, _ in units.columns], dtype=bool)
    index = np.flatnonzero(usable)
    names = [units.columns[j][0] for j in index]
    groups = np.unique(names, return_inverse=True)[1] if names else np.array([], dtype=np.int64)
    found = [
        Subgroup(tuple(int(index[c]) for c in s.conditions), s.n, s.positives, s.quality)
        for s in discover(
            units.X[:, index], units.best, groups, min_n=min_n, depth=DEPTH, beam=BEAM, rules=MAX_RULES, a=QUALITY_A
        )
    ]
    N, K = len(units.best), int(units.best.sum())
    cells = [
        {
            "n": s.positives,
            "n_known": K,
            "population_n": s.n,
            "population_known": N,
            "share": s.positives / K,
            "population_share": s.n / N,
        }
        for s in found
    ]
    add_tests(cells)
    rules: list[dict[str, Any]] = []
    for s, cell in zip(found, cells, strict=True):
        conds = in_reading_order(tuple(units.columns[j] for j in s.conditions))
        precision, base = s.positives / s.n, K / N
        if precision / base < MIN_LIFT or cell["p_adjusted"] >= ALPHA:
            continue
        low, high = wilson(s.positives, s.n)
        rules.append(
            {
                "id": f"r{len(rules) + 1}",
                "label": rule_label(conds, units.multi),
                "conditions": [{"feature": f, "value": v} for f, v in conds],
                "n": s.n,
                "coverage": round(s.n / N, 4),
                "best": s.positives,
                "precision": round(precision, 4),
                "precision_low": round(low, 4),
                "precision_high": round(high, 4),
                "evidence": evidence(s.positives, s.n, units.kind),
                "warning": (
                    f"only {s.n:,} {units.kind}s: a rule covering fewer than {FEW} is often chance; check it "
                    "before targeting on it"
                    if s.n < FEW
                    else None
                ),
                "best_rate": round(base, 4),
                "lift": round(precision / base, 3),
                "recall": round(s.positives / K, 4),
                "quality": round(s.quality, 5),
                "p_value": float(f"{cell['p_value']:.3g}"),
                "p_adjusted": float(f"{cell['p_adjusted']:.3g}"),
                "fit": all(f not in CHANNEL_FEATURES for f, _ in conds),
            }
        )
    return rules


def covered(units: Units, rules: list[dict[str, Any]]) -> np.ndarray:
    """Which units meet at least one rule; the best units when there is no rule."""
    if not rules:
        return units.best.copy()
    index = {c: j for j, c in enumerate(units.columns)}
    out = np.zeros(len(units.ids), dtype=bool)
    for r in rules:
        out |= units.X[:, [index[(c["feature"], c["value"])] for c in r["conditions"]]].all(axis=1)
    return out


# the order conditions read in: who the company is, then who the person is, then where they came from
READING_ORDER = ("Industry", "Company size", "Country", "Region", "Gender", "Age", "Buying role", "Seniority")


def in_reading_order(rule: tuple[Condition, ...]) -> tuple[Condition, ...]:
    rank = {f: i for i, f in enumerate(READING_ORDER)}
    return tuple(sorted(rule, key=lambda c: (rank.get(c[0], len(rank)), c)))


def rule_label(rule: tuple[Condition, ...], multi: frozenset[str] = frozenset()) -> str:
    """A rule in words: ``Industry = Retail and Company size = 51-200 employees``."""
    return " and ".join(f"{f} includes {v}" if f in multi else f"{f} = {v}" for f, v in in_reading_order(rule))


def rule_columns(X: np.ndarray, columns: tuple[Condition, ...], rules: tuple[tuple[Condition, ...], ...]) -> np.ndarray:
    """``X`` with one more column per rule: 1 where the unit meets every condition."""
    index = {c: j for j, c in enumerate(columns)}
    extra = [X[:, [index[c] for c in r]].min(axis=1) for r in rules]
    return np.column_stack([X, *extra]) if extra else X
