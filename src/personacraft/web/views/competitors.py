"""The competitors page's view: the run's ``competitors.json``, shown as the report's competitor page shows it."""

from __future__ import annotations

import json
from typing import Any

from personacraft.render.competitors import competitors_body
from personacraft.web.service import RunView


def competitors_context(view: RunView) -> dict[str, Any]:
    """The page's body, or None when the run read no text of another brand."""
    path = view.run_dir / "competitors.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"body": None}
    return {"body": competitors_body(doc) if isinstance(doc, dict) else None}
