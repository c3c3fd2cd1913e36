"""The ideal customer profile: who the best accounts are, why they buy, where to find them, and lead scores.

- :mod:`personacraft.icp.learn`: :func:`~personacraft.icp.learn.learn_icp`, the profile of a run;
- :mod:`personacraft.icp.units`: the learning data (each unit's outcome and attribute values);
- :mod:`personacraft.icp.rules` (with :mod:`personacraft.icp.subgroups`): the published rules, in words;
- :mod:`personacraft.icp.fit_score`: the fit score and its points;
- :mod:`personacraft.icp.card`: the card's data (rendered by :mod:`personacraft.render.icp_card`);
- :mod:`personacraft.icp.leads`: scoring a leads file (its columns: :mod:`personacraft.icp.lead_fields`);
- :mod:`personacraft.icp.industries`: the industry synonym table (``[icp]``: :mod:`personacraft.icp.settings`).
"""
