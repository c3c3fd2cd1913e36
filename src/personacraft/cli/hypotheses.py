"""``personacraft hypotheses FILE``: beliefs and hand-made personas checked against a run's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from personacraft.cli.common import console

MARK = {"supported": "✓ supported", "contradicted": "✗ contradicted", "inconclusive": "? inconclusive"}


def _line(h: dict[str, Any], width: int = 6) -> str:
    verdict = MARK.get(h["verdict"], "– not testable")
    who = h.get("persona_name") or h.get("persona") or ""
    return f"  {h['id']:<{width}} {verdict:<16} {h['claim']}  [{who}]\n  {'':<{width}} {h['reason']}"


def hypotheses(
    file: Path = typer.Argument(
        ..., help="A YAML file of hypotheses and/or hand-made personas, or a persona in Markdown."
    ),
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    run: str | None = typer.Option(None, "--run", help="The run to check against (default: the latest)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the result as JSON to this file."),
) -> None:
    """Check hypotheses and hand-made personas against the data: a verdict with its numbers for each."""
    from personacraft.config import load_config
    from personacraft.hypotheses.service import check_file

    cfg = load_config(config)
    result, written = check_file(cfg, file, run, json_out)
    s = result["summary"]
    if result["hypotheses"]:
        counts = ", ".join(f"{s[v]} {v.replace('_', ' ')}" for v in s)
        print(f"{len(result['hypotheses'])} hypotheses checked against run {result['run_id']}: {counts}.")
        width = max(len(str(h["id"])) for h in result["hypotheses"])
        for h in result["hypotheses"]:
            print(_line(h, width))
    for p in result["personas"]:
        print(f"\nHand-made persona “{p['name']}”: {p['reason']}")
        guess = (p.get("size_guess") or {}).get("share")
        guessed = f" (its size was guessed at {guess:.0%})" if guess is not None else ""
        if p["fit_share"] is not None:
            print(
                f"  {p['fit_share']:.0%} of the {p['known_n']:,} customers with these families known fit the "
                f"description{guessed}."
            )
        for c in p["claims"]:
            print(_line(c, max(len(str(x["id"])) for x in p["claims"])))
    for path in written:
        console.print(f"Written to {path}.")
