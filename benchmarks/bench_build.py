"""Time demo generation and the build at several sizes; print wall time, peak memory, rows/s and ARI.

    .venv/bin/python benchmarks/bench_build.py                 # 20k and 200k customers
    .venv/bin/python benchmarks/bench_build.py --sizes 2000 20000

Each step runs as its own process, so peak memory is that step's own maximum resident set.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

CLI = [sys.executable, "-m", "personacraft"]


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in MiB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024


def ari(folder: Path) -> float:
    with (folder / "ground_truth.csv").open() as fh:
        truth = {r["email"].strip().lower(): r["persona"] for r in csv.DictReader(fh)}
    with (folder / "out" / "assignments.csv").open() as fh:
        got = {r["email"]: r["persona_id"] for r in csv.DictReader(fh)}
    keys = sorted(k for k in truth if k in got)
    return float(adjusted_rand_score([truth[k] for k in keys], [got[k] for k in keys]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", type=Path, default=Path("bench-out"))
    args = ap.parse_args()
    print(f"# personacraft build benchmark  ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)")
    header = (
        f"{'customers':>10} {'demo s':>8} {'demo MiB':>9} {'build s':>8} {'build MiB':>10} "
        f"{'rows read':>11} {'rows/s':>9} {'personas':>8} {'ARI':>6}"
    )
    print(header)
    for n in args.sizes:
        folder = args.dir / f"retail-{n}"
        if folder.exists():
            subprocess.run(["rm", "-rf", str(folder)], check=True)
        gen_s, gen_mb = timed([*CLI, "demo", "--dir", str(folder), "--customers", str(n), "--seed", str(args.seed)])
        build_s, build_mb = timed([*CLI, "build", "--config", str(folder / "personacraft.toml")])
        acc = json.loads((folder / "out" / "accounting.json").read_text())
        rows = sum(s["read"] for s in acc["sources"])
        personas = len(json.loads((folder / "out" / "personas.json").read_text())["personas"])
        print(
            f"{n:>10,} {gen_s:>8.1f} {gen_mb:>9,.0f} {build_s:>8.1f} {build_mb:>10,.0f} "
            f"{rows:>11,} {rows / build_s:>9,.0f} {personas:>8} {ari(folder):>6.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
