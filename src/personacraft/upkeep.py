"""Upkeep of a workspace opened for writing: runs whose process died, runs past retention, and compaction.

These act on the whole workspace, so each needs the workspace's lock held afresh by this process
(:class:`~personacraft.store.Workspace` opened for writing): then no other process is running a build.

- :func:`mark_killed`: runs left ``running`` by a process that died are marked ``killed``.
- :func:`expired`: the runs ``[privacy] keep_runs`` and ``keep_days`` no longer keep.
- :func:`drop_runs`: their tables and their own folders go, and their rows in ``runs``.
- :func:`compact`: the workspace file is rewritten without the space dropped tables held (DuckDB
  reuses freed blocks but never gives them back to the disk).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from personacraft.errors import WorkspaceError
from personacraft.store import Workspace, _configured, _ident

_DEAD = "SELECT run_id, schema_name, pid, out_dir FROM runs WHERE status = 'running'"
_ALL = "SELECT run_id, seq, schema_name, status, created_at, out_dir FROM runs ORDER BY seq DESC"


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _must_hold(ws: Workspace) -> None:
    if ws.lock is None or not ws.lock.fresh:
        raise WorkspaceError(f"{ws.path}: internal: upkeep needs the workspace opened for writing, lock taken afresh")


def mark_killed(ws: Workspace) -> list[dict[str, Any]]:
    """Mark ``killed`` the runs left ``running`` by a process that died (killed, crashed, power cut) and drop
    their tables; return them (``run_id``, ``pid``, ``out_dir``). Nothing when this process's hold on the lock
    is nested in an outer one (its own build may be running)."""
    if ws.lock is None or not ws.lock.fresh:
        return []
    names = ("run_id", "schema_name", "pid", "out_dir")
    dead = [dict(zip(names, r, strict=True)) for r in ws.con.execute(_DEAD).fetchall()]
    for run in dead:
        ws.con.execute(f"DROP SCHEMA IF EXISTS {_ident(run['schema_name'])} CASCADE")
        ws.con.execute(
            "UPDATE runs SET status = 'killed', finished_at = ?, error = ? WHERE run_id = ?",
            [
                datetime.now(UTC).replace(tzinfo=None),
                f"the process (pid {run['pid']}) ended before the run finished: it was killed or crashed",
                run["run_id"],
            ],
        )
    return dead


def expired(
    runs: Sequence[dict[str, Any]], keep_runs: int, keep_days: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The runs (newest first, as ``runs`` lists them) that retention no longer keeps.

    ``keep_runs`` N > 0 keeps the newest N succeeded runs and every run newer than the oldest of them;
    ``keep_days`` D > 0 keeps runs created within D days. The newest succeeded run is always kept, and
    a run still ``running`` too. 0 turns a rule off."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    succeeded = [r for r in runs if r["status"] == "succeeded"]
    keep = {r["run_id"] for r in succeeded[:1]} | {r["run_id"] for r in runs if r["status"] == "running"}
    out = []
    oldest_kept = succeeded[keep_runs - 1]["seq"] if keep_runs and len(succeeded) >= keep_runs else None
    for r in runs:
        if r["run_id"] in keep:
            continue
        too_many = oldest_kept is not None and r["seq"] < oldest_kept
        too_old = bool(keep_days) and r["created_at"] < now - timedelta(days=keep_days)
        if too_many or too_old:
            out.append(r)
    return out


@dataclass(frozen=True)
class Pruned:
    """What :func:`prune` removed: the runs, their folders, and the workspace file's size before and after."""

    runs: list[str]
    folders: list[str]
    bytes_before: int
    bytes_after: int

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def drop_runs(ws: Workspace, runs: Sequence[dict[str, Any]]) -> list[str]:
    """Drop each run's tables and its row, and its own output folder (``out/runs/<run_id>``, never any other:
    an inspection's folder is the user's); return the folders removed."""
    _must_hold(ws)
    folders = []
    for r in runs:
        ws.con.execute(f"DROP SCHEMA IF EXISTS {_ident(r['schema_name'])} CASCADE")
        ws.con.execute("DELETE FROM runs WHERE run_id = ?", [r["run_id"]])
        own = Path(str(r["out_dir"])) if r.get("out_dir") else None
        if own is not None and own.name == r["run_id"] and own.is_dir():
            shutil.rmtree(own, ignore_errors=True)
            folders.append(str(own))
    return folders


def compact(ws: Workspace) -> None:
    """Rewrite the workspace file without its free blocks: copied into a new file, which replaces it (the lock
    is held throughout; the connection is reopened on the new file)."""
    _must_hold(ws)
    path = ws.path
    tmp = path.with_name(path.name + ".compact")
    tmp.unlink(missing_ok=True)
    ws.con.execute("CHECKPOINT")
    ws.con.close()
    try:
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH {_lit(path)} AS old (READ_ONLY)")
            con.execute(f"ATTACH {_lit(tmp)} AS new")
            con.execute("COPY FROM DATABASE old TO new")
            con.execute("DETACH old")
            con.execute("DETACH new")
        finally:
            con.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        ws.con = _configured(duckdb.connect(str(path)))


def prune(ws: Workspace, keep_runs: int, keep_days: int) -> Pruned:
    """Drop the runs retention no longer keeps (:func:`expired`), then compact the workspace if any went."""
    _must_hold(ws)
    cur = ws.con.execute(_ALL)
    cols = [d[0] for d in cur.description or []]
    runs = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    gone = expired(runs, keep_runs, keep_days)
    before = ws.path.stat().st_size
    folders = drop_runs(ws, gone)
    if gone:
        compact(ws)
    return Pruned([r["run_id"] for r in gone], folders, before, ws.path.stat().st_size)
