"""``personacraft diff``: what changed between two runs (by default the two newest successful ones)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from personacraft.cli.common import console


def diff(
    from_run: str | None = typer.Option(None, "--from", help="The earlier run (default: the one before --to)."),
    to_run: str | None = typer.Option(None, "--to", help="The later run (default: the newest successful one)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the changes as JSON to this file."),
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
) -> None:
    """Compare two runs: each persona's status, size and share, migration, trait and pain changes, alerts."""
    from personacraft.config import load_config
    from personacraft.personas.change_alerts import change_alerts
    from personacraft.personas.changes import diff_runs, pick_runs
    from personacraft.store import Workspace

    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        old, new = pick_runs(ws, from_run, to_run)
        changes = diff_runs(ws, old, new)
    changes["alerts"] = change_alerts(changes, cfg.alerts)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(changes, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"From run {changes['from_run']} to run {changes['to_run']} (matched by {changes['matched_by']}):")
    for p in changes["personas"]:
        was = f" from {', '.join(p['matched_from'])}" if p["matched_from"] and p["status"] != "kept" else ""
        print(
            f"  {p['id']:<5} {p['status']:<7}{was}  {p['name']}: {p['size_from']:,} -> {p['size_to']:,} customers"
            f" ({p['share_from']:.1%} -> {p['share_to']:.1%}, change {p['share_change'] * 100:+.1f} points,"
            f" 95% CI {p['ci_low'] * 100:+.1f} to {p['ci_high'] * 100:+.1f})"
        )
    if changes["drift"] is not None:
        print(f"Drift: {changes['drift']:.1%} of the matched personas' published attributes changed.")
    for a in changes["alerts"]:
        print(f"  alert {a['kind']}: {a['message']}")
    if not changes["alerts"]:
        print("No alerts.")
    if json_out is not None:
        console.print(f"Written to {json_out}.")
