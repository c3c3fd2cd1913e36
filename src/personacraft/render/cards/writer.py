"""Writes persona cards and slides under ``report/cards/``, one file per format (``FORMATS``, ``SLIDES``).

Cards: ``<id>.html|.pdf|.png|.md|.json``; slides: ``<id>.slide.pdf``, ``<id>.slide.png`` and ``deck.pdf``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from personacraft.render.cards import pdf, slides
from personacraft.render.cards.page import card_html, card_markdown
from personacraft.render.cards.text import as_text
from personacraft.render.charts import PALETTE
from personacraft.report_settings import CARD_FORMATS, SLIDE_FORMATS

FORMATS = CARD_FORMATS  # a card: <id>.<format>
SLIDES = SLIDE_FORMATS  # <id>.slide.pdf and <id>.slide.png; deck.pdf (a title slide, then one per persona)
KNOWN = FORMATS + SLIDES
PDF_FORMATS = frozenset(("pdf", "png", *SLIDES))  # need the extra [pdf]
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]+")


def card_file_stem(persona: Mapping[str, Any], index: int) -> str:
    """The file name of a persona's card, without extension: its id, made safe for a path."""
    stem = _SAFE_ID.sub("-", str(persona.get("id") or "")).strip("-.")
    return stem or f"persona-{index + 1}"


def _run(out_dir: Path) -> tuple[str | None, int | None]:
    """The run id and the number of customers in ``out_dir/personas.json``, if there is one."""
    try:
        doc = json.loads((out_dir / "personas.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    if not isinstance(doc, Mapping):
        return None, None
    customers = doc.get("customers")
    return as_text(doc.get("run_id")), customers if isinstance(customers, int) else None


def render_cards(
    personas: list[dict[str, Any]], out_dir: Path, *, run_id: str | None = None, **options: Any
) -> list[Path]:
    """Write each persona's card under ``out_dir/report/cards/`` (:func:`write_cards`); ``run_id``: for
    the footer (default: the one in ``out_dir/personas.json``, if there is one)."""
    known_run, customers = _run(out_dir)
    options.setdefault("customers", customers)
    return write_cards(personas, out_dir / "report" / "cards", run_id=run_id or known_run, **options)


def card_formats(configured: Collection[str]) -> tuple[str, ...] | None:
    """The formats a build writes: those of ``[report] card_formats`` the installed extras allow, or the default
    (:func:`default_formats`) when none is configured."""
    if not configured:
        return None
    allowed = default_formats()
    return tuple(f for f in configured if f in allowed)


def default_formats() -> tuple[str, ...]:
    """Every format and the slides, less PDF, PNG and the slides when the ``pdf`` extra is not installed."""
    return KNOWN if pdf.available() else tuple(f for f in FORMATS if f not in PDF_FORMATS)


def slide_files(persona_id: str) -> tuple[str, str]:
    """The file names of a persona's slide in ``report/cards/``: its PDF and its PNG."""
    stem = card_file_stem({"id": persona_id}, 0)
    return f"{stem}.slide.pdf", f"{stem}.slide.png"


def write_cards(
    personas: list[dict[str, Any]],
    folder: Path,
    *,
    title: str,
    run_id: str | None = None,
    formats: Collection[str] | None = None,
    base_url: str | None = None,
    customers: int | None = None,
) -> list[Path]:
    """Write each persona's card into ``folder``: ``<id>.html``, ``.pdf``, ``.png``, ``.md`` and ``.json``
    (the persona as it is in personas.json), its 16:9 slide ``<id>.slide.pdf`` and ``.slide.png``, and
    ``deck.pdf`` of all slides after a title slide; return the paths written, persona by persona in
    that order, the deck last. Persona ``i`` gets ``PALETTE[i % len(PALETTE)]``, as in the report.
    ``formats``: a subset of ``KNOWN``; a PNG needs the PDF, which is then written too; the deck
    needs the slides, which are then written too. By default :func:`default_formats`; asking for
    PDF, PNG or slides without the extra raises :class:`~personacraft.errors.MissingExtraError`
    before any file is written. ``base_url``: where the persona pages are published (each card and
    slide links ``<base_url>/personas/<id>`` with a QR code); ``customers``: for the title slide."""
    if formats is None:
        formats = default_formats()
    unknown = set(formats) - set(KNOWN)
    if unknown:
        raise ValueError(f"unknown card formats: {sorted(unknown)}; choose from {list(KNOWN)}")
    wanted = set(formats) | ({"pdf"} if "png" in formats else set()) | ({"slide"} if "deck" in formats else set())
    if wanted & PDF_FORMATS:
        pdf.require()
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    layouts = []
    for i, persona in enumerate(personas):
        color = PALETTE[i % len(PALETTE)]
        stem = folder / card_file_stem(persona, i)
        if "pdf" in wanted:
            html, layout = pdf.fit_card(persona, color=color, title=title, run_id=run_id, base_url=base_url)
        else:
            html, layout = card_html(persona, color=color, title=title, run_id=run_id, base_url=base_url), None
        if "html" in wanted:
            paths.append(stem.with_suffix(".html"))
            paths[-1].write_text(html, encoding="utf-8")
        if layout is not None:
            paths.append(stem.with_suffix(".pdf"))
            layout.write_pdf(paths[-1])
        if "png" in wanted:
            paths.append(pdf.pdf_to_png(stem.with_suffix(".pdf"), stem.with_suffix(".png")))
        if "md" in wanted:
            paths.append(stem.with_suffix(".md"))
            paths[-1].write_text(
                card_markdown(persona, title=title, run_id=run_id, base_url=base_url), encoding="utf-8"
            )
        if "json" in wanted:
            paths.append(stem.with_suffix(".json"))
            paths[-1].write_text(
                json.dumps(persona, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
            )
        if "slide" in wanted:
            _, slide = slides.fit_slide(persona, color=color, title=title, run_id=run_id, base_url=base_url)
            layouts.append(slide)
            if "slide" in formats:
                paths += slides.write_slide(slide, stem)
    if "deck" in wanted and layouts:
        paths.append(
            slides.write_deck(layouts, folder, title=title, personas=personas, run_id=run_id, customers=customers)
        )
    return paths
