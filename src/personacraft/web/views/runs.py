"""The runs and data-health pages' views: the run list, the sources' accounting and identity resolution, counts only."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from personacraft.personas.history import History
from personacraft.web.service import RunView
from personacraft.web.views.fields import as_count, as_dict, is_number, maps


def when(value: Any) -> str:
    """A timestamp as ``2026-11-28 22:51``; text stays as it is."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value or "")
    m = re.match(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})", text)
    return f"{m.group(1)} {m.group(2)}" if m else text


def _duration(start: Any, end: Any) -> str | None:
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        try:
            start, end = dt.datetime.fromisoformat(str(start)), dt.datetime.fromisoformat(str(end))
        except ValueError:
            return None
    seconds = (end - start).total_seconds()
    if seconds < 0:
        return None
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def changes_href(run_id: str) -> str:
    """The runs page's *What changed* panel of run ``run_id``."""
    return f"/runs?run={quote(run_id, safe='')}#changes"


def run_rows(runs: list[dict[str, Any]], view: RunView, history: History | None = None) -> list[dict[str, Any]]:
    """The workspace's runs as the runs page lists them (the one ``view`` shows marked; a link to what changed in
    each run whose ``changes.json`` the ``history`` holds)."""
    with_changes = {r.run_id for r in (history.runs if history is not None else []) if r.changes is not None}
    rows = []
    for r in runs:
        try:
            summary = json.loads(r.get("summary_json") or "{}")
        except (TypeError, ValueError):
            summary = {}
        rows.append(
            {
                "run_id": r.get("run_id"),
                "seq": r.get("seq"),
                "status": str(r.get("status") or "unknown"),
                "created": when(r.get("created_at")),
                "finished": when(r.get("finished_at")) if r.get("finished_at") else None,
                "duration": _duration(r.get("created_at"), r.get("finished_at")) if r.get("finished_at") else None,
                "config_hash": r.get("config_hash"),
                "version": r.get("version"),
                "summary": summary if isinstance(summary, Mapping) else {},
                "error": r.get("error"),
                "shown": r.get("run_id") == view.run_id,
                "changes_href": changes_href(str(r["run_id"])) if r.get("run_id") in with_changes else None,
            }
        )
    return rows


def accounting_context(view: RunView) -> dict[str, Any] | None:
    """Per source: counts and reasons (never the reject examples: they hold raw values)."""
    acc = view.accounting
    if not isinstance(acc, Mapping):
        return None
    sources: list[dict[str, Any]] = []
    for s in maps(acc.get("sources")):
        read, rejected = s.get("read"), s.get("rejected")
        reasons, skipped = as_dict(s.get("reasons")), as_dict(s.get("skipped_files"))
        sources.append(
            {
                "source": s.get("source"),
                "kind": s.get("kind"),
                "files": len(s["files"]) if isinstance(s.get("files"), list) else 0,
                "read": read,
                "accepted": s.get("accepted"),
                "rejected": rejected,
                "rate": rejected / read if is_number(read) and is_number(rejected) and read else None,
                "accepted_share": s.get("accepted") / read
                if is_number(read) and is_number(s.get("accepted")) and read
                else None,
                "balanced": s.get("balanced"),
                "reasons": sorted(((str(k), v) for k, v in reasons.items()), key=lambda kv: -as_count(kv[1])),
                "superseded": s.get("superseded"),
                # accepted rows treated on purpose: returns netted, postage, guests, currencies (docs/sources.md)
                "handled": sorted(
                    ((str(k), v) for k, v in as_dict(s.get("handled")).items()), key=lambda kv: -as_count(kv[1])
                ),
                "skipped": len(skipped),
                "reused_from": s.get("reused_from"),
            }
        )
    total = {k: sum(s[k] for s in sources if is_number(s[k])) for k in ("read", "accepted", "rejected")}
    return {
        "balanced": acc.get("balanced"),
        "sources": sources,
        "total": total,
        "rate": total["rejected"] / total["read"] if total["read"] else None,
    }


