"""The ICP page's view: ``icp.json`` with links to its personas and the fit points scaled for their bars."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from personacraft.web.service import RunView
from personacraft.web.views.fields import as_dict, is_number, maps
from personacraft.web.views.personas import palette_class


def icp_context(view: RunView) -> dict[str, Any] | None:
    """The ICP document with persona links and the fit points scaled for their bars (None without one)."""
    if not isinstance(view.icp, Mapping):
        return None
    icp = dict(view.icp)
    index = {p["id"]: i for i, p in enumerate(view.personas)}
    why, fit = as_dict(icp.get("why")), as_dict(icp.get("fit_score"))
    personas = []
    for line in maps(why.get("personas")):
        pid = str(line.get("persona_id") or line.get("value") or "")
        known = pid in index
        personas.append(
            {
                **line,
                "href": f"/personas/{quote(pid, safe='')}" if known else None,
                "cls": palette_class(index[pid]) if known else "",
            }
        )
    points = [p for p in maps(fit.get("points")) if is_number(p.get("points"))][:14]
    top = max((abs(float(p["points"])) for p in points), default=0.0) or 1.0
    bars = []
    for p in points:  # a bar from the middle (0 points), to the right when the value adds points
        v = float(p["points"])
        half = abs(v) / top * 48
        bars.append({**p, "x": 50 if v >= 0 else 50 - half, "w": max(half, 0.6), "sign": "pos" if v >= 0 else "neg"})
    return {
        "doc": icp,
        "outcome": as_dict(icp.get("outcome")),
        "rules": maps(icp.get("rules")),
        "who": maps(as_dict(icp.get("who")).get("profile")),
        "why": why,
        "personas": personas,
        "answers": maps(why.get("answers")),
        "where": as_dict(icp.get("where")),
        "missing": as_dict(icp.get("missing")),
        "fit": fit,
        "evaluation": as_dict(fit.get("evaluation")),
        "bars": bars,
        "ignored": maps(icp.get("ignored")),
    }
