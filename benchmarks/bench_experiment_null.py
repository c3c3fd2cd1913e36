"""Honesty under the null: simulated A/B tests with no effect anywhere, read as ``personacraft experiment`` reads them.

    .venv/bin/python benchmarks/bench_experiment_null.py                 # 500 experiments, 9,000 units each
    .venv/bin/python benchmarks/bench_experiment_null.py --experiments 200 --units 3000 --seed 2

Each experiment: 5 groups (unequal sizes) × control and 2 variants × 2 outcomes (a conversion, 10 %,
and a skewed revenue: lognormal × conversion, in cents), every arm drawn from the same distribution.
Reports (issue 18's acceptance):

- the share of experiments with at least one group verdict "works here" or "works better here than
  elsewhere" after Benjamini-Hochberg: at most 5 %;
- the coverage of the 95 % intervals (every cell, overall and per group; the true difference is 0):
  94-96 %, for all cells and per outcome.
"""

from __future__ import annotations

import argparse
import time

import duckdb
import numpy as np

from personacraft.experiments import BETTER, WORKS, read_experiment

GROUP_SHARES = np.array([0.3, 0.25, 0.2, 0.15, 0.1])


def simulate(rng: np.random.Generator, units: int) -> dict[str, np.ndarray]:
    """One null experiment: assignment at random, outcomes independent of the arm."""
    converted = (rng.random(units) < 0.10).astype(np.int64)
    return {
        "variant": rng.choice(np.array(["control", "a", "b"]), units),
        "grp": rng.choice(np.array([f"g{i}" for i in range(5)]), units, p=GROUP_SHARES),
        "converted": converted,
        "revenue": np.round(rng.lognormal(3.5, 1.2, units) * converted, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=500)
    parser.add_argument("--units", type=int, default=9000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    con = duckdb.connect()
    any_works = 0
    covered: dict[str, list[bool]] = {"converted": [], "revenue": []}
    verdicts: dict[str, int] = {}
    start = time.perf_counter()
    for _ in range(args.experiments):
        con.register("sim", simulate(rng, args.units))
        reading = read_experiment(con, "sim", group="grp", outcomes=["converted", "revenue"], min_group_size=30)
        con.unregister("sim")
        doc = reading.to_dict()
        if any(r["verdict"] in (WORKS, BETTER) for r in doc["groups"]):
            any_works += 1
        for r in doc["overall"] + doc["groups"]:
            covered[r["outcome"]].append(r["ci_low"] <= 0.0 <= r["ci_high"])
            if r["group"] != "all":
                verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
    took = time.perf_counter() - start
    n = args.experiments
    every = covered["converted"] + covered["revenue"]
    print(f"{n} null experiments of {args.units:,} units (5 groups x 2 variants x 2 outcomes), seed {args.seed}, "
          f"{took:.1f} s")  # fmt: skip
    print(f"at least one adjusted 'works here' (or 'works better here'): {any_works}/{n} = {any_works / n:.1%} "
          f"(target <= 5 %)")  # fmt: skip
    print(f"coverage of the 95 % intervals: {np.mean(every):.2%} of {len(every):,} (target 94-96 %)")
    for outcome, hits in covered.items():
        print(f"  {outcome}: {np.mean(hits):.2%} of {len(hits):,}")
    print("group verdicts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(verdicts.items())))


if __name__ == "__main__":
    main()
