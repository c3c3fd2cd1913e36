"""The ``[journey]`` settings: the event and lifecycle mappings, windows and terms of the journey map.

A leaf below :mod:`personacraft.config` (it imports only the journey vocabulary and the errors),
as ``[alerts]`` and ``[icp]`` are (docs/journeys.md, docs/config.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from personacraft.errors import ConfigError
from personacraft.journey.vocabulary import check_account_lifecycle, check_mappings


@dataclass(frozen=True)
class JourneyConfig:
    """``[journey]``: how events, lifecycle stages and texts map onto the journey, and its windows."""

    events: Mapping[str, str] = field(
        default_factory=dict,
        metadata={
            "help": "Event name = journey step or stage, added to the default mapping (docs/journeys.md), e.g. "
            '{ "Demo Requested" = "consideration", add_to_wishlist = "view" }; "" drops a default.'
        },
    )
    lifecycle: Mapping[str, str] = field(
        default_factory=dict,
        metadata={
            "help": 'CRM lifecycle stage = journey stage, added to the defaults, e.g. { "Hot lead" = "consideration" }.'
        },
    )
    text_cues: Mapping[str, str] = field(
        default_factory=dict,
        metadata={
            "help": "Stage = regular expression: a text that matches is placed at that stage (replaces the "
            "default cue of the stage)."
        },
    )
    window_days: int = field(
        default=90, metadata={"help": "Paths and touches before the first purchase look back this many days."}
    )
    path_steps: int = field(
        default=5, metadata={"help": "Steps kept of each path before the first purchase (the last ones)."}
    )
    top_paths: int = field(default=5, metadata={"help": "Paths shown per persona."})
    path_ignore: tuple[str, ...] = field(
        default=("session_start", "first_visit", "user_engagement", "scroll"),
        metadata={"help": "Event names left out of paths (technical events that every session has)."},
    )
    retention_days: int = field(
        default=30,
        metadata={"help": "A paid subscription still running this many days after it started counts as retained."},
    )
    onboarding_days: int = field(
        default=14,
        metadata={
            "help": "A start (sign-up, trial or first payment) with no product use within this many days is onboarding "
            "abandonment."
        },
    )
    advocacy_rating: float = field(
        default=4.0, metadata={"help": "Reviews rated at least this (out of 5) count as advocacy."}
    )
    account_lifecycle: Mapping[str, str] = field(
        default_factory=dict,
        metadata={"help": 'Lifecycle stage or lead status = account stage, e.g. { "Hot lead" = "mql" }.'},
    )
    renewal_term_months: int = field(
        default=12, metadata={"help": "An account renews when still paying this many months after it first paid."}
    )

    def __post_init__(self) -> None:
        """Validate ``[journey]``; lists from TOML become tuples (the config is frozen)."""
        check_mappings(self.events, self.lifecycle, self.text_cues)
        check_account_lifecycle(self.account_lifecycle)
        for name in (f.name for f in dataclasses.fields(self) if f.type == "int"):  # every count of days or steps
            if getattr(self, name) < 1:
                raise ConfigError(f'[journey]: "{name}" must be at least 1, got {getattr(self, name)}.')
        if not 0 <= self.advocacy_rating <= 5:
            raise ConfigError(f'[journey]: "advocacy_rating" must be from 0 to 5, got {self.advocacy_rating}.')
        ignore = self.path_ignore
        if isinstance(ignore, str) or not all(isinstance(x, str) for x in ignore):
            raise ConfigError(f'[journey]: "path_ignore" must be a list of event names, got {ignore!r}.')
        object.__setattr__(self, "path_ignore", tuple(ignore))
