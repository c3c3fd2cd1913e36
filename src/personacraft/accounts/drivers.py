"""What tells accounts that cancelled from those that stayed, as observed rates in plain words.

The candidates are what an account *is* (its buying group and contract), never what it did
after deciding to leave (product use stops once an account cancels): hands-on users, a
champion, a confirmed decision maker, the plan, the company size and the industry. Each
splits the accounts that ever paid into a risky and a safe group; the two churn rates are
compared with Fisher's exact test, Benjamini-Hochberg adjusted over every split tried. A driver
is kept when both groups hold ``min_n`` accounts, the risky group churns at least
:data:`MIN_RATIO` times as often, and the adjusted p is below 0.05; one that splits the
accounts almost as a stronger driver does (Jaccard >= 0.9, plan and company size often) is
dropped as the same finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import false_discovery_control, fisher_exact

from personacraft.accounts.money import ever_paid

MIN_RATIO = 1.3
SAME = 0.9  # Jaccard overlap of two risky groups that makes them one finding
SIZE_BANDS = ((1, 50), (51, 200), (201, 1000), (1001, 5000), (5001, 10**9))


@dataclass(frozen=True)
class Split:
    """A candidate driver: the risky group, the safe group and how people call each."""

    key: str
    risky: np.ndarray
    safe: np.ndarray
    risky_words: str
    safe_words: str


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _has(lists: np.ndarray, role: str) -> np.ndarray:
    """Which ``;``-separated role lists hold ``role``."""
    return np.char.find(np.char.add(np.char.add(";", lists.astype(str)), ";"), f";{role};") >= 0


def _roles(view: dict[str, np.ndarray], role: str) -> np.ndarray:
    return _has(view["roles_confirmed"], role) | _has(view["roles_inferred"], role)


def _splits(view: dict[str, np.ndarray], base: np.ndarray, min_n: int) -> list[Split]:
    out = [
        Split(
            "hands_on",
            base & (view["hands_on_users"] <= 1),
            base & (view["hands_on_users"] >= 2),
            "one hands-on user or none",
            "two or more",
        ),
        Split(
            "champion",
            base & ~_roles(view, "champion"),
            base & _roles(view, "champion"),
            "no champion",
            "a champion",
        ),
        Split(
            "decision_maker",
            base & ~_has(view["roles_confirmed"], "decision_maker"),
            base & _has(view["roles_confirmed"], "decision_maker"),
            "no confirmed decision maker",
            "a confirmed decision maker",
        ),
    ]
    for column, words in (("last_plan", "the {} plan"), ("industry", "{}")):
        values = view[column].astype(object)
        rates = {}
        for v in sorted({str(x) for x in values[base] if x is not None and x == x}):
            group = base & (values == v)
            if group.sum() >= min_n:
                rates[v] = (view["churned"][group].mean(), group)
        if len(rates) < 2:
            continue
        best = min(rates, key=lambda v: (rates[v][0], v))
        for v, (_, group) in sorted(rates.items()):
            if v != best:
                out.append(Split(f"{column}:{v}", group, rates[best][1], words.format(v), words.format(best)))
    employees = view["employees"].astype(float)
    bands = [(lo, hi) for lo, hi in SIZE_BANDS if (base & (employees >= lo) & (employees <= hi)).sum() >= min_n]
    if len(bands) >= 2:
        groups = {b: base & (employees >= b[0]) & (employees <= b[1]) for b in bands}
        low = min(bands, key=lambda b: (view["churned"][groups[b]].mean(), b))
        for b in bands:
            if b != low:
                out.append(
                    Split(
                        f"size:{b[0]}",
                        groups[b],
                        groups[low],
                        f"{b[0]:,}-{b[1]:,} employees",
                        f"{low[0]:,}-{low[1]:,} employees" if low[1] < 10**9 else f"over {low[0] - 1:,}",
                    )
                )
    return out


def churn_drivers(view: dict[str, np.ndarray], *, min_n: int) -> list[dict[str, Any]]:
    """The observed churn drivers of the accounts that ever paid, strongest first."""
    base = ever_paid(view)
    churned = view["churned"].astype(bool)
    found = []
    for s in _splits(view, base, min_n):
        n_r, n_s = int(s.risky.sum()), int(s.safe.sum())
        if n_r < min_n or n_s < min_n:
            continue
        k_r, k_s = int(churned[s.risky].sum()), int(churned[s.safe].sum())
        p = float(fisher_exact([[k_r, n_r - k_r], [k_s, n_s - k_s]])[1])
        found.append((s, n_r, k_r, n_s, k_s, p))
    if not found:
        return []
    adjusted = false_discovery_control([f[-1] for f in found])
    kept: list[dict[str, Any]] = []
    groups: list[np.ndarray] = []
    for (s, n_r, k_r, n_s, k_s, _), q in sorted(zip(found, adjusted, strict=True), key=lambda x: (x[1], x[0][0].key)):
        r_r, r_s = k_r / n_r, k_s / n_s
        if q >= 0.05 or r_r < MIN_RATIO * r_s or r_r == 0:
            continue
        if any(
            (s.risky & g).sum() / max(1, (s.risky | g).sum()) >= SAME for g in groups
        ):  # the same accounts as a stronger driver
            continue
        groups.append(s.risky)
        times = f"{r_r / r_s:.1f}× as often" if r_s > 0 else "while the others did not"
        kept.append(
            {
                "driver": s.key,
                "summary": f"Accounts with {s.risky_words} churned {times} ({_pct(r_r)} of {n_r}) as those "
                f"with {s.safe_words} ({_pct(r_s)} of {n_s}).",
                "risky": s.risky_words,
                "safe": s.safe_words,
                "churn_risky": round(r_r, 4),
                "churn_safe": round(r_s, 4),
                "n_risky": n_r,
                "n_safe": n_s,
                "p_adjusted": round(float(q), 6),
            }
        )
    return kept
