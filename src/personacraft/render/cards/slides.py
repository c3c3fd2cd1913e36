"""16:9 slides: one per persona (``<id>.slide.pdf`` and ``.slide.png``) and a deck of them all (``deck.pdf``).

A slide is the persona at a glance (the same band as the cards and pages, from
:func:`personacraft.render.glance.glance`), its share of customers and of revenue, its value figures
with their horizon, what sets it apart in plain words, and a footer line for analysts. WeasyPrint
lays the slide out on a 960 × 540 pt page (13.33 × 7.5 in, PowerPoint’s 16:9), at the largest
type (``LEVELS``) that fits one page; pypdfium2 draws it as a 1920 × 1080 PNG. The deck is a title
slide and every persona's slide, in order, in one PDF. Both need the optional extra ``pdf``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from personacraft.render import style
from personacraft.render.cards import pdf
from personacraft.render.cards.content import MARKDOWN, card_context
from personacraft.render.cards.svg import Colors, avatar_svg
from personacraft.render.charts import FONT, PALETTE
from personacraft.render.environment import environment
from personacraft.wording import lift_words

LEVELS = ((17.0, 4), (15.5, 3), (14.0, 3), (12.5, 2), (11.0, 2))  # (body type in pt, traits shown)
SLIDE_DPI = 144  # a 13.33 in wide page at 144 dpi: 1920 × 1080 pixels
DECK = "deck.pdf"


def _render(s: dict[str, Any]) -> str:
    env = environment()
    env.filters["pct"] = style.pct
    return env.get_template("slide.html.j2").render(s=s, font=FONT, lift_words=lift_words)


def slide_html(
    persona: Mapping[str, Any],
    *,
    color: str,
    title: str,
    run_id: str | None = None,
    level: int = 0,
    base_url: str | None = None,
) -> str:
    """One persona's slide as a self-contained HTML page; ``level``: an index into ``LEVELS``."""
    level = max(0, min(level, len(LEVELS) - 1))
    font_pt, traits = LEVELS[level]
    card = card_context(persona, color=color, title=title, run_id=run_id, density=MARKDOWN, base_url=base_url)
    c: Colors = card["colors"]
    s = {
        "kind": "persona",
        "card": card,
        "colors": c,
        "title": title,
        "heading": card["person"] or card["name"],
        "font_pt": font_pt,
        "traits": traits,
        "level": level,
        "clip": level == len(LEVELS) - 1,
        "avatar": Markup(avatar_svg(card["initials"], c.base, str(persona.get("id") or card["name"]), 30 * 4)),
    }
    return _render(s)


def title_html(
    personas: Sequence[Mapping[str, Any]], *, title: str, run_id: str | None = None, customers: int | None = None
) -> str:
    """The deck's title slide: the title, how many personas, and each persona's name and share."""
    people = []
    for i, p in enumerate(personas):
        ctx = card_context(p, color=PALETTE[i % len(PALETTE)], title=title, density=MARKDOWN)
        people.append(
            {
                "who": ctx["person"] or ctx["name"],
                "name": ctx["name"],
                "share": ctx["share"],
                "color": ctx["colors"].base,
            }
        )
    s = {
        "kind": "title",
        "title": title,
        "heading": "Personas",
        "run_id": run_id,
        "personas": people,
        "customers": style.num(customers) if isinstance(customers, int) else None,
        "colors": Colors.of(PALETTE[0]),
        "font_pt": 15.0,
        "level": 0,
        "clip": True,
    }
    return _render(s)


def fit_slide(
    persona: Mapping[str, Any], *, color: str, title: str, run_id: str | None = None, base_url: str | None = None
) -> tuple[str, Any]:
    """The slide's HTML at the largest type that lays out on one 16:9 page, and that layout."""

    def render(level: int) -> str:
        return slide_html(persona, color=color, title=title, run_id=run_id, level=level, base_url=base_url)

    return pdf.fit(render, len(LEVELS))


def write_slide(layout: Any, stem: Path) -> list[Path]:
    """Write a slide's layout as ``<stem>.slide.pdf`` and its 1920 × 1080 PNG ``<stem>.slide.png``."""
    target = stem.with_name(f"{stem.name}.slide.pdf")
    layout.write_pdf(target)
    png = pdf.pdf_to_png(target, stem.with_name(f"{stem.name}.slide.png"), dpi=SLIDE_DPI)
    return [target, png]


def write_deck(
    layouts: Sequence[Any],
    folder: Path,
    *,
    title: str,
    personas: Sequence[Mapping[str, Any]],
    run_id: str | None = None,
    customers: int | None = None,
) -> Path:
    """Write ``folder/deck.pdf``: the title slide, then each persona's slide (``layouts``, in order)."""
    cover = pdf.layout_pdf(title_html(personas, title=title, run_id=run_id, customers=customers))
    pages = [page for doc in (cover, *layouts) for page in doc.pages]
    target = folder / DECK
    cover.copy(pages).write_pdf(target)
    return target
