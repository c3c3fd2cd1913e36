"""Rendering: the HTML report, the persona cards, the journey pages and the ICP card.

- :mod:`personacraft.render.report`: the report (``report/index.html``);
- :mod:`personacraft.render.cards`: the cards (content, SVG, PDF and PNG, the writer);
- :mod:`personacraft.render.journey`: the journey pages;
- :mod:`personacraft.render.icp_card`: the ICP card in Markdown and HTML;
- :mod:`personacraft.render.environment`, :mod:`~personacraft.render.style`, :mod:`~personacraft.render.charts`:
  what they share (templates and filters, figures and colours, SVG charts).
"""

from personacraft.render.report import render_report

__all__ = ["render_report"]
