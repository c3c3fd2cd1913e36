"""Synthetic companies with planted personas, written in real vendor export formats."""

from __future__ import annotations

from pathlib import Path

from personacraft.demo.chunks import ChunkProgress
from personacraft.errors import ConfigError

KINDS = ("retail", "saas")


def generate(
    kind: str,
    out_dir: Path,
    customers: int,
    seed: int,
    months: int = 1,
    progress: ChunkProgress | None = None,
    says_does: bool = True,
) -> dict[str, Path]:
    """Write a demo company's exports, its config and its ground truth under ``out_dir``.

    ``months=2`` (retail only) writes two monthly snapshots with planted changes. The retail demo is
    written in chunks of customers (bounded memory); ``progress(done, total)`` is told after each.
    """
    if customers < 50:
        raise ConfigError(f"--customers must be at least 50, got {customers}.")
    if months != 1 and kind != "retail":
        raise ConfigError(f"--months {months} is available for the retail demo only (--kind retail).")
    if kind == "retail":
        from personacraft.demo import retail

        return retail.generate(
            out_dir, customers=customers, seed=seed, months=months, progress=progress, says_does=says_does
        )
    if kind == "saas":
        from personacraft.demo import saas

        return saas.generate(out_dir, customers=customers, seed=seed)
    raise ConfigError(f'unknown demo kind "{kind}"; available: {", ".join(KINDS)}.')
