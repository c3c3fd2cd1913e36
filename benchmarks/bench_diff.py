"""Time ``personacraft diff`` between two runs of ``--customers`` customers each (default 1M), with its peak memory.

    .venv/bin/python benchmarks/bench_diff.py
    .venv/bin/python benchmarks/bench_diff.py --customers 200000 --moved 0.05 --churn 0.02 --repeat 3
    .venv/bin/python benchmarks/bench_diff.py --without-cells     # runs built before profile_cells was saved

Two runs are written into a fresh DuckDB workspace under a temporary folder (``--dir`` to choose
it), as a build leaves them for the diff: ``labels`` (6 personas of unequal size), ``attributes``
(the retail demo's 14 features, about 11.5 values per customer, each persona leaning to its own
values; survey answers for 46 % of the customers), ``segment_model``, ``persona_lineage``, the
build's profile of the attributes (``segment.profile.profile``, stored as ``profile_cells`` unless
``--without-cells``) and the run's ``personas.json`` (its defining traits and first channels picked
from that profile as a build does, pain themes, value). The second run replaces ``churn`` of the
customers with new ones, moves ``moved`` of them to another persona, draws new order-value band
edges (values one run has and the other not), re-words one pain theme and adds a new one. Then
``personacraft diff --json`` runs ``--repeat`` times, each in its own process: its wall time (with
Python's start-up) and peak resident memory (``ru_maxrss``); and once more in-process, timed by step.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "personacraft"]
WEIGHTS = (0.27, 0.22, 0.18, 0.14, 0.11, 0.08)  # persona sizes
NAMES = (
    "Deal-seeking evening shopper",
    "Early-bird summer shopper",
    "Holiday one-time shopper",
    "Big-basket weekday shopper",
    "Night-owl mobile shopper",
    "Loyal gift buyer",
)
# the retail demo's features: name, values, share of customers with a value, source
FEATURES: list[tuple[str, list[str], float, str]] = [
    ("Country", ["United States", "Canada", "United Kingdom", "Australia"], 1.0, "customers"),
    ("Device", ["mobile", "desktop", "tablet"], 0.6, "events"),
    ("Discount use", ["never", "a code now and then", "a code on most orders"], 1.0, "orders"),
    (
        "First channel",
        [
            "(direct) / (none)",
            "facebook / cpc",
            "google / cpc",
            "google / organic",
            "instagram / social",
            "newsletter / email",
            "tiktok / social",
            "bing / organic",
        ],
        0.6,
        "events",
    ),
    (
        "How did you first hear about us?",
        ["Facebook ad", "Google", "A friend", "Instagram", "Podcast", "Newsletter", "TikTok", "Other"],
        0.46,
        "survey",
    ),
    ("How old are you?", ["18-24", "25-34", "35-44", "45-54", "55+"], 0.46, "survey"),
    ("Order value", ["under $69", "$69 to $139", "$139 and more"], 1.0, "orders"),
    ("Orders", ["1 order", "2 to 4 orders", "5 orders and more"], 1.0, "orders"),
    ("Recency", ["this quarter", "this year", "over a year ago"], 1.0, "orders"),
    ("Season", ["summer", "holidays", "all year"], 1.0, "orders"),
    ("Shopping days", ["mostly weekdays", "mostly weekends"], 1.0, "orders"),
    (
        "Shopping time",
        ["morning (6 to 12 h)", "afternoon (12 to 18 h)", "evening (18 to 24 h)", "night"],
        1.0,
        "orders",
    ),
    ("Top product", [f"Product {i + 1}" for i in range(30)], 1.0, "orders"),
    (
        "What's your main goal when you shop with us?",
        ["Save money on everyday things", "Find gifts", "Treat myself", "Stock up", "Try new things"],
        0.46,
        "survey",
    ),
]
# the second run's order-value bands: edges drawn from its own data
SECOND_BANDS = ["under $71", "$71 to $142", "$142 and more"]
PAINS = [
    ("Prices went up since my last order", ["bargain anymore", "order", "prices"]),
    ("Shipping costs are too high for small orders", ["shipping costs", "small orders", "high"]),
    ("delivery was far too slow", ["package arrived", "shipping took", "slow", "christmas", "present"]),
    ("the fit is much smaller than listed", ["size chart", "wrong size", "fit", "listed", "smaller"]),
    ("The app logs me out at checkout", ["app", "logs", "checkout", "login"]),
    ("Out of stock in my size", ["item wanted", "stock", "size"]),
]

# u(i, salt): a uniform draw in [0, 1) per customer and salt
U = "(hash(i, '{salt}') % 1000000) / 1000000.0"
LABELS = """CREATE TABLE {table} AS
WITH c AS (SELECT i, {persona} AS first FROM range({start}, {start} + {n}) t(i))
SELECT 'shopify:' || i AS customer_key,
       (CASE WHEN {moved} > 0 AND {u_move} < {moved} THEN (first + 1 + hash(i, 'to') % 5) % 6 ELSE first END)::INTEGER
         AS persona,
       0.9 AS confidence, 6 AS second_persona, 0.0 AS second_confidence
