"""Customer lifetime value: purchase models (BG/NBD, Pareto/NBD), Gamma-Gamma spend, CLV with intervals.

- :func:`fit` (:mod:`personacraft.clv.api`): CLV in one call on a transactions file or DataFrame;
- :mod:`personacraft.clv.bgnbd`: BG/NBD and Pareto/NBD for repeat purchases and P(alive);
- :mod:`personacraft.clv.gamma_gamma`: Gamma-Gamma for spend per purchase;
- :mod:`personacraft.clv.model`: per-customer summaries, the fit, predictions and intervals;
- :mod:`personacraft.clv.transactions`: reading purchases, every rejected row kept with its reason.
"""

from personacraft.clv.api import ClvResult, fit

__all__ = ["ClvResult", "fit"]
