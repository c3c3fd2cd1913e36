"""Crash safety end to end: builds killed with SIGKILL, two builds at once, and a build on a full disk.

Each test runs real ``personacraft`` processes on a retail demo with TF-IDF themes (fast). The kill
test is ``benchmarks/crash_build.py`` at 2,000 customers and 5 kills (docs/crash-safety.md).
"""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import tfidf_demo

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "personacraft"]


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, check=False)


def runs(config: Path) -> list[dict[str, Any]]:
    done = cli("runs", "--config", str(config), "--json")
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def out_is_run(out: Path, run_id: str) -> None:
    """The top of ``out/`` holds run ``run_id`` whole: its files and report, and nothing half-published."""
    run_dir = out / "runs" / run_id
    for name in ("personas.json", "assignments.csv", "accounting.json"):
        assert filecmp.cmp(out / name, run_dir / name, shallow=False), name
    report = filecmp.dircmp(out / "report", run_dir / "report")
    assert not (report.left_only or report.right_only or report.diff_files)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_five_kills_at_2000_customers_leave_everything_whole(tmp_path: Path) -> None:
    config = tfidf_demo(tmp_path / "retail-2000", "retail", 2000, 1)
    # k pinned and no PDF cards: 6 builds fit the suite (crash safety is tested; the benchmark builds everything)
    config.write_text(light(config, k=5), encoding="utf-8")
    script = str(ROOT / "benchmarks" / "crash_build.py")
    done = subprocess.run(
        [sys.executable, script, "--customers", "2000", "--kills", "5", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 of 5 kills" in done.stdout
    assert done.stdout.count(": ok") == 5


def light(config: Path, *, k: int = 3) -> str:
    """``config``'s text with no PDF cards and k pinned: what these tests build fast (crash safety is tested)."""
    text = config.read_text(encoding="utf-8").replace("[report]\n", '[report]\ncard_formats = ["html", "md", "json"]\n')
    return text + f"\n[segment]\nk = {k}\n"


def test_two_builds_at_once_one_runs_the_other_names_it(tmp_path: Path) -> None:
    config = tfidf_demo(tmp_path / "demo", "retail", 600, 1)
    config.write_text("lock_wait = 0\n" + light(config), encoding="utf-8")
    procs = [
        subprocess.Popen(
            [*CLI, "build", "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 11], results
    _, _, err = next(r for r in results if r[0] == 11)
    assert "the workspace is in use by pid" in err and "Traceback" not in err
    listed = runs(config)
    assert [r["status"] for r in listed] == ["succeeded"]  # the one that waited never started a run
    out_is_run(tmp_path / "demo" / "out", listed[0]["run_id"])
    # the run's summary says where its time went: every step, in order, each timed
    seconds = listed[0]["summary"]["seconds"]
    steps = list(seconds)
    assert steps[0] == "Checking sources" and steps[-1] == "Writing outputs", steps
    assert any(s.startswith("Reading ") for s in steps) and "Finding themes in the texts" in steps
    assert all(v >= 0 for v in seconds.values()) and sum(seconds.values()) > 0


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MiB tmpfs mounted under ``tmp_path`` (skipped where mounting is not permitted)."""
    disk = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    disk.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command here: the full-disk test needs a small file system")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here ({done.stderr.strip()}): the full-disk test needs one")
    # never fill anything but the small file system: the test writes until it is full
    assert shutil.disk_usage(disk).total <= 80 << 20, "the tmpfs is not mounted where the test would fill it"
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_stops_the_build_clearly_and_keeps_the_last_good_run(small_disk: Path) -> None:
    config = tfidf_demo(small_disk / "demo", "retail", 300, 1)
    config.write_text(light(config), encoding="utf-8")
    first = cli("build", "--config", str(config))
    assert first.returncode == 0, first.stderr
    good = runs(config)[0]["run_id"]
    out = small_disk / "demo" / "out"
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    # fill the disk, leaving less than a run needs
    usage = shutil.disk_usage(small_disk)
    assert usage.total <= 80 << 20  # still the 64 MiB tmpfs
    with (small_disk / "filler").open("wb") as fh:
        fh.write(b"\0" * max(usage.free - (256 << 10), 0))
    second = cli("build", "--config", str(config))
    assert second.returncode == 12, second.stdout + second.stderr
    assert "No space left on the device" in second.stderr and "the last good run is kept" in second.stderr
    assert "Traceback" not in second.stderr
    (small_disk / "filler").unlink()
    listed = runs(config)
    assert next(r["run_id"] for r in listed if r["status"] == "succeeded") == good
    assert listed[0]["status"] in ("failed", "killed")
    after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before  # out/ and the last good run's folder, byte for byte
    third = cli("build", "--config", str(config))
    assert third.returncode == 0, third.stderr


def test_keep_runs_leaves_two_runs_and_the_workspace_shrinks(tmp_path: Path) -> None:
    config = tfidf_demo(tmp_path / "demo", "retail", 400, 1)
    text = light(config)
    config.write_text(text, encoding="utf-8")
    for _ in range(3):
        assert cli("build", "--config", str(config)).returncode == 0
    workspace = tmp_path / "demo" / ".personacraft" / "workspace.duckdb"
    before = workspace.stat().st_size
    assert len(runs(config)) == 3
    # retention in the config applies after the next build
    config.write_text(text + "\n[privacy]\nkeep_runs = 2\n", encoding="utf-8")
    assert cli("build", "--config", str(config)).returncode == 0
    listed = runs(config)
    assert [r["status"] for r in listed] == ["succeeded", "succeeded"]
    kept = {r["run_id"] for r in listed}
    assert {p.name for p in (tmp_path / "demo" / "out" / "runs").iterdir()} == kept
    assert workspace.stat().st_size < before  # four runs' tables before the build, two after: compacted
    out_is_run(tmp_path / "demo" / "out", listed[0]["run_id"])
    # on demand, with a flag; nothing to prune is said so; no rule at all is a clear error
    pruned = cli("runs", "prune", "--config", str(config), "--keep-runs", "1")
    assert pruned.returncode == 0 and f"({listed[1]['run_id']})" in pruned.stderr, pruned.stderr
    assert [r["run_id"] for r in runs(config)] == [listed[0]["run_id"]]
    again = cli("runs", "prune", "--config", str(config), "--keep-runs", "1")
    assert again.returncode == 0 and "Nothing to prune" in again.stderr
    config.write_text(text, encoding="utf-8")
    none = cli("runs", "prune", "--config", str(config))
    assert none.returncode == 2 and "keep_runs" in none.stderr and "Traceback" not in none.stderr
    config.write_text(text + "\n[privacy]\nkeep_runs = -1\n", encoding="utf-8")
    bad = cli("runs", "prune", "--config", str(config))
    assert bad.returncode == 2 and "keep_runs must be a whole number of at least 0, got -1" in bad.stderr
