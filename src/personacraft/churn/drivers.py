"""Why customers churn: per group (persona), the features that matter most and the values that raise the risk.

A feature's importance is the AUC the model loses when its values are shuffled within the
group (permutation importance); its risky and safe values are compared by predicted risk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_is_fitted

from personacraft.churn.classifier import (
    MIN_VALID_EVENTS,
    MIN_VALID_NON_EVENTS,
    ChurnClassifier,
    Columns,
    _labels,
    _n_rows,
    _numeric,
    _shortfall,
    _text,
)
from personacraft.churn.validation import CrossValidation

_DIRECTION_CATEGORIES = 12  # categories of a driver whose predicted risk is compared
_BATCH_ROWS = 200_000  # rows per predict call when drivers stack shuffled copies


@dataclass(frozen=True)
class Driver:
    """A feature that moves churn in a group, and which way."""

    feature: str
    importance: float  # mean drop of the group's AUC when the feature is shuffled among its rows
    importance_std: float  # over the shuffles
    kind: str  # "numeric" or "categorical"
    risky: str  # the category, or the value (the group's 10th or 90th percentile), with the higher risk
    safe: str  # the one with the lower risk
    risk_risky: float  # mean predicted churn of the group's customers if they all had ``risky``
    risk_safe: float
    higher_raises_risk: bool | None  # numeric features only
    summary: str


@dataclass(frozen=True)
class GroupDrivers:
    """The strongest drivers of churn inside one group (persona)."""

    group: str
    customers: int
    churn_events: int
    auc: float
    drivers: tuple[Driver, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _shuffle_within(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A permutation of positions that moves each position only among those of its own group."""
    by_group = np.argsort(codes, kind="stable")
    shuffled = np.lexsort((rng.random(len(codes)), codes))
    perm = np.empty(len(codes), dtype=np.int64)
    perm[by_group] = shuffled
    return perm


