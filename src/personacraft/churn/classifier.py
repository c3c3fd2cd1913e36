"""The churn classifier: calibrated gradient-boosted trees on named columns, and the gate before fitting.

:class:`ChurnClassifier` is scikit-learn's histogram gradient boosting (categories split
natively, their codes learned at fit time only) inside sigmoid calibration, so its
probabilities can be summed into expected churners and compared with observed rates.
:func:`too_little_data` is the gate: a plain reason with the numbers instead of a model;
:func:`fit_churn` fits behind it. Validation is in :mod:`personacraft.churn.validation`,
drivers in :mod:`personacraft.churn.drivers`.

Features are a mapping of column name to a 1-D array: numeric arrays are numbers (NaN is
missing); object or string arrays are categories (None, NaN or blank is missing). Labels
are 1 (churned) and 0 (stayed), or booleans.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
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
