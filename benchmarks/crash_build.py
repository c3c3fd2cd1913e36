"""Kill builds with SIGKILL at random moments and check that nothing is lost; print how many kills passed.

    .venv/bin/python benchmarks/crash_build.py                              # 30 kills, 20,000 customers
    .venv/bin/python benchmarks/crash_build.py --customers 2000 --kills 5   # what `make test` runs

It writes the retail demo, builds it once (the last good run), then, ``--kills`` times: starts
``personacraft build`` and kills it with SIGKILL after a random delay (seeded) spread over the
length of a whole build, so that kills land in every stage. After each kill it checks:

1. the workspace opens and ``personacraft runs`` lists the killed run as ``killed``;
2. ``out/`` holds the last good run, byte for byte: every file at the top of ``out/`` and under
   ``out/report`` and ``out/activation`` equals the one in that run's folder ``out/runs/<id>``,
   and nothing else is there (a kill after the run was marked succeeded makes that run the last
   good one; its outputs must then be in place whole);
3. ``personacraft serve`` answers on loopback, from the last good run;
4. the next build succeeds (it becomes the last good run).

Prints one line per kill (the delay, the step the build had reached, each check), how many kills landed in
each step, and the count.
Exit status 1 when any kill fails a check.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from personacraft.pipeline.outputs import FOLDERS, OUTPUTS

CLI = [sys.executable, "-m", "personacraft"]
STEP = re.compile(r"^\[\d\d:\d\d:\d\d\] (.+)$", re.MULTILINE)  # a build's progress line on stderr


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]


def runs_of(config: Path) -> list[dict[str, str]]:
    """The workspace's runs as ``personacraft runs --json`` prints them (which also cleans up after a kill)."""
    out = run([*CLI, "runs", "--config", str(config), "--json"])
    if out.returncode != 0:
        raise RuntimeError(f"personacraft runs failed: {out.stderr.strip()[-400:]}")
    return list(json.loads(out.stdout))


def same_tree(a: Path, b: Path) -> list[str]:
    """Files that differ between folders ``a`` and ``b`` (missing on either side, or other bytes)."""
    diff = []
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    diff += [f"only in out/: {p}" for p in sorted(files_a - files_b)]
    diff += [f"missing from out/: {p}" for p in sorted(files_b - files_a)]
    diff += [str(p) for p in sorted(files_a & files_b) if not filecmp.cmp(a / p, b / p, shallow=False)]
    return diff


def out_matches(out: Path, run_id: str) -> list[str]:
    """What in ``out/`` differs from the run's own folder: the top files and the published folders."""
    run_dir = out / "runs" / run_id
    diff = []
    for name in OUTPUTS:
        mine, theirs = out / name, run_dir / name
        if mine.exists() != theirs.exists():
            diff.append(f"{name}: {'present' if mine.exists() else 'missing'} in out/")
        elif mine.exists() and not filecmp.cmp(mine, theirs, shallow=False):
            diff.append(f"{name}: other bytes")
    for folder in FOLDERS:
        diff += [f"{folder}/{d}" for d in same_tree(out / folder, run_dir / folder)]
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    diff += [f"left over: {name}" for name in leftovers]
    return diff


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_answers(config: Path, run_id: str) -> str | None:
    """Start ``personacraft serve`` on loopback; None when its home page names ``run_id``, else what went wrong."""
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--config", str(config), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return f"serve exited: {(proc.stderr.read() if proc.stderr else '')[-300:]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/runs", timeout=5) as resp:
                    page = resp.read().decode("utf-8")
                return None if run_id in page else f"the page does not name run {run_id}"
            except OSError:
                time.sleep(0.3)
        return "serve did not answer within 60 s"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def timed_build(config: Path) -> float:
    start = time.perf_counter()
    out = run([*CLI, "build", "--config", str(config)])
    if out.returncode != 0:
        raise RuntimeError(f"the build failed: {out.stderr.strip()[-600:]}")
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7, help="seed of the kill moments")
    ap.add_argument("--dir", type=Path, default=Path("bench-out") / "crash")
    args = ap.parse_args()
    folder = args.dir.resolve() / f"retail-{args.customers}"
    config = folder / "personacraft.toml"
    out = folder / "out"
    if not config.exists():
        made = run([*CLI, "demo", "--dir", str(folder), "--customers", str(args.customers), "--seed", "1"])
        if made.returncode != 0:
            raise SystemExit(made.stderr)
    whole = timed_build(config)
    print(f"# {args.customers:,} customers; a whole build takes {whole:.1f} s; {args.kills} kills, seed {args.seed}")
    rng = random.Random(args.seed)
    passed = 0
    steps: dict[str, int] = {}  # the step each kill landed in, in the order first seen
    for k in range(1, args.kills + 1):
        good = next(r["run_id"] for r in runs_of(config) if r["status"] == "succeeded")
        delay = rng.uniform(0.5, whole * 1.05)
        proc = subprocess.Popen(
            [*CLI, "build", "--config", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        _, log = proc.communicate()
        reached = STEP.findall(log or "")
        step = reached[-1].strip() if reached else "starting up"
        where = "(the build had finished)" if finished else step
        steps[where] = steps.get(where, 0) + 1
        problems = []
        try:
            listed = runs_of(config)
        except (RuntimeError, ValueError) as exc:
            listed, problems = [], [f"runs: {exc}"]
        newest = listed[0] if listed else {}
        if not finished and newest.get("status") not in ("killed", "succeeded"):
            problems.append(f"the newest run is {newest.get('status')!r}, not listed as killed")
        good = next((r["run_id"] for r in listed if r["status"] == "succeeded"), good)
        problems += out_matches(out, good)[:5]
        answer = serve_answers(config, good)
        if answer:
            problems.append(answer)
        try:
            timed_build(config)
        except RuntimeError as exc:
            problems.append(str(exc))
        passed += not problems
        state = (
            "finished before the kill"
            if finished
            else f"killed in {step!r}, run {newest.get('run_id')} {newest.get('status')}"
        )
        print(f"kill {k:>2}: after {delay:5.1f} s, {state}: {'ok' if not problems else '; '.join(problems)}")
        sys.stdout.flush()
    print("# where the kills landed (the step the build had reached):")
    for step, count in steps.items():
        print(f"#   {count:>3}  {step}")
    print(f"{passed} of {args.kills} kills left a workspace that opens, out/ whole, serve answering, the next build ok")
    return 0 if passed == args.kills else 1


if __name__ == "__main__":
    raise SystemExit(main())
