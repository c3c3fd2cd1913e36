"""``personacraft features``: the feature vocabulary of a run, the terms hypotheses are written in."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from personacraft.cli.common import console


def features(
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    run: str | None = typer.Option(None, "--run", help="The run whose vocabulary to list (default: the latest)."),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON: [{family, label, values: [{value, label, population_share}]}]."
    ),
) -> None:
    """List every feature family and value of a run, with ids, labels (as personas.json shows them) and shares."""
    from personacraft.config import load_config
    from personacraft.hypotheses.service import run_vocabulary

    cfg = load_config(config)
    run_id, vocab = run_vocabulary(cfg, run)
    doc = vocab.as_json()
    if as_json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    console.print(f"Feature vocabulary of run {run_id}: {len(doc)} families. Write hypotheses with the ids or labels.")
    for fam in doc:
        print(f"\n{fam['label']}  [{fam['family']}]  ({fam['n_known']:,} customers known)")
        for v in fam["values"]:
            share = v["population_share"]
            shown = f"{share:6.1%}" if share is not None else f"  < {vocab.min_group}"
            print(f"  {shown}  {v['label']}  [{v['value']}]")
