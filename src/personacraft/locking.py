"""The workspace lock: one writer at a time, a clear message naming the holder, a dead holder's lock taken over.

A process that writes the workspace (a build, an inspection, the server's token store) holds an
exclusive ``flock`` on ``<workspace>.lock`` for as long as its connection is open, and writes who
it is into the file: pid, host, command and start time. Another writer waits up to its
``wait`` seconds, polling, then stops with :class:`~personacraft.errors.WorkspaceBusyError`
naming the holder. The kernel releases a ``flock`` when its process dies, however it dies
(SIGKILL included), so a lock left by a dead process is never held: the next writer takes it
and the file's old content tells who died (:attr:`Lock.previous`). Within one process the lock
is re-entrant: a nested writer shares the outer one's hold.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from personacraft.errors import WorkspaceBusyError

POLL_S = 0.2
_HELD: dict[Path, tuple[IO[str], int]] = {}  # lock file -> (open handle, nesting depth) in this process


def lock_path(workspace: Path) -> Path:
    """The lock file of a workspace file: beside it, ``<name>.lock``."""
    return workspace.with_name(workspace.name + ".lock")


def _me() -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv))[:200],
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _read(fh: IO[str]) -> dict[str, Any] | None:
    fh.seek(0)
    try:
        doc = json.loads(fh.read() or "null")
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def describe(holder: dict[str, Any] | None) -> str:
    """``pid 4242 on host, "personacraft build", since 2026-12-05T10:00:00+00:00`` (or that nobody said)."""
    if not holder:
        return "another process (it did not say which)"
    return (
        f"pid {holder.get('pid')} on {holder.get('host')} ({holder.get('command') or 'personacraft'}), "
        f"since {holder.get('started_at')}"
    )


@dataclass
class Lock:
    """This process's hold on a workspace's lock; ``previous`` is what a dead holder had written, if anything."""

    path: Path
    fresh: bool  # this hold took the lock (not nested in an outer hold of this process)
    previous: dict[str, Any] | None = field(default=None)

    def release(self) -> None:
        fh, depth = _HELD[self.path]
        if depth > 1:
            _HELD[self.path] = (fh, depth - 1)
            return
        del _HELD[self.path]
        with contextlib.suppress(OSError):
            fh.seek(0)
            fh.truncate()
            fh.flush()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def acquire(workspace: Path, wait: float) -> Lock:
    """Take the workspace's lock, waiting up to ``wait`` seconds for its holder; raise
    :class:`WorkspaceBusyError` naming the holder when it is still held then."""
    path = lock_path(workspace).resolve()
    if path in _HELD:
        fh, depth = _HELD[path]
        _HELD[path] = (fh, depth + 1)
        return Lock(path, fresh=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+", encoding="utf-8")
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _read(fh)
                fh.close()
                raise WorkspaceBusyError(
                    f"{workspace}: the workspace is in use by {describe(holder)}; waited {wait:g} s. Wait for it to "
                    "finish, or raise `lock_wait` in personacraft.toml to wait longer."
                ) from None
            time.sleep(POLL_S)
    previous = _read(fh)
    fh.seek(0)
    fh.truncate()
    fh.write(json.dumps(_me()))
    fh.flush()
    _HELD[path] = (fh, 1)
    return Lock(path, fresh=True, previous=previous)


def holder(workspace: Path) -> dict[str, Any] | None:
    """Who holds the workspace's lock now (what it wrote), or None when nobody does."""
    path = lock_path(workspace)
    if not path.exists():
        return None
    if path.resolve() in _HELD:
        return _me()
    with path.open("a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(fh) or {}
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None
