"""The personas as the pages show them: each one's item (card context, colours, avatar), the gallery, its page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from personacraft.errors import NotFoundError
from personacraft.personas.identity import PALETTE, badge
from personacraft.render.cards.content import MARKDOWN, card_context
from personacraft.render.cards.svg import Colors, avatar_svg
from personacraft.render.glance import glance
from personacraft.render.journey.content import journey_section, stage_order
from personacraft.render.plain import analysts, channel_rows, pain_rows, trait_rows, value_note, wants
from personacraft.web.service import CARD_FORMATS, RunView
from personacraft.web.views.fields import as_dict, is_number, maps
from personacraft.web.views.use import use_box

CARD_LABELS = {
    "html": ("HTML", "the card as a web page"),
    "pdf": ("PDF", "one A4 page to print"),
    "png": ("PNG", "an image for slides"),
    "md": ("Markdown", "for Notion or Google Docs"),
    "json": ("JSON", "the persona with its evidence"),
}
_SLUG = re.compile(r"[^a-z0-9]+")


def palette_class(i: int) -> str:
    """The CSS class of the ``i``-th persona's colour (``pc0``…)."""
    return f"pc{i % len(PALETTE)}"


def feature_label(feature: Any) -> str:
    """A trait's feature before its value: ``Device:``, but ``How old are you?`` without a colon."""
    text = str(feature).rstrip()
    return text if text.endswith(("?", ":", ".")) else f"{text}:"


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:60]


def _first_line(bio: str | None) -> str | None:
    """The bio's most telling sentence: the second (the first says how many customers), else the first."""
    if not bio:
        return None
    parts = [s for s in re.split(r"(?<=[.!?])\s+", bio.strip()) if s]
    return parts[1] if len(parts) > 1 else parts[0]  # whole: the tile wraps it, never cuts it


def persona_item(view: RunView, persona: Mapping[str, Any], i: int, *, avatar: int = 56) -> dict[str, Any]:
    """A persona as the pages show it: its badge (name, initials, colour: personas.identity.badge), the card's
    context (the cards' fallbacks and reasons) and its at-a-glance band."""
    b = badge(persona, i)
    ctx = card_context(persona, color=b.color, title="", run_id=view.run_id, density=MARKDOWN)
    colors: Colors = ctx["colors"]
    value = as_dict(persona.get("value"))
    return {
        "id": ctx["id"],
        "index": i,
        "cls": palette_class(i),
        "ctx": ctx,
        "raw": persona,
        "colors": colors,
        "avatar": Markup(avatar_svg(b.initials, b.color, b.id, avatar)),
        "who": b.who,
        "name": b.name,
        "person": b.person,
        "line": _first_line(ctx["bio"]),
        "glance": glance(persona),
        "note": value_note(value),
        "href": f"/personas/{quote(ctx['id'], safe='')}",
    }


def persona_items(view: RunView, avatar: int = 56) -> list[dict[str, Any]]:
    """Every persona of the run as :func:`persona_item`, in order."""
    return [persona_item(view, p, i, avatar=avatar) for i, p in enumerate(view.personas)]


def gallery_context(view: RunView) -> dict[str, Any]:
    """The gallery: a tile per persona, the strip of their shares, and what the run has besides."""
    items = persona_items(view)
    prov = as_dict(view.personas_doc.get("provenance"))
    seg = as_dict(prov.get("segmentation"))
    offset = 0.0
    strip = []
    for it in items:
        share = it["raw"].get("share")
        if is_number(share) and share > 0:
            strip.append({**it, "x": offset * 100, "w": float(share) * 100})
            offset += float(share)
    return {
        "personas": items,
        "customers": view.personas_doc.get("customers"),
        "strip": strip,
        "message": seg.get("message") or "No persona met the minimum size and stability.",
        "has_journeys": view.journeys is not None,
        "show_type": len({str(x.get("persona_type")) for x in view.personas}) > 1,
        "deck": (view.run_dir / "report" / "cards" / "deck.pdf").is_file(),
        "has_icp": view.icp is not None,
        "sources": len(maps(view.accounting.get("sources"))) if isinstance(view.accounting, Mapping) else None,
    }


