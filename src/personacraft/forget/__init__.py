"""``personacraft forget``: remove people from every table, run and file of a workspace, and keep them out.

:func:`forget` does it (:mod:`personacraft.forget.run`); :mod:`~personacraft.forget.people` finds the
people, :mod:`~personacraft.forget.tables` their rows, :mod:`~personacraft.forget.files` writes the runs'
folders again, and :mod:`~personacraft.forget.journal` makes a forget cut short finish or undo.
"""

from __future__ import annotations

from personacraft.forget.run import ForgetReport, forget

__all__ = ["ForgetReport", "forget"]
