"""A persona card as text: the self-contained HTML page and the Markdown, rendered from the templates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from personacraft.render import style
from personacraft.render.cards.content import MARKDOWN, card_context
from personacraft.render.cards.text import as_text
from personacraft.render.charts import FONT, PALETTE
from personacraft.render.environment import environment


def card_html(
    persona: Mapping[str, Any], *, color: str, title: str, run_id: str | None = None, density: int = 0
) -> str:
    """The card as one self-contained HTML page (inline CSS and SVG; no script, no URL)."""
    ctx = card_context(persona, color=color, title=title, run_id=run_id, density=density)
    return environment().get_template("card.html.j2").render(c=ctx, font=FONT)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(value: Any) -> str:
    """Text for Markdown: one line, with the characters Markdown would read as markup escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def card_markdown(persona: Mapping[str, Any], *, title: str, run_id: str | None = None) -> str:
    """The card as Markdown that pastes into Notion or Google Docs: headings, lists, a table, no HTML."""
    ctx = card_context(persona, color=PALETTE[0], title=title, run_id=run_id, density=MARKDOWN)
    rows = []
    for t in ctx["traits"]:
        share, pop, lift, n = t.get("share"), t.get("population_share"), t.get("lift"), t.get("n")
        rows.append(
            {
                "trait": f"{as_text(t.get('feature')) or 'trait'}: {as_text(t.get('value')) or '?'}",
                "share": style.pct(share) if isinstance(share, int | float) else "unknown",
                "population": style.pct(pop) if isinstance(pop, int | float) else "unknown",
                "lift": f"{lift:.1f}×" if isinstance(lift, int | float) else "unknown",
                "n": style.num(n) if isinstance(n, int | float) else "unknown",
            }
        )
    env = environment()
    env.filters["md"] = _md
    text = env.get_template("card.md.j2").render(c=ctx, trait_rows=rows)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"  # one blank line between blocks
