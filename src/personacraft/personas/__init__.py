"""Personas: the typed result of a build (PersonaSet of Persona), and how it is assembled from evidence."""

from personacraft.personas.model import (
    Channel,
    Evidence,
    Goal,
    PainPoint,
    Persona,
    Recommendations,
    Story,
    Trait,
    Value,
    stability_band,
)
from personacraft.personas.persona_set import PersonaSet

__all__ = [
    "Channel",
    "Evidence",
    "Goal",
    "PainPoint",
    "Persona",
    "PersonaSet",
    "Recommendations",
    "Story",
    "Trait",
    "Value",
    "stability_band",
]
