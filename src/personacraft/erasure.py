"""The workspace's erasure files: the local salt, the hashed suppression list, the erasure log, the generation.

``personacraft forget`` (:mod:`personacraft.forget`) writes them; the ingest reads the suppression
list (:mod:`personacraft.suppression`); ``serve`` watches the generation. They sit beside the
workspace file (``.personacraft/``), apart from the data, and hold no clear value:

- ``erasure.salt``: 32 random bytes (hex), made once, readable by the owner only, never printed;
- ``suppressed.txt``: one salted SHA-256 per line, of every identity node (``email:…``, ``id:…``,
  ``phone:+…``, ``anon:…``) of every person forgotten; the ingest leaves their rows out;
- ``erasures.jsonl``: one line per ``forget``: when, the salted hash of each key asked for, whether it
  was found, and the rows removed per table and the files rewritten per run;
- ``generation``: a counter bumped by every ``forget``; a running server reloads when it changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SALT_FILE = "erasure.salt"
SUPPRESSED_FILE = "suppressed.txt"
LOG_FILE = "erasures.jsonl"
GENERATION_FILE = "generation"


def folder(workspace: Path) -> Path:
    """Where the erasure files of the workspace file ``workspace`` live (its folder, ``.personacraft/``)."""
    return Path(workspace).parent


def salt(workspace: Path, *, create: bool = False) -> str | None:
    """The workspace's salt (hex); made on first use when ``create``, else None when there is none yet."""
    path = folder(workspace) / SALT_FILE
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value + "\n")
    os.replace(tmp, path)
    return value


def digest(salt_hex: str, value: str) -> str:
    """The salted SHA-256 of one normalised key or identity node (what SQL computes as ``sha256(salt || value)``)."""
    return hashlib.sha256((salt_hex + value).encode("utf-8")).hexdigest()


def suppressed(workspace: Path) -> set[str]:
    """The hashes of the suppression list (empty when nobody was forgotten)."""
    path = folder(workspace) / SUPPRESSED_FILE
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip()}


def suppression_digest(workspace: Path) -> str:
    """A short hash of the suppression list ("" when empty): a source read under another list is read again."""
    hashes = sorted(suppressed(workspace))
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:16] if hashes else ""


def add_suppressed(workspace: Path, hashes: Iterable[str]) -> int:
    """Add ``hashes`` to the suppression list (written to a temporary name, then renamed); return how many were new."""
    current = suppressed(workspace)
    new = set(hashes) - current
    if new:
        _write_atomic(folder(workspace) / SUPPRESSED_FILE, "".join(h + "\n" for h in sorted(current | new)))
    return len(new)


def append_log(workspace: Path, record: dict[str, Any]) -> None:
    """Append one erasure record (no clear value: the caller passes hashes and counts only)."""
    path = folder(workspace) / LOG_FILE
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_log(workspace: Path) -> list[dict[str, Any]]:
    """The erasure records, oldest first (a line cut short by a crash is skipped)."""
    path = folder(workspace) / LOG_FILE
    out = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def generation(workspace: Path) -> int:
    """The erasure generation (0 before any ``forget``); cheap enough to read on every request."""
    try:
        return int((folder(workspace) / GENERATION_FILE).read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        return 0


def generation_stamp(workspace: Path) -> tuple[int, int, int] | None:
    """The counter file's (inode, size, mtime_ns), None without it: a ``stat`` tells a request whether to
    read :func:`generation` again (a forget replaces the file, so its inode changes)."""
    try:
        st = os.stat(folder(workspace) / GENERATION_FILE)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def bump_generation(workspace: Path) -> int:
    """Increase the generation by one and return it."""
    value = generation(workspace) + 1
    _write_atomic(folder(workspace) / GENERATION_FILE, f"{value}\n")
    return value


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
