"""``personacraft runs``: the builds of a workspace, newest first."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from personacraft.cli.common import console


def runs(
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
) -> None:
    """List the runs in the workspace with their status."""
    from personacraft.config import load_config
    from personacraft.store import Workspace

    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        rows = ws.runs()
    table = Table()
    for col in ("run", "status", "created", "config", "outputs"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["run_id"],
            r["status"],
            str(r["created_at"])[:19],
            r["config_hash"] or "",
            r["out_dir"] or (r["error"] or "")[:60],
        )
    console.print(table)
