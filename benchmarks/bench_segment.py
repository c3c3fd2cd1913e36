"""Time segmentation with automatic k at 100k to 1M customers; print wall time, peak memory and growth.

    .venv/bin/python benchmarks/bench_segment.py                          # 100k, 300k, 1M customers
    .venv/bin/python benchmarks/bench_segment.py --sizes 100000 --kind saas

The customers are drawn with replacement from a built 20k demo's count matrix (the real
feature families and values the build segments), so each size has the demo's planted
personas in the demo's proportions. Each size runs in its own process, so its peak RSS
(``ru_maxrss``) is its own; the time covers the segmenter's fit (k chosen in 3..8 by ICL
and bootstrap stability on a 20k sample, then EM on every customer) and the assignment of
every customer with its confidence. Targets: 1M customers in at most 3 minutes, and 10x
the customers in at most 12x the time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def child(kind: str, n: int, seed: int, folder: Path) -> dict[str, float | int | bool]:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    sys.path.insert(0, str(ROOT))
    from compare_segmenters import demo_matrix
    from personacraft.segment import LatentClassSegmenter

    N0, fam, y0 = demo_matrix(kind, 20_000, seed, folder)
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(N0), n)
    N, y = N0[rows], y0[rows]
    start = time.perf_counter()
    model = LatentClassSegmenter(families=fam, random_state=seed).fit(N)
    confidence = model.predict_proba(N).max(axis=1)
    seconds = time.perf_counter() - start
    return {
        "customers": n,
        "columns": int(N.shape[1]),
        "seconds": seconds,
        "k": int(model.k_),
        "planted": len(set(y)),
        "ari": float(adjusted_rand_score(y, model.labels_)),
        "min_stability": float(model.stability_.min()),
        "mean_confidence": float(confidence.mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    ap.add_argument("--kind", default="retail")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", type=Path, default=Path("bench-out") / "segments")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.kind, args.child, args.seed, args.dir)))
        return
    print(f"# segmentation with automatic k ({os.cpu_count()} cores), customers drawn from the {args.kind} demo")
    print(
        f"{'customers':>10} {'columns':>8} {'seconds':>8} {'peak MiB':>9} {'k':>3} {'planted':>8} {'ARI':>6} "
        f"{'stab min':>9}"
    )
    results = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--child", str(n), "--kind", args.kind, "--seed", str(args.seed)]
        proc = subprocess.Popen([*cmd, "--dir", str(args.dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        out = proc.stdout.read().decode() if proc.stdout else ""
        if status != 0:
            raise SystemExit((proc.stderr.read().decode() if proc.stderr else "")[-3000:])
        r = json.loads(out.strip().splitlines()[-1])
        r["peak_mib"] = usage.ru_maxrss / 1024
        results.append(r)
        print(
            f"{r['customers']:>10,} {r['columns']:>8} {r['seconds']:>8.1f} {r['peak_mib']:>9,.0f} {r['k']:>3} "
            f"{r['planted']:>8} {r['ari']:>6.3f} {r['min_stability']:>9.3f}",
            flush=True,
        )
    if len(results) > 1:
        a, b = results[0], results[-1]
        growth = (b["seconds"] / a["seconds"]) / (b["customers"] / a["customers"])
        print(
            f"\n{b['customers'] / a['customers']:.0f}x the customers took {b['seconds'] / a['seconds']:.1f}x the time "
            f"(target <= {1.2 * b['customers'] / a['customers']:.0f}x; {growth:.2f} per unit of growth)"
        )
    biggest = results[-1]
    verdict = "met" if biggest["seconds"] <= 180 else "NOT met"
    print(f"{biggest['customers']:,} customers in {biggest['seconds']:.0f} s: target <= 180 s {verdict}")


if __name__ == "__main__":
    main()
