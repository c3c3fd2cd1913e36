"""Whether a purchase model's figures can be shown: dropout identified, and forecasts that match a holdout.

- :func:`degenerate`: a fit that found no dropout (BG/NBD ``a -> 0``, Pareto/NBD lifetimes of
  centuries) or whose likelihood is flat or unidentified around its optimum. P(alive) is then 1
  for everyone, or any value the data cannot tell apart, and must not be read as churn risk;
- :func:`disagreement`: the posterior predictive check of a group's forecast against what the
  group did in a holdout period, with the tolerance written out in :data:`TOLERANCE`.
"""

from __future__ import annotations

import numpy as np

from personacraft.clv.bgnbd import BetaGeo, ParetoNBD, _CountingModel

Array = np.ndarray
MIN_DROPOUT = 1e-3  # BG/NBD: mean chance a/(a+b) of dropping out after a purchase below this: no dropout
MIN_LIFETIME_RATE = 1e-4  # Pareto/NBD: mean dropout rate s/beta per period below this (a week: 190 years)
MAX_LOG_SE = 2.0  # a dropout parameter known to no better than a factor e^2 either way is not identified
# a forecast disagrees with the holdout when it is off by more than this share of the observed rate
# and by more than Z_TOLERANCE standard errors of the observed mean (so that noise in a small group is not flagged)
TOLERANCE = 0.25
Z_TOLERANCE = 2.0


def degenerate(model: _CountingModel) -> str | None:
    """Why the purchase model identifies no dropout, in words; None when it does."""
    theta = dict(model.params_)
    if isinstance(model, BetaGeo):
        names = ("a", "b")
        mean_dropout = theta["a"] / (theta["a"] + theta["b"])
        if mean_dropout < MIN_DROPOUT:
            return (
                f"the purchase model found no dropout (BG/NBD a = {theta['a']:.3g}, b = {theta['b']:.3g}: a "
                f"{mean_dropout:.2g} chance of stopping after a purchase), so it says every customer is still buying"
            )
    elif isinstance(model, ParetoNBD):
        names = ("s", "beta")
        rate = theta["s"] / theta["beta"]
        if rate < MIN_LIFETIME_RATE:
            return (
                f"the purchase model found no dropout (Pareto/NBD s = {theta['s']:.3g}, beta = {theta['beta']:.3g}: "
                f"a dropout rate of {rate:.2g} per period), so it says every customer is still buying"
            )
    else:  # pragma: no cover - the models are the two above
        return None
    cov = model.covariance_
    if not np.isfinite(cov).all():
        return (
            "the purchase model's likelihood is flat around its best parameters, so how many customers stop "
            "buying is not identified by these data"
        )
    idx = [model.PARAMS.index(n) for n in names]
    log_se = np.sqrt(np.maximum(np.diag(cov)[idx], 0.0))
    if (log_se > MAX_LOG_SE).any():
        worst = names[int(np.argmax(log_se))]
        return (
            f"the purchase model's dropout parameter {worst} = {theta[worst]:.3g} is not identified (its standard "
            f"error spans a factor of {np.exp(float(log_se.max())):.3g}), so how many customers stop buying is unknown"
        )
    return None


def disagreement(predicted: float, observed: float, observed_se: float) -> bool:
    """Whether a group's forecast for a holdout period disagrees with what the group did in it.

    ``predicted`` and ``observed`` are purchases per member over the holdout, ``observed_se``
    the standard error of the observed mean. Off by more than :data:`TOLERANCE` of the observed
    value *and* by more than :data:`Z_TOLERANCE` standard errors.
    """
    gap = abs(predicted - observed)
    return bool(gap > TOLERANCE * abs(observed) and gap > Z_TOLERANCE * observed_se)


__all__ = ["TOLERANCE", "Z_TOLERANCE", "degenerate", "disagreement"]
