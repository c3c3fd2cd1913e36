"""What ``personacraft features`` and ``personacraft hypotheses`` do, for the commands and the Python API.

A check's result is kept as ``hypotheses.json`` in the run's output folder
(``out/runs/<run id>/hypotheses.json``, :data:`RESULT_FILE`): the newest check of a run, which
the web app's "Beliefs vs evidence" page shows. ``--json OUT`` writes a copy to ``OUT``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from personacraft.config import Config, load_config
from personacraft.errors import ConfigError
from personacraft.hypotheses.spec import read_beliefs
from personacraft.hypotheses.verdicts import grade_file, run_folder
from personacraft.hypotheses.vocabulary import Vocabulary, vocabulary
from personacraft.store import Run, Workspace

RESULT_FILE = "hypotheses.json"


def run_vocabulary(config: Config, run_id: str | None = None) -> tuple[str, Vocabulary]:
    """The id of the run (the newest successful one unless given) and its feature vocabulary."""
    with Workspace(config.workspace_path, read_only=True) as ws:
        run = ws.run(run_id)
        return run.run_id, vocabulary(run, min_group=config.privacy.min_group_size)


def features(run: str | None = None, *, config: Config | str | Path = "personacraft.toml") -> list[dict[str, Any]]:
    """The feature vocabulary of ``run`` (default: the newest) as ``personacraft features --json`` prints it:
    ``[{family, label, n_known, values: [{value, label, population_share, n}]}]``."""
    cfg = config if isinstance(config, Config) else load_config(config)
    return run_vocabulary(cfg, run)[1].as_json()


def check(
    file: str | Path,
    run: str | None = None,
    *,
    config: Config | str | Path = "personacraft.toml",
    out: str | Path | None = None,
) -> dict[str, Any]:
    """Check the hypotheses and hand-made personas of ``file`` against ``run`` (default: the newest), as
    ``personacraft hypotheses`` does; the result it keeps in the run's ``hypotheses.json`` (and writes to
    ``out`` when given)."""
    cfg = config if isinstance(config, Config) else load_config(config)
    return check_file(cfg, file, run, out)[0]


def write_json(doc: Any, path: Path, what: str) -> None:
    """Write ``doc`` as indented JSON to ``path``, whole or not at all (a temporary file, then a rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot write it ({exc.strerror or exc})") from exc


def grade_beliefs(config: Config, path: Path, run: Run, names: dict[str, str]) -> dict[str, Any]:
    """Grade the beliefs file ``path`` on ``run`` during its build (``[beliefs] file``); ``names``: the
    personas' names by id. A malformed file fails the build with its line, as the command does."""
    return grade_file(run, read_beliefs(path), min_group=config.privacy.min_group_size, names=names)


def check_file(
    config: Config, path: str | Path, run_id: str | None = None, out: str | Path | None = None
) -> tuple[dict[str, Any], list[Path]]:
    """Grade the beliefs in ``path`` on the run; the result, and the files it was written to (the run's
    ``hypotheses.json``, and ``out`` when given)."""
    beliefs = read_beliefs(path)  # a malformed file fails before the workspace is opened
    with Workspace(config.workspace_path, read_only=True) as ws:
        run = ws.run(run_id)
        result = grade_file(run, beliefs, min_group=config.privacy.min_group_size)
        folder = run_folder(run)
    written: list[Path] = []
    if folder is not None and folder.is_dir():
        write_json(result, folder / RESULT_FILE, "the run's result file")
        written.append(folder / RESULT_FILE)
    if out is not None:
        write_json(result, Path(out), "--json")
        written.append(Path(out))
    return result, written
