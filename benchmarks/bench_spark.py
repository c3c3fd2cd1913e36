"""Stage by stage, DuckDB against Spark on one demo: wall time, peak memory and rows/s of each step.

    .venv/bin/python benchmarks/bench_spark.py --customers 20000 --kind retail
    .venv/bin/python benchmarks/bench_spark.py --customers 1000000 --conf spark.driver.memory=6g   # the issue's size

The demo is generated (unless its folder exists) and built once with DuckDB (unless its workspace
exists); then the steps that ``[engine] kind = "spark"`` runs on Spark (the feature tables, the RFM
summary, the journey tables) are run again on the built run, each on DuckDB and on Spark, with the
same templates; then identity resolution (``unify``: its script, on Spark through ``SparkScript``),
the churn snapshot at the newest record (a demo with subscriptions) and the persona assignment
of every customer with the saved model (``assign_everyone``: ``mapInPandas`` on Spark); and, first,
reading each source that reads on Spark (``spark_reads``: GA4, Segment) again into a scratch
workspace, once per engine (``read <kind>``: rows read per second). Spark's times include writing its
inputs as Parquet and loading each table back into the workspace. ``--stages`` picks some. Peak
memory is the largest resident set of this process and its children (the Spark JVM) sampled every
50 ms during the step.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from personacraft.clv.model import summary_params
from personacraft.config import Config, load_config
from personacraft.demo import generate
from personacraft.engine import DUCKDB, Engine
from personacraft.engine.script import SparkScript
from personacraft.engine.spark import SparkEngine
from personacraft.engine_settings import EngineConfig
from personacraft.features import FEATURE_STEPS, feature_inputs, feature_params
from personacraft.journey.tables import JOURNEY_STEPS, journey_inputs
from personacraft.pipeline import build
from personacraft.segment import load_model
from personacraft.segment.matrix import assign_everyone
from personacraft.sources import Accounting, make_source
from personacraft.store import Run, Workspace
from personacraft.unify import IDENTITY_TABLES, unify
from personacraft.value.stage import rfm_step
from personacraft.value.subscriptions import _snapshots


def tree_rss_mib(root: int) -> float:
    """Resident set of ``root`` and every process below it, in MiB (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(stat[1])
            rss[int(entry)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    keep, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in keep:
                keep.add(child)
                frontier.append(child)
    return sum(rss.get(p, 0) for p in keep) / 2**20


def peak_during(work: Callable[[], None]) -> tuple[float, float]:
    """Run ``work``; (wall seconds, peak MiB of this process tree while it ran)."""
    peak, done = [tree_rss_mib(os.getpid())], threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak.append(tree_rss_mib(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        work()
    finally:
        done.set()
        sampler.join()
    return time.perf_counter() - start, max(peak)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--kind", choices=("retail", "saas"), default="retail")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", type=Path, default=None, help="demo folder (default /tmp/bench_spark/<kind>-<n>)")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--shuffle-partitions", type=int, default=4)
    ap.add_argument("--rebuild", action="store_true", help="build again even when the workspace has a run")
    ap.add_argument("--config", type=Path, default=None, help="a config of the folder (default its personacraft.toml)")
    ap.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Spark conf, as [engine] conf (e.g. spark.driver.memory=6g: local[...] runs in the driver's heap)",
    )
    ap.add_argument(
        "--stages",
        default="read,steps,unify,churn,assign",
        help="which to run, of read (the sources that read on Spark), steps (features, RFM, journeys), unify, "
        "churn, assign",
    )
    args = ap.parse_args()
    stages = set(args.stages.split(","))
    folder = args.dir or Path("/tmp/bench_spark") / f"{args.kind}-{args.customers}"
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if not (folder / "personacraft.toml").exists():
        wall, _ = peak_during(lambda: generate(args.kind, folder, args.customers, args.seed))
        print(f"demo: {args.customers:,} {args.kind} customers written in {wall:.1f} s")
    cfg = load_config(args.config or folder / "personacraft.toml")
    if args.rebuild or (stages - {"read"} and not cfg.workspace_path.exists()):
        wall, mib = peak_during(lambda: build(cfg))
        print(f"DuckDB build (whole pipeline): {wall:.1f} s, peak {mib:,.0f} MiB")

    conf = dict(item.split("=", 1) for item in args.conf)
    spark = SparkEngine(
        EngineConfig(kind="spark", master=args.master, shuffle_partitions=args.shuffle_partitions, conf=conf)
    )
    wall, mib = peak_during(lambda: spark.session)
    print(f"Spark session start ({args.master}): {wall:.1f} s, peak {mib:,.0f} MiB")
    rows: list[tuple[str, str, float, float, int]] = []
    if "read" in stages:
        rows += _reads(cfg, spark)
    if stages - {"read"}:
        rows += _on_the_run(cfg, spark, stages)
    print(f"\n{'engine':8} {'step':22} {'seconds':>8} {'peak MiB':>9} {'rows out':>10} {'rows/s':>10}")
    for name, step, wall, mib, n in rows:
        print(f"{name:8} {step:22} {wall:8.2f} {mib:9,.0f} {n:10,} {n / wall:10,.0f}")
    for name in ("duckdb", "spark"):
        total = sum(r[2] for r in rows if r[0] == name)
        print(f"{name:8} {'all steps':22} {total:8.2f}")


def _on_the_run(cfg: Config, spark: SparkEngine, stages: set[str]) -> list[tuple[str, str, float, float, int]]:
    """The steps, identity resolution, churn snapshot and assignment again on the built run, on each engine."""
    params = feature_params(min_group=cfg.privacy.min_group_size, new_days=cfg.segment.new_days)
    rows: list[tuple[str, str, float, float, int]] = []
    with Workspace(cfg.workspace_path) as ws:
        run = ws.run()
        inputs = feature_inputs(run)
        n_in = {k: int(run.scalar(f"SELECT count(*) FROM {v} AS _i") or 0) for k, v in inputs.items()}
        print("inputs: " + ", ".join(f"{k} {n:,}" for k, n in n_in.items()))
        tables, journey_params = journey_inputs(run, cfg.journey)
        inputs = {**inputs, **tables}
        steps = [*FEATURE_STEPS, rfm_step(), *JOURNEY_STEPS]
        end = str(run.scalar(f"SELECT max(ordered_at)::DATE FROM {run.t('cust_orders')}"))
        all_params = {**params, **journey_params, **summary_params(end, None, cfg.value.period_days)}
        engines: list[Engine] = [DUCKDB, spark]
        for engine in engines if "steps" in stages else []:
            for step in steps:
                spark.timings.clear()
                wall, mib = peak_during(lambda s=step, e=engine: e.run_steps(run, [s], inputs | _outs(run), all_params))
                n = int(run.scalar(f"SELECT count(*) FROM {run.t(step[1])}") or 0)
                rows.append((engine.name, step[1], wall, mib, n))
        personas = load_model(run)
        customers = run.numpy(f"SELECT customer_key FROM {run.t('customer_index')} ORDER BY 1")["customer_key"]
        for engine in engines:
            if "unify" in stages:
                wall, mib = peak_during(lambda e=engine: _unify(run, e, spark))
                rows.append((engine.name, "unify", wall, mib, len(customers)))
            if "churn" in stages and run.has_rows("subscriptions"):
                units: list[int] = []
                wall, mib = peak_during(lambda e=engine, u=units: u.append(_churn_snapshot(run, e)))
                rows.append((engine.name, "churn_snapshot", wall, mib, units[0]))
            if "assign" in stages:
                wall, mib = peak_during(lambda e=engine: assign_everyone(run, e, personas, customers))
                rows.append((engine.name, "assignments", wall, mib, len(customers)))
    return rows


def _reads(cfg: Config, spark: SparkEngine) -> list[tuple[str, str, float, float, int]]:
    """Each source that reads on Spark, read again on each engine into a scratch workspace: (engine, step, wall,
    peak MiB, rows read), with a check that both engines accepted and rejected the same rows."""
    out = []
    for i, source in enumerate(cfg.sources):
        src = make_source(source, cfg.root)
        if not src.spark_reads:
            continue
        src.keep_raw = cfg.ingest.keep_raw
        counts = []
        for engine in (None, spark):
            name = "spark" if engine else "duckdb"
            path = cfg.workspace_path.with_name(f"bench-read-{name}.duckdb")
            path.unlink(missing_ok=True)
            with Workspace(path, memory_limit=cfg.engine.memory_limit) as ws:
                run = ws.new_run(config_hash="bench", config={}, inputs=[], version="bench")
                accs: list[Accounting] = []
                wall, mib = peak_during(lambda r=run, e=engine, a=accs, s=src: a.append(s.load(r, e)))
            for left in (path, path.with_name(path.name + ".lock"), path.with_name(path.name + ".wal")):
                left.unlink(missing_ok=True)
            acc = accs[0]
            counts.append((acc.read, acc.accepted, acc.rejected))
            out.append((name, f"read {src.kind}", wall, mib, acc.read))
            print(
                f"{name:8} read #{i + 1} {src.kind}: {wall:.1f} s, peak {mib:,.0f} MiB, read/accepted/rejected", end=""
            )
            print(f" {counts[-1]}")
        if counts[0] != counts[1]:
            print(f"!! {src.kind}: DuckDB read/accepted/rejected {counts[0]}, Spark {counts[1]}")
    return out


def _churn_snapshot(run: Run, engine: Engine) -> int:
    """The churn snapshot at the newest subscription record on ``engine``; its units."""
    newest = run.scalar(f"SELECT max(coalesce(canceled_at, started_at)) FROM {run.t('subscriptions')}")
    return len(_snapshots(run, [newest], 90, engine)[0]["unit"])


def _unify(run: Run, engine: Engine, spark: SparkEngine) -> None:
    """Identity resolution again on ``engine`` (the same tables as the build's: the run stays as it was)."""
    if engine is DUCKDB:
        unify(run)
        return
    with SparkScript(spark, run) as script:
        unify(script)
        script.keep(IDENTITY_TABLES)


def _outs(run: Run) -> dict[str, str]:
    """Earlier steps' tables, for a step run alone (each engine reads them from the workspace)."""
    return {out: run.t(out) for _, out in [*FEATURE_STEPS, rfm_step(), *JOURNEY_STEPS]}


if __name__ == "__main__":
    main()
