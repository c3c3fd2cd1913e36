"""``personacraft init``: look at a folder of exports and write a commented personacraft.toml."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from personacraft.cli.common import console


def init(
    paths: list[Path] = typer.Argument(
        ..., help="Files or folders of exports (CSV, TSV, xlsx, JSON lines, Parquet, zip)."
    ),
    out: Path = typer.Option(Path("personacraft.toml"), "--out", help="The config file to write."),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """Detect each file's kind, map generic files, find the joins, and write a commented config."""
    from personacraft.onboard import init as run_init

    command = (
        "personacraft init "
        + " ".join(str(p) for p in paths)
        + (f" --out {out}" if out.name != "personacraft.toml" or out.parent != Path() else "")
    )
    with console.status("Looking at your files…"):
        plan = run_init(paths, out, force=force, command=command)
    table = Table(title="What init found", show_lines=False)
    for col in ("file", "kind", "table", "confidence", "status", "evidence"):
        table.add_column(col, overflow="fold")
    for e in plan.entries:
        status = "left out" if not e.include else "CHECK" if e.checks else "ok"
        style = "red" if not e.include else "yellow" if e.checks else "green"
        table.add_row(
            e.display,
            e.kind,
            e.table or "",
            f"{e.confidence:.2f}",
            Text(status, style=style),
            _short("; ".join(e.evidence[:2])),
        )
    console.print(table)
    if plan.joins:
        joins = Table(title="How the files join")
        for col in ("file", "column", "file", "column", "shared", "match"):
            joins.add_column(col, overflow="fold")
        for j in plan.joins[:15]:
            joins.add_row(
                j.left,
                j.left_column,
                j.right,
                j.right_column,
                f"{j.shared:,} {j.what}s",
                f"{j.left_rate:.0%} / {j.right_rate:.0%}",
            )
        console.print(joins)
    for e in plan.entries:
        for c in e.checks:
            console.print(Text.assemble(("CHECK ", "bold yellow"), f"{e.display}: {c}"))
    for sk in plan.skipped:
        console.print(Text.assemble(("Not read ", "bold"), f"{sk.display}: {sk.reason}"))
    for note in plan.notes:
        console.print(Text.assemble(("Note ", "bold"), note))
    n = sum(e.include for e in plan.entries)
    console.print(
        Text.assemble(
            "Wrote ",
            (str(out), "bold"),
            f" ({n} sources, {sum(1 for e in plan.entries if e.include and e.checks)} to check, "
            f"{sum(not e.include for e in plan.entries)} left out). Next: personacraft build --config {out}",
        )
    )


def _short(text: str, width: int = 90) -> str:
    """``text`` cut to ``width`` characters (the config holds the whole evidence)."""
    return text if len(text) <= width else text[: width - 1] + "…"
