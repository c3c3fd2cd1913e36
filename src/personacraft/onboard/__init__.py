"""``personacraft init``: from a folder of exports to a commented config (docs/init.md).

:func:`init` reads every file under the paths (:mod:`~personacraft.onboard.files`), tells each
one's kind (:mod:`~personacraft.onboard.detect`) or maps a generic file's columns
(:mod:`~personacraft.onboard.mapping`), finds the joins (:mod:`~personacraft.onboard.joins`) and
writes the config (:mod:`~personacraft.onboard.writer`).
"""

from __future__ import annotations

from pathlib import Path

from personacraft.errors import ConfigError
from personacraft.onboard.plan import Entry, Plan, make_plan
from personacraft.onboard.writer import render


def init(paths: list[Path], out: Path, *, force: bool = False, command: str = "personacraft init") -> Plan:
    """Look at every file under ``paths`` and write the commented config to ``out``; return what was found."""
    if out.exists() and not force:
        raise ConfigError(f"{out}: the file exists; init does not overwrite it. Use --force, or --out another file.")
    plan = make_plan(paths)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(plan, out.resolve().parent, command), encoding="utf-8")
    return plan


__all__ = ["Entry", "Plan", "init", "make_plan", "render"]
