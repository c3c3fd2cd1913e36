"""A persona card as text: the self-contained HTML page and the Markdown, rendered from the templates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from personacraft.render import style
from personacraft.render.cards.content import MARKDOWN, card_context
from personacraft.render.charts import FONT, PALETTE
from personacraft.render.environment import environment
from personacraft.wording import lift_words


def card_html(
    persona: Mapping[str, Any],
    *,
    color: str,
    title: str,
    run_id: str | None = None,
    density: int = 0,
    base_url: str | None = None,
) -> str:
    """The card as one self-contained HTML page (inline CSS and SVG; no script; no URL unless
    ``base_url`` gives the persona's page a link and QR code)."""
    ctx = card_context(persona, color=color, title=title, run_id=run_id, density=density, base_url=base_url)
    return environment().get_template("card.html.j2").render(c=ctx, font=FONT)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(value: Any) -> str:
    """Text for Markdown: one line, with the characters Markdown would read as markup escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def card_markdown(
    persona: Mapping[str, Any], *, title: str, run_id: str | None = None, base_url: str | None = None
) -> str:
    """The card as Markdown that pastes into Notion or Google Docs: headings, lists, tables, no HTML;
    the figures an analyst checks in a last section, "For analysts"."""
    ctx = card_context(persona, color=PALETTE[0], title=title, run_id=run_id, density=MARKDOWN, base_url=base_url)
    env = environment()
    env.filters["md"] = _md
    env.filters["pct"] = style.pct
    text = env.get_template("card.md.j2").render(c=ctx, trait_rows=ctx["analysts"]["rows"], lift_words=lift_words)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"  # one blank line between blocks
