"""The journey's names: the five stages, the steps inside them, the account funnel's stages, and the checks.

A leaf module (it imports nothing of personacraft but :mod:`personacraft.errors`), so that
:mod:`personacraft.config` can validate ``[journey]`` without importing the journey stage itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from personacraft.errors import ConfigError

STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy")

# each stage by its evidence, in words: what a person did to count there (``stage_labels``
# adds the advocacy rating in force). Advocacy is not a step of buying: no drop into it is a leak.
STAGE_EVIDENCE: dict[str, str] = {
    "awareness": "visited us or became a contact",
    "consideration": "browsed, carted, signed up or started a trial",
    "purchase": "bought for the first time",
    "retention": "bought again or kept paying",
    "advocacy": "left a review or recommended us",
}
# the stages on the way to the first purchase: the biggest drop is looked for among them
PURCHASE_PATH = STAGES[: STAGES.index("purchase") + 1]


def stage_labels(advocacy_rating: float) -> dict[str, str]:
    """Stage -> its evidence in words; advocacy names the review rating that counts."""
    return {**STAGE_EVIDENCE, "advocacy": f"left a review rated {advocacy_rating:g}+ or recommended us"}


# step -> (stage, readable label); a stage's own name is a step too (CRM lifecycle stages)
STEPS: dict[str, tuple[str, str]] = {
    "visit": ("awareness", "visit"),
    "contact": ("awareness", "became a contact"),
    "signup": ("consideration", "sign-up"),
    "view": ("consideration", "product view"),
    "cart": ("consideration", "add to cart"),
    "trial": ("consideration", "trial"),
    "deal": ("consideration", "deal opened"),
    "checkout": ("consideration", "checkout"),
    "purchase": ("purchase", "first purchase"),
    "repeat": ("retention", "repeat purchase"),
    "renewal": ("retention", "subscription kept"),
    "review": ("advocacy", "good review"),
    "referral": ("advocacy", "referral or share"),
    "promoter": ("advocacy", "NPS promoter"),
    **{s: (s, s) for s in STAGES},
}


# The account funnel (B2B): an account's stages, furthest evidence first implying the earlier ones
ACCOUNT_STAGES = ("lead", "mql", "sql", "opportunity", "won", "renewed")
ACCOUNT_STAGE_EVIDENCE: dict[str, str] = {
    "lead": "a contact or a deal",
    "mql": "marketing-qualified contact",
    "sql": "sales-qualified contact",
    "opportunity": "a deal opened",
    "won": "a deal won, or paying",
    "renewed": "paying past the first term",
}
ACCOUNT_STAGE_NAMES: dict[str, str] = {
    "lead": "Lead",
    "mql": "MQL",
    "sql": "SQL",
    "opportunity": "Opportunity",
    "won": "Won",
    "renewed": "Renewed",
}


def check_account_lifecycle(mapping: Mapping[str, object]) -> None:
    """Raise :class:`ConfigError` unless ``[journey.account_lifecycle]`` maps to account funnel stages."""
    for name, stage in mapping.items():
        if not isinstance(stage, str) or (stage and stage not in ACCOUNT_STAGES):
            raise ConfigError(
                f'[journey].account_lifecycle: "{name}" maps to {stage!r}; use one of {", ".join(ACCOUNT_STAGES)} '
                '(or "" to drop it).'
            )


def check_mappings(
    events: Mapping[str, object], lifecycle: Mapping[str, object], text_cues: Mapping[str, object]
) -> None:
    """Raise :class:`ConfigError` unless ``[journey]``'s events map to steps, its lifecycle stages to
    stages, and its text cues are regular expressions keyed by stage."""
    where = "[journey]"
    for name, step in events.items():
        if not isinstance(step, str) or (step and step not in STEPS):
            raise ConfigError(
                f'{where}.events: "{name}" maps to {step!r}, which is not a step or stage. '
                f"Steps: {', '.join(sorted(STEPS))}."
            )
    for name, stage in lifecycle.items():
        if not isinstance(stage, str) or (stage and stage not in STAGES):
            raise ConfigError(
                f'{where}.lifecycle: "{name}" maps to {stage!r}; use one of {", ".join(STAGES)} (or "" to drop it).'
            )
    for stage, cue in text_cues.items():
        if stage not in STAGES:
            raise ConfigError(f'{where}.text_cues: "{stage}" is not a stage ({", ".join(STAGES)}).')
        try:
            re.compile(str(cue))
        except re.error as exc:
            raise ConfigError(f"{where}.text_cues: the cue of {stage} is not a regular expression: {exc}.") from exc
