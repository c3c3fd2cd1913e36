"""Time ``personacraft demo`` and ``personacraft inspect`` on a large demo; print wall time, CPU, peak memory.

    .venv/bin/python benchmarks/bench_inspect.py                          # 1M retail customers in bench-out/
    .venv/bin/python benchmarks/bench_inspect.py --customers 100000 --kind saas
    .venv/bin/python benchmarks/bench_inspect.py --reuse                  # inspect the demo already written
    .venv/bin/python benchmarks/bench_inspect.py --reuse --full           # read every row, no sample

Each step runs as its own process, so its peak memory (maximum resident set) and CPU time are its own.
The machine's load average is printed before and after each step: on a shared machine the wall
time says more about the neighbours than about personacraft, the CPU time less so. The inspection's
own timings per step (each source's read, identities, profiles, matches, readiness) come from its
``inspect.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

CLI = [sys.executable, "-m", "personacraft"]


def timed(cmd: list[str]) -> dict[str, float]:
    """Run ``cmd``; its wall and CPU seconds, peak RSS (MiB), and the load average before and after."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (status {status}):\n{err}")
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_mib": round(usage.ru_maxrss / 1024),
        "load_before": round(load, 1),
        "load_after": round(os.getloadavg()[0], 1),
    }


def size_of(folder: Path) -> tuple[int, int]:
    """Bytes and files under ``folder``."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--kind", default="retail", choices=["retail", "saas"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", type=Path, default=Path("bench-out"))
    ap.add_argument("--reuse", action="store_true", help="inspect the demo already in --dir (no demo step)")
    ap.add_argument("--full", action="store_true", help="inspect --full: read every row (no sample)")
    ap.add_argument("--sample-mb", type=int, default=256, help="inspect --sample-mb (default 256)")
    args = ap.parse_args()
    folder = (args.dir / f"inspect-{args.kind}-{args.customers}").resolve()
    print(f"# {args.kind} demo, {args.customers:,} customers, seed {args.seed}, in {folder}; {os.cpu_count()} CPUs")
    if not args.reuse:
        shutil.rmtree(folder, ignore_errors=True)
        demo = [*CLI, "demo", "--dir", str(folder), "--kind", args.kind, "--customers", str(args.customers)]
        fig = timed([*demo, "--seed", str(args.seed)])
        print(f"demo:    {json.dumps(fig)}", flush=True)
    data, files = size_of(folder / "data")
    print(f"files:   {files} files, {data / 2**30:.2f} GiB under data/")
    shutil.rmtree(folder / ".personacraft", ignore_errors=True)  # a fresh workspace: nothing reused
    out = folder / "out" / "inspect.json"
    how = ["--full"] if args.full else ["--sample-mb", str(args.sample_mb)]
    fig = timed([*CLI, "inspect", "--config", str(folder / "personacraft.toml"), "--json", str(out), *how])
    print(f"inspect: {json.dumps(fig)}", flush=True)
    doc = json.loads(out.read_text(encoding="utf-8"))
    rows = sum(s["read"] for s in doc["sources"])
    print(f"         {rows:,} rows read, {doc['identity']['customers']:,} customers, {doc['seconds']} s inside")
    for s in doc["sources"]:
        if s.get("sample"):
            part = s["sample"]
            print(
                f"         sampled {s['source']}: {part['share']:.1%} of its bytes, {s['read']:,} rows "
                f"(about {part['read_estimate']:,} in all)"
            )
    for step, seconds in doc["timings"].items():
        print(f"         {step}: {seconds} s")


if __name__ == "__main__":
    main()