FROM c"""
ATTRIBUTES = """CREATE TABLE {table} AS
WITH f AS (SELECT * FROM (VALUES {features}) v(f, feature, vals, known, source))
SELECT l.customer_key, f.feature,
       f.vals[(1 + CASE WHEN hash(l.customer_key, f.f, 'own') % 100 < 55 THEN (l.persona * 7 + f.f) % len(f.vals)
                        ELSE hash(l.customer_key, f.f, 'any') % len(f.vals) END)::BIGINT] AS value,
       f.source
FROM {labels} l CROSS JOIN f
WHERE (hash(l.customer_key, f.f, 'known') % 1000) < 1000 * f.known"""


def _persona_sql() -> str:
    """A customer's persona in the first run: the bucket of ``u(i, 'persona')`` in the cumulative :data:`WEIGHTS`."""
    u, edge, whens = U.format(salt="persona"), 0.0, []
    for p, w in enumerate(WEIGHTS[:-1]):
        edge += w
        whens.append(f"WHEN {u} < {edge:.4f} THEN {p}")
    return f"CASE {' '.join(whens)} ELSE {len(WEIGHTS) - 1} END"


def _features(second: bool) -> str:
    rows = []
    for f, (name, values, known, source) in enumerate(FEATURES):
        vals = SECOND_BANDS if second and name == "Order value" else values
        listed = ", ".join("'" + v.replace("'", "''") + "'" for v in vals)
        rows.append(f"({f}, '{name.replace(chr(39), chr(39) * 2)}', [{listed}], {known}, '{source}')")
    return ", ".join(rows)


def _personas_doc(run: Any, cells: list[dict[str, Any]], second: bool) -> dict[str, Any]:
    """The run's ``personas.json``: sizes, defining traits and first channels as a build picks them from the
    profile ``cells``, pain themes, value."""
    from personacraft.segment.profile import cell_facts, cells_for, defining_traits

    sizes = run.numpy(f"SELECT persona, count(*) AS n FROM {run.t('labels')} GROUP BY ALL ORDER BY persona")
    personas = []
    for p, size in zip(sizes["persona"].tolist(), sizes["n"].tolist(), strict=True):
        traits = defining_traits(cells, p, min_n=10, limit=8)
        channels = cells_for(cells, p, "First channel", min_n=10)[:5]
        pains = [PAINS[p % len(PAINS)], PAINS[(p + 2) % len(PAINS)]]
        if second and p == 1:  # re-worded, same keywords
            pains[0] = ("the sizes run small", pains[0][1])
        if second and p == 4:  # a theme no persona of the first run had
            pains.append(("Gift wrapping was missing", ["gift wrapping", "missing", "gift"]))
        personas.append(
            {
                "id": f"p{p + 1}",
                "name": NAMES[p],
                "size": int(size),
                "traits": [cell_facts(c) for c in traits],
                "channels": [{"channel": c["value"], "share": c["share"], "n": c["n"]} for c in channels],
                "pain_points": [
                    {"label": label, "keywords": kw, "share": 0.15, "lift": 3.0, "n": 50, "p_adjusted": 1e-6}
                    for label, kw in pains
                ],
                "value": {
                    "clv_mean": 100.0 + 20 * p + (5 if second else 0),
                    "churn_risk": 0.2 + 0.05 * p + (0.06 if second and p == 2 else 0),
                    "clv_customers": int(size),
                },
            }
        )
    return {"run_id": run.run_id, "customers": int(sizes["n"].sum()), "personas": personas}


def make_run(ws: Any, folder: Path, n: int, start: int, moved: float, second: bool, cells: bool) -> str:
    """One run of ``n`` customers from key ``start``: its tables and its published ``personas.json``
    (``cells``: with the ``profile_cells`` a build saves)."""
    from personacraft.segment.profile import profile, save_cells

    run = ws.new_run(config_hash="bench", config={}, inputs=[], version="bench")
    run.execute(
        LABELS.format(
            table=run.t("labels"), persona=_persona_sql(), u_move=U.format(salt="move"), moved=moved, start=start, n=n
        )
    )
    run.execute(ATTRIBUTES.format(table=run.t("attributes"), labels=run.t("labels"), features=_features(second)))
    run.execute(
        f"CREATE TABLE {run.t('segment_model')} AS SELECT 6 AS k, 20.0 AS cap, 0.15 AS blend, "
        "true AS structure_found, 6 AS published"
    )
    run.execute(
        f"CREATE TABLE {run.t('persona_lineage')} AS SELECT i::INTEGER AS persona, 'p' || (i + 1) AS persona_id, "
        f"'{'kept' if second else 'born'}' AS status, {'persona_id' if second else chr(39) * 2} AS matched_from "
        "FROM range(6) t(i)"
    )
    out = folder / "out" / "runs" / run.run_id
    out.mkdir(parents=True)
    profiled = profile(run)
    if cells:
        save_cells(run, profiled)
    (out / "personas.json").write_text(json.dumps(_personas_doc(run, profiled, second)), encoding="utf-8")
    run.finish(out_dir=str(out), summary={})
    return run.run_id


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; its wall seconds and peak resident memory (MiB), of that process alone."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return took, usage.ru_maxrss / 1024


