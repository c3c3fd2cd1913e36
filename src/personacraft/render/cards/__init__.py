"""Persona cards to share: one A4 page per persona (HTML, PDF, PNG, Markdown, JSON), 16:9 slides and a deck.

:func:`personacraft.render.cards.writer.render_cards` writes ``report/cards/<id>.html|.pdf|.png|.md|.json``
under the output folder. The HTML card is self-contained (inline CSS, hand-written inline SVG, no
script; no URL but the persona page's when ``report.base_url`` is set) and made to print on exactly
one A4 page; WeasyPrint lays it out into the PDF, and
pypdfium2 draws the PDF page into the PNG (both the optional extra ``pdf``). A card that would run
onto a second page is laid out again denser, with fewer items per list (``DENSITIES``), until it
fits: the PDF always has one page. Colours, number formats and the contrast helpers are the journey
page's (:mod:`personacraft.render.style`), so text on a persona colour reads at 4.5:1 or better.

Every card opens with the At a glance band (:mod:`personacraft.render.glance`), speaks in plain words
(:mod:`personacraft.wording`), never cuts a text and never sends the reader to ``personas.json``;
the figures an analyst checks are in a "For analysts" fold.

- :mod:`~personacraft.render.cards.text`: text helpers (showable values, whole sentences, short reasons, wrapping);
- :mod:`~personacraft.render.cards.band`: the band, plain words in texts, the analysts' fold, the link and QR code;
- :mod:`~personacraft.render.cards.figures`: the value figures (horizon, reliability) and the buying committee;
- :mod:`~personacraft.render.cards.svg`: the colours, the avatar and the trait bars;
- :mod:`~personacraft.render.cards.content`: what a card says (``card_context``, ``DENSITIES``);
- :mod:`~personacraft.render.cards.page`: the card as HTML and as Markdown;
- :mod:`~personacraft.render.cards.pdf`: PDF and PNG;
- :mod:`~personacraft.render.cards.slides`: the 16:9 slides and the deck;
- :mod:`~personacraft.render.cards.writer`: every card, one file per format (``FORMATS``, ``SLIDES``).
"""
