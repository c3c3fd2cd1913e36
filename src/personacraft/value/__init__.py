"""What customers are worth and who will leave.

- :mod:`personacraft.value.bgnbd`: BG/NBD (and Pareto/NBD) for repeat purchases and P(alive);
- :mod:`personacraft.value.gamma_gamma`: Gamma-Gamma for spend per purchase;
- :mod:`personacraft.value.clv`: the CLV of each customer and persona, with intervals;
- :mod:`personacraft.value.churn`: contractual churn (subscriptions);
- :mod:`personacraft.value.icp`: the ideal customer profile and lead scoring.
"""
