"""The comparison page's view: the personas chosen, side by side, one row per comparison line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from personacraft.render.plain import channel_rows, informative, reason, share_words, trait_rows
from personacraft.web.service import RunView
from personacraft.web.views.fields import as_dict
from personacraft.web.views.personas import persona_items


def _trait_line(t: Mapping[str, Any]) -> dict[str, str]:
    return {"text": f"{t['label']}: {t['value']}", "title": t["title"], "fig": t["words"] if t["lift"] else ""}


def _key(cell: dict[str, Any]) -> Any:
    """What a cell says, for telling whether a row says anything (:func:`informative`)."""
    if "list" in cell:
        return [it.get("text") for it in cell["list"]] or None
    return cell.get("value")


def compare_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per comparison line, one cell per persona; a row with the same value in every column, or
    unknown in every column, is left out (it tells the personas apart in nothing)."""
    rows: list[dict[str, Any]] = []

    def row(label: str, cells: list[dict[str, Any]]) -> None:
        if informative([_key(c) for c in cells]):
            rows.append({"label": label, "cells": [{**c, "why": reason(c.get("why"))} for c in cells]})

    def flags(it: dict[str, Any], which: str) -> list[tuple[str, str]]:
        kind = "good" if which == "most valuable" else "bad"
        return [(kind, which.capitalize())] if which in it["glance"].flags else []

    row(
        "Share of customers",
        [
            {
                "value": share_words(it["glance"].customer_share),
                "note": f"{it['ctx']['size']} customers" if it["ctx"]["size"] else None,
            }
            for it in items
        ],
    )
    row(
        "Share of revenue",
        [
            {
                "value": share_words(it["glance"].revenue_share),
                "note": "to date",
                "why": as_dict(as_dict(it["raw"].get("value")).get("missing")).get("revenue_share"),
                "flags": flags(it, "most valuable"),
            }
            for it in items
        ],
    )
    row("Type", [{"value": it["ctx"]["type"]["label"], "why": it["ctx"]["type"]["why"]} for it in items])
    row(
        "What sets them apart",
        [{"list": [_trait_line(t) for t in trait_rows(it["raw"])[:3]], "why": it["ctx"]["traits_why"]} for it in items],
    )
    row(
        "What frustrates them",
        [
            {"list": [{"text": t} for t in it["glance"].frustrations], "why": it["glance"].prompts.get("frustrations")}
            for it in items
        ],
    )
    row(
        "Where they come from",
        [
            {
                "list": [
                    {"text": c["label"], "fig": share_words(c["share"]) or ""} for c in channel_rows(it["raw"])[:3]
                ],
                "why": as_dict(it["raw"].get("missing")).get("channels") or "no web analytics export",
            }
            for it in items
        ],
    )
    for label in ("Predicted CLV", "Revenue per customer", "Churn risk"):
        cells = []
        for it in items:
            found = next((r for r in it["ctx"]["value"]["rows"] if r["label"] == label), None)
            horizon = it["note"]["horizon"] if label != "Revenue per customer" else "to date"
            if found is None:  # revenue per customer: no row without orders; the reason is revenue share's
                missing = as_dict(as_dict(it["raw"].get("value")).get("missing"))
                cells.append({"value": None, "why": missing.get("revenue_share") or "no orders export"})
            else:
                cells.append({"value": found.get("value"), "note": horizon, "why": found.get("why")})
            if label == "Churn risk":
                cells[-1]["flags"] = flags(it, "at risk")
            if it["note"]["unreliable"] and label != "Revenue per customer":
                cells[-1]["warning"] = it["note"]["unreliable"]
        row(label, cells)
    row(
        "What to do",
        [
            {"list": [{"text": t} for t in it["glance"].actions], "why": it["glance"].prompts.get("actions")}
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
