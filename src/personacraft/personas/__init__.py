"""Personas: the PersonaSet result and how it is assembled from evidence."""

from personacraft.personas.model import PersonaSet, stability_band

__all__ = ["PersonaSet", "stability_band"]
