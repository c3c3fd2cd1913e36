"""The registry of SQL over customer-scale data: every statement template a build runs, by module and name.

The statements live as module-level constants (UPPER_CASE strings, ``str.format`` templates
over table names and settings) in the modules of :data:`MODULES`; a second engine (Spark, a
warehouse) enumerates them here to transpile each one, and ``tests/pipeline/test_statements.py``
parses every one with DuckDB. A constant that is a fragment (an expression or a subquery that
other statements splice in) is listed among :func:`fragments`.
"""

from __future__ import annotations

import importlib
import re

# the modules that declare SQL templates, lowest layer first
MODULES = (
    "personacraft.unify.sql",
    "personacraft.unify.linkage",
    "personacraft.features.sql",
    "personacraft.features.custom_sql",
    "personacraft.segment.matrix",
    "personacraft.segment.profile",
    "personacraft.segment.lineage",
    "personacraft.text.objections",
    "personacraft.clv.sql",
    "personacraft.churn.sql",
    "personacraft.journey.account_sql",
    "personacraft.icp.sql",
    "personacraft.experiments.sql",
    "personacraft.experiments.outcomes",
    "personacraft.accounts.sql",
    "personacraft.personas.changes",
    "personacraft.activation",
    "personacraft.pipeline.outputs",
    "personacraft.pipeline.provenance",
    "personacraft.inspection.sql",
    "personacraft.hypotheses.sql",
)
_STATEMENT = re.compile(r"^\s*(SELECT|WITH|CREATE|COPY|INSERT)\b", re.I)
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _templates() -> dict[str, str]:
    out: dict[str, str] = {}
    for module in MODULES:
        mod = importlib.import_module(module)
        for name, value in vars(mod).items():
            if _NAME.match(name) and isinstance(value, str) and re.search(r"\b(SELECT|CASE|FROM)\b", value):
                out[f"{module.removeprefix('personacraft.')}.{name}"] = value
    return out


def statements() -> dict[str, str]:
    """Every SQL statement template, by ``module.NAME`` (``features.sql.FEATURE_COUNTS``)."""
    return {k: v for k, v in _templates().items() if _STATEMENT.match(v)}


def fragments() -> dict[str, str]:
    """The SQL expressions and subqueries that statements splice in, by ``module.NAME``."""
    return {k: v for k, v in _templates().items() if not _STATEMENT.match(v)}
