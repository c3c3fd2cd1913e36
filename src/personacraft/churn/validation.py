"""How good a churn model is: stratified cross-validation, validation at a later cutoff, and calibration.

* :func:`cross_validated_auc`: stratified K-fold with every learned step inside each fold;
* :func:`validate_over_time`: fit at an earlier cutoff, measure at a later one;
* both report Brier scores and a :class:`Calibration` (predicted against observed churn per tenth by risk).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.base import clone
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from personacraft.churn.classifier import (
    MIN_TRAIN_EVENTS,
    MIN_TRAIN_NON_EVENTS,
    ChurnClassifier,
    Columns,
    _labels,
    _n_rows,
    _shortfall,
    _take,
    too_little_data,
)


@dataclass(frozen=True)
class Calibration:
    """How predicted churn compares with observed churn."""

    mean_predicted: float
    observed_rate: float
    slope: float  # of the logistic recalibration: 1 is ideal; below 1, predictions are too extreme
    bins: tuple[tuple[float, float, int], ...]  # (mean predicted, observed rate, customers) per tenth by risk


def _calibration(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> Calibration:
    order = np.argsort(p, kind="stable")
    tenth = np.empty(len(p), dtype=np.int64)
    tenth[order] = np.arange(len(p)) * n_bins // len(p)
    counts = np.bincount(tenth, minlength=n_bins)
    pred = np.bincount(tenth, p, n_bins) / np.maximum(counts, 1)
    obs = np.bincount(tenth, y, n_bins) / np.maximum(counts, 1)
    bins = tuple((float(a), float(b), int(c)) for a, b, c in zip(pred, obs, counts, strict=True) if c)
    # slope of y ~ logit(p) by Newton's method (two parameters, so no solver is needed)
    q = np.clip(p, 1e-6, 1 - 1e-6)
    A = np.column_stack([np.ones(len(q)), np.log(q) - np.log1p(-q)])
    beta = np.array([0.0, 1.0])
    for _ in range(50):
        mu = expit(A @ beta)
        hessian = A.T @ (A * (mu * (1 - mu))[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, A.T @ (y - mu))
        beta += step
        if np.abs(step).max() < 1e-9:
            break
    return Calibration(float(p.mean()), float(y.mean()), float(beta[1]), bins)


def _plain(result: Any, leave: tuple[str, ...]) -> dict[str, Any]:
    # asdict would deep-copy the fields left out (models, arrays) only to drop them
    out = {f.name: getattr(result, f.name) for f in fields(result) if f.name not in leave}
    out["calibration"] = asdict(out["calibration"])
    return out


@dataclass(frozen=True, eq=False)
class CrossValidation:
    """Out-of-fold scores of a churn model; ``models[i]`` predicted the rows ``test_rows[i]``."""

    auc: float
    auc_folds: tuple[float, ...]
    brier: float
    brier_base: float  # Brier of giving everyone their training folds' churn rate
    calibration: Calibration
    proba: np.ndarray  # each row's out-of-fold churn probability
    models: tuple[ChurnClassifier, ...]
    test_rows: tuple[np.ndarray, ...]

    def to_dict(self) -> dict[str, Any]:
        """The scores as plain values (no probabilities, no models)."""
        return _plain(self, ("proba", "models", "test_rows"))


def cross_validated_auc(
    columns: Columns, y: Any, folds: int = 5, seed: int = 0, estimator: ChurnClassifier | None = None
) -> CrossValidation | str:
    """Stratified K-fold AUC (mean and per fold), with the encoder and model fitted inside each fold.

    Returns the reason (a string) instead when the smallest training part would hold
    fewer than ``MIN_TRAIN_EVENTS`` churn events or ``MIN_TRAIN_NON_EVENTS`` who stayed.
    """
    y = _labels(y)
    n = _n_rows(columns)
    if len(y) != n:
        raise ValueError(f"y has {len(y)} labels for {n} rows")
    if folds < 2:
        raise ValueError(f"folds must be at least 2, not {folds}")
    events, stayed = int(y.sum()), n - int(y.sum())
    # stratified folds spread each class evenly, so the largest test part holds ceil(count / folds)
    least = (events - -(-events // folds), stayed - -(-stayed // folds))
    need = (MIN_TRAIN_EVENTS, MIN_TRAIN_NON_EVENTS)
    if reason := _shortfall(events, stayed, need, "data", "a model"):
        return reason
    if least[0] < need[0] or least[1] < need[1]:
        return (
            f"too little data for {folds}-fold cross-validation: {events:,} churn events and {stayed:,} customers "
            f"who stayed, so a fold's model learns from as few as {least[0]:,} churn events and {least[1]:,} who "
            f"stayed; a model needs at least {need[0]:,} and {need[1]:,} (use fewer folds, or more data)"
        )
    template = ChurnClassifier() if estimator is None else estimator
    proba, base = np.empty(n), np.empty(n)
    aucs, models, tests = [], [], []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros((n, 1)), y):
        model = clone(template).set_params(random_state=seed).fit(_take(columns, train), y[train])
        proba[test] = model.predict_proba(_take(columns, test))[:, 1]
        base[test] = y[train].mean()
        aucs.append(float(roc_auc_score(y[test], proba[test])))
        models.append(model)
        tests.append(test)
    return CrossValidation(
        auc=float(np.mean(aucs)),
        auc_folds=tuple(aucs),
        brier=float(brier_score_loss(y, proba)),
        brier_base=float(np.mean((y - base) ** 2)),
        calibration=_calibration(y, proba),
        proba=proba,
        models=tuple(models),
        test_rows=tuple(tests),
    )


@dataclass(frozen=True, eq=False)
class TimeValidation:
    """A model fitted at an earlier cutoff, scored on the customers of a later one."""

    auc: float
    brier: float
    brier_base: float  # Brier of giving every later customer the earlier churn rate
    calibration: Calibration
    train_customers: int
    train_churn_rate: float
    valid_customers: int
    proba: np.ndarray  # churn probability of each validation row
    model: ChurnClassifier

    def to_dict(self) -> dict[str, Any]:
        """The scores as plain values (no probabilities, no model)."""
        return _plain(self, ("proba", "model"))


def validate_over_time(
    train_columns: Columns,
    y_train: Any,
    valid_columns: Columns,
    y_valid: Any,
    *,
    seed: int = 0,
    estimator: ChurnClassifier | None = None,
) -> TimeValidation | str:
    """Fit on the customers as they were at an earlier cutoff; report AUC, Brier and calibration at a later one.

    The caller guarantees what this function cannot check, that nothing leaks from the future:

    * ``train_columns`` use only data from before the first cutoff T1, and ``y_train`` says
      whether each customer churned in the horizon after T1;
    * ``valid_columns`` use only data from before the second cutoff T2, and ``y_valid``
      says whether each customer churned in the same horizon after T2;
    * T2 is at least T1 plus the horizon, so the training labels were known at T2, as they
      would be when the model is used.

    Returns the reason (a string) instead when either side is too small (:func:`too_little_data`).
    """
    if reason := too_little_data(y_train, y_valid):
        return reason
    y, v = _labels(y_train), _labels(y_valid)
    model = clone(estimator) if estimator is not None else ChurnClassifier()
    model = model.set_params(random_state=seed).fit(train_columns, y)
    p = model.predict_proba(valid_columns)[:, 1]
    return TimeValidation(
        auc=float(roc_auc_score(v, p)),
        brier=float(brier_score_loss(v, p)),
        brier_base=float(np.mean((v - y.mean()) ** 2)),
        calibration=_calibration(v, p),
        train_customers=len(y),
        train_churn_rate=float(y.mean()),
        valid_customers=len(v),
        proba=p,
        model=model,
    )
