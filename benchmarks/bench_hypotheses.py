"""Hypotheses under the null: how often a false claim is supported, and a true one (issue 19).

    .venv/bin/python benchmarks/bench_hypotheses.py                          # a fresh retail demo (5,000 customers)
    .venv/bin/python benchmarks/bench_hypotheses.py --config /tmp/beliefs/retail20k/personacraft.toml

Two parts, each 1,000 true and 1,000 false claims, drawn with ``--seed`` from the population's own shares:

1. **Personas.** Claims about the run's personas and all customers, written as a YAML file and graded as
   ``personacraft hypotheses`` grades it (one file: one Benjamini-Hochberg adjustment over its 2,000
   claims). A true claim holds in the data by at least ``--margin`` (share points): ``at_least`` the share
   less the margin, ``majority`` where the share is at least one half plus the margin, ``more_than_average``
   or ``less_than_average`` where the share is that far from the population's, ``most_common`` where the
   value leads the runner-up by that much. A false claim misses by as much (the mirror images).
2. **Random groups, the null.** The customers are cut at random into groups of 50 to 2,000 (log-uniform,
   ``--partitions`` times), counted with the same SQL (``hypotheses.sql.CELLS``) and graded with the same
   rules. A random group's true share of any value is the population's, so: a *false* claim is one at
   the boundary (``more_than_average``, ``less_than_average``, ``at_least`` the population share) or
   past it by the margin; a *true* one is ``at_least`` the population share less the margin,
   ``majority`` or ``most_common`` where the population clears it by the margin. The share a group shows
   is a sample: this is where the error rates are tested.

3. **Hand-made personas.** Each data persona written by hand from its top 1, 2 or 3 traits should be matched
   to it; random descriptions (2 or 3 values of random families) mostly should not "exist" as a persona.

Targets (issue 19): supported verdicts for false claims at most 5 %; for true claims at least 90 % where
n ≥ 100. Prints the rates by expect and by n, and the time to grade the 2,000-claim file.

Power is defined at an effect size: each true claim's ``expected_z`` is how many standard errors of its own
test (at its group's n) the truth lies from the threshold. The verdicts' one-sided 5 % test finds a claim 90 %
of the time when ``expected_z`` ≥ :data:`Z_POWER` (2.93); a 10-point margin is only 2 standard errors for a
share near one half at n = 100. So the rates are also printed by that distance, and on the true claims that
are *detectable* (n ≥ 100 and ``expected_z`` ≥ 2.93), beside the target's figure (docs/hypotheses.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from demo_build import build_demo

# group, family, value, expect, share, kind of truth, and a true claim's expected z (distance in standard errors)
Candidate = tuple[str, str, str, str, float | None, str, float | None]
Z_POWER = 1.644854 + 1.281552  # the distance at which a one-sided 5 % test finds a difference 90 % of the time


def expected_z(expect: str, threshold: float, truth: float, runner: float, n: int) -> float:
    """How many standard errors (of the claim's own test, at the group's n) the truth lies from the threshold:
    the z-score the test sees on average. ``most_common``: the value against the runner-up among those holding
    either, against one half."""
    if expect == "most_common":
        both = truth + runner
        return float((truth / both - 0.5) / np.sqrt(0.25 / (n * both))) if both > 0 else 0.0
    t = min(max(threshold, 1e-9), 1 - 1e-9)
    return float(abs(truth - t) / np.sqrt(t * (1 - t) / n))


def cells(c: Any, groups: list[str], min_group: int) -> list[tuple[str, str, str, float, float, float, int]]:
    """Every (group, family, value): share, population share, the share of the leading other value, n."""
    out = []
    for (g, fam), values in c.by_family.items():
        if g not in groups:
            continue
        n = c.known[(g, fam)]
        if n < min_group:
            continue
        pop_known = c.known[("all", fam)]
        for v, k in values:
            others = [m for w, m in values if w != v]
            out.append((g, fam, v, k / n, c.n[("all", fam, v)] / pop_known, (others[0] if others else 0) / n, n))
    return out


def candidates(
    rows: list[tuple[str, str, str, float, float, float, int]], m: float, null: bool
) -> dict[str, list[Candidate]]:
    """Claims by truth (``true``, ``false``, and in the null part ``boundary``) from the shares.

    In the personas part the truth is the share itself; in the null part it is the population share."""
    out: dict[str, list[Candidate]] = {"true": [], "false": [], "boundary": []}
    for g, fam, v, s, pop, runner, n in rows:
        truth = pop if null else s
        other = max(pop_runner(rows, g, fam, v), 0) if null else runner
        lead = truth - other
        person = g != "all"
        if truth - m >= 0.02:
            z = expected_z("at_least", round(truth - m, 3), truth, other, n)
            out["true"].append((g, fam, v, "at_least", round(truth - m, 3), "at_least", z))
        if truth + m <= 0.98:
            out["false"].append((g, fam, v, "at_least", round(truth + m, 3), "at_least", None))
        if truth >= 0.5 + m:
            out["true"].append((g, fam, v, "majority", None, "majority", expected_z("majority", 0.5, truth, other, n)))
        if truth <= 0.5 - m:
            out["false"].append((g, fam, v, "majority", None, "majority", None))
        if lead >= m:
            z = expected_z("most_common", 0.5, truth, other, n)
            out["true"].append((g, fam, v, "most_common", None, "most_common", z))
        if lead <= -m:
            out["false"].append((g, fam, v, "most_common", None, "most_common", None))
        if null and person and 0.02 <= pop <= 0.98:
            out["boundary"].append((g, fam, v, "more_than_average", None, "more_than_average", None))
            out["boundary"].append((g, fam, v, "less_than_average", None, "less_than_average", None))
            out["boundary"].append((g, fam, v, "at_least", round(pop, 4), "at_least (= population)", None))
        if not null and person:
            z = expected_z("more_than_average", pop, s, other, n)
            if s >= pop + m:
                out["true"].append((g, fam, v, "more_than_average", None, "more_than_average", z))
                out["false"].append((g, fam, v, "less_than_average", None, "less_than_average", None))
            if s <= pop - m:
                out["true"].append((g, fam, v, "less_than_average", None, "less_than_average", z))
                out["false"].append((g, fam, v, "more_than_average", None, "more_than_average", None))
    return out


_POP_RUNNER: dict[tuple[str, str], dict[str, float]] = {}


def pop_runner(rows: list[tuple[str, str, str, float, float, float, int]], g: str, fam: str, v: str) -> float:
    """The population share of the most common value of ``fam`` other than ``v``."""
    key = ("", fam)
    if key not in _POP_RUNNER:
        _POP_RUNNER[key] = {w: p for _, f, w, _, p, _, _ in rows if f == fam}
    shares = _POP_RUNNER[key]
    return max((p for w, p in shares.items() if w != v), default=0.0)


def draw(pool: list[Candidate], k: int, rng: np.random.Generator) -> list[Candidate]:
    """``k`` claims: an expect at random (each equally likely among those with candidates), then a claim of it."""
    by: dict[str, list[Candidate]] = {}
    for c in pool:
        by.setdefault(c[5], []).append(c)
    kinds = sorted(by)
    picks = rng.integers(0, len(kinds), size=k)
    return [by[kinds[i]][int(rng.integers(0, len(by[kinds[i]])))] for i in picks]


def rates(results: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Print the share of supported verdicts per truth, per kind of claim, and per n band."""
    for truth in ("false", "boundary", "true"):
        rows = [(kind, r) for t, kind, r in results if t == truth]
        if not rows:
            continue
        big = [(kind, r) for kind, r in rows if (r.get("n") or 0) >= 100]
        chosen = big if truth == "true" else rows
        sup = sum(r["verdict"] == "supported" for _, r in chosen)
        label = {"true": "true claims, n >= 100", "false": "false claims", "boundary": "false claims at the boundary"}
        print(f"  {label[truth]}: {sup:,} of {len(chosen):,} supported = {sup / max(len(chosen), 1):.1%}")
        verdicts = Counter(r["verdict"] for _, r in chosen)
        print("    verdicts: " + ", ".join(f"{v} {n:,}" for v, n in sorted(verdicts.items())))
        alone = sum("clear alone" in str(r.get("reason")) for _, r in chosen)
        if alone:
            print(f"    ({alone:,} inconclusive only after the adjustment over the file: clear alone)")
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for kind, r in chosen:
            by_kind.setdefault(kind, []).append(r)
        for kind, rs in sorted(by_kind.items()):
            s = sum(r["verdict"] == "supported" for r in rs)
            print(f"    {kind:<24} {s:>5,} of {len(rs):>5,} = {s / len(rs):6.1%}")
        if truth == "true":
            bands = [(100, 300), (300, 1000), (1000, 10**9)]
            for lo, hi in bands:
                rs = [r for _, r in chosen if lo <= r["n"] < hi]
                if rs:
                    s = sum(r["verdict"] == "supported" for r in rs)
                    band = f"n {lo:,} to {hi - 1 if hi < 10**9 else 'more'}"
                    print(f"    {band:<24} {s:>5,} of {len(rs):>5,} = {s / len(rs):6.1%}")
            # by how far the truth lies from the threshold, in standard errors of the claim's own test
            for lo, hi in ((0, 2), (2, Z_POWER), (Z_POWER, 10**9)):
                rs = [r for _, r in chosen if lo <= (r.get("expected_z") or 0) < hi]
                if rs:
                    s = sum(r["verdict"] == "supported" for r in rs)
                    band = f"z {lo:.2f} to {hi:.2f}" if hi < 10**9 else f"z {lo:.2f} or more"
                    print(f"    {band:<24} {s:>5,} of {len(rs):>5,} = {s / len(rs):6.1%}")
            far = [r for _, r in chosen if (r.get("expected_z") or 0) >= Z_POWER]
            if far:
                s = sum(r["verdict"] == "supported" for r in far)
                print(
                    f"  true claims, n >= 100, detectable (truth at least {Z_POWER:.2f} standard errors from the "
                    f"threshold): {s:,} of {len(far):,} supported = {s / len(far):.1%}"
                )
            small = [r for _, r in rows if (r.get("n") or 0) < 100]
            if small:
                s = sum(r["verdict"] == "supported" for r in small)
                print(f"    (n under 100, not in the target: {s:,} of {len(small):,} = {s / len(small):.1%})")


