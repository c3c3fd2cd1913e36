"""Time personacraft's ingest of large vendor files against DuckDB reading the same files plainly.

    .venv/bin/python benchmarks/bench_ingest.py                                 # 10M GA4 events, 2M order lines
    .venv/bin/python benchmarks/bench_ingest.py --events 200000 --lines 100000 --dir bench-out/ingest-small

Two files are generated with DuckDB (no Python loop per row), in the layouts of
tests/fixtures/ga4_bigquery/events_20240301.ndjson and tests/fixtures/shopify_orders/orders_export.csv.
Each is then read twice, every read in its own process so its peak RSS (``ru_maxrss`` from
``os.wait4``) is that step's own:

* personacraft: ``make_source(...).load(run)`` into a fresh workspace (``ga4_bigquery`` with
  ``user_id_namespace = "shopify"``, ``shopify_orders``);
* DuckDB plain: ``CREATE TABLE t AS SELECT * FROM read_json(file, format='newline_delimited')`` or
  ``read_csv(file)`` into a fresh DuckDB file.

Seconds are measured inside each process from just before the read until its database is
closed (interpreter start-up and imports excluded). ``ratio`` is personacraft rows/s divided by
DuckDB rows/s (target >= 0.5). The generated files and databases are deleted at the end
unless ``--keep``; the results stay in ``<dir>/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GA4_FILE = "events_20240301.ndjson"
SHOPIFY_FILE = "orders_export.csv"


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------------------
def ga4_sql(n: int, target: Path) -> str:
    """N GA4 events of 2024-03-01 in BigQuery's NDJSON export layout (INT64 as strings, nested records)."""
    users = max(1, n // 20)
    return f"""
    COPY (
      WITH e AS (
        SELECT i,
               TIMESTAMP '2024-03-01 00:00:00' + to_microseconds((i * (86400000000 // {n}))::BIGINT) AS ts,
               (i * 7919) % {users} AS u,
               (i // 12) AS s,
               hash(i) AS h
        FROM range({n}) t(i)
      )
      SELECT
        strftime(ts, '%Y%m%d') AS event_date,
        CAST(epoch_us(ts) AS VARCHAR) AS event_timestamp,
        ['session_start', 'page_view', 'page_view', 'view_item', 'add_to_cart', 'purchase'][1 + (h % 6)::INT]
          AS event_name,
        [
          {{'key': 'ga_session_id', 'value': {{'string_value': NULL::VARCHAR,
            'int_value': CAST(1709251200 + s AS VARCHAR), 'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}},
          {{'key': 'page_location', 'value': {{'string_value': 'https://shop.example/products/p' || (h % 500)::VARCHAR,
            'int_value': NULL::VARCHAR, 'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}}
        ] AS event_params,
        CASE WHEN u % 3 = 0 THEN CAST(7012345678901 + u AS VARCHAR) END AS user_id,
        CAST(1000 + u AS VARCHAR) || '.' || CAST(1700000000 + u % 86400 AS VARCHAR) AS user_pseudo_id,
        {{'category': ['mobile', 'desktop', 'tablet'][1 + (u % 3)::INT],
          'operating_system': ['iOS', 'Windows', 'Android', 'Macintosh'][1 + (u % 4)::INT]}} AS device,
        {{'country': ['United States', 'Germany', 'Spain', 'Japan'][1 + (u % 4)::INT],
          'city': ['Austin', 'Berlin', 'Madrid', 'Tokyo'][1 + (u % 4)::INT]}} AS geo,
        {{'name': ['spring_sale', '(organic)', 'newsletter'][1 + (u % 3)::INT],
          'medium': ['cpc', 'organic', 'email'][1 + (u % 3)::INT],
          'source': ['google', 'bing', 'newsletter'][1 + (u % 3)::INT]}} AS traffic_source,
        'WEB' AS platform
      FROM e ORDER BY i
    ) TO {lit(str(target))} (FORMAT JSON)
    """


# the header exactly as in the fixture (Shopify's layout)
SHOPIFY_FIXTURE = ROOT / "tests" / "fixtures" / "shopify_orders" / "orders_export.csv"
SHOPIFY_COLUMNS = SHOPIFY_FIXTURE.read_text(encoding="utf-8").split("\n", 1)[0].strip().split(",")


def shopify_sql(m: int, target: Path) -> str:
    """M line rows of a Shopify orders export: orders of 1, 2 and 3 lines; order fields on the first row."""
    first = "(i % 6) IN (0, 1, 3)"

    def head(expr: str) -> str:
        return f"CASE WHEN {first} THEN {expr} END"

    cols = {
        "Name": "'#' || (1001 + o)::VARCHAR",
        "Email": "'customer' || (o % 50000)::VARCHAR || '@example.com'",
        "Financial Status": head("['paid', 'paid', 'paid', 'refunded', 'pending'][1 + (o % 5)::INT]"),
        "Paid at": head("strftime(ts, '%Y-%m-%d %H:%M:%S') || ' -0500'"),
        "Fulfillment Status": head("'fulfilled'"),
        "Fulfilled at": "NULL",
        "Accepts Marketing": head("CASE WHEN o % 2 = 0 THEN 'yes' ELSE 'no' END"),
        "Currency": head("'USD'"),
        "Subtotal": head("printf('%.2f', (10 + o % 90)::DOUBLE)"),
        "Shipping": head("'4.90'"),
        "Taxes": head("'3.50'"),
        "Total": head("printf('%.2f', (18.4 + o % 90)::DOUBLE)"),
        "Discount Code": head("CASE WHEN o % 7 = 0 THEN 'SAVE10' END"),
        "Discount Amount": head("CASE WHEN o % 7 = 0 THEN '5.00' ELSE '0.00' END"),
        "Shipping Method": head("'Standard'"),
        "Created at": "strftime(ts, '%Y-%m-%d %H:%M:%S') || ' -0500'",
        "Lineitem quantity": "(1 + i % 3)::VARCHAR",
        "Lineitem name": "'Product ' || (i % 400)::VARCHAR || ' - ' || ['Black / 42', 'M', 'Large'][1 + (i % 3)::INT]",
        "Lineitem price": "printf('%.2f', (2.5 + i % 60)::DOUBLE)",
        "Lineitem compare at price": "NULL",
        "Lineitem sku": "'SKU-' || (i % 400)::VARCHAR",
        "Lineitem requires shipping": "'true'",
        "Lineitem taxable": "'true'",
        "Lineitem fulfillment status": "'fulfilled'",
        "Billing Name": head("'Customer ' || (o % 50000)::VARCHAR"),
        "Billing Street": head("(1 + o % 999)::VARCHAR || ' Main St'"),
        "Source": head("['web', 'web', 'pos'][1 + (o % 3)::INT]"),
        "Id": head("(5500000011011 + o)::VARCHAR"),
    }
    if list(cols) != SHOPIFY_COLUMNS:
        raise SystemExit(f"the generator's columns differ from {SHOPIFY_FIXTURE.name}: {SHOPIFY_COLUMNS}")
    select = ", ".join(f'{expr} AS "{name}"' for name, expr in cols.items())
    return f"""
    COPY (
      WITH r AS (
        SELECT i, (i // 6) * 3 + [0, 1, 1, 2, 2, 2][1 + (i % 6)::INT] AS o FROM range({m}) t(i)
      ), l AS (
        SELECT i, o, TIMESTAMP '2024-01-01 08:00:00' + to_minutes(o::BIGINT) AS ts FROM r
      )
      SELECT {select} FROM l ORDER BY i
    ) TO {lit(str(target))} (FORMAT CSV, HEADER)
    """


def child_generate(folder: Path, events: int, lines: int) -> dict[str, Any]:
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    timings: dict[str, Any] = {}
    con = duckdb.connect()
    for name, sql in (
        (GA4_FILE, ga4_sql(events, folder / GA4_FILE)),
        (SHOPIFY_FILE, shopify_sql(lines, folder / SHOPIFY_FILE)),
    ):
        start = time.perf_counter()
        con.execute(sql)
        timings[name] = time.perf_counter() - start
    con.close()
    return timings


# ---------------------------------------------------------------------------------------
# the measured steps, each run as its own process (``--child``)
# ---------------------------------------------------------------------------------------
def child_personacraft(kind: str, file: Path, work: Path, keep_raw: bool = True) -> dict[str, Any]:
    from personacraft.config import SourceConfig
    from personacraft.sources import make_source
    from personacraft.store import Workspace

    options = {"user_id_namespace": "shopify"} if kind == "ga4_bigquery" else {}
    ws = Workspace(work / f"personacraft-{kind}.duckdb")
    run = ws.new_run(config_hash="bench", config={}, inputs=[], version="bench")
    start = time.perf_counter()
    src = make_source(SourceConfig(kind=kind, path=file.name, options=options), file.parent)
    src.keep_raw = keep_raw  # the ingest.keep_raw setting
    acc = src.load(run)
    loaded = time.perf_counter() - start
    ws.close()
    return {
        "seconds": time.perf_counter() - start,
        "load_seconds": loaded,
        "rows": acc.read,
        "accepted": acc.accepted,
        "rejected": acc.rejected,
        "balanced": acc.balanced,
    }


def child_duckdb(file: Path, work: Path) -> dict[str, Any]:
    import duckdb

    db = work / f"plain-{file.stem}.duckdb"
    con = duckdb.connect(str(db))
    reader = (
        f"read_json({lit(str(file))}, format = 'newline_delimited')"
        if file.suffix == ".ndjson"
        else f"read_csv({lit(str(file))})"
    )
    start = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}")
    loaded = time.perf_counter() - start
    con.close()
    seconds = time.perf_counter() - start
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    return {"seconds": seconds, "load_seconds": loaded, "rows": int(row[0]) if row else 0}


