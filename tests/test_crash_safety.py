"""Crash safety: the workspace lock (held, waited for, taken over from a dead holder), killed runs, and publishing.

The lock is tried across real processes (a holder started with ``subprocess`` and killed with
SIGKILL); publishing is cut short by hand at each of its steps and then recovered.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from personacraft import locking, upkeep
from personacraft.errors import WorkspaceBusyError
from personacraft.pipeline import outputs, recover
from personacraft.store import Workspace

HOLD = """
import sys, time
from personacraft.store import Workspace
ws = Workspace(sys.argv[1])
ws.new_run(config_hash="x", config={}, inputs=[], version="t", out_dir=sys.argv[2])
print("held", flush=True)
time.sleep(120)
"""


def hold(workspace: Path, out: Path) -> subprocess.Popen[str]:
    """A process that opens ``workspace`` for writing, starts a run and sleeps (until killed)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(workspace), str(out / "runs")], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_waits_then_stops_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "ws" / "workspace.duckdb"
    proc = hold(path, tmp_path / "out")
    try:
        started = time.monotonic()
        with pytest.raises(WorkspaceBusyError) as err:
            Workspace(path, wait=1.0)
        assert time.monotonic() - started >= 1.0  # it waited
        message = str(err.value)
        assert f"pid {proc.pid}" in message and "lock_wait" in message and "since" in message
        assert err.value.exit_code == 11
        assert locking.holder(path)["pid"] == proc.pid  # type: ignore[index]
        # a reader is told who writes instead of DuckDB's lock message alone
        with pytest.raises(Exception, match=f"pid {proc.pid}"):
            Workspace(path, read_only=True)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]


def test_a_killed_holder_leaves_a_lock_the_next_writer_takes_and_its_run_is_marked_killed(tmp_path: Path) -> None:
    path = tmp_path / "ws" / "workspace.duckdb"
    out = tmp_path / "out"
    proc = hold(path, out)
    (out / "runs" / ".0001-x.partial").mkdir(parents=True)  # what a killed build leaves half-written
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()  # type: ignore[union-attr]
    assert locking.holder(path) is None  # the kernel released the dead process's lock
    with Workspace(path, wait=0) as ws:
        assert ws.lock is not None and ws.lock.previous is not None and ws.lock.previous["pid"] == proc.pid
        done = recover(ws, out)
        (run,) = ws.runs()
        assert run["status"] == "killed" and f"pid {proc.pid}" in run["error"]
        assert not ws.con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'run_0001'").fetchall()[0][
            0
        ]
    assert any("killed" in line for line in done)
    assert not (out / "runs" / ".0001-x.partial").exists()
    # the lock is re-entrant within a process, and a nested writer does not mark the outer run killed
    with Workspace(path) as outer:
        run = outer.new_run(config_hash="y", config={}, inputs=[], version="t")
        with Workspace(path) as inner:
            assert upkeep.mark_killed(inner) == []
        assert {r["run_id"]: r["status"] for r in outer.runs()}[run.run_id] == "running"
    assert locking.holder(path) is None


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _run_folder(out: Path, run_id: str, text: str, *, icp: bool) -> Path:
    run_dir = out / "runs" / run_id
    for folder in outputs.FOLDERS:
        (run_dir / folder / "cards").mkdir(parents=True)
        (run_dir / folder / "index.html").write_text(f"{folder} {text}", encoding="utf-8")
        (run_dir / folder / "cards" / "p1.md").write_text(f"card {text}", encoding="utf-8")
    for name in ("personas.json", "assignments.csv", *(["icp.json"] if icp else [])):
        (run_dir / name).write_text(f"{name} {text}", encoding="utf-8")
    return run_dir


def _published(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in _tree(out).items() if not k.startswith("runs")}


@pytest.mark.parametrize("cut", ["before finish", "after finish", "mid swap"])
def test_publishing_cut_short_leaves_one_whole_run(tmp_path: Path, cut: str) -> None:
    out = tmp_path / "out"
    old = _run_folder(out, "0001", "old", icp=True)
    outputs.publish(old, out, "0001")
    before = _published(out)
    assert before["icp.json"] == b"icp.json old" and not (out / outputs.JOURNAL).exists()
    new = _run_folder(out, "0002", "new", icp=False)
    outputs.stage(new, out, "0002")
    assert _published(out).keys() >= before.keys()  # staged beside, nothing replaced yet
    if cut == "mid swap":  # the process died after the first renames
        (out / outputs.STAGE / "personas.json").replace(out / "personas.json")
        (out / "report").rename(out / ".report.old")
    succeeded = cut != "before finish"
    outputs.recover(out, lambda run_id: succeeded and run_id == "0002")
    after = _published(out)
    if succeeded:  # the new run is whole in out/, and the old run's icp.json (the new one has none) is gone
        assert after == {k: v for k, v in _tree(new).items()}
    else:  # out/ is the old run, byte for byte
        assert after == before
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_recover_with_nothing_left_does_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert outputs.recover(out, lambda _r: True) is None
    (out / outputs.JOURNAL).write_text(json.dumps({"run_id": "9", "files": []}), encoding="utf-8")
    assert outputs.recover(out, lambda _r: False) == "dropped the outputs of run 9, which did not finish"


def test_retention_keeps_the_newest_succeeded_runs_and_anything_newer() -> None:
    now = datetime(2026, 12, 5)
    runs = [  # newest first, as Workspace.runs lists them
        {"run_id": "5", "seq": 5, "status": "failed", "created_at": now},
        {"run_id": "4", "seq": 4, "status": "succeeded", "created_at": now - timedelta(days=1)},
        {"run_id": "3", "seq": 3, "status": "killed", "created_at": now - timedelta(days=2)},
        {"run_id": "2", "seq": 2, "status": "succeeded", "created_at": now - timedelta(days=40)},
        {"run_id": "1", "seq": 1, "status": "succeeded", "created_at": now - timedelta(days=90)},
    ]
    gone = lambda n, d: [r["run_id"] for r in upkeep.expired(runs, n, d, now)]  # noqa: E731
    assert gone(2, 0) == ["1"]
    assert gone(1, 0) == ["3", "2", "1"]
    assert gone(0, 30) == ["2", "1"]
    assert gone(0, 0) == []
    # the newest succeeded run stays, however old
    assert gone(0, 1) == ["3", "2", "1"] and "4" not in gone(0, 1)
    old = [{**r, "created_at": now - timedelta(days=400)} for r in runs]
    assert [r["run_id"] for r in upkeep.expired(old, 0, 30, now)] == ["5", "3", "2", "1"]
