"""Load test of ``personacraft serve`` against the framework's ceiling: single assigns at concurrency 1, 8, 64.

    .venv/bin/python benchmarks/bench_api.py                              # a fresh retail demo (2,000 customers)
    .venv/bin/python benchmarks/bench_api.py --config demo/personacraft.toml --duration 10 --rows 1000000
    .venv/bin/python benchmarks/bench_api.py --workers 1,2 --rows 0       # single assigns only, 1 and 2 workers

The servers, each in its own process on 127.0.0.1 and all up at once:

- ``personacraft serve`` itself (uvicorn, httptools, uvloop) once per ``--workers`` count
  (``--workers 1`` is one process; ``N`` > 1 is ``serve --workers N``), with an admin token made
  for the run (and revoked after it);
- the bare endpoint of ``benchmarks/bare_api.py``: the same server stack, one worker, a FastAPI
  ``POST /api/assign`` that parses the same JSON body into a model of the same shape and answers
  a small JSON object. It is what the framework can do on this machine, the ceiling.

The load generator is another process: ``wrk`` with a Lua script when it is installed (Debian's
``wrk``; ``make system`` installs it), else an asyncio httpx client. Each level sends the same
customer (a demo customer's features, as features.parquet has them) for ``--duration`` seconds
after a 2 s warm-up; at each level the servers are measured in turns (bare first), ``--rounds``
times, so a change of the machine's load hits them alike. Printed per server and level (medians
of the rounds): requests/s, p50 and p99 latency; the worst max latency; the socket errors
(connect, read, write, and timeouts: wrk's default of 2 s) and non-2xx answers summed over the
rounds; and personacraft's requests/s as a share of the bare endpoint's (the median of the
rounds' shares, each round's servers measured seconds apart). The load average (as
``uptime`` prints it) is printed with every run.

Then a long-form CSV of ``--rows`` rows (the build's features.parquet repeated under new
customer ids) is uploaded to ``POST /api/assign/batch`` of the one-worker server and the whole
CSV answer read back; the time is upload to last byte. Then a wide-form CSV of ``--wide``
customers (one column per family, the demo's customers repeated). For comparison,
``personacraft assign`` (``assign_file``) is timed on the same files in-process.

Targets: issue 9, at concurrency 8 at least 1,000 requests/s with p99 at most 25 ms, and the
1M-row batch in at most 30 s; issue 21, at concurrency 8 at least 50 % of the bare endpoint's
requests/s, and no error at 64. Loopback only; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from demo_build import build_demo

LEVELS = (1, 8, 64)
TOKEN_LABEL = "bench-api"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_token(config: Path) -> str:
    from personacraft.config import load_config
    from personacraft.store import Workspace
    from personacraft.web.auth import create_token, list_tokens, revoke_token

    with Workspace(load_config(config).workspace_path) as ws:
        if any(r.label == TOKEN_LABEL for r in list_tokens(ws)):
            revoke_token(ws, TOKEN_LABEL)
        return create_token(ws, "admin", TOKEN_LABEL)[0]


def drop_token(config: Path) -> None:
    from personacraft.config import load_config
    from personacraft.store import Workspace
    from personacraft.web.auth import revoke_token

    with Workspace(load_config(config).workspace_path) as ws:
        revoke_token(ws, TOKEN_LABEL)


def features_file(config: Path) -> Path:
    from personacraft.config import load_config

    return load_config(config).root / "out" / "features.parquet"


def one_customer(parquet: Path) -> dict[str, Any]:
    """The demo customer with the most values, as an assign request."""
    import duckdb

    rows = duckdb.sql(
        f"""WITH c AS (SELECT customer_id, count(*) AS k FROM read_parquet('{parquet}') GROUP BY 1
                       ORDER BY k DESC, customer_id LIMIT 1)
        SELECT customer_id, family, value, n FROM read_parquet('{parquet}') JOIN c USING (customer_id)"""
    ).fetchall()
    features: dict[str, dict[str, float]] = {}
    for _, family, value, n in rows:
        features.setdefault(family, {})[value] = float(n)
    return {"customer_id": rows[0][0], "features": features}


def start_server(config: Path, port: int, workers: int = 1) -> subprocess.Popen[str]:
    """``personacraft serve`` (``--workers`` when more than one) on ``port``, answering."""
    command = ["-m", "personacraft", "serve", "--config", str(config), "--port", str(port)]
    return _started([*command, *(["--workers", str(workers)] if workers > 1 else [])], port, "/api/personas")


def start_bare(port: int) -> subprocess.Popen[str]:
    """The bare endpoint of ``bare_api.py`` on ``port``, answering."""
    return _started([str(Path(__file__).with_name("bare_api.py")), "--port", str(port)], port, "/api/assign")


def _started(args: list[str], port: int, probe: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONACRAFT")}
    # stderr to a file, not a pipe: a pipe nobody reads would fill and stop the server
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - open while the server runs
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=log, text=True, env=env)
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"the server stopped: {log.read()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=2)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start within 120 s")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def load() -> str:
    """The machine's load average, as ``uptime`` prints it."""
    return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