def _auc_rows(y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """The AUC of each row of predictions ``P`` (repeats × customers) against ``y``."""
    ranks = rankdata(P, axis=1)
    pos = y == 1
    n1, n0 = int(pos.sum()), int((~pos).sum())
    return np.asarray((ranks[:, pos].sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0))


def _replaced(model: ChurnClassifier, X: np.ndarray, j: int, values: np.ndarray) -> np.ndarray:
    """Churn probability of X's rows with column ``j`` set to each row of ``values`` (k × rows)."""
    out = np.empty(values.shape)
    per_call = max(1, _BATCH_ROWS // max(len(X), 1))
    for start in range(0, len(values), per_call):
        block = values[start : start + per_call]
        stacked = np.tile(X, (len(block), 1))
        stacked[:, j] = block.ravel()
        out[start : start + len(block)] = model._churn(stacked).reshape(block.shape)
    return out


def _number(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _sample(members: np.ndarray, y: np.ndarray, cap: int, rng: np.random.Generator) -> np.ndarray:
    """Weights that keep at most ``cap`` rows of each class of a group and restore the group's mix (0 = left out)."""
    weight = np.zeros(len(y))
    for cls in (0, 1):
        rows = members[y[members] == cls]
        kept = rows if len(rows) <= cap else rng.choice(rows, cap, replace=False)
        weight[kept] = len(rows) / len(kept)
    return weight


def _direction(
    parts: list[tuple[ChurnClassifier, np.ndarray, np.ndarray]],
    weight: np.ndarray,
    values: np.ndarray,
    name: str,
    j: int,
    importance: tuple[float, float],
) -> Driver:
    """The model's mean predicted churn in the group with the feature set to each of a few settings.

    ``weight`` is the group's sampling weight per row (0 outside the group or the sample);
    the settings come from the whole group, whose rows are those of ``values`` with weight.
    """
    categorical = name in parts[0][0].categories_
    if categorical:
        text, missing = _text(values)
        cats, counts = np.unique(text[~missing], return_counts=True)
        settings = cats[np.argsort(-counts, kind="stable")[:_DIRECTION_CATEGORIES]]
    else:
        x = _numeric(name, values)
        x = x[~np.isnan(x)]
        lo, hi = (float(np.percentile(x, 10)), float(np.percentile(x, 90))) if len(x) else (np.nan, np.nan)
        if lo == hi and len(x):
            lo, hi = float(x.min()), float(x.max())
        settings = np.array([lo, hi])
    total = np.zeros(len(settings))
    for model, rows, X in parts:
        w = weight[rows]
        mine = w > 0
        if mine.any():
            codes = np.repeat(model._encode_column(name, settings)[:, None], int(mine.sum()), axis=1)
            total += _replaced(model, X[mine], j, codes) @ w[mine]
    risk = total / weight.sum()
    hi_i, lo_i = int(np.argmax(risk)), int(np.argmin(risk))
    if categorical:
        risky, safe = str(settings[hi_i]), str(settings[lo_i])
        higher = None
        summary = (
            f'{name}: "{risky}" raises churn risk most ({risk[hi_i]:.0%} predicted vs {risk[lo_i]:.0%} for "{safe}")'
        )
    else:
        risky, safe = _number(settings[hi_i]), _number(settings[lo_i])
        higher = bool(risk[1] > risk[0])
        summary = (
            f"{name}: {'higher' if higher else 'lower'} values raise churn risk "
            f"({risk[hi_i]:.0%} predicted at {risky} vs {risk[lo_i]:.0%} at {safe})"
            if risk[1] != risk[0]
            else f"{name}: no direction (the same predicted risk at {safe} and {risky})"
        )
    return Driver(
        name, importance[0], importance[1], "categorical" if categorical else "numeric",
        risky, safe, float(risk[hi_i]), float(risk[lo_i]), higher, summary,
    )  # fmt: skip


def group_drivers(
    fitted: ChurnClassifier | CrossValidation,
    columns: Columns,
    y: Any,
    groups: np.ndarray | None = None,
    *,
    top: int = 5,
    n_repeats: int = 5,
    max_per_class: int = 2500,
    seed: int = 0,
) -> dict[str, GroupDrivers | str]:
    """The features that move churn most inside each group (persona, or "all" without groups), and which way.

    Importance is permutation importance on AUC: how much the group's AUC falls when one
    feature is shuffled among the group's rows, ``n_repeats`` times. Given the
    :class:`CrossValidation` of these rows, every prediction is out of fold (shuffled within
    each fold's held-out rows); given a fitted model, pass rows it did not learn from, or
    the importances also reflect what it memorised. Only features whose shuffling lowers the
    AUC are drivers. Each group is measured on at most ``max_per_class`` churners and as
    many who stayed (AUC does not depend on the mix). The direction is the model's mean
    predicted churn over the group with the feature set to each of its most frequent
    categories, or to its 10th and 90th percentiles. A group with fewer than
    ``MIN_VALID_EVENTS`` churn events or ``MIN_VALID_NON_EVENTS`` who stayed gets the reason instead.
    """
    y = _labels(y)
    n = _n_rows(columns)
    if isinstance(fitted, CrossValidation):
        if sum(len(rows) for rows in fitted.test_rows) != n:
            raise ValueError("the cross-validation was run on other rows than these columns")
        pairs = list(zip(fitted.models, fitted.test_rows, strict=True))
    else:
        check_is_fitted(fitted, "model_")
        pairs = [(fitted, np.arange(n))]
    labels, code = np.unique(
        np.full(n, "all") if groups is None else np.asarray(groups).astype(str), return_inverse=True
    )
    rng = np.random.default_rng(seed)
    out: dict[str, GroupDrivers | str] = {}
    weights: dict[int, np.ndarray] = {}
    for k, label in enumerate(labels):
        events = int(y[code == k].sum())
        need = (MIN_VALID_EVENTS, MIN_VALID_NON_EVENTS)
        if reason := _shortfall(events, int((code == k).sum()) - events, need, f'data in "{label}"', "drivers"):
            out[str(label)] = reason
        else:
            weights[k] = _sample(np.flatnonzero(code == k), y, max_per_class, rng)
    if not weights:
        return out
    used = np.logical_or.reduce([w > 0 for w in weights.values()])
    parts = [(model, rows[used[rows]], model._encode(columns, rows[used[rows]])) for model, rows in pairs]
    features = parts[0][0].features_
    proba = np.empty(n)
    for model, rows, X in parts:
        proba[rows] = model._churn(X)
    base = {k: float(roc_auc_score(y[w > 0], proba[w > 0])) for k, w in weights.items()}
    drops = np.zeros((len(features), n_repeats, len(labels)))
    for j in range(len(features)):
        shuffled = np.empty((n_repeats, n))
        for model, rows, X in parts:
            perms = np.stack([_shuffle_within(code[rows], rng) for _ in range(n_repeats)])
            shuffled[:, rows] = _replaced(model, X, j, X[perms, j])
        for k, w in weights.items():
            drops[j, :, k] = base[k] - _auc_rows(y[w > 0], shuffled[:, w > 0])
    for k, w in weights.items():
        mean, std = drops[:, :, k].mean(axis=1), drops[:, :, k].std(axis=1)
        best = [j for j in np.argsort(-mean, kind="stable")[:top] if mean[j] > 0]
        in_group = code == k
        drivers = tuple(
            _direction(
                parts, w, np.asarray(columns[features[j]])[in_group], features[j], j, (float(mean[j]), float(std[j]))
            )
            for j in best
        )
        label = str(labels[k])
        out[label] = GroupDrivers(label, int(in_group.sum()), int(y[in_group].sum()), base[k], drivers)
    return out