def steps(config: Path) -> None:
    """The diff in this process, timed by step (what ``personacraft diff`` does, without printing)."""
    from personacraft.config import load_config
    from personacraft.personas import changes as ch
    from personacraft.personas.change_alerts import change_alerts
    from personacraft.segment.lineage import compare, published_of, run_ids
    from personacraft.store import Workspace

    cfg = load_config(config)
    took: dict[str, float] = {}
    t0 = time.perf_counter()
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        old, new = ch.pick_runs(ws, None, None)
        old_doc, new_doc = ch.run_doc(ws, old), ch.run_doc(ws, new)
        t1 = time.perf_counter()
        old_k, new_k = published_of(old), published_of(new)
        match = compare(old, new, old_k, new_k)
        t2 = time.perf_counter()
        doc = ch.describe(old, new, old_doc, new_doc, match, run_ids(old, old_k), run_ids(new, new_k))
        t3 = time.perf_counter()
    doc["alerts"] = change_alerts(doc, cfg.alerts)
    t4 = time.perf_counter()
    took = {"read personas.json": t1 - t0, "match (compare)": t2 - t1, "describe": t3 - t2, "alerts": t4 - t3}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kinds = sorted({a["kind"] for a in doc["alerts"]})
    print(
        json.dumps(
            {
                "steps": took,
                "total": t4 - t0,
                "peak_mb": peak,
                "matched_by": doc["matched_by"],
                "alerts": len(doc["alerts"]),
                "kinds": kinds,
                "drift": doc["drift"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--moved", type=float, default=0.03, help="share of customers whose persona changes")
    parser.add_argument("--churn", type=float, default=0.01, help="share of customers replaced by new ones")
    parser.add_argument("--repeat", type=int, default=2, help="diffs timed, each in its own process")
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to write the workspace (default: a temporary folder)"
    )
    parser.add_argument(
        "--without-cells", action="store_true", help="runs without profile_cells (built before the build saved them)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the workspace (under --dir)")
    # internal: the children (this process stays small: a child's ru_maxrss starts from its parent's)
    parser.add_argument("--steps", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--make", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 1:
        raise SystemExit("--repeat: at least 1")
    if args.steps is not None:
        steps(args.steps)
        return
    if args.make is not None:
        from personacraft.store import Workspace

        with Workspace(args.make / "ws.duckdb") as ws:
            make_run(ws, args.make, args.customers, 0, 0.0, False, not args.without_cells)
            start = round(args.customers * args.churn)
            make_run(ws, args.make, args.customers, start, args.moved, True, not args.without_cells)
        return
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="diff-", dir=args.dir))
    try:
        config = folder / "personacraft.toml"
        config.write_text('workspace = "ws.duckdb"\n\n[[sources]]\nkind = "reviews"\npath = "none.csv"\n', "utf-8")
        started = time.perf_counter()
        shape = ["--customers", str(args.customers), "--moved", str(args.moved), "--churn", str(args.churn)]
        cells = ["--without-cells"] if args.without_cells else []
        subprocess.run([sys.executable, __file__, "--make", str(folder), *shape, *cells], check=True)
        print(f"two runs of {args.customers:,} customers written in {time.perf_counter() - started:.0f} s", flush=True)
        for i in range(args.repeat):
            took, peak = timed([*CLI, "diff", "--config", str(config), "--json", str(folder / "changes.json")])
            print(f"personacraft diff #{i + 1}: {took:.1f} s, peak {peak:.0f} MB", flush=True)
        doc = json.loads((folder / "changes.json").read_text(encoding="utf-8"))
        statuses = [p["status"] for p in doc["personas"]]
        print(
            f"  matched by {doc['matched_by']}, {doc['shared_customers']:,} shared customers, statuses {statuses}, "
            f"{len(doc['alerts'])} alerts ({sorted({a['kind'] for a in doc['alerts']})}), drift {doc['drift']}"
        )
        child = subprocess.run([sys.executable, __file__, "--steps", str(config)], capture_output=True, text=True)
        if child.returncode != 0:
            raise SystemExit(child.stderr)
        got = json.loads(child.stdout.strip().splitlines()[-1])
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in got["steps"].items())
        print(f"in-process: {got['total']:.1f} s ({parts}); peak {got['peak_mb']:.0f} MB")
    finally:
        if args.keep:
            print(f"kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
