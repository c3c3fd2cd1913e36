"""A persona across the workspace's runs: its size, share and top traits per run, and the runs where it changed.

Every successful run keeps its ``personas.json`` and, after the first, its ``changes.json`` in its
own folder (``out/runs/<run id>/``, the ``out_dir`` of its row in ``runs``), so the history is read
from those files: nothing is stored twice. :func:`read_history` reads them once (the web app does it
when it loads a run); :func:`persona_history` follows one persona id through them.

A trait's share in a run is its share among the persona's members with a known value, as
``personas.json`` and ``changes.json`` publish it: from the run's own traits when the trait is
published there, else from the ``changes.json`` that compared the run with its neighbour (which
holds every trait published in either run). A trait neither holds has no share for that run (it
was not published and not compared): the chart leaves a gap, never a guess.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOP_TRAITS = 3
Key = tuple[str, str]  # a trait: (feature, value)


@dataclass(frozen=True)
class RunRecord:
    """What the history needs of one successful run: its personas' sizes and trait shares, and its changes."""

    run_id: str
    created_at: str
    customers: int
    personas: dict[str, dict[str, Any]]  # id -> name, size, share, traits {(feature, value): share} in order
    changes: dict[str, Any] | None = None  # the run's changes.json (None on a first run)


@dataclass(frozen=True)
class History:
    """Every successful run whose folder still holds its ``personas.json``, oldest first, and those whose does not."""

    runs: list[RunRecord] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # run ids whose outputs were moved or deleted

    def upto(self, run_id: str) -> list[RunRecord]:
        """The runs up to and including ``run_id`` (the one shown); every run when it is not among them."""
        ids = [r.run_id for r in self.runs]
        return self.runs[: ids.index(run_id) + 1] if run_id in ids else list(self.runs)

    def last_run(self, persona_id: str) -> str | None:
        """The newest run that published ``persona_id``; None when none did."""
        return next((r.run_id for r in reversed(self.runs) if persona_id in r.personas), None)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError):
        return None


def _slim(persona: Mapping[str, Any]) -> dict[str, Any]:
    traits = {
        (str(t.get("feature")), str(t.get("value"))): float(t["share"])
        for t in persona.get("traits") or []
        if isinstance(t, Mapping) and isinstance(t.get("share"), int | float)
    }
    return {"name": persona.get("name"), "size": persona.get("size"), "share": persona.get("share"), "traits": traits}


def read_history(runs: Sequence[Mapping[str, Any]]) -> History:
    """The history of a workspace from its ``runs`` rows (:meth:`personacraft.store.Workspace.runs`, any order)."""
    records: list[RunRecord] = []
    gone: list[str] = []
    for row in sorted(runs, key=lambda r: int(r.get("seq") or 0)):
        if row.get("status") != "succeeded":
            continue
        folder = Path(str(row["out_dir"])) if row.get("out_dir") else None
        doc = _read(folder / "personas.json") if folder is not None else None
        if not isinstance(doc, Mapping) or not isinstance(doc.get("personas"), list):
            gone.append(str(row.get("run_id")))
            continue
        changes = _read(folder / "changes.json") if folder is not None else None
        records.append(
            RunRecord(
                run_id=str(doc.get("run_id") or row.get("run_id")),
                created_at=str(doc.get("created_at") or row.get("created_at") or ""),
                customers=int(doc.get("customers") or 0),
                personas={str(p["id"]): _slim(p) for p in doc["personas"] if isinstance(p, Mapping) and "id" in p},
                changes=changes if isinstance(changes, dict) and isinstance(changes.get("personas"), list) else None,
            )
        )
    return History(records, gone)


def _entry(changes: Mapping[str, Any] | None, persona_id: str) -> dict[str, Any] | None:
    """The persona's row in a ``changes.json`` (its status, matched ids and trait changes)."""
    for p in (changes or {}).get("personas") or []:
        if isinstance(p, Mapping) and p.get("id") == persona_id:
            return dict(p)
    return None


def _compared(changes: Mapping[str, Any] | None, persona_id: str, key: Key, side: str) -> float | None:
    """A trait's share ``then`` (``share_from``) or ``now`` (``share_to``) as a ``changes.json`` compared it."""
    for t in (_entry(changes, persona_id) or {}).get("traits") or []:
        if (str(t.get("feature")), str(t.get("value"))) == key and isinstance(t.get(side), int | float):
            return float(t[side])
    return None


def _alerts(changes: Mapping[str, Any] | None, persona_id: str) -> list[dict[str, Any]]:
    """The alerts of a ``changes.json`` about the persona (a split's alert names its parts)."""
    out = []
    for a in (changes or {}).get("alerts") or []:
        if not isinstance(a, Mapping):
            continue
        parts = (a.get("evidence") or {}).get("parts") or []
        if a.get("persona_id") == persona_id or persona_id in parts:
            out.append({"kind": a.get("kind"), "message": a.get("message")})
    return out


def persona_history(history: History, persona_id: str, upto: str, top: int = TOP_TRAITS) -> dict[str, Any] | None:
    """The persona through the runs up to ``upto`` (the run shown), or None when no run published it.

    ``traits``: the persona's first ``top`` traits in the newest run that has it, as (feature, value);
    ``points``: one per run from its first run on where it is published, oldest first: ``run_id``,
    ``created_at``, ``size``, ``share``, ``traits`` (each trait's share, None when unknown),
    ``status`` (from that run's ``changes.json``: kept, born, split, merged; None on the workspace's
    first run) and ``alerts``; ``changed``: the runs where its status was not ``kept`` (died too)
    or an alert named it.
    """
    runs = history.upto(upto)
    having = [i for i, r in enumerate(runs) if persona_id in r.personas]
    if not having:
        return None
    newest = runs[having[-1]].personas[persona_id]
    keys: list[Key] = list(newest["traits"])[:top]
    points: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for i in range(having[0], len(runs)):
        run = runs[i]
        entry = _entry(run.changes, persona_id)
        alerts = _alerts(run.changes, persona_id)
        status = entry.get("status") if entry else None
        if status not in (None, "kept") or alerts:
            changed.append(
                {
                    "run_id": run.run_id,
                    "created_at": run.created_at,
                    "status": status,
                    "matched_from": entry.get("matched_from") if entry else [],
                    "from_run": (run.changes or {}).get("from_run"),
                    "alerts": alerts,
                }
            )
        p = run.personas.get(persona_id)
        if p is None:
            continue
        nxt = runs[i + 1].changes if i + 1 < len(runs) else None
        if nxt is not None and nxt.get("from_run") != run.run_id:
            nxt = None
        shares: list[float | None] = []
        for key in keys:
            share = p["traits"].get(key)
            if share is None:
                share = _compared(run.changes, persona_id, key, "share_to")
            if share is None:
                share = _compared(nxt, persona_id, key, "share_from")
            shares.append(share)
        points.append(
            {
                "run_id": run.run_id,
                "created_at": run.created_at,
                "size": p["size"],
                "share": p["share"],
                "customers": run.customers,
                "name": p["name"],
                "traits": shares,
                "status": status,
                "alerts": alerts,
            }
        )
    return {"persona_id": persona_id, "traits": keys, "points": points, "changed": changed}
