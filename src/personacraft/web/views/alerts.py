"""The alerts page's view: the workspace's alerts (``alerts.jsonl``), newest first, with their evidence."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from personacraft.alerts.log import AlertLog
from personacraft.web.service import RunView
from personacraft.web.views.fields import as_dict, is_number
from personacraft.web.views.runs import when

KIND_LABELS = {
    "size_change": "Size changed",
    "persona_born": "New persona",
    "persona_died": "Persona gone",
    "persona_split": "Persona split",
    "persona_merged": "Personas merged",
    "new_pain": "New pain point",
    "churn_risk_up": "Churn risk up",
    "trait_shift": "Trait shifted",
}
# the kinds a reader should look at first
WARN_KINDS = frozenset({"persona_died", "churn_risk_up", "new_pain"})


def _figure(value: Any) -> str:
    """An evidence value as the page shows it: numbers rounded, lists joined."""
    if is_number(value):
        return f"{value:,}" if isinstance(value, int) else f"{value:.3g}"
    if isinstance(value, list | tuple):
        return ", ".join(_figure(v) for v in value)
    return "–" if value is None else str(value)


def alerts_context(log: AlertLog | None, view: RunView) -> dict[str, Any]:
    """Each alert with its kind in words, its run, its persona linked when the run shown has it, and its evidence."""
    log = log or AlertLog([], 0, 0)
    rows = []
    for a in log.alerts:
        pid = a.get("persona_id") if isinstance(a.get("persona_id"), str) else None
        kind = str(a.get("kind") or "")
        persona = view.by_id.get(pid) if pid else None
        rows.append(
            {
                "time": when(a.get("time")),
                "run_id": str(a.get("run_id") or ""),
                "run_seq": str(a.get("run_id") or "").partition("-")[0],  # 0003 of 0003-20261128T153213Z
                "kind": KIND_LABELS.get(kind, kind.replace("_", " ").capitalize() or "Alert"),
                "tone": "warn" if kind in WARN_KINDS else "good" if kind == "persona_born" else "",
                "persona_id": pid,
                "name": persona.get("name") if persona else None,
                "href": f"/personas/{quote(pid, safe='')}" if persona and pid else None,
                "message": str(a.get("message") or ""),
                "evidence": [(str(k), _figure(v)) for k, v in as_dict(a.get("evidence")).items()],
                "latest": a.get("run_id") == view.run_id,
            }
        )
    return {"alerts": rows, "total": log.total, "unreadable": log.unreadable}
