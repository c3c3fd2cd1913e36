"""Scale of ``personacraft experiment``: 10M exposure rows in 20 groups, wall time and peak memory of the command.

    .venv/bin/python benchmarks/bench_experiment.py                     # 10,000,000 rows, 20 groups
    .venv/bin/python benchmarks/bench_experiment.py --rows 1000000 --keep /tmp/x

DuckDB writes the export (Parquet, or CSV with ``--format csv``: customer_id, variant of
control/a/b, grp of 20, converted 10 %, revenue lognormal × converted, in cents;
deterministic hashes of the row number, no RNG state);
then ``personacraft experiment FILE --by grp --customer customer_id --json OUT`` runs in a child
process, timed from start to exit; its peak memory is the child's maximum resident set size
(``getrusage(RUSAGE_CHILDREN)``). The unit checks (a customer in two variants, repeated rows) run
over every row. Targets (issue 18): at most 60 s and 4 GB. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

EXPORT = """
COPY (
    SELECT 'c' || (i % {customers}) AS customer_id,
           (['control', 'a', 'b'])[1 + CAST(hash(i, 'v') % 3 AS BIGINT)] AS variant,
           'g' || lpad(CAST(hash(i, 'g') % {groups} AS VARCHAR), 2, '0') AS grp,
           CAST(hash(i, 'c') % 1000 < 100 AS INTEGER) AS converted,
           CASE WHEN hash(i, 'c') % 1000 < 100 THEN round(exp(3.5 + 1.2 * sqrt(-2 * ln((hash(i, 'u') % 1000000 + 0.5)
                / 1e6)) * cos(2 * pi() * (hash(i, 'w') % 1000000 + 0.5) / 1e6)), 2) ELSE 0 END AS revenue
    FROM range({rows}) t(i)
) TO '{path}' ({fmt})
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--bootstrap", type=int, default=0)
    parser.add_argument(
        "--repeated", type=float, default=0.0, help="The share of rows whose customer has another row (0: all unique)."
    )
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="The export's format.")
    parser.add_argument("--keep", type=Path, default=None, help="Write the export and the JSON here (kept).")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_experiment_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"exposures.{args.format}"
    fmt = "FORMAT parquet" if args.format == "parquet" else "FORMAT csv, HEADER"
    t0 = time.perf_counter()
    con = duckdb.connect()
    customers = max(1, round(args.rows * (1 - args.repeated)))
    con.execute(EXPORT.format(rows=args.rows, groups=args.groups, path=path, fmt=fmt, customers=customers))
    con.close()
    print(f"export: {args.rows:,} rows, {args.groups} groups, {path.stat().st_size / 1e6:.0f} MB {args.format}, "
          f"written in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    out = folder / "reading.json"
    cmd = [sys.executable, "-m", "personacraft", "experiment", str(path), "--by", "grp", "--customer", "customer_id",
           "--json", str(out), "--config", str(folder / "none.toml")]  # fmt: skip
    if args.bootstrap:
        cmd += ["--bootstrap", str(args.bootstrap)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # kilobytes on Linux
    if done.returncode not in (0, 4):
        print(done.stdout[-2000:], done.stderr[-2000:])
        raise SystemExit(f"the command failed with exit code {done.returncode}")
    doc = json.loads(out.read_text())
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"personacraft experiment: {wall:.1f} s wall (target <= 60 s), peak RSS {peak / 2**30:.2f} GB "
          f"(target <= 4 GB), exit code {done.returncode}")  # fmt: skip
    acc = doc["accounting"]
    print(f"rows read {acc['read']:,}, used {acc['used']:,}, excluded {acc['excluded']:,}; "
          f"{len(doc['groups']):,} group cells, SRM p = {doc['srm']['p_value']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
