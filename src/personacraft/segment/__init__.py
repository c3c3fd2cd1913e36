"""Segmentation: the count matrix, the latent class segmenter, and profiles with statistics."""

from personacraft.segment.latent import LatentClassSegmenter
from personacraft.segment.matrix import Design, load_design
from personacraft.segment.profile import cells_for, defining_traits, profile

__all__ = ["Design", "LatentClassSegmenter", "cells_for", "defining_traits", "load_design", "profile"]
