"""``personacraft runs``: the builds of a workspace, newest first."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import typer
from rich.table import Table

from personacraft.cli.common import console

app = typer.Typer(help="The builds of a workspace: list them, prune old ones.", invoke_without_command=True)


@app.callback()
def runs(
    ctx: typer.Context,
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    as_json: bool = typer.Option(False, "--json", help="Print the runs as a JSON list instead of a table."),
) -> None:
    """List the runs in the workspace with their status (succeeded, failed, killed, running, inspected).

    When no other process writes the workspace, it first cleans up after builds whose process died:
    their runs are marked killed and ``out/`` is left holding one whole run (docs/crash-safety.md)."""
    if ctx.invoked_subcommand is not None:
        return
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
        listed = [{**{k: r.get(k) for k in keep}, "summary": _summary(r)} for r in rows]
        print(json.dumps(listed, default=str, indent=1))
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


def _summary(row: dict[str, object]) -> dict[str, object]:
    """What a finished run recorded: customers, personas and each step's seconds (empty for other runs)."""
    try:
        parsed = json.loads(str(row.get("summary_json") or "{}"))
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@app.command("prune")
def prune(
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    keep_runs: int | None = typer.Option(
        None, "--keep-runs", min=1, help="Keep the newest N successful runs (default: [privacy] keep_runs)."
    ),
    keep_days: int | None = typer.Option(
        None, "--keep-days", min=1, help="Remove runs older than D days (default: [privacy] keep_days)."
    ),
) -> None:
    """Remove the runs retention no longer keeps: their tables, their folders out/runs/<run>, and the space."""
    from personacraft import upkeep
    from personacraft.config import load_config
    from personacraft.errors import ConfigError
    from personacraft.store import Workspace

    cfg = load_config(config)
    n = cfg.privacy.keep_runs if keep_runs is None else keep_runs
    days = cfg.privacy.keep_days if keep_days is None else keep_days
    if not n and not days:
        raise ConfigError(
            f"{cfg.path.name}: nothing to prune by: set [privacy] keep_runs or keep_days, or give --keep-runs N "
            "or --keep-days D."
        )
    with Workspace(cfg.workspace_path, wait=cfg.lock_wait) as ws:
        done = upkeep.prune(ws, n, days)
    if not done.runs:
        console.print(f"Nothing to prune: every run is within keep_runs = {n}, keep_days = {days}.")
        return
    console.print(
        f"Removed {len(done.runs)} run{'s' if len(done.runs) != 1 else ''} ({', '.join(done.runs)}) and "
        f"{len(done.folders)} folder{'s' if len(done.folders) != 1 else ''}; the workspace went from "
        f"{done.bytes_before / 2**20:,.1f} MiB to {done.bytes_after / 2**20:,.1f} MiB."
    )
