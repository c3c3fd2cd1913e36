"""``personacraft icp``: the ideal customer profile of a run, and lead scores from it.

``personacraft icp`` (or ``icp learn``) learns the profile and writes its card;
``personacraft icp score LEADS.csv --out FILE`` scores leads. Both read the workspace only.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from personacraft.cli.common import console

app = typer.Typer(
    help="The ideal customer profile: `icp` (or `icp learn`) learns it from the best accounts, "
    "`icp score` scores leads against it.",
    add_completion=False,
)

CONFIG = typer.Option(Path("personacraft.toml"), "--config", help="The config file.")
RUN = typer.Option(None, "--run", help="The run to learn from (default: the latest successful one).")


@app.callback(invoke_without_command=True)
def icp(
    ctx: typer.Context,
    config: Path = CONFIG,
    run: str | None = RUN,
    out: Path | None = typer.Option(None, "--out", help="Where to write icp.json, icp.md, icp.html (default: out/)."),
) -> None:
    """Learn the ideal customer profile of a run; print its rules, write its card."""
    if ctx.invoked_subcommand is None:
        learn(config=config, run=run, out=out)


@app.command("learn")
def learn(
    config: Path = CONFIG,
    run: str | None = RUN,
    out: Path | None = typer.Option(None, "--out", help="Where to write icp.json, icp.md, icp.html (default: out/)."),
) -> None:
    """Learn the ideal customer profile of a run; print its rules, write its card."""
    from personacraft.config import load_config
    from personacraft.store import Workspace
    from personacraft.value.icp import learn_icp

    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        result = learn_icp(ws.run(run), min_n=cfg.privacy.min_group_size, seed=cfg.seed)
    paths = result.save(out or cfg.root / "out")
    d = result.to_dict()
    o = d["outcome"]
    print(
        f"Ideal customer profile of run {d['run_id']}: {o['best']:,} of {o['units']:,} {o['unit']}s are best "
        f"({o['best_rate']:.0%}): they {o['definition']}."
    )
    for r in d["rules"]:
        p = "p < 0.001" if r["p_adjusted"] < 0.001 else f"p = {r['p_adjusted']:.3f}"
        print(f"  {r['id']}  {r['label']}")
        print(
            f"      {r['precision']:.0%} best vs {r['best_rate']:.0%} (lift {r['lift']:.1f}×), "
            f"{r['coverage']:.0%} of {o['unit']}s (n = {r['n']:,}), {r['recall']:.0%} of the best, {p}"
        )
    if not d["rules"]:
        print(f"  No rule: {d['missing'].get('rules', '')}.")
    ev = d["fit_score"]["evaluation"]
    if ev.get("cv_auc") is not None:
        won = f", won against lost deals {ev['cv_auc_won']:.3f}" if "cv_auc_won" in ev else ""
        print(f"Fit score: out-of-fold AUC {ev['cv_auc']:.3f} (best against the rest){won}.")
    console.print(f"Written: {paths['json']}, {paths['md']}, {paths['html']}")


@app.command("score")
def score(
    leads: Path = typer.Argument(..., help="Leads: CSV or Parquet, e.g. a CRM export of contacts or companies."),
    out: Path = typer.Option(..., "--out", help="Where to write the scores (CSV)."),
    config: Path = CONFIG,
    run: str | None = RUN,
    top: int = typer.Option(3, "--top", help="How many reasons to give per lead."),
) -> None:
    """Score leads: fit 0-100 with its top reasons, engagement apart, and the nearest persona."""
    from personacraft.config import load_config
    from personacraft.store import Workspace
    from personacraft.value.icp import learn_icp
    from personacraft.value.leads import score_leads

    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        r = ws.run(run)
        summary = score_leads(r, learn_icp(r, min_n=cfg.privacy.min_group_size, seed=cfg.seed), leads, out, reasons=top)
    engagement = summary["engagement_columns"]
    console.print(
        f"Scored {summary['leads']:,} leads with run {summary['run_id']} on {', '.join(summary['scored_attributes'])}"
        + (f"; engagement from {', '.join(engagement)}" if engagement else "; no engagement columns")
        + f"; {summary['with_persona']:,} with a persona. Written to {out}."
    )
    print(json.dumps(summary))
