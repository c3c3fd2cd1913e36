"""Contractual churn: which subscribers will cancel, how sure we are, and why.

:class:`ChurnClassifier` is scikit-learn's histogram gradient boosting (categories split
natively, their codes learned at fit time only) inside sigmoid calibration, so its
probabilities can be summed into expected churners and compared with observed rates.
Around it:

* :func:`too_little_data`, the gate: a plain reason with the numbers instead of a model;
* :func:`cross_validated_auc`: stratified K-fold with every learned step inside each fold;
* :func:`validate_over_time`: fit at an earlier cutoff, measure at a later one;
* :func:`personacraft.value.churn_drivers.group_drivers`: in each group (persona), the
  features whose shuffling costs the most AUC, and which values raise the risk.

Features are a mapping of column name to a 1-D array: numeric arrays are numbers (NaN is
missing); object or string arrays are categories (None, NaN or blank is missing). Labels
are 1 (churned) and 0 (stayed), or booleans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import Tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

Columns = Mapping[str, np.ndarray]

# Below 50 of either class, trees whose leaves hold at least 50 customers can hardly split
# the churners, and each of the 3 calibration folds would fit its sigmoid on under 17.
MIN_TRAIN_EVENTS = 50
MIN_TRAIN_NON_EVENTS = 50
# With 20 of a class an AUC near 0.8 has a standard error of 0.06 to 0.07 (Hanley & McNeil
# 1982), so its 95 % interval is already ±0.13; with fewer, AUC and drivers are noise.
MIN_VALID_EVENTS = 20
MIN_VALID_NON_EVENTS = 20

# HistGradientBoosting bins a categorical column's codes into 0 .. max_bins - 1 (255 codes):
# the most frequent 254 categories keep their own code, the rarer ones share the last.
_MAX_CATEGORIES = 254


def _n_rows(columns: Columns) -> int:
    if not columns:
        raise ValueError("no feature columns given")
    shapes = {name: np.shape(values) for name, values in columns.items()}
    if any(len(s) != 1 for s in shapes.values()) or len({s[0] for s in shapes.values()}) != 1:
        raise ValueError(f"feature columns must be 1-D arrays of one length; got shapes {shapes}")
    return int(next(iter(shapes.values()))[0])


def _take(columns: Columns, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: np.asarray(values)[rows] for name, values in columns.items()}


def _labels(y: Any) -> np.ndarray:
    y = np.asarray(y).ravel()
    if y.dtype == bool or (y.dtype.kind in "iuf" and np.isin(y, (0, 1)).all()):
        return y.astype(np.int64)
    raise ValueError("churn labels must be 1 (churned) and 0 (stayed), or booleans")


def _text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values as stripped strings, and where they are missing (None, NaN or blank)."""
    v = np.asarray(values)
    if v.dtype.kind == "f":
        missing = np.isnan(v)
    elif v.dtype.kind == "O":
        missing = np.equal(v, np.array(None, dtype=object)) | (v != v)  # v != v: NaN
    else:
        missing = np.zeros(v.shape, dtype=bool)
    text = np.char.strip(v.astype(str))
    return text, missing | (text == "")


def _numeric(name: str, values: np.ndarray) -> np.ndarray:
    try:
        x = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f'column "{name}" was numeric at fit time but holds values that are not numbers') from exc
    x[~np.isfinite(x)] = np.nan  # the trees take NaN as missing; ±inf would fail their input check
    return x


