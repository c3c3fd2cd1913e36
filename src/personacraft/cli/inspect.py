"""``personacraft inspect``: read the sources and report accounting, matches across sources and readiness."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from personacraft.cli.common import console

STYLES = {"ready": "green", "limited": "yellow", "missing": "red"}


def inspect(
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    json_out: Path | None = typer.Option(
        None,
        "--json",
        help="Where to write inspect.json (default: out/inspect.json next to the config); "
        "inspect.html is written beside it.",
    ),
    sample_mb: int = typer.Option(
        256,
        "--sample-mb",
        min=1,
        help="Read a source whose files hold more than this many MiB from evenly spaced blocks of that size "
        "in all; its counts then cover the sample.",
    ),
    full: bool = typer.Option(False, "--full", help="Read every row of every source, however large (slower)."),
) -> None:
    """Read the sources without building personas: rows and rejects, matches across sources, readiness per stage."""
    from personacraft.config import load_config
    from personacraft.inspection import inspect as run_inspect

    cfg = load_config(config)
    budget = None if full else sample_mb << 20
    with console.status("Inspecting") as status:
        doc = run_inspect(cfg, json_out, say=lambda m: status.update(m), budget=budget)
    _print(doc)
    if doc["errors"]:
        raise typer.Exit(int(doc["errors"][0].get("code") or 3))


def _print(doc: dict[str, Any]) -> None:
    from personacraft.inspection.page import KNOWN_ACCOUNTING, counts_of

    table = Table(title="Sources", title_justify="left")
    for col in ("source", "read", "accepted", "rejected", "dates"):
        table.add_column(col, justify="left" if col in ("source", "dates") else "right")
    for s in doc["sources"]:
        dates = f"{s['date_range']['from'][:10]} to {s['date_range']['to'][:10]}" if s["date_range"] else "-"
        name = f"{s['source']} (sample {s['sample']['share']:.1%})" if s.get("sample") else s["source"]
        table.add_row(name, f"{s['read']:,}", f"{s['accepted']:,}", f"{s['rejected']:,}", dates)
    console.print(table)
    for s in doc["sources"]:
        if s.get("sample"):
            part = s["sample"]
            console.print(
                Text.assemble(
                    "  ",
                    (s["source"], "cyan"),
                    f": sampled, {part['bytes_read'] / 2**20:,.0f} of {part['bytes_total'] / 2**20:,.0f} MiB "
                    f"({part['files_read']} of {part['files_total']} files); about {part['read_estimate']:,} rows in "
                    "all. Counts, matches and verdicts cover the sample; --full reads everything.",
                ),
                soft_wrap=True,
            )
    for s in doc["sources"]:
        for field, rows in counts_of(s["accounting"], KNOWN_ACCOUNTING):  # e.g. rows handled specially
            shown = "; ".join(f"{label} {n:,}" for label, n in rows[:5])
            console.print(Text.assemble("  ", (s["source"], "cyan"), f": {field}: {shown}"), soft_wrap=True)
        for r in s["top_reasons"][:3]:
            console.print(Text.assemble("  ", (s["source"], "yellow"), f": {r['n']:,} rejected: {r['reason']}"))
        for ex in s["examples"][:3]:
            column = (
                f"{ex['file_column']!r} (as {ex['column_name']})" if ex.get("file_column") else repr(ex["column_name"])
            )
            console.print(
                f"    {Path(str(ex['file'])).name} line {ex['line']}, column {column}: {ex['value']!r} {ex['reason']}",
                soft_wrap=True,
            )
    for e in doc["errors"]:
        console.print(Text.assemble(("Not read: ", "bold red"), f"{e['source']}: {e['error']}"), soft_wrap=True)
    ident = doc["identity"]
    console.print(Text.assemble(("Customers: ", "bold"), f"{ident['customers']:,} after identity resolution"))
    sampled = {s["source"] for s in doc["sources"] if s.get("sample")}
    for p in ident["pairs"]:
        if p["both"]:
            note = " (a sampled source: counts cover its sample)" if {p["a"], p["b"]} & sampled else ""
            console.print(
                f"  {p['a']} and {p['b']}: {p['both']:,} in both ({_pct(p['share_of_a'])} of the first, "
                f"{_pct(p['share_of_b'])} of the second){note}",
                soft_wrap=True,
            )
    for name, n in ident["merge"].get("conflicts", {}).items():
        if n:
            console.print(f"  conflict: {n:,} {name}", soft_wrap=True)
    console.print(Text("Readiness", style="bold"))
    for v in doc["readiness"]:
        unlock = f" ({v['unlock']})" if v["unlock"] and v["status"] != "ready" else ""
        console.print(Text.assemble("  ", (f"{v['status']:<8}", STYLES.get(v["status"], "")), v["message"] + unlock))
    console.print(f"Inspected in {doc['seconds']} s. Written: {doc['html']}")
    print(doc["html"])


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"
