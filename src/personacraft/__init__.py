"""personacraft: customer personas built on evidence, from the exports a company already has.

The public Python API (``docs/python.md``)::

    import personacraft as pc
    res = pc.build("shop/personacraft.toml")        # or pc.build(pc.load_config(...))
    p = res.personas[0]                              # a typed Persona
    ps = pc.PersonaSet.load("shop/out/personas.json")
    pc.assign("new_customers.csv")                   # a DataFrame: persona and confidence per customer
    pc.clv.fit("orders.csv", customer="Customer ID", date="Order Date", amount="Total").customers
    pc.churn.fit("customers.csv", target="Churn", id="customerID").customers
    pc.hypotheses.features()                         # the feature vocabulary beliefs are written in
    pc.hypotheses.check("beliefs.yaml")              # each belief's verdict with its numbers

Names are imported when first used, so ``import personacraft`` stays fast for the command line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from personacraft.version import __version__

if TYPE_CHECKING:
    from personacraft import churn, clv, hypotheses
    from personacraft.api import BuildResult, assign, build, load_config
    from personacraft.config import Config
    from personacraft.errors import PersonaError
    from personacraft.personas import (
        Channel,
        Evidence,
        Goal,
        PainPoint,
        Persona,
        Recommendations,
        Story,
        Trait,
        Value,
    )
    from personacraft.personas.persona_set import PersonaSet

# public name -> the module that defines it (a module itself when the name is a subpackage)
_LAZY = {
    "load_config": "personacraft.api",
    "build": "personacraft.api",
    "assign": "personacraft.api",
    "hypotheses": "personacraft.hypotheses",
    "BuildResult": "personacraft.api",
    "Config": "personacraft.config",
    "PersonaError": "personacraft.errors",
    "PersonaSet": "personacraft.personas.persona_set",
    "Persona": "personacraft.personas",
    "Trait": "personacraft.personas",
    "Goal": "personacraft.personas",
    "PainPoint": "personacraft.personas",
    "Channel": "personacraft.personas",
    "Value": "personacraft.personas",
    "Story": "personacraft.personas",
    "Recommendations": "personacraft.personas",
    "Evidence": "personacraft.personas",
    "clv": "personacraft.clv",
    "churn": "personacraft.churn",
}

__all__ = [
    "BuildResult",
    "Channel",
    "Config",
    "Evidence",
    "Goal",
    "PainPoint",
    "Persona",
    "PersonaError",
    "PersonaSet",
    "Recommendations",
    "Story",
    "Trait",
    "Value",
    "__version__",
    "assign",
    "build",
    "churn",
    "clv",
    "hypotheses",
    "load_config",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'personacraft' has no attribute {name!r}")
    value = importlib.import_module(module)
    if not module.endswith("." + name):
        value = getattr(value, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