WRK_SCRIPT = """
wrk.method = "POST"
wrk.path = "/api/assign"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max, socket, summary.errors.status))
end
"""


def run_wrk(port: int, token: str, body: Path, concurrency: int, seconds: float) -> dict[str, float]:
    script = body.parent / "assign.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    env = {**os.environ, "BENCH_TOKEN": token, "BENCH_BODY": str(body)}
    url = f"http://127.0.0.1:{port}"
    # one wrk thread: the other core is the server's
    warm = ["wrk", "-t1", f"-c{concurrency}", "-d2s", "-s", str(script), url]
    subprocess.run(warm, env=env, capture_output=True, check=True, timeout=60)
    cmd = ["wrk", "-t1", f"-c{concurrency}", f"-d{int(seconds)}s", "--latency", "-s", str(script), url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    found = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)", out)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{out}")
    requests, micros, p50, p99, worst, socket_errors, status_errors = found.groups()
    return {
        "requests": int(requests),
        "rps": int(requests) / (int(micros) / 1e6),
        "p50_ms": float(p50) / 1000,
        "p99_ms": float(p99) / 1000,
        "max_ms": float(worst) / 1000,
        "socket_errors": int(socket_errors),
        "non_2xx": int(status_errors),
    }


PY_CLIENT = """
import asyncio, json, sys, time
import httpx

async def main(url, token, body, concurrency, seconds):
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies, errors, failed = [], 0, 0
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:
        async def worker(stop):
            nonlocal errors
            nonlocal failed
            while time.perf_counter() < stop:
                t = time.perf_counter()
                try:
                    r = await client.post("/api/assign", content=body)
                except httpx.TransportError:
                    failed += 1
                    continue
                latencies.append(time.perf_counter() - t)
                errors += r.status_code // 100 != 2
        warm = time.perf_counter() + 2
        await asyncio.gather(*(worker(warm) for _ in range(concurrency)))
        latencies.clear()
        start = time.perf_counter()
        await asyncio.gather(*(worker(start + seconds) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    print(json.dumps({"requests": len(latencies), "rps": len(latencies) / elapsed, "p50_ms": q(0.5),
                      "p99_ms": q(0.99), "max_ms": latencies[-1] * 1000, "socket_errors": failed,
                      "non_2xx": errors}))

asyncio.run(main(sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read(), int(sys.argv[4]), float(sys.argv[5])))
"""