def personas_part(run: Any, cfg: Any, args: argparse.Namespace, rng: np.random.Generator) -> None:
    from personacraft.hypotheses.spec import read_beliefs
    from personacraft.hypotheses.verdicts import counts, grade_file, run_personas

    min_group = cfg.privacy.min_group_size
    personas = run_personas(run)
    c = counts(run, personas)
    pool = candidates(cells(c, [*personas.ids, "all"], min_group), args.margin, null=False)
    chosen = [("true", x) for x in draw(pool["true"], args.claims, rng)]
    chosen += [("false", x) for x in draw(pool["false"], args.claims, rng)]
    doc = {"hypotheses": []}
    for i, (_, (g, fam, v, expect, share, _kind, _z)) in enumerate(chosen):
        h: dict[str, Any] = {"id": f"c{i}", "persona": g, "family": fam, "value": v, "expect": expect}
        if share is not None:
            h["share"] = share
        doc["hypotheses"].append(h)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "claims.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
        t0 = time.perf_counter()
        result = grade_file(run, read_beliefs(path), min_group=min_group)
        seconds = time.perf_counter() - t0
    print(
        f"\n1. Personas: {len(chosen):,} claims on {len(personas.ids)} personas and all customers, margin {args.margin}"
    )
    print(f"  graded as one file in {seconds:.2f} s (reading the YAML, the SQL, the tests, BH over the file)")
    rates([(t, x[5], r | {"expected_z": x[6]}) for (t, x), r in zip(chosen, result["hypotheses"], strict=True)])


