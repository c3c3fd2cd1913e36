"""The journey report, ``report/journeys.html``: one journey map for all customers and one per persona.

The input is the ``journeys.json`` document; the page holds no URL at all.

- :mod:`~personacraft.render.journey.svg`: the drawings (funnel, Sankey of paths, faces, emotional curve);
- :mod:`~personacraft.render.journey.content`: what the page shows (``journey_section``, ``stage_order``);
- :mod:`~personacraft.render.journey.page`: :func:`~personacraft.render.journey.page.render_journeys`.
"""