def run_python_client(port: int, token: str, body: Path, concurrency: int, seconds: float) -> dict[str, float]:
    args = [f"http://127.0.0.1:{port}", token, str(body), str(concurrency), str(seconds)]
    out = subprocess.run(
        [sys.executable, "-c", PY_CLIENT, *args], capture_output=True, text=True, check=True, timeout=seconds + 120
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def make_batch(parquet: Path, rows: int, out: Path) -> int:
    """A long-form CSV of ``rows`` rows: the build's features repeated under new customer ids."""
    import duckdb

    per_copy = int(duckdb.sql(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchall()[0][0])
    copies = -(-rows // per_copy)
    duckdb.sql(
        f"""COPY (SELECT customer_id || '~' || k AS customer_id, family, value, n
                  FROM read_parquet('{parquet}'), range({copies}) t(k)
                  ORDER BY k, customer_id, family, value LIMIT {rows})
            TO '{out}' (HEADER, DELIMITER ',')"""
    )
    return int(duckdb.sql(f"SELECT count(DISTINCT customer_id) FROM read_csv('{out}')").fetchall()[0][0])


def make_wide(parquet: Path, customers: int, out: Path) -> None:
    """A wide CSV of ``customers`` customers: one column per family, values joined by |, the demo's repeated."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"""CREATE TEMP TABLE wide AS PIVOT (SELECT customer_id, family, value FROM read_parquet('{parquet}'))
        ON family USING string_agg(value, '|' ORDER BY value)"""
    )
    n = int(con.execute("SELECT count(*) FROM wide").fetchall()[0][0])
    con.execute(
        f"""COPY (SELECT * REPLACE (customer_id || '~' || k AS customer_id) FROM wide, range({-(-customers // n)}) t(k)
                  ORDER BY k, customer_id LIMIT {customers}) TO '{out}' (HEADER, DELIMITER ',')"""
    )
    con.close()


def run_batch(port: int, token: str, csv_path: Path) -> tuple[float, int]:
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    start = time.perf_counter()
    lines = 0
    with (
        csv_path.open("rb") as fh,
        httpx.Client(timeout=300) as client,
        client.stream(
            "POST", f"http://127.0.0.1:{port}/api/assign/batch", headers=headers, content=fh.read()
        ) as response,
    ):
        if response.status_code != 200:
            raise SystemExit(f"batch: HTTP {response.status_code}: {response.read()[:300]!r}")
        for chunk in response.iter_bytes():
            lines += chunk.count(b"\n")
    return time.perf_counter() - start, lines - 1


def time_assign_file(config: Path, csv_path: Path, out: Path) -> float:
    from personacraft.config import load_config
    from personacraft.segment import assign_file
    from personacraft.store import Workspace

    start = time.perf_counter()
    with Workspace(load_config(config).workspace_path, read_only=True) as ws:
        assign_file(ws.run(), csv_path, out)
    return time.perf_counter() - start


def workers_list(text: str) -> tuple[int, ...]:
    """``1,2``: a comma-separated list of counts, each at least 1."""
    try:
        counts = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of counts") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: each count must be at least 1")
    return counts


def combine(runs: list[dict[str, float]]) -> dict[str, float]:
    """Rounds of one server at one level: medians of the rates and latencies, the worst max, the errors summed."""
    out = {key: float(statistics.median(r[key] for r in runs)) for key in ("rps", "p50_ms", "p99_ms")}
    out["max_ms"] = max(r["max_ms"] for r in runs)
    for key in ("requests", "socket_errors", "non_2xx"):
        out[key] = sum(r[key] for r in runs)
    return out


def print_levels(results: dict[str, dict[int, dict[str, float]]]) -> None:
    print(
        f"\n{'server':<22} {'concurrency':>11} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'socket err':>10} {'non-2xx':>7} {'of bare':>7}"
    )
    for name, levels in results.items():
        for level, r in levels.items():
            share = r["share"]
            print(
                f"{name:<22} {level:>11} {r['rps']:>11,.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
                f" {r['max_ms']:>8.1f} {r['socket_errors']:>10} {r['non_2xx']:>7} {share:>7.0%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, help="A built project (default: a fresh retail demo).")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds per concurrency level.")
    parser.add_argument(
        "--workers", type=workers_list, default=(1, 2), help="Worker counts of personacraft serve to measure (1,2)."
    )
    parser.add_argument("--levels", type=workers_list, default=LEVELS, help="Concurrency levels (1,8,64).")
    parser.add_argument(
        "--rounds", type=int, default=3, help="Runs per server and level, taken in turns (the median is printed)."
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="Rows of the batch CSV (0: no batch).")
    parser.add_argument("--wide", type=int, default=1_000_000, help="Customers of the wide-form batch CSV.")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-api-"))
    servers: dict[str, tuple[int, subprocess.Popen[str]]] = {}
    config: Path | None = None
    token: str | None = None
    try:
        config = args.config
        if config is None:
            print(f"building a retail demo of {args.customers:,} customers …", flush=True)
            config = build_demo(work / "demo", args.customers, args.seed, text_method="tfidf")
        config = config.resolve()
        parquet = features_file(config)
        body = work / "assign.json"
        body.write_text(json.dumps(one_customer(parquet)), encoding="utf-8")
        use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
        print(
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"load generator: {'wrk (1 thread, 2 s timeout)' if use_wrk else 'httpx asyncio'}; "
            f"{args.duration:g} s per level; {load()}"
        )
        token = make_token(config)
        bare = "bare FastAPI"
        port = free_port()
        servers[bare] = (port, start_bare(port))
        for n in args.workers:
            port = free_port()
            servers[f"personacraft, {n} worker{'s' if n > 1 else ''}"] = (port, start_server(config, port, n))
        print(f"\nPOST /api/assign (one customer, {body.stat().st_size} bytes)", flush=True)
        results: dict[str, dict[int, dict[str, float]]] = {name: {} for name in servers}
        run = run_wrk if use_wrk else run_python_client
        for level in args.levels:
            rounds: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
            for i in range(args.rounds):
                for name, (port, _) in servers.items():
                    r = run(port, token, body, level, args.duration)
                    rounds[name].append(r)
                    print(
                        f"  round {i + 1}, {name}, concurrency {level}: {r['rps']:,.0f} requests/s, "
                        f"p99 {r['p99_ms']:.2f} ms, {r['socket_errors']} socket errors, {r['non_2xx']} non-2xx; "
                        + load(),
                        flush=True,
                    )
            for name, runs in rounds.items():
                results[name][level] = combine(runs)
                # the share of the bare endpoint's requests/s in each round (its servers measured seconds apart), then
                # their median: a change of the machine's load between rounds cancels out
                shares = [r["rps"] / b["rps"] for r, b in zip(runs, rounds[bare], strict=True)]
                results[name][level]["share"] = float(statistics.median(shares))
        print(f"\nmedians of {args.rounds} round(s) (of bare: the median of the rounds' shares); errors: their sum")
        print_levels(results)
        print(load())
        if args.rows:
            port = servers[next(name for name in servers if name != bare)][0]
            csv_path = work / "batch.csv"
            customers = make_batch(parquet, args.rows, csv_path)
            size = csv_path.stat().st_size / 2**20
            print(f"\nPOST /api/assign/batch: {args.rows:,} rows ({customers:,} customers, {size:.1f} MiB CSV)")
            seconds, answered = run_batch(port, token, csv_path)
            print(f"  upload to last byte: {seconds:.1f} s, {answered:,} customers answered")
            wide_path = work / "wide.csv"
            make_wide(parquet, args.wide, wide_path)
            size = wide_path.stat().st_size / 2**20
            print(f"POST /api/assign/batch: {args.wide:,} customers in wide form ({size:.1f} MiB CSV)")
            wide_seconds, answered = run_batch(port, token, wide_path)
            print(f"  upload to last byte: {wide_seconds:.1f} s, {answered:,} customers answered")
        for _, proc in servers.values():
            stop(proc)
        servers.clear()
        if args.rows:
            print("personacraft assign on the same files (in-process, for comparison):")
            print(f"  long form: {time_assign_file(config, csv_path, work / 'cli.csv'):.1f} s")
            print(f"  wide form: {time_assign_file(config, wide_path, work / 'cli-wide.csv'):.1f} s")
    finally:
        for _, proc in servers.values():
            stop(proc)
        if config is not None and token is not None:
            drop_token(config)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
