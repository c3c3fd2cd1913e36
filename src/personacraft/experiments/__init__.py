"""A/B tests read with honest statistics, overall and per group (a persona or any column).

``read_experiment(con, relation)`` reads one experiment from a DuckDB relation with one row per
exposed unit and returns an :class:`ExperimentReading`; its ``to_dict()`` is the JSON document of
``personacraft experiment`` and its ``verdict()`` says, per group, whether a variant works there.
docs/experiments.md gives the statistics and the rules.
"""

from __future__ import annotations

from personacraft.experiments.reading import OTHER, read_experiment
from personacraft.experiments.result import BETTER, HURTS, NONE, VERDICTS, WORKS, Cell, ExperimentReading

__all__ = ["BETTER", "HURTS", "NONE", "OTHER", "VERDICTS", "WORKS", "Cell", "ExperimentReading", "read_experiment"]