def null_part(run: Any, cfg: Any, args: argparse.Namespace, rng: np.random.Generator) -> None:
    from personacraft.hypotheses.spec import Claim
    from personacraft.hypotheses.verdicts import Graded, Personas, counts, finish, grade
    from personacraft.hypotheses.vocabulary import vocabulary

    min_group = cfg.privacy.min_group_size
    vocab = vocabulary(run, min_group=min_group)
    keys = run.numpy(f"SELECT customer_key FROM {run.t('labels')} ORDER BY customer_key")["customer_key"]
    graded: list[tuple[str, str, Graded]] = []
    per = max(1, args.claims // args.partitions)
    t0 = time.perf_counter()
    sizes_seen: list[int] = []
    for p in range(args.partitions):
        order = rng.permutation(len(keys))
        group = np.empty(len(keys), dtype=np.int32)
        start, g = 0, 0
        while start < len(keys):
            size = int(np.exp(rng.uniform(np.log(50), np.log(2000))))
            group[order[start : start + size]] = g
            sizes_seen.append(min(size, len(keys) - start))
            start, g = start + size, g + 1
        ids = tuple(f"g{i}" for i in range(g))
        personas = Personas(ids, {i: i for i in ids}, "'g' || l.persona")
        with run.arrays("random_groups", {"customer_key": keys, "persona": group}) as view:
            c = counts(run, personas, labels=view)
        pool = candidates(cells(c, list(ids), min_group), args.margin, null=True)
        _POP_RUNNER.clear()
        for truth, k in (("true", per), ("false", per // 2), ("boundary", per - per // 2)):
            for gid, fam, v, expect, share, kind, z in draw(pool[truth], k, rng):
                claim = Claim(f"p{p}", "", gid, fam, v, expect, share, 0)
                g_ = grade(claim, gid, vocab, c, personas, min_group)
                g_.out["expected_z"] = z
                graded.append((truth, kind, g_))
    finish([x[2] for x in graded])  # one adjustment over all 2,000, as one file
    seconds = time.perf_counter() - t0
    print(
        f"\n2. Random groups (the null): {len(graded):,} claims on {len(sizes_seen):,} random groups "
        f"({args.partitions} partitions; median size {int(np.median(sizes_seen)):,}), margin {args.margin}, "
        f"{seconds:.1f} s"
    )
    rates([(t, kind, x.out) for t, kind, x in graded])


def handmade_part(run: Any, cfg: Any, args: argparse.Namespace, rng: np.random.Generator) -> None:
    """Hand-made personas written from each data persona's top traits, and random descriptions."""
    from personacraft.hypotheses.handmade import SIMILAR, match
    from personacraft.hypotheses.spec import Claim, HandMade
    from personacraft.hypotheses.verdicts import counts, run_personas
    from personacraft.hypotheses.vocabulary import vocabulary

    min_group = cfg.privacy.min_group_size
    vocab = vocabulary(run, min_group=min_group)
    personas = run_personas(run)
    c = counts(run, personas)
    folder = run.scalar("SELECT out_dir FROM runs WHERE run_id = ?", [run.run_id])
    import json

    doc = json.loads((Path(folder) / "personas.json").read_text(encoding="utf-8"))

    def person(name: str, pairs: list[tuple[str, str]]) -> HandMade:
        claims = tuple(Claim(f"c{i}", "", "", f, v, "more_than_average", None, 0) for i, (f, v) in enumerate(pairs))
        return HandMade(name, name, None, None, "", claims, 0)

    print(f"\n3. Hand-made personas (exists: at least {min_group} fit, and a Jaccard of at least {SIMILAR})")
    for top in (1, 2, 3):
        right, jaccards = 0, []
        for p in doc["personas"]:
            pairs = [(t["feature"], t["value"]) for t in p["traits"][:top]]
            m = match(run, person(p["id"], pairs), vocab, c, personas, min_group)
            right += m.exists and m.nearest == p["id"]
            jaccards.append(m.similar[0]["jaccard"] if m.similar else 0.0)
        print(
            f"  from each persona's top {top} trait(s): {right} of {len(doc['personas'])} matched to their persona; "
            f"Jaccard {min(jaccards):.2f} to {max(jaccards):.2f}"
        )
    families = [f for f in vocab.families if len(f.values) >= 2]
    exists, jaccards = 0, []
    for i in range(args.random_people):
        k = int(rng.integers(2, 4))
        fams = [families[j] for j in rng.choice(len(families), size=k, replace=False)]
        pairs = [(f.label, f.values[int(rng.integers(0, len(f.values)))].label) for f in fams]
        m = match(run, person(f"r{i}", pairs), vocab, c, personas, min_group)
        exists += m.exists
        jaccards.append(m.similar[0]["jaccard"] if m.similar else 0.0)
    q = np.quantile(jaccards, [0.5, 0.9, 0.99]) if jaccards else [0, 0, 0]
    print(
        f"  random descriptions (2 or 3 values of random families): {exists} of {args.random_people} said to exist; "
        f"nearest Jaccard median {q[0]:.2f}, 90th percentile {q[1]:.2f}, 99th {q[2]:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, help="a built project (default: a fresh retail demo)")
    ap.add_argument("--customers", type=int, default=5000, help="the fresh demo's customers")
    ap.add_argument("--claims", type=int, default=1000, help="true claims, and false claims, per part")
    ap.add_argument("--margin", type=float, default=0.10, help="how far from the threshold a claim's truth lies")
    ap.add_argument("--partitions", type=int, default=10, help="random cuts of the customers into groups")
    ap.add_argument("--random-people", type=int, default=200, help="random hand-made descriptions")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    from personacraft.config import load_config
    from personacraft.store import Workspace

    with tempfile.TemporaryDirectory(prefix="bench-hypotheses-") as tmp:
        config = args.config or build_demo(Path(tmp) / "retail", args.customers, args.seed)
        cfg = load_config(config)
        with Workspace(cfg.workspace_path, read_only=True) as ws:
            run = ws.run()
            customers = run.scalar(f"SELECT count(*) FROM {run.t('labels')}")
            print(f"Run {run.run_id} of {config}: {customers:,} customers; seed {args.seed}")
            rng = np.random.default_rng(args.seed)
            personas_part(run, cfg, args, rng)
            null_part(run, cfg, args, rng)
            handmade_part(run, cfg, args, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())
