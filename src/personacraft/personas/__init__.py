"""Personas: the typed persona of ``personas.json``, and how personas are assembled from evidence.

The result of a build, :class:`~personacraft.personas.persona_set.PersonaSet`, sits a layer
higher (it renders itself) and is imported from its own module or as ``personacraft.PersonaSet``.
"""

from personacraft.personas.model import (
    Channel,
    Evidence,
    ExperimentResult,
    Goal,
    PainPoint,
    Persona,
    Recommendations,
    Story,
    Trait,
    Value,
    stability_band,
)

__all__ = [
    "Channel",
    "Evidence",
    "ExperimentResult",
    "Goal",
    "PainPoint",
    "Persona",
    "Recommendations",
    "Story",
    "Trait",
    "Value",
    "stability_band",
]
