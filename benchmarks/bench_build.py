"""Time demo generation and the build at several sizes; print wall time, peak memory, rows/s and ARI.

    .venv/bin/python benchmarks/bench_build.py                 # 20k and 200k customers
    .venv/bin/python benchmarks/bench_build.py --sizes 2000 20000
    .venv/bin/python benchmarks/bench_build.py --customers 1000000 --reuse   # build the demo already written
    .venv/bin/python benchmarks/bench_build.py --sizes 20000 --base f04a128 --repeat 3   # side by side

Each step runs as its own process, so peak memory is that step's own maximum resident set. Under
each size's line, the build's steps with their wall seconds (``personacraft runs --json``).
With ``--base REV`` the same demo is also built by the code of commit REV (a git worktree),
alternating the two trees ``--repeat`` times on copies of one input, and the median build
times are compared.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from trees import REPO, env_for, worktree

CLI = [sys.executable, "-m", "personacraft"]


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in MiB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024


def stage_seconds(config: Path) -> dict[str, float]:
    """Each step's wall seconds in the newest build of the workspace (``personacraft runs --json``)."""
    out = subprocess.run([*CLI, "runs", "--config", str(config), "--json"], capture_output=True, text=True, check=True)
    newest = json.loads(out.stdout)[0]
    return dict(newest.get("summary", {}).get("seconds", {}))


def ari(folder: Path) -> float:
    with (folder / "ground_truth.csv").open() as fh:
        truth = {r["email"].strip().lower(): r["persona"] for r in csv.DictReader(fh)}
    with (folder / "out" / "assignments.csv").open() as fh:
        got = {r["email"]: r["persona_id"] for r in csv.DictReader(fh)}
    keys = sorted(k for k in truth if k in got)
    return float(adjusted_rand_score([truth[k] for k in keys], [got[k] for k in keys]))


def side_by_side(folder: Path, base: str, repeat: int) -> None:
    """Build copies of ``folder``'s demo with the base commit's code and the working tree's, alternating."""
    print(f"# side by side: base {base} vs working tree, {repeat} builds each, on copies of one input")
    seconds: dict[str, list[float]] = {"base": [], "head": []}
    with worktree(base) as base_src:
        trees = {"base": env_for(base_src), "head": env_for(REPO / "src")}
        for i in range(repeat):
            for name in ("base", "head") if i % 2 == 0 else ("head", "base"):
                copy = folder.parent / f"{folder.name}-{name}"
                subprocess.run(["rm", "-rf", str(copy)], check=True)
                shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("out", ".personacraft"))
                wall, _ = timed([*CLI, "build", "--config", str(copy / "personacraft.toml")], env=trees[name])
                seconds[name].append(wall)
                print(f"  {name} build {i + 1}: {wall:.1f} s", flush=True)
    b, h = statistics.median(seconds["base"]), statistics.median(seconds["head"])
    print(f"median build: base {b:.1f} s, head {h:.1f} s, head/base {h / b:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    ap.add_argument("--customers", type=int, help="one size (the same as --sizes N)")
    ap.add_argument("--reuse", action="store_true", help="build the demo already in --dir (no demo timing)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", type=Path, default=Path("bench-out"))
    ap.add_argument("--base", help="also time the build of this commit's code on the same demo, side by side")
    ap.add_argument("--repeat", type=int, default=3, help="with --base: builds per tree")
    args = ap.parse_args()
    print(f"# personacraft build benchmark  ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)")
    header = (
        f"{'customers':>10} {'demo s':>8} {'demo MiB':>9} {'build s':>8} {'build MiB':>10} "
        f"{'rows read':>11} {'rows/s':>9} {'personas':>8} {'ARI':>6}"
    )
    print(header)
    for n in [args.customers] if args.customers else args.sizes:
        folder = args.dir / f"retail-{n}"
        if args.reuse and (folder / "personacraft.toml").exists():
            gen_s = gen_mb = float("nan")
        else:
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
        for step, seconds in stage_seconds(folder / "personacraft.toml").items():
            print(f"#   {seconds:>8.1f} s  {step}")
        if args.base:
            side_by_side(folder, args.base, args.repeat)


if __name__ == "__main__":
    main()
