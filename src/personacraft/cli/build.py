"""``personacraft build``: the whole pipeline, from exports to personas and a report."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from personacraft.cli.common import console


def build(
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: out/ next to the config)."),
    if_changed: bool = typer.Option(
        False,
        "--if-changed",
        help="Do nothing (exit 0) when no source file, setting or version changed since the newest run.",
    ),
) -> None:
    """Build personas from the sources in the config; every build is a new run."""
    from personacraft.config import load_config
    from personacraft.pipeline import build as run_build

    cfg = load_config(config)
    if if_changed:
        from personacraft.pipeline.refresh import unchanged_since

        same = unchanged_since(cfg, out)
        if same is not None:
            console.print(f"No source changed since run {same}; nothing to do.")
            return
    started = time.perf_counter()
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Starting", total=None)

        def say(message: str, step: int, steps: int) -> None:
            bar.update(task, description=message, completed=step, total=steps)
            console.log(message)

        result = run_build(cfg, out, progress=say)
    table = Table(title="Sources", title_justify="left")
    for col in ("source", "read", "accepted", "rejected"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for a in result.accounting:
        table.add_row(a.source, f"{a.read:,}", f"{a.accepted:,}", f"{a.rejected:,}")
    console.print(table)
    for a in result.accounting:
        for reason, n in list(a.reasons.items())[:3]:
            console.print(Text.assemble("  ", (a.source, "yellow"), f": {n:,} rejected: {reason}"))
        if a.examples:
            ex = a.examples[0]
            console.print(
                f"    first: {Path(str(ex['file'])).name} line {ex['line']}, column {ex['column_name']!r}: "
                f"{ex['value']!r} {ex['reason']}  (all rejects: accounting.json and the run's rejects table)",
                soft_wrap=True,
            )
        for reason, n in a.handled.items():  # accepted rows treated on purpose (docs/sources.md)
            console.print(Text.assemble("  ", (a.source, "cyan"), f": {n:,} handled: {reason}"), soft_wrap=True)
    ps = result.personas
    console.print(
        Text.assemble(
            (f"Built run {result.run_id}", "bold green"),
            f" in {time.perf_counter() - started:.1f} s: {len(ps)} personas from {ps.customers:,} "
            f"{'contacts' if ps.provenance.get('accounts') else 'customers'}.",
        )
    )
    for p in ps:
        console.print(f"  {p.id}  {p.name}  {p.share:.0%}  stability {p.stability:.2f} ({p.stability_band})")
    message = ps.provenance.get("segmentation", {}).get("message")
    if message:
        console.print(message, style="bold yellow", soft_wrap=True)
    lost = ps.provenance.get("objections") or {}
    if lost.get("message"):  # lost-deal reasons missing, unreadable or on won deals: say so, never drop them
        console.print(f"Sales objections: {lost['message']}", style="yellow", soft_wrap=True)
    console.print(f"Report: {result.report}")
    print(result.report)
