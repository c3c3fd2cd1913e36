"""The value stage of a build: the CLV and churn models fitted on a run, rolled up to the personas.

- :mod:`personacraft.value.stage`: the stage (:func:`~personacraft.value.stage.fit_customer_value`,
  :func:`~personacraft.value.stage.customer_value`, :class:`~personacraft.value.stage.ValueResult`);
- :mod:`personacraft.value.figures`: which figures are shown, the purchase model's or the empirical ones;
- :mod:`personacraft.value.holdout`: the forecasts checked on a holdout period, and the empirical fallback;
- :mod:`personacraft.value.subscriptions`: the churn model on a run's subscriptions, per persona.

The models themselves are :mod:`personacraft.clv` and :mod:`personacraft.churn`.
"""
