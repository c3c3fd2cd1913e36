"""``personacraft demo``: write a synthetic company's exports, config and ground truth."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from personacraft.cli.common import console


def demo(
    dir: Path = typer.Option(Path("demo"), "--dir", help="Folder to write the demo into."),
    kind: str = typer.Option("retail", "--kind", help="Which company: retail (a shop) or saas (B2B software)."),
    customers: int = typer.Option(5000, "--customers", help="Number of customers."),
    seed: int = typer.Option(1, "--seed", help="Random seed; the same seed writes the same files."),
    months: int = typer.Option(
        1,
        "--months",
        help="2: two monthly export snapshots (data/month1, data/month2) with planted changes, to build one "
        "after the other and see what changed (retail only).",
    ),
    says_does: bool = typer.Option(
        True,
        "--says-does/--no-says-does",
        help="Plant one says-against-does contradiction in a persona (retail; docs/hypotheses.md).",
    ),
) -> None:
    """Write demo exports in real vendor formats, a personacraft.toml and ground_truth.csv."""
    from personacraft.demo import generate

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"))
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"Writing the {kind} demo", total=customers)

        def done(written: int, total: int) -> None:
            bar.update(task, completed=written, total=total)

        paths = generate(kind, dir, customers, seed, months, progress=done, says_does=says_does)
    if "config_month2" in paths:
        console.print(
            Text.assemble(
                "Demo written to ",
                (str(dir), "bold"),
                f". Next: personacraft build --config {paths['config']}, then personacraft build --config "
                f"{paths['config_month2']} and personacraft diff.",
            )
        )
        return
    console.print(
        Text.assemble("Demo written to ", (str(dir), "bold"), f". Next: personacraft build --config {paths['config']}")
    )
