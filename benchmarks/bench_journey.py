"""Time the journey maps on a large event log; print wall time, peak memory and rows per second.

    .venv/bin/python benchmarks/bench_journey.py                        # 20M events, 1M customers
    .venv/bin/python benchmarks/bench_journey.py --events 2000000 --customers 100000

A synthetic workspace is written first (in its own process): GA4-style sessions of six
events (session start, page views, item view, cart, checkout, purchase; fewer steps the
further down), one order per purchase, a CRM record per customer with its original source,
and six personas. 20 % of events carry no customer id: their analytics ids are the
prospects. Then the journey computation (:func:`personacraft.journey.build.journeys`:
touches, per-customer journeys, paths, sessions, starts, prospects and every per-persona
figure) runs in a fresh process, so its peak resident memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

STEP = """
import json, sys, time
from personacraft.config import JourneyConfig
from personacraft.journey.build import journeys
from personacraft.store import Workspace
ws = Workspace(sys.argv[1])
run = ws.run()
start = time.perf_counter()
doc = journeys(run, JourneyConfig(), published=6, names=[f"Persona {i + 1}" for i in range(6)], min_n=10)
seconds = time.perf_counter() - start
touches = run.scalar(f"SELECT count(*) FROM {run.t('journey_touches')}")
paths = doc["population"]["paths_known"]
print(json.dumps({"seconds": seconds, "touches": touches, "paths": paths,
                  "funnel": [f["people"] for f in doc["population"]["funnel"]],
                  "prospects": doc["population"]["prospects"]}))
"""


def make(path: Path, events: int, customers: int) -> None:
    """Write the synthetic workspace (SQL only: no Python loop over rows)."""
    from personacraft.features import sql
    from personacraft.store import Workspace
    from personacraft.unify import keyed

    path.unlink(missing_ok=True)
    with Workspace(path) as ws:
        run = ws.new_run(config_hash="bench", config={}, inputs=[], version="bench")
        t = run.t
        sessions = events // 6
        run.execute(
            f"""INSERT INTO {t("events")} (customer_id, anonymous_id, occurred_at, event_name, session_id, page,
                                           source, medium, device, _source, _file, _line)
            WITH s AS (
                SELECT i AS session, hash(i) % {customers} AS c, hash(i * 7 + 1) % 100 AS r,
                       TIMESTAMP '2024-01-01' + to_seconds((hash(i * 3 + 2) % (730 * 86400))::BIGINT) AS t0
                FROM range({sessions}) r(i)
            )
            SELECT CASE WHEN s.r >= 20 THEN 'ga4:c' || s.c END, 'anon' || s.c,
                   s.t0 + to_seconds(p * 40),
                   CASE p WHEN 0 THEN 'session_start' WHEN 1 THEN 'page_view' WHEN 2 THEN 'view_item'
                          WHEN 3 THEN CASE WHEN s.r % 4 = 0 THEN 'add_to_cart' ELSE 'page_view' END
                          WHEN 4 THEN CASE WHEN s.r % 8 = 0 THEN 'begin_checkout' ELSE 'view_item' END
                          ELSE CASE WHEN s.r % 16 = 0 THEN 'purchase' ELSE 'page_view' END END,
                   s.session::VARCHAR, '/p', ['google', 'facebook', '(direct)', 'newsletter'][1 + (s.c % 4)::INT],
                   ['organic', 'cpc', '(none)', 'email'][1 + (s.c % 4)::INT], 'mobile', 'ga4_bigquery:bench', 'bench', 0
            FROM s, range(6) q(p)"""
        )
        run.execute(
            f"""INSERT INTO {t("orders")} (order_id, customer_id, ordered_at, amount, _source, _file, _line)
            SELECT 'o' || session_id, customer_id, occurred_at, 50, 'shopify_orders:bench', 'bench', 0
            FROM {t("events")} WHERE event_name = 'purchase' AND customer_id IS NOT NULL"""
        )
        run.execute(
            f"""INSERT INTO {t("customers")} (customer_id, created_at, acquisition_source, _source, _file, _line)
            SELECT 'ga4:c' || i, TIMESTAMP '2024-01-01', 'Organic Search', 'shopify_customers:bench', 'bench', 0
            FROM range({customers}) r(i)"""
        )
        run.execute(f"CREATE TABLE {t('phones')} (raw VARCHAR, country VARCHAR, e164 VARCHAR)")  # no phones
        run.execute(
            f"""CREATE TABLE {t("identity")} AS
            SELECT 'id:ga4:c' || i AS node, 'ga4:c' || i AS customer_key FROM range({customers}) r(i)"""
        )
        refs = {"orders": keyed(run, "orders"), "customers": keyed(run, "customers")}
        run.execute(sql.CUSTOMER_ORDERS.format(out=t("cust_orders"), **refs))
        run.execute(sql.PEOPLE.format(out=t("people"), **refs))
        run.execute(
            f"""CREATE TABLE {t("labels")} AS SELECT 'ga4:c' || i AS customer_key, (i % 6)::INT AS persona,
            1.0 AS confidence FROM range({customers}) r(i)"""
        )
        run.finish(out_dir=str(path.parent), summary={})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=20_000_000)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=Path("bench-out"))
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = (args.dir / f"journey-{args.events}.duckdb").resolve()
    print(f"# personacraft journey benchmark  ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)")
    start = time.perf_counter()
    make(path, args.events, args.customers)
    made = time.perf_counter() - start
    print(f"synthetic workspace: {args.events:,} events, {args.customers:,} customers in {made:.1f} s")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", STEP, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    if status != 0:
        raise SystemExit(proc.stderr.read().decode() if proc.stderr else "the journey step failed")
    result = json.loads(out)
    print(f"{'events':>12} {'touches':>12} {'journeys s':>11} {'process s':>10} {'peak MiB':>9} {'events/s':>12}")
    print(
        f"{args.events:>12,} {result['touches']:>12,} {result['seconds']:>11.1f} {wall:>10.1f} "
        f"{usage.ru_maxrss / 1024:>9.0f} {args.events / result['seconds']:>12,.0f}"
    )
    print(
        f"funnel (all customers and {result['prospects']:,} prospects): {result['funnel']}; "
        f"customers with a path before buying: {result['paths']:,}"
    )


if __name__ == "__main__":
    main()
