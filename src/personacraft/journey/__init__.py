"""Customer journeys per persona: stages, funnel, paths, abandonment, barriers (docs/journeys.md).

- :mod:`personacraft.journey.vocabulary`: the stage and step names, and the check of ``[journey]``'s
  mappings (a leaf: :mod:`personacraft.config` imports it to validate ``[journey]``);
- :mod:`personacraft.journey.stages`: the default mappings with ``[journey]`` over them, and the definitions;
- :mod:`personacraft.journey.tables`: the per-customer tables, from the SQL in :mod:`personacraft.features.sql`;
- :mod:`personacraft.journey.funnel`: the funnel and the times between stages;
- :mod:`personacraft.journey.paths`: first touch, paths before purchase, abandonment;
- :mod:`personacraft.journey.barriers`: texts placed at stages, barriers and opportunities;
- :mod:`personacraft.journey.cells`: each stage's actions, touchpoints, channels, barriers and opportunity;
- :mod:`personacraft.journey.build`: :func:`~personacraft.journey.build.journeys`, the whole document.

This package's ``__init__`` imports nothing, so that the config, which imports
:mod:`personacraft.journey.vocabulary`, loads no more of the journey stage than that leaf.
"""
