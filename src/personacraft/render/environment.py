"""The Jinja environment every rendered page shares (report, journeys, cards, web pages), with its figure filters."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape


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
    return env
