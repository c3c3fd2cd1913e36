"""Build the retail and SaaS demos at several seeds and check the segmentation against the planted truth.

    .venv/bin/python benchmarks/segment_acceptance.py                          # 20k customers, seeds 1-3
    .venv/bin/python benchmarks/segment_acceptance.py --customers 5000 --seeds 1 --kinds saas
    .venv/bin/python benchmarks/segment_acceptance.py --reuse                  # rebuild on the demos already made

For each demo: the planted number of personas, the chosen k, the adjusted Rand index of the
assignments against ground_truth.csv, the least and the mean bootstrap stability of the
published personas, and each k's ICL and BIC relative to one segment (negative = better). For
the SaaS demo, the type accuracy too: the share of personas whose committee role is the planted
role of most of their members (and whether the champion persona is labelled champion).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from personacraft.demo import generate

CLI = [sys.executable, "-m", "personacraft"]
# the SaaS demo's planted personas -> the committee role a persona of them should carry
PLANTED_ROLES = {
    "Executive decision-maker": "decision_maker",
    "Budget holder": "economic_buyer",
    "Champion": "champion",
    "Hands-on end user": "end_user",
    "Technical evaluator": "technical_evaluator",
}


def type_accuracy(folder: Path, doc: dict) -> str:
    """SaaS: personas whose committee role is their members' planted role, of all (and the champion's label)."""
    with (folder / "ground_truth.csv").open() as fh:
        truth = {r["email"].strip().lower(): r["persona"] for r in csv.DictReader(fh)}
    with (folder / "out" / "assignments.csv").open() as fh:
        members: dict[str, Counter[str]] = {}
        for r in csv.DictReader(fh):
            if r["email"] in truth and r["persona_id"]:
                members.setdefault(r["persona_id"], Counter())[truth[r["email"]]] += 1
    right = 0
    for p in doc["personas"]:
        planted = members[p["id"]].most_common(1)[0][0]
        right += p.get("committee_role") == PLANTED_ROLES[planted]
    champion = any(p.get("committee_role") == "champion" and "champion" in p["name"].lower() for p in doc["personas"])
    roles = [p.get("committee_role") for p in doc["personas"]]
    return f"types {right}/{len(doc['personas'])}, champion labelled: {'yes' if champion else 'NO'}, " + (
        "roles distinct" if len(set(roles)) == len(roles) else "roles SHARED"
    )


def truth_and_ari(folder: Path) -> tuple[int, float]:
    with (folder / "ground_truth.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    truth = {r["email"].strip().lower(): r["persona"] for r in rows}
    with (folder / "out" / "assignments.csv").open() as fh:
        got = {r["email"]: r["persona_id"] for r in csv.DictReader(fh)}
    keys = sorted(k for k in truth if k in got)
    planted = len({r["persona"] for r in rows})
    return planted, float(adjusted_rand_score([truth[k] for k in keys], [got[k] for k in keys]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--kinds", nargs="+", default=["retail", "saas"])
    ap.add_argument("--dir", type=Path, default=Path("bench-out") / "segments")
    ap.add_argument("--reuse", action="store_true", help="rebuild on demos already generated")
    ap.add_argument("--text-themes", action="store_true", help="segment on text themes too (segment.text_themes)")
    args = ap.parse_args()
    print(
        f"{'demo':<8}{'seed':>5}{'planted':>9}{'k':>4}{'ARI':>7}{'stab min':>10}{'stab mean':>10}{'build s':>9}"
        "  ICL-ICL(1) by k"
    )
    ok = True
    for kind in args.kinds:
        for seed in args.seeds:
            folder = args.dir / f"{kind}-{args.customers}-{seed}"
            if not (args.reuse and (folder / "personacraft.toml").exists()):
                shutil.rmtree(folder, ignore_errors=True)
                generate(kind, folder, args.customers, seed)
            config = folder / "personacraft.toml"
            text = config.read_text(encoding="utf-8").split("\n[segment]\ntext_themes")[0]
            config.write_text(text + ("\n[segment]\ntext_themes = true\n" if args.text_themes else ""), "utf-8")
            start = time.perf_counter()
            subprocess.run(
                [*CLI, "build", "--config", str(folder / "personacraft.toml")],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            seconds = time.perf_counter() - start
            doc = json.loads((folder / "out" / "personas.json").read_text())
            seg = doc["provenance"]["segmentation"]
            stab = [p["stability"] for p in doc["personas"]] or [0.0]
            planted, ari = truth_and_ari(folder)
            icl1 = seg["icl"]["1"]
            rel = " ".join(f"{k}:{v - icl1:+.0f}" for k, v in seg["icl"].items() if k != "1")
            print(
                f"{kind:<8}{seed:>5}{planted:>9}{seg['k']:>4}{ari:>7.3f}{min(stab):>10.3f}"
                f"{sum(stab) / len(stab):>10.3f}{seconds:>9.1f}  {rel}"
                + (f"  {type_accuracy(folder, doc)}" if kind == "saas" else ""),
                flush=True,
            )
            ok &= seg["k"] == planted and ari >= 0.9 and min(stab) >= 0.85
    print("all demos: k = planted, ARI >= 0.9, every persona's stability >= 0.85:", "yes" if ok else "NO")


if __name__ == "__main__":
    main()
