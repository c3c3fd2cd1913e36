"""The null change: a demo rebuilt from new people of the same law must keep every id and alert nothing.

    .venv/bin/python benchmarks/bench_resample.py                          # retail, 20,000 customers, 1→2 … 5→6
    .venv/bin/python benchmarks/bench_resample.py --kind saas --customers 5000 --pairs 1-2,2-3
    .venv/bin/python benchmarks/bench_resample.py --dir /tmp/resample --keep   # keep the demos and workspaces

For each pair ``a-b`` the demo of seed ``a`` is built, then the demo of seed ``b`` (same population
law, other people) is built into the same workspace and output folder, as a user's next export
would be (its config names the first one's ``workspace``; its sources replace the first's). The
second build's ``changes.json`` is read: how many personas kept their id, the alerts it raised
(every one is a false alert: nothing changed but the sample) and its ``drift`` (the noise floor of
the figure). Consecutive pairs (``1-2,2-3``) share one workspace, so seed 2 is built once. Every
step runs as its own process, through the CLI.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "personacraft"]


def _cli(*args: str) -> float:
    """Run the CLI; return its wall time (exit with its error output when it fails)."""
    started = time.perf_counter()
    done = subprocess.run([*CLI, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"personacraft {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def _demo(root: Path, kind: str, customers: int, seed: int, workspace: Path | None) -> Path:
    """Write the demo of ``seed`` under ``root/seed<seed>``; point its config at ``workspace`` when given."""
    folder = root / f"seed{seed}"
    _cli("demo", "--dir", str(folder), "--kind", kind, "--customers", str(customers), "--seed", str(seed))
    config = folder / "personacraft.toml"
    if workspace is not None:
        config.write_text(f'workspace = "{workspace.as_posix()}"\n' + config.read_text(encoding="utf-8"), "utf-8")
    return config


def _chains(pairs: list[tuple[int, int]]) -> list[list[int]]:
    """The pairs as chains of seeds built one after the other into one workspace (1-2,2-3 → [1, 2, 3])."""
    chains: list[list[int]] = []
    for a, b in pairs:
        if chains and chains[-1][-1] == a:
            chains[-1].append(b)
        else:
            chains.append([a, b])
    return chains


def pair_figures(changes: dict[str, Any], old_ids: list[str]) -> dict[str, Any]:
    """What one resample's ``changes.json`` says: ids kept, alerts by kind, drift, the largest moves."""
    personas = changes["personas"]
    same = [p["id"] for p in personas if p["status"] == "kept" and p["matched_from"] == [p["id"]]]
    traits = [t for p in personas for t in p.get("traits") or []]
    sizes = [p for p in personas if p["status"] == "kept"]
    return {
        "kept": len(same),
        "of": max(len(old_ids), sum(p["status"] != "died" for p in personas)),
        "statuses": dict(Counter(p["status"] for p in personas)),
        "alerts": [a["kind"] for a in changes["alerts"]],
        "drift": changes["drift"],
        "matched_by": changes["matched_by"],
        "max_share_points": max((abs(p["share_change"]) * 100 for p in sizes), default=0.0),
        "max_trait_points": max((abs(t["change"]) * 100 for t in traits), default=0.0),
        "min_trait_p_adjusted": min((t["p_adjusted"] for t in traits), default=1.0),
        "messages": [a["message"] for a in changes["alerts"]],
    }


def run_chain(root: Path, seeds: list[int], kind: str, customers: int) -> list[dict[str, Any]]:
    """Build ``seeds`` in order into one workspace; the figures of each consecutive pair."""
    first = _demo(root, kind, customers, seeds[0], None)
    workspace = first.parent / ".personacraft" / "workspace.duckdb"
    out = first.parent / "out"
    took = _cli("build", "--config", str(first))
    print(f"  seed {seeds[0]}: built in {took:.0f} s", flush=True)
    rows = []
    for a, b in itertools.pairwise(seeds):
        old_ids = [p["id"] for p in json.loads((out / "personas.json").read_text(encoding="utf-8"))["personas"]]
        config = _demo(root, kind, customers, b, workspace)
        took = _cli("build", "--config", str(config), "--out", str(out))
        changes = json.loads((out / "changes.json").read_text(encoding="utf-8"))
        row = {"pair": f"{a}→{b}", "build_s": round(took, 1), **pair_figures(changes, old_ids)}
        print(f"  seed {b}: built in {took:.0f} s; {json.dumps(row, ensure_ascii=False)}", flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("retail", "saas"), default="retail")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--pairs", default="1-2,2-3,3-4,4-5,5-6", help="seed pairs a-b, comma-separated")
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the demos and workspaces (under --dir)")
    args = parser.parse_args()
    pairs = [tuple(int(s) for s in p.split("-")) for p in args.pairs.split(",") if p.strip()]
    if any(len(p) != 2 or p[0] == p[1] for p in pairs):
        raise SystemExit(f"--pairs: give pairs of two different seeds as a-b, got {args.pairs!r}")
    print(f"{args.kind}, {args.customers:,} customers, pairs {args.pairs}", flush=True)
    rows: list[dict[str, Any]] = []
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="resample-", dir=args.dir))
    try:
        for i, chain in enumerate(_chains([(a, b) for a, b in pairs])):
            rows += run_chain(base / f"chain{i + 1}", chain, args.kind, args.customers)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print()
    print("| pair | matched by | kept with their id | statuses | alerts | drift | max share move | max trait move |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        alerts = f"{len(r['alerts'])} ({', '.join(f'{k} ×{n}' for k, n in Counter(r['alerts']).items())})"
        statuses = ", ".join(f"{k} {n}" for k, n in sorted(r["statuses"].items()))
        print(
            f"| {r['pair']} | {r['matched_by']} | {r['kept']} of {r['of']} | {statuses} | "
            f"{alerts if r['alerts'] else '0'} | {_pct(r['drift'])} | {r['max_share_points']:.1f} pt | "
            f"{r['max_trait_points']:.1f} pt (adj. p ≥ {r['min_trait_p_adjusted']:.2g}) |"
        )
    drifts = [r["drift"] for r in rows if r["drift"] is not None]
    false_alerts = sum(len(r["alerts"]) for r in rows)
    changed, total = sum(r["of"] - r["kept"] for r in rows), sum(r["of"] for r in rows)
    print()
    print(f"false alerts: {false_alerts} (target 0); personas that lost their id: {changed} of {total}")
    if drifts:
        print(f"null drift: mean {_pct(statistics.fmean(drifts))}, max {_pct(max(drifts))}")
    for r in rows:
        for m in r["messages"]:
            print(f"  {r['pair']}: {m}")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f} %"


if __name__ == "__main__":
    main()
