"""The journal of a ``forget`` in progress, so that a process killed at any moment leaves one consistent state.

1. The rows are deleted in one transaction of the workspace; inside it, each run's folder is written
   again into a copy (``out/runs/.<run>.forget``), then the journal (``.personacraft/forget.journal.json``)
   names the copies and a random token, and the token is inserted into ``erasure_marks``; then COMMIT.
2. :func:`finish`: each copy replaces its folder (renames only), the newest run is published again at
   the top of ``out/`` through the build's journal (:func:`personacraft.pipeline.outputs.publish`), the
   erasure record is appended, the generation bumped, and the journal removed.

:func:`recover` (run by every writer that takes the lock afresh: a build, ``runs``, ``forget``) finishes
step 2 when the token was committed, else drops the copies: the rows were not deleted, so the files
stay as they were.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from personacraft.erasure import append_log, bump_generation, folder
from personacraft.store import Workspace

JOURNAL = "forget.journal.json"
MARKS_DDL = "CREATE TABLE IF NOT EXISTS erasure_marks (token VARCHAR PRIMARY KEY, marked_at TIMESTAMP NOT NULL)"


def path(ws: Workspace) -> Path:
    return folder(ws.path) / JOURNAL


def write(ws: Workspace, doc: dict[str, Any]) -> None:
    """Write the journal (temporary name, fsync, rename)."""
    target = path(ws)
    tmp = target.with_name(target.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=1) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)


def committed(ws: Workspace, token: str) -> bool:
    ws.con.execute(MARKS_DDL)
    return bool(ws.con.execute("SELECT count(*) FROM erasure_marks WHERE token = ?", [token]).fetchall()[0][0])


def move(staged: Path, target: Path) -> None:
    """Put ``staged`` in the place of ``target`` by renames; done again after a kill, it finishes the move."""
    old = target.with_name(f".{target.name}.forget-old")
    if staged.exists():
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def finish(ws: Workspace, doc: dict[str, Any]) -> None:
    """Step 2: the copies replace the folders, the newest run is published again, the journal goes."""
    from personacraft.pipeline.outputs import publish  # the build's publishing: out/ always holds one whole run

    for staged, target in doc.get("moves", []):
        move(Path(staged), Path(target))
    pub = doc.get("publish")
    if pub:
        run_dir, out, run_id = Path(pub[0]), Path(pub[1]), str(pub[2])
        if run_dir.is_dir():
            publish(run_dir, out, run_id)
    if doc.get("record"):
        append_log(ws.path, doc["record"])
    bump_generation(ws.path)  # a running server reloads
    path(ws).unlink(missing_ok=True)


def recover(ws: Workspace) -> str | None:
    """After a ``forget`` whose process died: finish it if its rows were deleted, else drop its copies."""
    journal = path(ws)
    path(ws).with_name(JOURNAL + ".tmp").unlink(missing_ok=True)
    if not journal.is_file():
        return None
    doc = json.loads(journal.read_text(encoding="utf-8"))
    if committed(ws, str(doc.get("token"))):
        finish(ws, doc)
        return "finished rewriting the files of a forget cut short"
    for staged, _target in doc.get("moves", []):
        shutil.rmtree(staged, ignore_errors=True)
    journal.unlink(missing_ok=True)
    return "dropped the files of a forget cut short before it removed anything"
