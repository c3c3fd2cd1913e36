"""Synthetic companies with planted personas, written in real vendor export formats."""

from __future__ import annotations

from pathlib import Path

from personacraft.errors import ConfigError

KINDS = ("retail", "saas")


def generate(kind: str, out_dir: Path, customers: int, seed: int) -> dict[str, Path]:
    """Write a demo company's exports, its config and its ground truth under ``out_dir``."""
    if customers < 50:
        raise ConfigError(f"--customers must be at least 50, got {customers}.")
    if kind == "retail":
        from personacraft.demo import retail

        return retail.generate(out_dir, customers=customers, seed=seed)
    if kind == "saas":
        from personacraft.demo import saas

        return saas.generate(out_dir, customers=customers, seed=seed)
    raise ConfigError(f'unknown demo kind "{kind}"; available: {", ".join(KINDS)}.')
