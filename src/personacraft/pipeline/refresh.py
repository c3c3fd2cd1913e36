"""``build --if-changed``: the fingerprint of a build's inputs, and whether the newest run already has it.

A run stores one fingerprint (``runs.fingerprint`` in the workspace): a SHA-256 over the config's
own fingerprint (:meth:`personacraft.config.Config.fingerprint`), the library version, and every
configured source file by its path and the SHA-256 of its bytes. A byte changed in any file, a
file that a glob now matches or no longer matches, a changed setting or a new version of
personacraft gives another fingerprint; a file only touched (a new modification time) does not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from personacraft.config import Config
from personacraft.errors import NotFoundError
from personacraft.sources import fingerprint, make_sources
from personacraft.store import Workspace
from personacraft.version import __version__


def _where(path: str, root: Path) -> str:
    """A source file's path relative to the config's folder when it is inside it (a moved workspace matches)."""
    p = Path(path)
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def inputs_fingerprint(config: Config, inputs: Sequence[Mapping[str, Any]]) -> str:
    """The fingerprint of a build: its config, the version, and each input file's path and SHA-256
    (``inputs`` as :func:`personacraft.sources.fingerprint` gives them)."""
    files = sorted((str(i["source"]), _where(str(i["path"]), config.root), str(i["sha256"])) for i in inputs)
    doc = {"config": config.fingerprint(), "version": __version__, "files": files}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def current_fingerprint(config: Config) -> str:
    """The fingerprint the sources of ``config`` have now (reads and hashes every file)."""
    sources = make_sources(config)
    return inputs_fingerprint(config, fingerprint(sources))


def unchanged_since(config: Config, out_dir: Path | None = None) -> str | None:
    """The id of the newest successful run when it was built from exactly these inputs and its outputs
    are still published in ``out_dir`` (default ``out/`` next to the config); None when a build is due."""
    out = (out_dir or config.root / "out").resolve()
    if not config.workspace_path.exists():
        return None
    try:
        with Workspace(config.workspace_path, read_only=True) as ws:
            newest = ws.newest_succeeded()
    except NotFoundError:
        return None
    if newest is None or not newest["fingerprint"] or not newest["out_dir"]:
        return None
    run_dir = Path(newest["out_dir"])
    if run_dir.parent.parent.resolve() != out or not (out / "personas.json").is_file():
        return None
    return str(newest["run_id"]) if newest["fingerprint"] == current_fingerprint(config) else None
