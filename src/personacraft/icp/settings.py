"""The ``[icp]`` settings: industry synonyms added to the built-in table of the ideal customer profile.

A leaf (it imports only :mod:`personacraft.errors`): :mod:`personacraft.config` declares the section
through it, as it does ``[alerts]`` through :mod:`personacraft.alerts.settings`. The table itself is
:data:`personacraft.icp.industries.SYNONYMS` (docs/icp.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from personacraft.errors import ConfigError


@dataclass(frozen=True)
class IcpConfig:
    """``[icp]``: how lead files and training accounts name industries."""

    industry_synonyms: Mapping[str, str] = field(
        default_factory=dict,
        metadata={
            "help": "Industry as a CRM writes it = the label it means, added to the built-in table (docs/icp.md), "
            'e.g. { "Technology" = "Computer Software", "Healthcare IT" = "Hospital & Health Care" }.'
        },
    )

    def __post_init__(self) -> None:
        """Validate ``[icp]``: every line maps a non-empty name to a non-empty label."""
        for name, label in self.industry_synonyms.items():
            if not isinstance(label, str) or not label.strip() or not str(name).strip():
                raise ConfigError(
                    f'[icp] industry_synonyms: "{name}" = {label!r} must map an industry name to the label it '
                    'means (a non-empty string), e.g. "Technology" = "Computer Software".'
                )
        object.__setattr__(
            self, "industry_synonyms", {str(k).strip(): v.strip() for k, v in self.industry_synonyms.items()}
        )
