"""Persona cards without the optional extra [pdf]: the build's cards skip PDF and PNG, a request for them fails."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from personacraft.errors import MissingExtraError
from personacraft.pipeline import BuildResult
from personacraft.render.cards import pdf
from personacraft.render.cards.writer import render_cards
from personacraft.render.report import write_report

PERSONAS = [{"id": "p1", "name": "Weekend gardeners", "size": 120, "share": 0.3}]


@pytest.fixture(params=["weasyprint", "pypdfium2"])
def no_pdf_extra(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """One library of the extra made unimportable (``None`` in ``sys.modules`` stops its import)."""
    monkeypatch.setitem(sys.modules, request.param, None)
    return str(request.param)


def test_missing_extra_error_names_the_extra(no_pdf_extra: str) -> None:
    assert not pdf.available()
    with pytest.raises(MissingExtraError) as caught:
        pdf.require()
    message = str(caught.value)
    assert "PDF and PNG persona cards" in message
    assert "pip install 'personacraft[pdf]'" in message
    assert isinstance(caught.value, ImportError)
    assert caught.value.exit_code == 9


def test_layout_without_weasyprint_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(MissingExtraError, match=r"personacraft\[pdf\]"):
        pdf.layout_pdf("<p>card</p>")


def test_default_formats_skip_pdf_and_png_without_the_extra(no_pdf_extra: str, tmp_path: Path) -> None:
    paths = render_cards(PERSONAS, tmp_path, title="Demo", run_id="0001-test")
    assert [p.name for p in paths] == ["p1.html", "p1.md", "p1.json"]
    assert all(p.is_file() for p in paths)


@pytest.mark.parametrize("formats", [("pdf",), ("png",), ("html", "png")])
def test_asking_for_pdf_or_png_without_the_extra_raises(
    no_pdf_extra: str, tmp_path: Path, formats: tuple[str, ...]
) -> None:
    with pytest.raises(MissingExtraError, match=r"pip install 'personacraft\[pdf\]'"):
        render_cards(PERSONAS, tmp_path, title="Demo", formats=formats)
    assert not (tmp_path / "report" / "cards").exists()  # raised before any file was written


def test_formats_without_pdf_need_no_extra(no_pdf_extra: str, tmp_path: Path) -> None:
    paths = render_cards(PERSONAS, tmp_path, title="Demo", run_id="0001-test", formats=("md",))
    assert [p.name for p in paths] == ["p1.md"]


def test_the_report_links_only_the_cards_written(no_pdf_extra: str, built: BuildResult, tmp_path: Path) -> None:
    """Without the extra the report links the HTML and Markdown cards, not PDF and PNG files that are not there."""
    pset = built.personas
    html = write_report(pset, tmp_path, title="t", accounting=[], cards=True).read_text(encoding="utf-8")
    assert 'href="cards/p1.html"' in html and 'href="cards/p1.md"' in html
    assert "cards/p1.pdf" not in html and "cards/p1.png" not in html
    written = pset.save_cards(tmp_path / "cards")
    assert sorted(p.name for p in written if p.stem == "p1") == ["p1.html", "p1.json", "p1.md"]
