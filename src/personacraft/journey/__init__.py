"""Customer journeys per persona: stages, funnel, paths, abandonment, barriers (docs/journeys.md).

- :mod:`personacraft.journey.stages`: the stage model and the editable mappings;
- :mod:`personacraft.journey.build`: the figures, from the SQL in :mod:`personacraft.features.sql`;
- :mod:`personacraft.journey.barriers`: texts placed at stages, barriers and opportunities.

This package's ``__init__`` imports nothing: the config validates ``[journey]`` through
:mod:`personacraft.journey.stages` while it is itself being imported.
"""
