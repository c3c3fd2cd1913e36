"""Shared by the benchmarks that need a built demo: generate it and build it with the CLI.

Both steps run in their own processes, as a user runs them, so the benchmark's own process
has not imported the pipeline (its memory and import time stay its own).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "personacraft"]


def build_demo(
    folder: Path, customers: int, seed: int, *, kind: str = "retail", text_method: str | None = None
) -> Path:
    """Write a demo under ``folder`` and build it; return its config. ``text_method``: ``[text] method``."""
    subprocess.run(
        [*CLI, "demo", "--dir", str(folder), "--kind", kind, "--customers", str(customers), "--seed", str(seed)],
        check=True,
        capture_output=True,
    )
    config = folder / "personacraft.toml"
    if text_method:
        text = config.read_text(encoding="utf-8")
        config.write_text(text + f'\n[text]\nmethod = "{text_method}"\n', encoding="utf-8")
    subprocess.run([*CLI, "build", "--config", str(config)], check=True, capture_output=True)
    return config