def run_child(step: str, file: Path, work: Path, timeout: float, extra: Sequence[str] = ()) -> dict[str, Any]:
    """Run one step in a fresh process; its JSON result plus wall time and peak RSS.

    The parent never imports DuckDB or personacraft, so the child's peak RSS (which counts
    what it shared with the parent before exec) is its own.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", step, "--file", str(file), "--work", str(work)]
    cmd += list(extra)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            raise SystemExit(f"{step} on {file.name}: no result after {timeout:.0f} s; stopped")
        time.sleep(0.2)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{step} on {file.name} failed (exit {code}):\n{err[-3000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["process_wall_seconds"] = wall
    result["peak_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return result


# ---------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000, help="GA4 events (NDJSON lines)")
    ap.add_argument("--lines", type=int, default=2_000_000, help="Shopify order line rows")
    ap.add_argument("--dir", type=Path, default=ROOT / "bench-out" / "ingest")
    ap.add_argument("--keep", action="store_true", help="keep the generated files and databases")
    ap.add_argument(
        "--no-keep-raw", action="store_true", help="ingest with ingest.keep_raw = false (rows as read not kept)"
    )
    ap.add_argument("--step-timeout", type=float, default=3600.0, help="seconds before a step is stopped")
    ap.add_argument(
        "--child", choices=("generate", "personacraft-ga4", "personacraft-shopify", "duckdb"), help=argparse.SUPPRESS
    )
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        if args.child == "generate":
            res = child_generate(args.work, args.events, args.lines)
        elif args.child == "duckdb":
            res = child_duckdb(args.file, args.work)
        else:
            kind = "ga4_bigquery" if args.child == "personacraft-ga4" else "shopify_orders"
            res = child_personacraft(kind, args.file, args.work, keep_raw=not args.no_keep_raw)
        print(json.dumps(res))
        return

    folder: Path = args.dir.resolve()
    data, work = folder / "data", folder / "work"
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}; output in {folder}")
    print(f"ingest.keep_raw = {not args.no_keep_raw}")
    print(f"generating {args.events:,} GA4 events and {args.lines:,} Shopify order lines …", flush=True)
    sizes = ["--events", str(args.events), "--lines", str(args.lines)]
    gen = run_child("generate", data, data, args.step_timeout, sizes)
    for name in (GA4_FILE, SHOPIFY_FILE):
        size = (data / name).stat().st_size / 2**20
        print(f"  {name}: {size:,.0f} MiB in {gen[name]:.1f} s", flush=True)
    print(f"  (generation peak {gen['peak_mib']:,.0f} MiB)", flush=True)

    results: list[dict[str, Any]] = []
    try:
        for name, step in ((GA4_FILE, "personacraft-ga4"), (SHOPIFY_FILE, "personacraft-shopify")):
            file = data / name
            row: dict[str, Any] = {"file": name, "bytes": file.stat().st_size}
            for label, s in (("personacraft", step), ("duckdb", "duckdb")):
                print(f"  {label} reading {name} …", flush=True)
                extra = ["--no-keep-raw"] if args.no_keep_raw and label == "personacraft" else []
                row[label] = run_child(s, file, work, args.step_timeout, extra)
                r = row[label]
                print(
                    f"    {r['rows']:,} rows in {r['seconds']:.1f} s (process {r['process_wall_seconds']:.1f} s), "
                    f"peak {r['peak_mib']:,.0f} MiB",
                    flush=True,
                )
            results.append(row)
    finally:
        (folder / "results.json").write_text(
            json.dumps({"events": args.events, "lines": args.lines, "generate": gen, "results": results}, indent=2)
        )
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)

    print()
    head = (
        f"{'file':<24}{'rows':>12}{'pc s':>9}{'pc rows/s':>12}{'pc MiB':>9}"
        f"{'duck s':>9}{'duck rows/s':>13}{'duck MiB':>10}{'ratio':>8}"
    )
    print(head)
    print("-" * len(head))
    for row in results:
        pc, dk = row["personacraft"], row["duckdb"]
        pc_speed, dk_speed = pc["rows"] / pc["seconds"], dk["rows"] / dk["seconds"]
        ratio = pc_speed / dk_speed
        print(
            f"{row['file']:<24}{pc['rows']:>12,}{pc['seconds']:>9.1f}{pc_speed:>12,.0f}{pc['peak_mib']:>9,.0f}"
            f"{dk['seconds']:>9.1f}{dk_speed:>13,.0f}{dk['peak_mib']:>10,.0f}{ratio:>8.2f}"
            + ("" if ratio >= 0.5 else "  < 0.5 target")
        )
        if pc["rows"] != dk["rows"] or not pc.get("balanced", True):
            print(f"    note: personacraft read {pc['rows']:,} rows, DuckDB {dk['rows']:,}; accounting {pc}")
    print("\nratio = personacraft rows/s / DuckDB plain rows/s (target >= 0.5); pc = personacraft")
    print(f"results: {folder / 'results.json'}" + ("" if args.keep else " (generated files deleted)"))


if __name__ == "__main__":
    main()
