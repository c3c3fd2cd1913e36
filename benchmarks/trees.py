"""Run personacraft from another commit beside the working tree: a git worktree and its command line.

Shared by the side-by-side benchmarks (``same_outputs.py``, ``bench_build.py --base``): each
tree's code runs in its own process with ``PYTHONPATH`` pointing at that tree's ``src``, so two
versions are compared on one machine, on one input, in one run.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached checkout of ``rev`` in a temporary folder, removed afterwards; yields its ``src``."""
    folder = Path(tempfile.mkdtemp(prefix="personacraft-base-")) / "tree"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(folder), rev], check=True)
    try:
        yield folder / "src"
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)], check=False)


def env_for(src: Path) -> dict[str, str]:
    """The environment that makes ``python -m personacraft`` import the code under ``src``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def personacraft(src: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line of the code under ``src``; raise with its stderr when it fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "personacraft", *args], env=env_for(src), capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"personacraft {' '.join(args)} ({src}) failed:\n{proc.stderr}")
    return proc
