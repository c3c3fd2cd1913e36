"""The notebook entry points: load a config, build, and assign customers, as the commands do.

``import personacraft as pc`` exposes these as ``pc.load_config``, ``pc.build`` and
``pc.assign`` (``docs/python.md``). They run the same code as ``personacraft build`` and
``personacraft assign``; only the shape of the answer differs (objects and DataFrames
instead of files and a summary line).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from personacraft.config import Config
from personacraft.config import load_config as _load_config
from personacraft.errors import InputError, InputFormatError, require_pandas
from personacraft.pipeline import BuildResult, Progress
from personacraft.pipeline import build as _build
from personacraft.segment.persist import assign_input
from personacraft.sources.columns import lit
from personacraft.store import Workspace, scratch

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BuildResult", "assign", "build", "load_config"]


def load_config(path: str | Path) -> Config:
    """Read and validate a ``personacraft.toml``."""
    return _load_config(path)


def build(config: Config | str | Path, out: str | Path | None = None, progress: Progress | None = None) -> BuildResult:
    """Build personas from a config (or its path); outputs go to ``out`` (default ``out/`` next to the config)."""
    cfg = config if isinstance(config, Config) else _load_config(config)
    return _build(cfg, Path(out) if out is not None else None, progress=progress)


def assign(
    customers: pd.DataFrame | str | Path,
    run: str | None = None,
    *,
    config: Config | str | Path = "personacraft.toml",
) -> pd.DataFrame:
    """Each customer's persona with the saved model of ``run`` (default: the newest), as ``personacraft assign``.

    ``customers`` is a CSV or Parquet file, or a DataFrame, in the long form of
    ``features.parquet`` (an id column, ``family``, ``value``, ``n``) or the wide form (an id
    column and one column per feature family). The answer has ``customer_id``,
    ``persona_id`` (empty when unassigned), ``confidence``, ``second_persona_id`` and
    ``second_confidence`` (the next most likely persona) and ``known_values``, sorted by id.
    """
    pd = require_pandas("pc.assign (it answers with a DataFrame)")
    cfg = config if isinstance(config, Config) else _load_config(config)
    with tempfile.TemporaryDirectory(prefix="personacraft-assign-") as tmp:
        path = _as_file(customers, Path(tmp))
        with Workspace(cfg.workspace_path, read_only=True) as ws:
            try:
                ids, decision = assign_input(ws.run(run), path)
            except InputFormatError as exc:
                if isinstance(customers, str | Path):
                    raise
                # the file is our own copy of the caller's DataFrame: name the DataFrame (line = its row)
                raise InputFormatError(
                    "the DataFrame", exc.problem, line=exc.line, column=exc.column, value=exc.value, hint=exc.hint
                ) from None
    return pd.DataFrame(
        {
            "customer_id": ids.astype(str),
            "persona_id": decision.persona_ids.astype(str),
            "confidence": decision.confidence.astype(float),
            "second_persona_id": decision.second_persona_ids.astype(str),
            "second_confidence": decision.second_confidence.astype(float),
            "known_values": decision.known.astype(int),
        }
    )


def _as_file(customers: Any, folder: Path) -> Path:
    """A path as it is; a DataFrame written to a Parquet file in ``folder`` (DuckDB reads it directly)."""
    if isinstance(customers, str | Path):
        return Path(customers)
    if not hasattr(customers, "columns"):
        raise InputError(f"assign takes a CSV or Parquet path or a pandas DataFrame, not {type(customers).__name__}")
    path = folder / "customers.parquet"
    con = scratch()
    try:
        con.register("_customers", customers)
        con.execute(f"COPY _customers TO {lit(str(path))} (FORMAT parquet)")
    finally:
        con.close()
    return path
