"""The fit score: how much a unit looks like the best ones, from who it is (never from what it did).

A logistic regression (L2, ``C = 1``) of "best" on the one-hot fit attributes (industry, size
band, country, buying role, seniority, job function …) plus one column per ICP rule, so the
interaction a rule found (industry × size band) is scored as such. Every column is centred on
the training units, so a value the scorer does not know (a missing column, an unseen value, or a
role absent from a one-person lead) adds nothing: it counts as average. The score is the
model's probability of being a best unit, times 100 (0 to 100). A lead with nothing known
scores ``100 * sigmoid(base)``; its points add up exactly to its score minus that, each
attribute taking a share proportional to its log-odds contribution (the secant slope of the
sigmoid between the two), so a point always has the sign of the attribute's effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from personacraft.icp.rules import Condition, rule_columns, rule_label


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))))


@dataclass(frozen=True)
class FitModel:
    """The learned weights; no training data is kept."""

    columns: tuple[Condition, ...]  # the one-hot fit columns
    rules: tuple[tuple[Condition, ...], ...]  # ICP rules scored as columns after ``columns``
    multi: frozenset[str]  # features a unit can have several values of (the roles in an account)
    mean: np.ndarray  # each column's mean over the training units (its "unknown" value)
    coef: np.ndarray
    base: float  # log-odds of a unit with every column at its mean

    @classmethod
    def fit(
        cls,
        X: np.ndarray,
        y: np.ndarray,
        columns: tuple[Condition, ...],
        rules: tuple[tuple[Condition, ...], ...],
        multi: frozenset[str],
        *,
        C: float = 1.0,
    ) -> FitModel:
        """Fit on ``X`` (units × ``columns``, 0/1) and ``y`` (best or not)."""
        D = rule_columns(np.asarray(X, dtype=np.float64), columns, rules)
        mean = D.mean(axis=0)
        y = np.asarray(y, dtype=bool)
        if D.shape[1] == 0:  # nothing common enough to learn from: everyone scores the base rate
            rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
            return cls(columns, rules, multi, mean, np.zeros(0), float(np.log(rate / (1 - rate))))
        lr = LogisticRegression(C=C, max_iter=2000).fit(D - mean, y)
        return cls(columns, rules, multi, mean, lr.coef_[0].copy(), float(lr.intercept_[0]))

    @property
    def groups(self) -> list[str]:
        """What each contribution is about: a feature, or an ICP rule's label."""
        feats = list(dict.fromkeys(f for f, _ in self.columns))
        return feats + [rule_label(r, self.multi) for r in self.rules]

    def group_of_column(self) -> np.ndarray:
        feats = {f: i for i, f in enumerate(dict.fromkeys(f for f, _ in self.columns))}
        own = [feats[f] for f, _ in self.columns]
        return np.array(own + [len(feats) + k for k in range(len(self.rules))], dtype=np.int64)

    def contributions(self, D: np.ndarray) -> np.ndarray:
        """Each unit's log-odds contribution per group (units × groups); 0 means average."""
        parts = (D - self.mean) * self.coef
        out = np.zeros((len(D), len(self.groups)))
        np.add.at(out.T, self.group_of_column(), parts.T)
        return out

    def score(self, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The fit score (0 to 100) of each row of the design ``D``, and each group's points."""
        c = self.contributions(D)
        dz = c.sum(axis=1)
        p, p0 = sigmoid(self.base + dz), float(sigmoid(np.array(self.base)))
        near = np.abs(dz) < 1e-9
        slope = np.where(near, p0 * (1 - p0), (p - p0) / np.where(near, 1.0, dz))
        return 100 * p, 100 * slope[:, None] * c

    def value_points(self) -> list[dict[str, Any]]:
        """Points each value adds to a lead with nothing else known, largest first."""
        p0 = float(sigmoid(np.array(self.base)))
        out = []
        for j, (f, v) in enumerate(self.columns):
            pts = 100 * (float(sigmoid(np.array(self.base + self.coef[j] * (1 - self.mean[j])))) - p0)
            out.append({"feature": f, "value": v, "points": round(pts, 1)})
        for k, r in enumerate(self.rules):
            j = len(self.columns) + k
            pts = 100 * (float(sigmoid(np.array(self.base + self.coef[j] * (1 - self.mean[j])))) - p0)
            out.append({"feature": "ICP rule", "value": rule_label(r, self.multi), "points": round(pts, 1)})
        return sorted(out, key=lambda d: (-abs(d["points"]), d["feature"], d["value"]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "logistic regression (L2, C = 1) on the one-hot fit attributes and the ICP rules",
            "score_with_nothing_known": round(100 * float(sigmoid(np.array(self.base))), 1),
            "points": self.value_points(),
        }
