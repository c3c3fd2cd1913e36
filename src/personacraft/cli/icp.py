"""``personacraft icp``: the ideal customer profile of a run, and lead scores from it.

``personacraft icp`` (or ``icp learn``) learns the profile and writes its card;
``personacraft icp score LEADS.csv --out FILE`` scores leads. Both read the workspace only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from personacraft.cli.common import console

if TYPE_CHECKING:
    from personacraft.store import Run

app = typer.Typer(
    help="The ideal customer profile: `icp` (or `icp learn`) learns it from the best accounts, "
    "`icp score` scores leads against it.",
    add_completion=False,
)

CONFIG = typer.Option(Path("personacraft.toml"), "--config", help="The config file.")
RUN = typer.Option(None, "--run", help="The run to learn from (default: the latest successful one).")


def run_personas(run: Run) -> dict[str, dict[str, Any]]:
    """The personas ``run`` published, by id, from its ``personas.json`` (empty when it cannot be found)."""
    row = next((r for r in run.ws.runs() if r["run_id"] == run.run_id), None)
    path = Path(str(row["out_dir"])) / "personas.json" if row and row.get("out_dir") else None
    if path is None or not path.is_file():
        return {}
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {p["id"]: p for p in doc.get("personas", [])}


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
    from personacraft.icp.learn import learn_icp
    from personacraft.render.icp_card import save
    from personacraft.store import Workspace

    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        r = ws.run(run)
        result = learn_icp(
            r,
            min_n=cfg.privacy.min_group_size,
            seed=cfg.seed,
            personas=run_personas(r),
            synonyms=cfg.icp.industry_synonyms,
        )
    paths = save(result, out or cfg.root / "out")
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
            f"      {r['evidence']} vs {r['best_rate']:.0%} overall (lift {r['lift']:.1f}×), "
            f"{r['coverage']:.0%} of {o['unit']}s, {r['recall']:.0%} of the best, {p}"
        )
        if r.get("warning"):
            print(f"      warning: {r['warning']}")
    if not d["rules"]:
        print(f"  No rule: {d['missing'].get('rules', '')}.")
    for i in d["ignored"]:
        print(f"  Ignored: {i['feature']} = {i['value']}: {i['reason']}.")
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
    id_column: str | None = typer.Option(
        None, "--id-column", help="The record id column to keep (default: Record ID, Id, Account ID … by name)."
    ),
    name_column: str | None = typer.Option(
        None, "--name-column", help="The company name column to keep (default: Company name, Account Name … by name)."
    ),
) -> None:
    """Score leads: fit 0-100 with its top reasons, engagement apart, and the nearest persona."""
    from personacraft.config import load_config
    from personacraft.icp.leads import score_leads
    from personacraft.icp.learn import learn_icp
    from personacraft.store import Workspace

    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        r = ws.run(run)
        personas = run_personas(r)
        synonyms = cfg.icp.industry_synonyms
        icp = learn_icp(r, min_n=cfg.privacy.min_group_size, seed=cfg.seed, personas=personas, synonyms=synonyms)
        summary = score_leads(
            r,
            icp,
            leads,
            out,
            reasons=top,
            personas=personas,
            synonyms=synonyms,
            id_column=id_column,
            name_column=name_column,
        )
    engagement = summary["engagement_columns"]
    flagged = summary["unrecognised"]
    console.print(
        f"Scored {summary['leads']:,} leads with run {summary['run_id']} on {', '.join(summary['scored_attributes'])}"
        + (f"; engagement from {', '.join(engagement)}" if engagement else "; no engagement columns")
        + f"; {summary['with_persona']:,} with a persona. Written to {out}."
    )
    for feature, why in summary["ignored_attributes"].items():
        console.print(f"Not scored: {feature}: {why}.")
    if flagged:
        console.print(
            "Values the profile does not know (see unrecognised_values): "
            + ", ".join(f"{field} in {n:,} lead{'' if n == 1 else 's'}" for field, n in flagged.items())
            + ". Add industry synonyms under [icp] industry_synonyms (docs/icp.md)."
        )
    print(json.dumps(summary))
