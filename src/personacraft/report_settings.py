"""The ``[report]`` settings: the report's title, what it shows, where pages are published, which card files.

``[beliefs]`` (:class:`BeliefsConfig`) names the beliefs file every build checks for the report's
"Beliefs vs evidence" section (docs/hypotheses.md).

A leaf below :mod:`personacraft.config` (it imports only the errors), as ``[alerts]`` and ``[icp]`` are;
:mod:`personacraft.config` re-exports its names (docs/config.md, docs/cards.md).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from personacraft.errors import ConfigError


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


# the files of a persona card (<id>.<format>) and of the slides (<id>.slide.pdf/.png, deck.pdf): render/cards
CARD_FORMATS = ("html", "pdf", "png", "md", "json")
SLIDE_FORMATS = ("slide", "deck")


@dataclass(frozen=True)
class ReportConfig:
    title: str = _setting("Customer personas", "Title of the report page.")
    max_traits: int = _setting(8, "Defining traits shown per persona.")
    max_quotes: int = _setting(3, "Quotes shown per persona.")
    base_url: str = _setting(
        "", "Where the persona pages are published; cards and slides link <base_url>/personas/<id>."
    )
    card_formats: tuple[str, ...] = _setting(
        (),
        'The card files a build writes, from "html", "pdf", "png", "md", "json", "slide", "deck"; empty: all '
        "(PDF, PNG and slides need the pdf extra). PDF and PNG take most of a small build's time.",
    )

    def __post_init__(self) -> None:
        if isinstance(self.card_formats, str) or not isinstance(self.card_formats, (list, tuple)):
            raise ConfigError(f"[report] card_formats must be a list, got {self.card_formats!r}.")
        unknown = [f for f in self.card_formats if f not in (*CARD_FORMATS, *SLIDE_FORMATS)]
        if unknown:
            close = difflib.get_close_matches(str(unknown[0]), [*CARD_FORMATS, *SLIDE_FORMATS], n=1)
            hint = f' Did you mean "{close[0]}"?' if close else ""
            raise ConfigError(
                f"[report] card_formats: unknown format {unknown[0]!r}.{hint} Choose from "
                f"{', '.join([*CARD_FORMATS, *SLIDE_FORMATS])}."
            )
        object.__setattr__(self, "card_formats", tuple(self.card_formats))

    def persona_url(self, persona_id: str) -> str | None:
        """The persona's page under ``base_url``; None without a base URL (or an id)."""
        return persona_url(self.base_url, persona_id)


def persona_url(base_url: str | None, persona_id: str | None) -> str | None:
    """``<base_url>/personas/<id>``, the address of a published persona page; None without both."""
    base = (base_url or "").strip().rstrip("/")
    return f"{base}/personas/{quote(persona_id, safe='')}" if base and persona_id else None


@dataclass(frozen=True)
class BeliefsConfig:
    file: str = _setting(
        "",
        "A beliefs file (YAML hypotheses and hand-made personas, or a Markdown persona) that every build checks "
        'against its run, relative to the config; the report gains a "Beliefs vs evidence" section. Empty: none.',
    )
