"""The "Beliefs vs evidence" page's view: the newest ``personacraft hypotheses`` check of the run shown.

The check keeps its result as ``hypotheses.json`` in the run's output folder
(:data:`personacraft.hypotheses.service.RESULT_FILE`); it is read when the page is asked for, as the
runs page reads ``changes.json``, so a check made after the server started shows without a reload.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from personacraft.hypotheses.service import RESULT_FILE
from personacraft.web.service import RunView
from personacraft.web.views.fields import as_dict, maps

FLAGS = {"supported": "good", "contradicted": "bad", "inconclusive": "warn", "not_testable": ""}
WORDS = {"supported": "supported", "contradicted": "contradicted", "inconclusive": "inconclusive"}
EXPECT = {
    "majority": "a majority",
    "at_least": "at least",
    "more_than_average": "more than average",
    "less_than_average": "less than average",
    "most_common": "the most common",
}


def read_result(view: RunView) -> dict[str, Any] | None:
    """The run's ``hypotheses.json``; None when no check was made, or the file is not a check of this run."""
    path = view.run_dir / RESULT_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("kind") != "hypotheses" or doc.get("run_id") != view.run_id:
        return None
    return doc


def _row(h: Mapping[str, Any], view: RunView) -> dict[str, Any]:
    verdict = str(h.get("verdict") or "not_testable")
    pid = str(h.get("persona") or "")
    ci = h.get("ci") if isinstance(h.get("ci"), list) and len(h["ci"]) == 2 else None
    return {
        "id": h.get("id"),
        "claim": h.get("claim"),
        "who": h.get("persona_name") or pid,
        "href": f"/personas/{quote(pid, safe='')}" if pid in view.by_id else None,
        "what": f"{h.get('family_label')}: {h.get('value_label')}" if h.get("family_label") else None,
        "expect": EXPECT.get(str(h.get("expect")), h.get("expect")),
        "verdict": verdict,
        "word": WORDS.get(verdict, "not testable"),
        "flag": FLAGS.get(verdict, ""),
        "share": h.get("share"),
        "threshold": h.get("threshold"),
        "population_share": h.get("population_share"),
        "lift": h.get("lift"),
        "n": h.get("n"),
        "fewer_than": h.get("fewer_than"),  # the share is hidden: fewer customers than this hold the value
        "ci": ci,
        "p_adjusted": h.get("p_adjusted"),
        "reason": h.get("reason"),
    }


def beliefs_context(view: RunView) -> dict[str, Any]:
    """The hypotheses with their verdicts and evidence, and each hand-made persona's match and claims."""
    doc = read_result(view)
    if doc is None:
        return {"result": None}
    people = []
    for p in maps(doc.get("personas")):
        nearest = as_dict(p.get("nearest"))
        pid = str(nearest.get("persona") or "")
        people.append(
            {
                "name": p.get("name"),
                "exists": bool(p.get("exists")),
                "reason": p.get("reason"),
                "nearest": nearest or None,
                "href": f"/personas/{quote(pid, safe='')}" if pid in view.by_id else None,
                "fit_share": p.get("fit_share"),
                "size_guess": as_dict(p.get("size_guess")).get("share"),
                "claims": [_row(c, view) for c in maps(p.get("claims"))],
            }
        )
    summary = as_dict(doc.get("summary"))
    return {
        "result": doc,
        "file": doc.get("file"),
        "summary": [(WORDS.get(k, "not testable"), FLAGS.get(k, ""), summary.get(k, 0)) for k in FLAGS],
        "rows": [_row(h, view) for h in maps(doc.get("hypotheses"))],
        "hand_made": people,
        "min_group": doc.get("min_group_size"),
    }