def identity_context(view: RunView) -> dict[str, Any] | None:
    """The identity resolution report, counts only (never its conflict examples)."""
    ident = as_dict(view.accounting).get("identity")
    if not isinstance(ident, Mapping):  # older runs: the copy in personas.json's provenance
        ident = as_dict(view.personas_doc.get("provenance")).get("identity")
    if not isinstance(ident, Mapping):
        return None
    merged, conflicts = as_dict(ident.get("merged_on")), as_dict(ident.get("conflicts"))
    linked = sorted(((k, v) for k, v in merged.items() if "linked" in k), key=lambda kv: -as_count(kv[1]))
    keyed = sorted(((k, v) for k, v in merged.items() if "linked" not in k), key=lambda kv: -as_count(kv[1]))
    figures = [
        ("Records", ident.get("records"), "rows from every source that carry an identifier"),
        ("Customers", ident.get("customers"), "people after resolution"),
        ("Visitors", ident.get("visitors"), "anonymous, never linked to a customer"),
        ("In several sources", ident.get("multi_source_customers"), "customers seen in two or more sources"),
        ("Phones normalised", ident.get("phones_normalised"), "to E.164"),
        ("Phones unusable", ident.get("phones_unusable"), "could not be parsed"),
        ("Phones shared", ident.get("phones_shared"), "by several customers, so not used to link"),
        (
            "Keys kept apart",
            int(sum(as_count(v) for v in as_dict(ident.get("kept_apart")).values())) if "kept_apart" in ident else None,
            "emails, phones or cookies that would have joined two ids of one system (docs/identity.md)",
        ),
    ]
    return {
        "figures": [(k, v, note) for k, v, note in figures if v is not None],
        "linked": linked,
        "keyed": keyed,
        "conflicts": sorted(conflicts.items()),
        "iterations": ident.get("iterations"),
    }


def inspection_context(doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The newest inspection (``inspect.json``), counts and verdicts only: never a rejected value, nor a conflict's
    example (they stay in the file)."""
    if not isinstance(doc, Mapping):
        return None
    ident = as_dict(doc.get("identity"))
    sources = [
        {
            "source": s.get("source"),
            "kind": s.get("kind"),
            "read": s.get("read"),
            "accepted": s.get("accepted"),
            "rejected": s.get("rejected"),
            "over": bool(s.get("over_threshold")),
            "dates": as_dict(s.get("date_range")),
            "reasons": [(r.get("reason"), r.get("n")) for r in maps(s.get("top_reasons"))],
            "sample": as_dict(s.get("sample")),  # empty when the source was read whole
        }
        for s in maps(doc.get("sources"))
    ]
    return {
        "run_id": doc.get("run_id"),
        "created": when(doc.get("created_at")),
        "seconds": doc.get("seconds"),
        "html": doc.get("html"),
        "customers": ident.get("customers"),
        "readiness": [
            {
                "stage": v.get("stage"),
                "status": v.get("status"),
                "found": str(v.get("message") or "").partition(": ")[2],
                "unlock": v.get("unlock"),
            }
            for v in maps(doc.get("readiness"))
        ],
        "sources": sources,
        "pairs": [p for p in maps(ident.get("pairs")) if p.get("both")],
        "errors": [(e.get("source"), e.get("error")) for e in maps(doc.get("errors"))],
    }


def health_context(view: RunView, inspection: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The data health page: the sources' accounting, identity resolution, the segmentation's provenance, and the
    newest inspection (``personacraft inspect``) when there is one."""
    prov = as_dict(view.personas_doc.get("provenance"))
    return {
        "inspection": inspection_context(inspection),
        "acc": accounting_context(view),
        "identity": identity_context(view),
        "seg": as_dict(prov.get("segmentation")),
        "prov": prov,
        "customers": view.personas_doc.get("customers"),
    }


def changes_context(view: RunView, history: History | None = None, run_id: str | None = None) -> dict[str, Any] | None:
    """The ``changes.json`` of run ``run_id`` as the ``history`` read it, by default the shown run's (what changed
    since the run before it); None on a first run."""
    if run_id is not None and run_id != view.run_id:
        record = next((r for r in (history.runs if history is not None else []) if r.run_id == run_id), None)
        return record.changes if record is not None else None
    path = view.run_dir / "changes.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("personas"), list) else None
