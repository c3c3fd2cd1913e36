"""Feed every source kind malformed files; count clean loads, clean errors and defects.

    .venv/bin/python benchmarks/fuzz_sources.py --examples 10000 --seed 0
    .venv/bin/python benchmarks/fuzz_sources.py --examples 500 --kinds shopify_orders ga4_bigquery
    .venv/bin/python benchmarks/fuzz_sources.py --only 123 --seed 0          # re-run one example, in full

Example ``i`` is kind ``KINDS[i % len(KINDS)]`` (so kinds are spread evenly) with case seed
``seed * 10_000_000 + i``; the same seed gives the same inputs and the same outcomes.
Inputs come from ``tests/sources/fuzzing.py`` (shared with ``tests/sources/test_fuzz.py``).

An input either loads with balanced accounting or fails with a PersonaError whose message is
one paragraph naming the file; anything else is a DEFECT. The exit code is 1 when any
example is a defect. One reproducer per distinct defect is saved under ``--save``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.sources.fuzzing import KINDS, Case, Harness, make_case, minimize  # noqa: E402

SLOW_SECONDS = 5.0


def case_seed(seed: int, index: int) -> int:
    return seed * 10_000_000 + index


def scratch_root() -> Path:
    """A fresh working folder, in memory (/dev/shm) when the machine has one."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="personacraft-fuzz-", dir=base))


