"""The Jinja environment every rendered page shares (report, journeys, cards, web pages), with its figure filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from personacraft.wording import new_words


def newcomers(value: Mapping[str, Any] | None) -> str | None:
    """A persona's ``value`` block → how many members are new customers, in words (None when none are)."""
    v = value or {}
    n, share = v.get("new_members"), v.get("new_share")
    return new_words(int(n), float(share)) if isinstance(n, int) and isinstance(share, int | float) else None


def environment() -> Environment:
    """The Jinja environment of the report's templates, with its figure filters."""
    env = Environment(
        loader=PackageLoader("personacraft", "render/templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda x: "–" if x is None else f"{x:.0%}"
    env.filters["num"] = lambda x: "–" if x is None else f"{x:,.0f}"
    env.filters["money"] = lambda x: "unknown" if x is None else f"${x:,.2f}"
    env.filters["lift"] = lambda x: "–" if x is None else f"{x:.1f}×"
    env.filters["pvalue"] = lambda x: "–" if x is None else ("< 0.001" if x < 0.001 else f"{x:.3f}")
    env.filters["newcomers"] = newcomers
    return env
