"""Time of the CRM write-back delta over two runs of ``--customers`` customers each (default 1M).

    .venv/bin/python benchmarks/bench_crm_delta.py
    .venv/bin/python benchmarks/bench_crm_delta.py --customers 200000 --moved 0.1 --churn 0.01

Two runs are made in a fresh workspace under a temporary folder, each with a ``crm_personas``
table as ``activation.write_activation`` keeps it: the second run moves every ``1/moved``-th
customer to another persona, and replaces ``churn`` of the customers with new ones. Then
``activation.write_crm_delta`` (the SQL ``activation.CRM_DELTA``, its CSV and counts) is timed,
and the peak memory of this process printed.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from personacraft.activation import CRM_TABLE, write_crm_delta
from personacraft.store import Run, Workspace

ROWS = """CREATE TABLE {table} AS
SELECT 'c' || i AS customer_key, 'user' || i || '@example.com' AS email,
       'Persona ' || ((i + CASE WHEN {moved} > 0 AND i % {every} = 0 THEN 1 ELSE 0 END) % 6) AS persona,
       'p' || ((i + CASE WHEN {moved} > 0 AND i % {every} = 0 THEN 1 ELSE 0 END) % 6 + 1) AS persona_id,
       0.9 AS confidence
FROM range({start}, {start} + {n}) t(i)"""


def _run(ws: Workspace, n: int, start: int, moved: float) -> Run:
    run = ws.new_run(config_hash="bench", config={}, inputs=[], version="bench")
    every = max(1, round(1 / moved)) if moved > 0 else 1
    run.execute(ROWS.format(table=run.t(CRM_TABLE), moved=moved, every=every, start=start, n=n))
    run.finish(out_dir="bench", summary={})
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--moved", type=float, default=0.1, help="share of customers whose persona changes")
    parser.add_argument("--churn", type=float, default=0.01, help="share of customers replaced by new ones")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, Workspace(Path(folder) / "ws.duckdb") as ws:
        _run(ws, args.customers, 0, 0.0)
        second = _run(ws, args.customers, round(args.customers * args.churn), args.moved)
        started = time.perf_counter()
        counts = write_crm_delta(second, Path(folder) / "delta.csv")
        took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = f"{counts['rows']:,} rows ({counts['new']:,} new, {counts['changed']:,} changed, {counts['left']:,} left)"
    print(f"{args.customers:,} customers per run: delta of {rows} in {took:.2f} s; process peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