def worker(
    job: int, indices: list[int], jobs: int, kinds: list[str], seed: int, root: str, opts: dict[str, float], queue: Any
) -> None:
    """Check the given examples; send results in batches. The example being checked is in ``current``."""
    limit = int(opts["max_memory_gb"] * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # a runaway input fails here, not the machine
    threads = max(1, (os.cpu_count() or 1) // jobs)
    harness = Harness(Path(root) / f"job{job}", threads=threads, timeout=opts["timeout"])
    marker = Path(root) / f"job{job}.current"
    seen: Counter[str] = Counter()
    batch: list[tuple[Any, ...]] = []
    try:
        for i in indices:
            marker.write_text(str(i))
            kind = kinds[i % len(kinds)]
            start = time.perf_counter()
            case = make_case(kind, case_seed(seed, i), workdir=harness.root)
            outcome = harness.check(case)
            seconds = time.perf_counter() - start
            keep = None
            if outcome.status == "defect":
                seen[outcome.signature] += 1
                if seen[outcome.signature] <= 2:
                    keep = case
            elif seconds > SLOW_SECONDS:
                keep = case
            batch.append((i, kind, outcome.status, outcome.signature, outcome.detail, seconds, keep))
            if len(batch) >= 50:
                queue.put(("results", batch))
                batch = []
    except BaseException as exc:
        queue.put(("crash", f"job {job}: {type(exc).__name__}: {exc}"))
        raise
    finally:
        queue.put(("results", batch))
        harness.close()
        queue.put(("done", job))


def run_all(
    kinds: list[str], n: int, seed: int, jobs: int, opts: dict[str, float], root: Path
) -> list[tuple[Any, ...]]:
    """Run examples 0..n-1 in ``jobs`` processes; a process that dies is a defect and is replaced."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    todo = {j: list(range(j, n, jobs)) for j in range(jobs)}
    got: dict[int, set[int]] = {j: set() for j in range(jobs)}
    procs: dict[int, Any] = {}

    def start(j: int) -> None:
        remaining = [i for i in todo[j] if i not in got[j]]
        todo[j] = remaining
        procs[j] = ctx.Process(
            target=worker, args=(j, remaining, jobs, kinds, seed, str(root), opts, queue), daemon=True
        )
        procs[j].start()

    for j in range(jobs):
        start(j)
    results: list[tuple[Any, ...]] = []
    done: set[int] = set()
    next_report = max(1, n // 10)
    begin = time.perf_counter()
    while len(done) < jobs:
        try:
            tag, payload = queue.get(timeout=2)
        except Exception:  # queue.Empty: a worker that died sends nothing
            for j, p in procs.items():
                if j in done or p.is_alive() or p.exitcode == 0:
                    continue
                marker = root / f"job{j}.current"
                index = int(marker.read_text()) if marker.is_file() else todo[j][0]
                kind = kinds[index % len(kinds)]
                case = make_case(kind, case_seed(seed, index), workdir=root)
                why = "killed (out of memory?)" if p.exitcode == -9 else "crashed"
                sig = f"worker process {why}: exit code {p.exitcode}"
                print(f"  ! example {index} ({kind}): {sig}; restarting the worker", file=sys.stderr, flush=True)
                results.append((index, kind, "defect", sig, sig, 0.0, case))
                got[j].add(index)
                shutil.rmtree(root / f"job{j}", ignore_errors=True)
                if [i for i in todo[j] if i not in got[j]]:
                    start(j)
                else:
                    done.add(j)
            continue
        if tag == "results":
            results.extend(payload)
            for r in payload:
                got[r[0] % jobs].add(r[0])
            if len(results) >= next_report:
                rate = len(results) / (time.perf_counter() - begin)
                print(f"  … {len(results):,}/{n:,} examples, {rate:.0f}/s", file=sys.stderr, flush=True)
                next_report += max(1, n // 10)
        elif tag == "crash":
            print(f"worker crashed: {payload}", file=sys.stderr)
        elif tag == "done":
            done.add(payload)
    for p in procs.values():
        p.join()
    return sorted(results, key=lambda r: r[0])


def save_reproducer(folder: Path, n: int, index: int, case: Case, detail: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{n:02d}-{case.kind}"
    target.mkdir(exist_ok=True)
    (target / case.name).write_bytes(case.data)
    (target / "README.txt").write_text(
        f"example {index}\n{case.reproducer(limit=2000)}\n\noutcome: {detail}\n", encoding="utf-8"
    )
    return target


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (default 2)")
    ap.add_argument("--kinds", nargs="+", default=None, help=f"subset of: {' '.join(KINDS)}")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before one load is interrupted")
    ap.add_argument(
        "--max-memory-gb", type=float, default=8.0, help="address-space limit of each worker process (default 8)"
    )
    ap.add_argument("--show", type=int, default=5, help="distinct defects printed with a reproducer")
    ap.add_argument("--minimize", type=int, default=0, help="shrink the first N distinct defects (slow)")
    ap.add_argument("--save", type=Path, default=ROOT / "bench-out" / "fuzz", help="folder for reproducers")
    ap.add_argument("--only", type=int, default=None, help="run one example index and print it in full")
    args = ap.parse_args()
    kinds = args.kinds or list(KINDS)
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        ap.error(f"unknown kinds {unknown}; known: {', '.join(KINDS)}")
    root = scratch_root()
    try:
        if args.only is not None:
            return run_one(kinds, args, root)
        return run_many(kinds, args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_one(kinds: list[str], args: argparse.Namespace, root: Path) -> int:
    kind = kinds[args.only % len(kinds)]
    harness = Harness(root, timeout=args.timeout)
    try:
        case = make_case(kind, case_seed(args.seed, args.only), workdir=root)
        outcome = harness.check(case)
    finally:
        harness.close()
    print(case.reproducer(limit=4000))
    print(f"\n{outcome.status.upper()}: {outcome.detail}")
    return 1 if outcome.status == "defect" else 0


def run_many(kinds: list[str], args: argparse.Namespace, root: Path) -> int:
    n, jobs = args.examples, max(1, args.jobs)
    print(f"fuzzing {len(kinds)} kinds, {n:,} examples, seed {args.seed}, {jobs} job(s); scratch {root}", flush=True)
    start = time.perf_counter()
    opts = {"timeout": args.timeout, "max_memory_gb": args.max_memory_gb}
    results = run_all(kinds, n, args.seed, jobs, opts, root)
    wall = time.perf_counter() - start

    per_kind: dict[str, Counter[str]] = {k: Counter() for k in kinds}
    signatures: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    slow: list[tuple[Any, ...]] = []
    for r in results:
        index, kind, status, signature, _detail, seconds, _case = r
        per_kind[kind][status] += 1
        if status == "defect":
            signatures[signature].append(r)
        elif seconds > SLOW_SECONDS:
            slow.append(r)

    print(f"\n{'kind':<26}{'examples':>9}{'loaded-ok':>11}{'clean errors':>14}{'DEFECTS':>9}")
    total: Counter[str] = Counter()
    for kind in kinds:
        c = per_kind[kind]
        total.update(c)
        print(f"{kind:<26}{sum(c.values()):>9,}{c['ok']:>11,}{c['error']:>14,}{c['defect']:>9,}")
    print(f"{'TOTAL':<26}{sum(total.values()):>9,}{total['ok']:>11,}{total['error']:>14,}{total['defect']:>9,}")
    print(f"wall time {wall:.1f} s ({len(results) / wall:.0f} examples/s, {jobs} job(s))")
    if len(results) != n:
        print(f"WARNING: {n - len(results)} examples have no result (a worker stopped early)")

    if slow:
        slow.sort(key=lambda r: -r[5])
        print(f"\n{len(slow)} example(s) took over {SLOW_SECONDS:.0f} s (not defects); slowest:")
        for index, kind, status, _sig, _detail, seconds, case in slow[:5]:
            print(f"  #{index} {kind} {seconds:.1f} s ({status}) mutations={list(case.mutations) if case else '?'}")

    if not signatures:
        print("\nno defects")
        return 0
    ordered = sorted(signatures.items(), key=lambda kv: kv[1][0][0])
    print(f"\n{sum(len(v) for v in signatures.values()):,} defects, {len(ordered)} distinct (by first occurrence):")
    print(f"{'#':>3} {'count':>6}  {'first':>6}  kinds / signature")
    for n_sig, (signature, rows) in enumerate(ordered, 1):
        kinds_hit = sorted({r[1] for r in rows})
        shown = ", ".join(kinds_hit[:6]) + (f" +{len(kinds_hit) - 6}" if len(kinds_hit) > 6 else "")
        print(f"{n_sig:>3} {len(rows):>6}  {rows[0][0]:>6}  [{shown}]\n{'':>19}{signature}")

    harness = Harness(root / "minimize", timeout=args.timeout) if args.minimize else None
    try:
        for n_sig, (signature, rows) in enumerate(ordered, 1):
            index, kind, _status, _sig, detail, _seconds, case = rows[0]
            if case is None:
                continue
            if harness is not None and n_sig <= args.minimize:
                case = minimize(harness, case, signature)
            folder = save_reproducer(args.save, n_sig, index, case, detail)
            if n_sig <= args.show:
                print(f"\n--- defect {n_sig}: example {index} ({len(rows)} like it) -> {folder}")
                print(case.reproducer(limit=300))
                print(f"outcome: {detail[:600]}")
    finally:
        if harness is not None:
            harness.close()
    print(f"\nreproducers of all {len(ordered)} distinct defects: {args.save}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
