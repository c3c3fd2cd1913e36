"""A persona card as PDF and PNG: WeasyPrint lays the HTML out on one A4 page, pypdfium2 draws it as a PNG.

Both libraries are the optional extra ``pdf``; they are imported when first needed, and a missing
one raises :class:`~personacraft.errors.MissingExtraError` naming ``pip install 'personacraft[pdf]'``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from personacraft.errors import MissingExtraError
from personacraft.render.cards.content import DENSITIES
from personacraft.render.cards.page import card_html

PNG_DPI = 144  # an A4 page at 144 dpi: 1191 x 1684 pixels
LIBRARIES = ("weasyprint", "pypdfium2")  # the extra [pdf]
FEATURE = "PDF and PNG persona cards"


def _module(name: str) -> Any:
    """A rendering library of the ``pdf`` extra, imported when first needed."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingExtraError(FEATURE, "pdf") from exc


def require() -> None:
    """Raise :class:`MissingExtraError` unless both libraries of the ``pdf`` extra import."""
    for name in LIBRARIES:
        _module(name)


def available() -> bool:
    """Whether the ``pdf`` extra is installed (both libraries import)."""
    try:
        require()
    except MissingExtraError:
        return False
    return True


def layout_pdf(html: str) -> Any:
    """WeasyPrint's layout of a card (a ``weasyprint.Document``: ``.pages``, ``.write_pdf()``)."""
    return _module("weasyprint").HTML(string=html).render()


def html_to_pdf(html: str, path: Path) -> Path:
    """Write the HTML page as a PDF with WeasyPrint; return its path."""
    layout_pdf(html).write_pdf(path)
    return path


def pdf_page_count(path: Path) -> int:
    """The number of pages of a PDF file."""
    pdfium = _module("pypdfium2")
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdf_to_png(pdf_path: Path, png_path: Path, *, dpi: int = PNG_DPI) -> Path:
    """Draw the first page of the PDF into a PNG with pypdfium2; return its path."""
    pdfium = _module("pypdfium2")
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[0]
        bitmap = page.render(scale=dpi / 72)
        bitmap.to_pil().save(png_path, format="PNG")
        bitmap.close()
        page.close()
    finally:
        pdf.close()
    return png_path


def fit(render: Callable[[int], str], levels: int) -> tuple[str, Any]:
    """The HTML ``render(level)`` at the lowest level (the roomiest) whose layout is one page, found by
    bisection over ``range(levels)`` (the last level always counts as fitting), and that layout."""
    html = render(0)
    layout = layout_pdf(html)
    if len(layout.pages) == 1 or levels == 1:
        return html, layout
    lo, hi = 1, levels - 1  # the answer is in [lo, hi]
    fits: dict[int, tuple[str, Any]] = {}
    while lo < hi:
        mid = (lo + hi) // 2
        h = render(mid)
        lay = layout_pdf(h)
        if len(lay.pages) == 1:
            hi, fits[mid] = mid, (h, lay)
        else:
            lo = mid + 1
    if lo in fits:
        return fits[lo]
    html = render(lo)
    return html, layout_pdf(html)


def fit_card(
    persona: Mapping[str, Any], *, color: str, title: str, run_id: str | None = None, base_url: str | None = None
) -> tuple[str, Any]:
    """The card's HTML at the roomiest density that lays out on one A4 page, and that layout."""

    def render(density: int) -> str:
        return card_html(persona, color=color, title=title, run_id=run_id, density=density, base_url=base_url)

    return fit(render, len(DENSITIES))
