"""``personacraft inspect``: what the sources hold, who they share, and whether each stage has enough, before a build.

:func:`inspect` reads the sources as a build does (:mod:`personacraft.ingest`, :mod:`personacraft.unify`),
then describes each source (:mod:`~personacraft.inspection.profile`), the customers each pair of sources
shares (:mod:`~personacraft.inspection.matches`) and a verdict per stage
(:mod:`~personacraft.inspection.readiness`); it writes ``inspect.json`` and ``inspect.html``
(:mod:`~personacraft.inspection.page`) and records the inspection in the workspace (docs/inspect.md).
"""

from __future__ import annotations

from personacraft.inspection.run import inspect

__all__ = ["inspect"]
