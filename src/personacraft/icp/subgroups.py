"""Subgroup discovery: the few conjunctions of attribute values where a target is most over-represented.

A beam search over conjunctions of up to ``depth`` conditions (one per attribute), each
candidate scored by the standard quality family ``q = coverage ** a * (precision - base rate)``
(Klösgen): ``a = 1`` is weighted relative accuracy (WRAcc), which favours large groups;
``a = 0.5``, the default, is the binomial-test quality, which weighs precision more, so that a
small group of nearly all-positive units beats a broad one that is only a little better than
average. Several rules come from weighted covering (CN2-SD): after a rule is chosen, each
positive it covers counts ``1 / (1 + times covered)`` in the next search, so the next rule
explains other positives instead of restating the first. Everything is matrix arithmetic
over a boolean unit × condition matrix; ties break by condition order, so the result is
deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Subgroup:
    """One rule: the conjunction of ``conditions`` (column indices), with its unweighted counts."""

    conditions: tuple[int, ...]
    n: int  # units covered
    positives: int  # positive units covered
    quality: float  # with unit weights all 1


def quality(n: np.ndarray, pos: np.ndarray, total: float, total_pos: float, a: float) -> np.ndarray:
    """``coverage ** a * (precision - base rate)``; 0 where nothing is covered."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (n / total) ** a * (pos / n - total_pos / total)
    return np.where(n > 0, q, 0.0)


def discover(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    min_n: int,
    depth: int = 2,
    beam: int = 20,
    rules: int = 5,
    a: float = 0.5,
) -> list[Subgroup]:
    """Up to ``rules`` subgroups of ``X`` (units × conditions, boolean) where ``y`` is over-represented.

    ``groups`` gives each condition's attribute: a rule uses an attribute at most once. A rule
    covers at least ``min_n`` units and ``min_n`` positives (so every count it publishes does),
    and each added condition must raise the quality of its parent.
    """
    X = np.asarray(X, dtype=bool)
    y = np.asarray(y, dtype=bool)
    groups = np.asarray(groups)
    if X.shape[0] == 0 or X.shape[1] == 0 or not y.any():
        return []
    Xf = X.astype(np.float64)
    yf = y.astype(np.float64)
    times = np.zeros(len(y))
    found: list[Subgroup] = []
    for _ in range(rules):
        w = np.where(y, 1.0 / (1.0 + times), 1.0)
        best = _search(Xf, yf, w, groups, min_n=min_n, depth=depth, beam=beam, a=a, skip={r.conditions for r in found})
        if best is None:
            break
        cover = X[:, list(best)].all(axis=1)
        n, pos = int(cover.sum()), int((cover & y).sum())
        q = float(quality(np.array([n]), np.array([pos]), len(y), float(y.sum()), a)[0])
        if q <= 0:
            break
        found.append(Subgroup(best, n, pos, q))
        times += cover & y
    return found


def _search(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    groups: np.ndarray,
    *,
    min_n: int,
    depth: int,
    beam: int,
    a: float,
    skip: set[tuple[int, ...]],
) -> tuple[int, ...] | None:
    """The best conjunction under unit weights ``w``, by beam search; None when none qualifies."""
    total, total_pos = float(w.sum()), float((w * y).sum())
    width = X.shape[1]
    # the beam: rules as sorted tuples of conditions, with their cover and weighted quality
    level: list[tuple[tuple[int, ...], np.ndarray, float]] = [((), np.ones(len(y), dtype=np.float64), -np.inf)]
    best: tuple[float, tuple[int, ...]] | None = None
    for _ in range(depth):
        covers = np.stack([c for _, c, _ in level])  # beam × units
        n = covers @ X  # beam × conditions: units covered by rule + condition
        pos = (covers * y) @ X
        nw = (covers * w) @ X
        pw = (covers * w * y) @ X
        q = quality(nw, pw, total, total_pos, a)
        ok = (n >= min_n) & (pos >= min_n)
        seen: set[tuple[int, ...]] = set()
        candidates: list[tuple[float, tuple[int, ...], int, int]] = []
        for b, (conds, _, parent_q) in enumerate(level):
            used = {groups[c] for c in conds}
            for j in np.flatnonzero(ok[b] & (q[b] > parent_q)):
                if groups[j] in used:
                    continue
                rule = tuple(sorted((*conds, int(j))))
                if rule in seen:
                    continue
                seen.add(rule)
                candidates.append((float(q[b, j]), rule, b, int(j)))
        if not candidates:
            break
        candidates.sort(key=lambda c: (-c[0], c[1]))
        for score, rule, _, _ in candidates:
            if rule not in skip:
                if best is None or score > best[0] or (score == best[0] and rule < best[1]):
                    best = (score, rule)
                break
        level = [(rule, level[b][1] * X[:, j], score) for score, rule, b, j in candidates[:beam]]
        if width <= 1:
            break
    return None if best is None else best[1]
