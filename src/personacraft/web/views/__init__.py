"""Pure functions that turn a run's documents (personas, history, runs, journeys, ICP, accounting) into page contexts.

No request, no database and no template here: each function takes a
:class:`~personacraft.web.service.RunView` (or its run list) and returns plain data. No view shows
personal data: only what ``personas.json``, ``journeys.json`` and ``icp.json`` publish (aggregates
over at least the minimum group size, invented names, redacted quotes) and, from
``accounting.json``, counts and reasons (never its reject examples, which hold raw values). What a
run lacks (no journeys, no ICP, an older ``personas.json``) becomes a reason to show, never an error.
"""
