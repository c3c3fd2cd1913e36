"""Contractual churn: which customers will cancel, how sure we are, and why.

- :func:`fit` (:mod:`personacraft.churn.api`): a cross-validated model and its drivers in one call;
- :mod:`personacraft.churn.classifier`: the calibrated classifier and the gate before fitting;
- :mod:`personacraft.churn.validation`: cross-validation, validation over time, calibration;
- :mod:`personacraft.churn.drivers`: per group (persona), the features that move churn;
- :mod:`personacraft.churn.table`: reading one row per customer from a CSV or a DataFrame.
"""

from personacraft.churn.api import ChurnResult, fit

__all__ = ["ChurnResult", "fit"]
