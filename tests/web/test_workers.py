"""``personacraft serve --workers N``: a real server on loopback whose forked workers share the loaded run."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient

from personacraft.config import load_config
from personacraft.erasure import LOG_FILE, bump_generation, folder
from personacraft.pipeline import BuildResult
from personacraft.store import Workspace
from personacraft.web.app import create_app
from personacraft.web.auth import create_token
from personacraft.web.service import Service

Demo = tuple[Path, BuildResult]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PERSONACRAFT")}


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.fixture(scope="module")
def copied(web_demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The demo's config and workspace, copied (this test records erasures there), a read and an admin token."""
    root = tmp_path_factory.mktemp("workers")
    config = root / "personacraft.toml"
    shutil.copy2(web_demo[0], config)
    shutil.copytree(web_demo[0].parent / ".personacraft", root / ".personacraft")
    with Workspace(load_config(config).workspace_path) as ws:
        read = create_token(ws, "read", "workers-test")[0]
        admin = create_token(ws, "admin", "workers-admin")[0]
    return config, read, admin


def _start(config: Path) -> tuple[str, subprocess.Popen[str]]:
    """``personacraft serve --workers 2`` on a free loopback port, answering: its URL and process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = ["serve", "--config", str(config), "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "personacraft", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            httpx.get(base + "/api/personas", timeout=2)
            return base, proc
        except httpx.TransportError:
            if time.monotonic() > deadline:
                _stop(proc)
                raise AssertionError("the server did not start within 120 s") from None
            time.sleep(0.2)


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
    if proc.stdout:
        proc.stdout.close()


@pytest.fixture(scope="module")
def server(copied: tuple[Path, str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``personacraft serve --workers 2`` of the copied demo: its URL and process."""
    base, proc = _start(copied[0])
    try:
        yield base, proc
    finally:
        _stop(proc)


def _erasures(page: str) -> str:
    """What the health page says of the erasure requests."""
    found = re.search(r"(No|\d+) erasure requests? recorded", page)
    return found.group(0) if found else page[:300]


def _customers(web_demo: Demo, n: int) -> list[dict[str, Any]]:
    """``n`` demo customers as assign requests (their features, as features.parquet has them)."""
    parquet = web_demo[1].run_dir / "features.parquet"
    rows = duckdb.sql(
        f"""SELECT customer_id, family, value, n FROM read_parquet('{parquet}') WHERE customer_id IN
        (SELECT DISTINCT customer_id FROM read_parquet('{parquet}') ORDER BY customer_id LIMIT {n})"""
    ).fetchall()
    out: dict[str, dict[str, dict[str, float]]] = {}
    for cid, family, value, count in rows:
        out.setdefault(cid, {}).setdefault(family, {})[value] = float(count)
    return [{"customer_id": cid, "features": fam} for cid, fam in sorted(out.items())]


def test_workers_share_the_run(
    server: tuple[str, subprocess.Popen[str]], copied: tuple[Path, str, str], web_demo: Demo
) -> None:
    """Two workers answer as one process does, each sees a reload and a forget, a dead one is forked again, and
    SIGTERM stops them all."""
    base, proc = server
    workers = _children(proc.pid)
    assert len(workers) == 2, workers
    headers = {"Authorization": f"Bearer {copied[1]}"}
    bodies = _customers(web_demo, 40)
    with TestClient(create_app(Service(load_config(copied[0])))) as local:
        want = [local.post("/api/assign", headers=headers, json=b).json() for b in bodies]

    def ask(body: dict[str, Any]) -> Any:
        # a connection each, several at once: the kernel hands them to both workers
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            r = c.post("/api/assign", json=body)
            assert r.status_code == 200, r.text
            return r.json()

    def health(_: int) -> str:
        with httpx.Client(base_url=base, timeout=30) as c:
            return " ".join(c.get("/health").text.split())

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(ask, bodies))
        before = list(pool.map(health, range(24)))
    assert got == want and all(g["persona_id"] for g in got)
    assert all("No erasure request recorded" in page for page in before)

    # the health page counts the erasure records read with the run: a worker that did not read it again
    # would still show the count before
    workspace = load_config(copied[0]).workspace_path
    log = folder(workspace) / LOG_FILE
    log.parent.mkdir(parents=True, exist_ok=True)
    record = json.dumps({"at": "test", "people": 0, "keys": []}) + "\n"
    # POST /api/reload, answered by one worker, is seen by the other
    log.write_text(record, encoding="utf-8")
    reloaded = httpx.post(base + "/api/reload", headers={"Authorization": f"Bearer {copied[2]}"}, timeout=30)
    assert reloaded.status_code == 200, reloaded.text
    with ThreadPoolExecutor(8) as pool:
        after_reload = list(pool.map(health, range(24)))
    assert all("1 erasure request recorded" in page for page in after_reload), {_erasures(p) for p in after_reload}
    # a forget: an erasure record, and the counter bumped; every worker checks the counter
    log.write_text(record * 2, encoding="utf-8")
    bump_generation(workspace)
    with ThreadPoolExecutor(8) as pool:
        after_forget = list(pool.map(health, range(24)))
    assert all("2 erasure requests recorded" in page for page in after_forget), {_erasures(p) for p in after_forget}

    # a worker that dies is forked again
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while len(now := _children(proc.pid)) < 2 or workers[0] in now:
        assert time.monotonic() < deadline, "the worker was not forked again"
        time.sleep(0.1)
    assert ask(bodies[0]) == want[0]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    out = proc.stdout.read() if proc.stdout else ""
    assert "forking another" in out and "Traceback" not in out, out
    assert not any(Path(f"/proc/{pid}").exists() for pid in [*workers, *now])


def test_workers_die_with_the_server(copied: tuple[Path, str, str]) -> None:
    """A server killed outright (SIGKILL: no chance to stop its workers) leaves no worker behind."""
    _, proc = _start(copied[0])
    try:
        workers = _children(proc.pid)
        assert len(workers) == 2, workers
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 60
        while alive := [pid for pid in workers if _running(pid)]:
            assert time.monotonic() < deadline, f"workers {alive} outlived the server"
            time.sleep(0.2)
    finally:
        _stop(proc)


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("value", ["0", "-2", "65", "two"])
def test_bad_workers_value(web_demo: Demo, value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "personacraft", "serve", "--config", str(web_demo[0]), "--workers", value],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    message = " ".join(result.stderr.split())
    assert result.returncode == 2, result.stderr
    assert "--workers" in message and ("1 to 64" in message if value != "two" else "valid integer" in message)
    assert f"--workers {value}:" in message or value == "two"
    assert "Traceback" not in result.stderr + result.stdout
