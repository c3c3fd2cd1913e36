"""Segmentation: the count matrix, the latent class segmenter, profiles, and the model that assigns and explains.

The decision of a customer's persona is :mod:`personacraft.segment.assignment`'s alone.
"""

from personacraft.segment.latent import LatentClassSegmenter
from personacraft.segment.matrix import Design, load_design
from personacraft.segment.persist import assign_file, explain, family_weights, load_model, save_model
from personacraft.segment.profile import cells_for, defining_traits, profile

__all__ = [
    "Design",
    "LatentClassSegmenter",
    "assign_file",
    "cells_for",
    "defining_traits",
    "explain",
    "family_weights",
    "load_design",
    "load_model",
    "profile",
    "save_model",
]