def _cards(view: RunView, persona_id: str) -> list[dict[str, Any]]:
    """The card files this run wrote for a persona, with their sizes."""
    out = []
    for fmt in CARD_FORMATS:
        try:
            path = view.card_path(persona_id, fmt)
        except NotFoundError:
            continue
        label, what = CARD_LABELS[fmt]
        size = path.stat().st_size
        out.append(
            {
                "fmt": fmt,
                "label": label,
                "what": what,
                "size": f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size} B",
                "href": f"/personas/{quote(persona_id, safe='')}/card.{fmt}",
            }
        )
    return out


def _slides(view: RunView, persona_id: str) -> list[dict[str, Any]]:
    """The persona's slide and the deck, when the cards wrote them (the pdf extra)."""
    out = []
    for kind, label, what, href in (
        ("slide.png", "Slide", "one slide as an image", f"/personas/{quote(persona_id, safe='')}/slide.png"),
        ("slide.pdf", "Slide PDF", "one slide to present", f"/personas/{quote(persona_id, safe='')}/slide.pdf"),
        ("deck.pdf", "Deck", "every persona, a slide each", "/deck.pdf"),
    ):
        try:
            path = view.slide_path(None if kind == "deck.pdf" else persona_id, kind)
        except NotFoundError:
            continue
        size = path.stat().st_size
        out.append({"label": label, "what": what, "href": href, "size": f"{size / 1024:,.0f} KB"})
    return out


def _journey(view: RunView, persona_id: str, name: str, color: str) -> dict[str, Any] | None:
    """The persona's journey section as the journey page builds it (render.journey), or None."""
    block = view.journey(persona_id)
    if block is None:
        return None
    doc = as_dict(view.journeys)
    return journey_section(
        block,
        sid=persona_id,
        name=name,
        color=color,
        population=False,
        stages=stage_order(doc),
        min_group=as_dict(doc.get("definition")).get("min_group_size"),
    )


def _no_journey_reason(view: RunView) -> str:
    if view.journeys is None:
        return (
            "this run has no journeys.json: it was built before journeys existed, or the build did not reach "
            "the journey step. Build again with `personacraft build` to map them."
        )
    return "journeys.json has no journey for this persona (its members' events, orders and deals were too few)."


def persona_context(view: RunView, persona_id: str) -> dict[str, Any]:
    """A persona's page: its item, its fields, its journey, its card files and the other personas."""
    i = next(n for n, p in enumerate(view.personas) if p["id"] == persona_id)
    item = persona_item(view, view.by_id[persona_id], i, avatar=72)
    raw = item["raw"]
    value = as_dict(raw.get("value"))
    others = [it for it in persona_items(view, avatar=32) if it["id"] != persona_id]
    ids_of_others = [o["id"] for o in others]
    return {
        "p": item,
        "c": item["ctx"],
        "raw": raw,
        "missing": as_dict(raw.get("missing")),
        "value": value,
        "drivers": maps(value.get("churn_drivers")),
        "traits": trait_rows(raw),
        "wants": wants(raw),
        "pains": pain_rows(raw),
        "channels": channel_rows(raw),
        "evidence": maps(raw.get("evidence")),
        "analysts": analysts(view.personas_doc, raw),
        "use": use_box(view, persona_id),
        "journey": _journey(view, persona_id, item["who"], item["colors"].base),
        "no_journey": _no_journey_reason(view),
        "cards": _cards(view, persona_id),
        "slides": _slides(view, persona_id),
        "show_type": len({str(x.get("persona_type")) for x in view.personas}) > 1,
        "others": others,
        "compare_href": "/compare?ids=" + ",".join(quote(x, safe="") for x in [persona_id, *ids_of_others][:2]),
    }


def card_filename(view: RunView, persona_id: str, fmt: str) -> str:
    """A card download's file name: the persona's id and story name as a slug (``p1-gary-wilson.pdf``)."""
    persona = view.by_id[persona_id]
    name = as_dict(persona.get("story")).get("name") or persona.get("name") or ""
    stem = "-".join(s for s in (_slug(persona_id), _slug(str(name))) if s) or "persona"
    return f"{stem}.{fmt}"