class ChurnClassifier(ClassifierMixin, BaseEstimator):
    """Gradient-boosted trees on named columns, with calibrated churn probabilities.

    ``categorical`` names numeric-looking columns to treat as categories (string and
    object columns always are). Learned: ``features_`` (the column order),
    ``categories_`` (per categorical column, its categories sorted; beyond the 254 most
    frequent they share one code, listed in ``other_``), ``classes_`` and ``model_``.
    """

    def __init__(
        self,
        categorical: tuple[str, ...] | None = None,
        learning_rate: float = 0.05,
        max_iter: int = 150,
        max_depth: int | None = 3,
        min_samples_leaf: int = 50,
        l2_regularization: float = 1.0,
        calibration: str = "sigmoid",
        calibration_folds: int = 3,
        random_state: int = 0,
    ) -> None:
        self.categorical = categorical
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def fit(self, X: Columns, y: Any) -> ChurnClassifier:
        n = _n_rows(X)
        y = np.asarray(y).ravel()
        if len(y) != n:
            raise ValueError(f"y has {len(y)} labels for {n} rows")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(f"churn needs two classes (churned and stayed); y has {len(self.classes_)}")
        if self.calibration not in ("sigmoid", "isotonic"):
            raise ValueError(f"calibration must be 'sigmoid' or 'isotonic', not {self.calibration!r}")
        listed = set(self.categorical or ())
        if unknown := sorted(listed - set(X)):
            raise ValueError(f"categorical names columns that are not given: {unknown}")
        self.features_ = list(X)
        self.feature_names_in_ = np.asarray(self.features_, dtype=object)
        self.n_features_in_ = len(self.features_)
        self.categories_: dict[str, np.ndarray] = {}
        self.other_: set[str] = set()
        for name in self.features_:
            if name in listed or np.asarray(X[name]).dtype.kind in "OUS":
                text, missing = _text(X[name])
                cats, counts = np.unique(text[~missing], return_counts=True)
                if len(cats) > _MAX_CATEGORIES:
                    cats = cats[np.sort(np.argsort(-counts, kind="stable")[:_MAX_CATEGORIES])]
                    self.other_.add(name)
                self.categories_[name] = cats
        mask = np.array([name in self.categories_ for name in self.features_])
        # Shallow, slow trees with large leaves: churn tables are small and noisy. On Telco
        # (5-fold CV, seeds 0-4) scikit-learn's defaults reach AUC 0.834-0.839, these 0.848-0.850.
        trees = HistGradientBoostingClassifier(
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features=mask if mask.any() else None,
            # "auto" would switch early stopping on above 10,000 rows, so the model would
            # change character with the size of the data
            early_stopping=False,
            random_state=self.random_state,
        )
        # Sigmoid, by measurement (benchmarks/churn_telco.py, seeds 0-4): on Telco it has the
        # lower log loss (0.411-0.414 against isotonic's 0.417-0.431) and the higher AUC in
        # every seed, and a Brier score as low or lower (0.1335-0.1341 against 0.1340-0.1348);
        # its two parameters stay stable when a calibration fold holds a few dozen churners,
        # where isotonic steps overfit.
        folds = StratifiedKFold(self.calibration_folds, shuffle=True, random_state=self.random_state)
        # One model on all rows, calibrated on its cross-validated predictions (ensemble=False),
        # predicts 3 times faster than the average of 3 fold models, and drivers predict every
        # row once per feature and shuffle; on Telco it costs 0.001 AUC and 0.0005 Brier.
        self.model_ = CalibratedClassifierCV(trees, method=self.calibration, cv=folds, ensemble=False)
        self.model_.fit(self._encode(X), y)
        return self

    def _encode_column(self, name: str, values: np.ndarray) -> np.ndarray:
        cats = self.categories_.get(name)
        if cats is None:
            return _numeric(name, values)
        text, missing = _text(values)
        if len(cats) == 0:
            return np.full(len(text), np.nan)
        idx = np.minimum(np.searchsorted(cats, text), len(cats) - 1)
        known = (cats[idx] == text) & ~missing
        # unseen categories share the code of the rare ones when there is one, else count as missing
        unseen = float(len(cats)) if name in self.other_ else np.nan
        return np.where(known, idx, np.where(missing, np.nan, unseen))

    def _encode(self, X: Columns, rows: np.ndarray | None = None) -> np.ndarray:
        """The columns (or ``rows`` of them) as the float matrix the trees read."""
        if absent := [name for name in self.features_ if name not in X]:
            raise ValueError(f"columns the model was fitted on are missing: {absent}")
        n = _n_rows({name: X[name] for name in self.features_})
        out = np.empty((n if rows is None else len(rows), len(self.features_)))
        for j, name in enumerate(self.features_):
            values = np.asarray(X[name])
            out[:, j] = self._encode_column(name, values if rows is None else values[rows])
        return out

    def _churn(self, encoded: np.ndarray) -> np.ndarray:
        return np.asarray(self.model_.predict_proba(encoded)[:, 1])

    def predict_proba(self, X: Columns) -> np.ndarray:
        """Probability of each class (columns in the order of ``classes_``) for each row."""
        check_is_fitted(self, "model_")
        return np.asarray(self.model_.predict_proba(self._encode(X)))

    def predict(self, X: Columns) -> np.ndarray:
        return np.asarray(self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)])

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.dict = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags


# -- the gate -----------------------------------------------------------------------------


def _shortfall(events: int, stayed: int, need: tuple[int, int], what: str, purpose: str) -> str | None:
    if events == 0 or stayed == 0:
        everyone = "churned" if stayed == 0 else "stayed"
        return (
            f"too little {what}: all {events + stayed:,} customers {everyone}, so there is nothing to tell "
            f"apart; {purpose} needs at least {need[0]:,} churn events and {need[1]:,} customers who stayed"
        )
    if events < need[0] or stayed < need[1]:
        return (
            f"too little {what}: {events:,} churn events and {stayed:,} customers who stayed; "
            f"{purpose} needs at least {need[0]:,} churn events and {need[1]:,} customers who stayed"
        )
    return None


def too_little_data(y_train: Any, y_valid: Any = None) -> str | None:
    """Why these labels are too few to fit (and then validate) a churn model; None when they are enough."""
    y = _labels(y_train)
    reason = _shortfall(
        int(y.sum()), len(y) - int(y.sum()), (MIN_TRAIN_EVENTS, MIN_TRAIN_NON_EVENTS), "training data", "a model"
    )
    if reason is None and y_valid is not None:
        v = _labels(y_valid)
        need = (MIN_VALID_EVENTS, MIN_VALID_NON_EVENTS)
        reason = _shortfall(int(v.sum()), len(v) - int(v.sum()), need, "validation data", "measuring AUC")
    return reason


def fit_churn(
    columns: Columns, y: Any, *, seed: int = 0, estimator: ChurnClassifier | None = None
) -> ChurnClassifier | str:
    """A fitted :class:`ChurnClassifier`, or the reason (a string) why the data are too few."""
    if reason := too_little_data(y):
        return reason
    model = clone(estimator) if estimator is not None else ChurnClassifier()
    return model.set_params(random_state=seed).fit(columns, _labels(y))


# -- validation ---------------------------------------------------------------------------


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
