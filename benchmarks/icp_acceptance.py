"""Build the SaaS demo at several seeds and check the ideal customer profile against the planted one.

    .venv/bin/python benchmarks/icp_acceptance.py                          # 20k contacts, seeds 1-3
    .venv/bin/python benchmarks/icp_acceptance.py --customers 6000 --seeds 1 2
    .venv/bin/python benchmarks/icp_acceptance.py --reuse                  # on the demos already built

For each seed: the top rules of `personacraft icp` learned on all accounts (the planted profile
is software companies with 201 to 1,000 employees), then the held-out test: 30 % of the
companies are left out of learning, written as a leads file straight from the HubSpot
companies export (Record ID, Industry, Number of Employees, Country/Region), scored with
`score_leads`, and the AUC of the fit score for their won deals against their lost ones.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from personacraft.cli.icp import run_personas
from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.demo.saas_personas import ICP_INDUSTRY, ICP_SIZE
from personacraft.icp.leads import score_leads
from personacraft.icp.learn import learn_icp
from personacraft.pipeline import build
from personacraft.store import Workspace

PLANTED = {("Industry", ICP_INDUSTRY), ("Company size", f"{ICP_SIZE[0]}-{ICP_SIZE[1]} employees")}
LEAD_COLUMNS = ["Record ID", "Industry", "Number of Employees", "Country/Region"]


def companies(folder: Path) -> list[dict[str, str]]:
    """Each company of the export with its deal's outcome (``won``: "true" or "false")."""
    with (folder / "data" / "hubspot-crm-exports-all-deals.csv").open(newline="", encoding="utf-8") as fh:
        won = {r["Associated Company IDs (Primary)"]: r["Is Closed Won"] for r in csv.DictReader(fh)}
    with (folder / "data" / "hubspot-crm-exports-all-companies.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r | {"won": won[r["Record ID"]]} for r in rows if r["Record ID"] in won]


def holdout_auc(folder: Path, *, share: float, seed: int, min_n: int) -> tuple[float, int]:
    """AUC of the fit score of held-out companies (won against lost), and how many were held out."""
    rows = companies(folder)
    held = np.random.default_rng(seed).random(len(rows)) < share
    test = [r for r, h in zip(rows, held, strict=True) if h]
    leads, scored = folder / "holdout_leads.csv", folder / "holdout_scored.csv"
    with leads.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, LEAD_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(test)
    cfg = load_config(folder / "personacraft.toml")
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run()
        personas = run_personas(run)
        excluded = {f"hubspot:{r['Record ID']}" for r in test}
        icp = learn_icp(run, min_n=min_n, exclude=excluded, seed=seed, personas=personas)
        score_leads(run, icp, leads, scored, personas=personas)
    with scored.open(newline="", encoding="utf-8") as fh:
        score = {r["lead_id"]: float(r["fit_score"]) for r in csv.DictReader(fh)}
    y = [r["won"] == "true" for r in test]
    return float(roc_auc_score(y, [score[r["Record ID"]] for r in test])), len(test)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--dir", type=Path, default=Path("bench-out") / "icp")
    ap.add_argument("--reuse", action="store_true", help="learn on the demos already built")
    ap.add_argument("--holdout", type=float, default=0.3, help="share of companies held out for the AUC")
    ap.add_argument("--rules", type=int, default=3, help="how many rules to print")
    args = ap.parse_args()
    ok = True
    for seed in args.seeds:
        folder = args.dir / f"saas-{args.customers}-{seed}"
        if not (args.reuse and (folder / "out" / "personas.json").exists()):
            shutil.rmtree(folder, ignore_errors=True)
            generate("saas", folder, args.customers, seed)
            build(load_config(folder / "personacraft.toml"))
        cfg = load_config(folder / "personacraft.toml")
        start = time.perf_counter()
        with Workspace(cfg.workspace_path, read_only=True) as ws:
            run = ws.run()
            icp = learn_icp(run, min_n=cfg.privacy.min_group_size, seed=seed, personas=run_personas(run))
        seconds = time.perf_counter() - start
        d = icp.to_dict()
        o, ev = d["outcome"], d["fit_score"]["evaluation"]
        top = {(c["feature"], c["value"]) for c in d["rules"][0]["conditions"]} if d["rules"] else set()
        auc, held = holdout_auc(folder, share=args.holdout, seed=seed, min_n=cfg.privacy.min_group_size)
        print(
            f"seed {seed}: {o['units']:,} accounts, {o['won']:,} won, {o['churned']:,} churned, "
            f"{o['best']:,} best ({o['best_rate']:.0%}); learned in {seconds:.1f} s; out-of-fold AUC "
            f"{ev['cv_auc']:.3f} best, {ev['cv_auc_won']:.3f} won"
        )
        for r in d["rules"][: args.rules]:
            print(
                f"  {r['id']}  {r['label']}: {r['precision']:.0%} best (lift {r['lift']:.2f}), "
                f"n = {r['n']:,}, quality {r['quality']:.4f}"
            )
        planted = top == PLANTED
        print(f"  top rule is the planted profile: {'yes' if planted else 'NO'}")
        print(f"  held-out AUC, won against lost: {auc:.3f} on {held:,} companies", flush=True)
        ok &= planted and auc >= 0.8
    print("every seed: top rule = planted profile and held-out AUC >= 0.8:", "yes" if ok else "NO")


if __name__ == "__main__":
    main()
