"""Connectors: one module per vendor family; importing this package registers them all."""

from personacraft.sources import ga4, generic, hubspot, reviews, shopify, stripe, typeform
from personacraft.sources.base import REGISTRY, Accounting, Source, fingerprint, make_source

__all__ = [
    "REGISTRY",
    "Accounting",
    "Source",
    "fingerprint",
    "ga4",
    "generic",
    "hubspot",
    "make_source",
    "reviews",
    "shopify",
    "stripe",
    "typeform",
]
