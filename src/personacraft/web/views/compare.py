"""The comparison page's view: the personas chosen, side by side, one row per comparison line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from personacraft.web.service import RunView
from personacraft.web.views.fields import as_dict, is_number, maps
from personacraft.web.views.personas import feature_label, persona_items


def _trait_line(t: Mapping[str, Any]) -> dict[str, str]:
    figures = [
        f"{t['share']:.0%}" if is_number(t.get("share")) else "",
        f"{t['lift']:.1f}×" if is_number(t.get("lift")) else "",
    ]
    return {"text": f"{feature_label(t.get('feature'))} {t.get('value')}", "fig": " · ".join(f for f in figures if f)}


def compare_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per comparison line, one cell per persona."""
    rows: list[dict[str, Any]] = []

    def row(label: str, cells: list[dict[str, Any]]) -> None:
        rows.append({"label": label, "cells": cells})

    row("Size", [{"value": it["ctx"]["size"], "note": it["ctx"]["share"], "unit": "customers"} for it in items])
    row("Type", [{"value": it["ctx"]["type"]["label"], "why": it["ctx"]["type"]["why"]} for it in items])
    row(
        "Top traits",
        [
            {"list": [_trait_line(t) for t in maps(it["raw"].get("traits"))[:3]], "why": it["ctx"]["traits_why"]}
            for it in items
        ],
    )
    row(
        "Pains",
        [{"list": [{"text": t} for t in it["ctx"]["pains"].items[:3]], "why": it["ctx"]["pains"].why} for it in items],
    )
    row(
        "Channels",
        [
            {
                "list": [
                    {"text": str(c.get("channel")), "fig": f"{c['share']:.0%}" if is_number(c.get("share")) else ""}
                    for c in maps(it["raw"].get("channels"))[:3]
                    if c.get("channel")
                ],
                "why": as_dict(it["raw"].get("missing")).get("channels") or "no channel in the sources",
            }
            for it in items
        ],
    )
    for label in ("Predicted CLV", "Share of revenue", "Revenue per customer", "Churn risk"):
        cells = []
        for it in items:
            found = next((r for r in it["ctx"]["value"]["rows"] if r["label"] == label), None)
            if found is None:  # revenue per customer: no row without orders; the reason is revenue share's
                missing = as_dict(as_dict(it["raw"].get("value")).get("missing"))
                cells.append({"value": None, "why": missing.get("revenue_share") or "not in this personas.json"})
            else:
                cells.append({"value": found.get("value"), "note": found.get("note"), "why": found.get("why")})
            if label == "Churn risk":
                cells[-1]["flags"] = it["ctx"]["value"]["flags"]
        row(label, cells)
    row(
        "Recommendations",
        [
            {
                "list": [{"text": r["texts"][0], "tag": r["label"]} for r in it["ctx"]["recs"] if r["texts"]],
                "why": "no recommendation in this personas.json",
            }
            for it in items
        ],
    )
    return rows


def compare_context(view: RunView, wanted: list[str]) -> dict[str, Any]:
    """The comparison of the personas ``wanted`` (every persona when none), and the ids not in the run."""
    everyone = persona_items(view, avatar=44)
    chosen = [it for it in everyone if it["id"] in wanted] if wanted else everyone
    return {
        "personas": everyone,
        "chosen": chosen,
        "chosen_ids": [it["id"] for it in chosen],
        "unknown": [pid for pid in wanted if pid not in view.by_id],
        "rows": compare_rows(chosen),
    }
