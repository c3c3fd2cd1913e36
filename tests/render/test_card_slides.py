"""16:9 slides per persona (``<id>.slide.pdf``, ``.slide.png``) and the deck (``deck.pdf``): title slide + one each."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from personacraft.errors import MissingExtraError
from personacraft.personas.persona_set import PersonaSet
from personacraft.pipeline import BuildResult
from personacraft.render.cards.slides import LEVELS, slide_html
from personacraft.render.cards.writer import KNOWN, SLIDES, default_formats, render_cards, slide_files
from personacraft.render.charts import PALETTE
from tests.render.test_cards import _saas_full, _saas_personas, _visible


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _pages(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in pdf]
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("slides")
    return render_cards(_saas_personas(), out, title="SaaS demo", run_id="0001-test", formats=SLIDES)


def test_slides_and_deck_are_written_in_order(slides: list[Path]) -> None:
    names = [p.name for p in slides]
    expected = [name for pid in ("p1", "p2", "p3") for name in slide_files(pid)]
    assert names == [*expected, "deck.pdf"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in slides)


def test_each_slide_is_one_16_by_9_page(slides: list[Path]) -> None:
    for path in slides:
        if path.name.endswith(".slide.png"):
            assert _png_size(path) == (1920, 1080), path
        elif path.name.endswith(".slide.pdf"):
            pages = _pages(path)
            assert len(pages) == 1, path
            pdf = pdfium.PdfDocument(str(path))
            width, height = pdf[0].get_size()
            pdf.close()
            assert (round(width), round(height)) == (960, 540), path  # 13.33 × 7.5 in


def test_the_deck_has_a_title_slide_then_one_slide_per_persona(slides: list[Path]) -> None:
    deck = slides[-1]
    pages = _pages(deck)
    assert len(pages) == 3 + 1
    assert "SaaS demo" in pages[0] and "3 personas" in pages[0]
    assert "Maria Lopez" in pages[1] and "Occasional admin" in pages[2]
    for text in pages[1:]:
        assert "AT A GLANCE" in text.upper()
        assert "personas.json" not in text and "…" not in text


def test_a_slide_speaks_plainly_and_labels_value_with_its_horizon() -> None:
    p = _saas_full()
    p["value"] = dict(p["value"], horizon="next 12 months", reliable=False, unreliable_because="too little history")
    text = _visible(slide_html(p, color=PALETTE[0], title="t"))
    assert "At a glance" in text and "What to do first" in text
    assert "Predicted CLV next 12 months" in text
    assert "unreliable, because too little history" in text
    assert "more common than average" in text


def test_a_slide_that_does_not_fit_takes_smaller_type(tmp_path: Path) -> None:
    p = _saas_full()
    p["recommendations"]["messaging"] = [{"text": "Say this long thing. " * 30, "evidence": {}}]
    from personacraft.render.cards.slides import fit_slide

    html, layout = fit_slide(p, color=PALETTE[0], title="t")
    assert len(layout.pages) == 1
    assert 'data-level="0"' not in html and f"{LEVELS[0][0]}pt" not in html


def test_the_build_default_writes_slides_when_the_extra_is_installed() -> None:
    assert set(SLIDES) <= set(default_formats()) and set(default_formats()) <= set(KNOWN)


@pytest.mark.parametrize("formats", [("slide",), ("deck",)])
def test_slides_without_the_extra_raise_before_writing(
    formats: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    assert "slide" not in default_formats()
    with pytest.raises(MissingExtraError, match=r"personacraft\[pdf\]"):
        render_cards(_saas_personas(), tmp_path, title="t", formats=formats)
    assert not (tmp_path / "report" / "cards").exists()


def test_save_cards_knows_the_slide_formats(tmp_path: Path) -> None:
    pset = PersonaSet.from_dict(
        {"run_id": "r1", "created_at": "2026-01-01T00:00:00Z", "customers": 100, "personas": [_saas_full()]}
    )
    written = pset.save_cards(tmp_path, formats=["deck"])  # the deck brings the slides with it
    assert [p.name for p in written] == ["deck.pdf"]
    assert len(_pages(tmp_path / "deck.pdf")) == 2
    assert "100 customers" in _pages(tmp_path / "deck.pdf")[0]


@pytest.mark.slow
@pytest.mark.parametrize("which", ["built", "saas_demo"])
def test_the_demo_builds_write_a_deck_with_one_page_per_persona_plus_one(
    which: str, request: pytest.FixtureRequest
) -> None:
    value = request.getfixturevalue(which)
    result: BuildResult = value[1] if isinstance(value, tuple) else value
    folder = result.out_dir / "report" / "cards"
    ids = [p.id for p in result.personas]
    assert len(_pages(folder / "deck.pdf")) == len(ids) + 1
    for pid in ids:
        pdf_name, png_name = slide_files(pid)
        assert _png_size(folder / png_name) == (1920, 1080)
        assert len(_pages(folder / pdf_name)) == 1
