"""The "Use this persona" box: its member list, its Google and Meta audiences, the CRM import, its messaging.

The files are the build's own (``out/activation/``, written by :mod:`personacraft.activation`, and
``assignments.csv``); this view only says which exist, how many rows they hold, and where the
pages serve them (:mod:`personacraft.web.routes.pages`, admin only when the pages need a login).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from personacraft.errors import NotFoundError
from personacraft.web.service import AUDIENCES, RunView
from personacraft.web.views.fields import as_dict, maps

PLATFORMS = {"google": "Google Ads Customer Match", "meta": "Meta custom audience"}


def _summary(view: RunView, persona_id: str) -> dict[str, Any]:
    """The persona's entry of ``activation/summary.json`` (counts, and why no audience was written)."""
    path = view.run_dir / "activation" / "summary.json"
    if not path.is_file():
        return {}
    doc = json.loads(path.read_text(encoding="utf-8"))
    return next((dict(p) for p in maps(as_dict(doc).get("personas")) if p.get("id") == persona_id), {})


def messaging(persona: dict[str, Any]) -> str:
    """The persona's messaging recommendations as plain text to paste, one per line."""
    recs = as_dict(persona.get("recommendations"))
    texts = [str(r.get("text")) for r in maps(recs.get("messaging")) if r.get("text")]
    return "\n".join(f"- {t}" for t in texts)


def use_box(view: RunView, persona_id: str) -> dict[str, Any]:
    """What a marketer can take away from a persona page: files (with rows) and the messaging text."""
    pid = quote(persona_id, safe="")
    entry = _summary(view, persona_id)
    files = []
    members = (view.run_dir / "assignments.csv").is_file()
    if members:
        files.append(
            {
                "label": "Member list",
                "what": f"{entry['customers']:,} customers with their email, as CSV" if "customers" in entry else "CSV",
                "href": f"/personas/{pid}/members.csv",
                "personal": True,
            }
        )
    for platform in AUDIENCES:
        try:
            view.activation_path(persona_id, platform)
        except NotFoundError:
            continue
        rows = as_dict(entry.get(platform)).get("rows")
        files.append(
            {
                "label": f"{platform.capitalize()} audience",
                "what": PLATFORMS[platform] + (f", {rows:,} people (hashed)" if isinstance(rows, int) else " (hashed)"),
                "href": f"/personas/{pid}/audience/{platform}.csv",
                "personal": True,
            }
        )
    try:
        view.activation_path(None, "crm")
        files.append(
            {
                "label": "CRM import",
                "what": "every customer's persona, to import into HubSpot or Salesforce",
                "href": "/activation/crm.csv",
                "personal": True,
            }
        )
    except NotFoundError:
        pass
    return {
        "files": files,
        "skipped": entry.get("skipped"),
        "messaging": messaging(view.by_id[persona_id]),
        "missing_messaging": as_dict(as_dict(view.by_id[persona_id].get("recommendations")).get("missing")).get(
            "messaging"
        ),
    }
