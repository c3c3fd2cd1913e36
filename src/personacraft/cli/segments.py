"""``personacraft assign`` and ``personacraft explain``: the saved segmenter of a run, put to use."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from personacraft.cli.common import console


def assign(
    input: Path = typer.Argument(..., help="Customers as feature values: CSV or Parquet (long or wide form)."),
    out: Path = typer.Option(..., "--out", help="Where to write customer_id, persona_id, confidence (CSV)."),
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    run: str | None = typer.Option(None, "--run", help="The run whose personas to use (default: the latest)."),
) -> None:
    """Assign customers to the personas of a run, with the same transforms as its build."""
    from personacraft.config import load_config
    from personacraft.segment import assign_file
    from personacraft.store import Workspace

    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        summary = assign_file(ws.run(run), input, out)
    console.print(
        f"Assigned {summary['assigned']:,} of {summary['customers']:,} customers with run {summary['run_id']}"
        + (f"; {summary['unassigned']:,} had no value the model knows" if summary["unassigned"] else "")
        + f". Written to {out}."
    )
    print(json.dumps(summary))


def explain(
    customer: str = typer.Argument(..., help="A customer id (as in assignments.csv) or email."),
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    run: str | None = typer.Option(None, "--run", help="The run to explain (default: the latest)."),
    top: int = typer.Option(5, "--top", help="How many reasons to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Why a customer is in their persona: the values that weigh most against the population."""
    from personacraft.config import load_config
    from personacraft.segment import explain as explain_customer
    from personacraft.store import Workspace

    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        result = explain_customer(ws.run(run), customer, top=top)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    if result["persona_id"] is None:
        print(f"{result['customer_id']}: in no persona of run {result['run_id']} (none found, or too small a segment).")
        return
    print(f"{result['customer_id']} is in {result['persona_id']} (confidence {result['confidence']:.0%}), because:")
    for r in result["reasons"]:
        print(
            f"  {r['feature']} = {r['value']}: {r['persona_share']:.0%} in the persona vs "
            f"{r['population_share']:.0%} of all customers (x{r['lift']:.1f})"
        )
    if not result["reasons"]:
        print("  none of their values stands out; they are close to the persona's average.")
