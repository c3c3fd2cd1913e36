"""Writes persona cards: ``report/cards/<id>.html|.pdf|.png|.md|.json``, one file per format (``FORMATS``)."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from personacraft.render.cards import pdf
from personacraft.render.cards.page import card_html, card_markdown
from personacraft.render.cards.text import as_text
from personacraft.render.charts import PALETTE

FORMATS = ("html", "pdf", "png", "md", "json")
PDF_FORMATS = frozenset(("pdf", "png"))  # need the extra [pdf]
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]+")


def card_file_stem(persona: Mapping[str, Any], index: int) -> str:
    """The file name of a persona's card, without extension: its id, made safe for a path."""
    stem = _SAFE_ID.sub("-", str(persona.get("id") or "")).strip("-.")
    return stem or f"persona-{index + 1}"


def _run_id(out_dir: Path) -> str | None:
    """The run id in ``out_dir/personas.json``, if there is one."""
    try:
        doc = json.loads((out_dir / "personas.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return as_text(doc.get("run_id")) if isinstance(doc, Mapping) else None


def render_cards(
    personas: list[dict[str, Any]], out_dir: Path, *, run_id: str | None = None, **options: Any
) -> list[Path]:
    """Write each persona's card under ``out_dir/report/cards/`` (:func:`write_cards`); ``run_id``: for
    the footer (default: the one in ``out_dir/personas.json``, if there is one)."""
    return write_cards(personas, out_dir / "report" / "cards", run_id=run_id or _run_id(out_dir), **options)


def default_formats() -> tuple[str, ...]:
    """Every format, less PDF and PNG when the ``pdf`` extra is not installed."""
    return FORMATS if pdf.available() else tuple(f for f in FORMATS if f not in PDF_FORMATS)


def write_cards(
    personas: list[dict[str, Any]],
    folder: Path,
    *,
    title: str,
    run_id: str | None = None,
    formats: Collection[str] | None = None,
) -> list[Path]:
    """Write each persona's card into ``folder``: ``<id>.html``, ``.pdf``, ``.png``, ``.md`` and ``.json``
    (the persona as it is in personas.json); return the paths written, persona by persona in that order.
    Persona ``i`` gets ``PALETTE[i % len(PALETTE)]``, as in the report. ``formats``: a subset of
    ``FORMATS``; a PNG needs the PDF, which is then written too. By default :func:`default_formats`;
    asking for PDF or PNG without the extra raises :class:`~personacraft.errors.MissingExtraError`
    before any file is written."""
    if formats is None:
        formats = default_formats()
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown card formats: {sorted(unknown)}; choose from {list(FORMATS)}")
    wanted = set(formats) | ({"pdf"} if "png" in formats else set())
    if wanted & PDF_FORMATS:
        pdf.require()
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i, persona in enumerate(personas):
        color = PALETTE[i % len(PALETTE)]
        stem = folder / card_file_stem(persona, i)
        if "pdf" in wanted:
            html, layout = pdf.fit_card(persona, color=color, title=title, run_id=run_id)
        else:
            html, layout = card_html(persona, color=color, title=title, run_id=run_id), None
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
            paths[-1].write_text(card_markdown(persona, title=title, run_id=run_id), encoding="utf-8")
        if "json" in wanted:
            paths.append(stem.with_suffix(".json"))
            paths[-1].write_text(
                json.dumps(persona, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
            )
    return paths
