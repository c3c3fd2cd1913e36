"""Connectors: one module per vendor family; importing this package registers them all."""

from personacraft.sources import (
    ga4,
    generic,
    hubspot,
    interviews,
    reviews,
    salesforce,
    segment,
    shopify,
    social,
    stripe,
    support,
    surveys,
)
from personacraft.sources.base import REGISTRY, Accounting, Source, fingerprint, make_source, make_sources

__all__ = [
    "REGISTRY",
    "Accounting",
    "Source",
    "fingerprint",
    "ga4",
    "generic",
    "hubspot",
    "interviews",
    "make_source",
    "make_sources",
    "reviews",
    "salesforce",
    "segment",
    "shopify",
    "social",
    "stripe",
    "support",
    "surveys",
]
