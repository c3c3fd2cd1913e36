"""``personacraft runs``: the builds of a workspace, newest first."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import typer
from rich.table import Table

from personacraft.cli.common import console


def runs(
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    as_json: bool = typer.Option(False, "--json", help="Print the runs as a JSON list instead of a table."),
) -> None:
    """List the runs in the workspace with their status (succeeded, failed, killed, running, inspected).

    When no other process writes the workspace, it first cleans up after builds whose process died:
    their runs are marked killed and ``out/`` is left holding one whole run (docs/crash-safety.md)."""
    from personacraft import locking
    from personacraft.config import load_config
    from personacraft.errors import WorkspaceBusyError
    from personacraft.pipeline import recover
    from personacraft.store import Workspace

    cfg = load_config(config)
    rows = None
    if not locking.holder(cfg.workspace_path) and cfg.workspace_path.exists():
        # nobody writes: clean up after a build whose process died, so it is listed as killed
        with contextlib.suppress(WorkspaceBusyError), Workspace(cfg.workspace_path) as ws:
            for line in recover(ws, cfg.root / "out"):
                console.print(line)
            rows = ws.runs()
    if rows is None:
        with Workspace(cfg.workspace_path, read_only=True) as ws:
            rows = ws.runs()
    if as_json:
        keep = ("run_id", "status", "created_at", "finished_at", "out_dir", "error", "pid")
        print(json.dumps([{k: r.get(k) for k in keep} for r in rows], default=str, indent=1))
        return
    table = Table()
    for col in ("run", "status", "created", "config", "outputs"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["run_id"],
            r["status"],
            str(r["created_at"])[:19],
            r["config_hash"] or "",
            (r["error"] or "")[:80] if r["error"] else r["out_dir"] or "",
        )
    console.print(table)
