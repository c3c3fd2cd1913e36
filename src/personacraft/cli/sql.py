"""``personacraft sql``: print the feature SQL of a config in a warehouse's dialect."""

from __future__ import annotations

from pathlib import Path

import typer


def sql(
    dialect: str = typer.Option(
        "duckdb", "--dialect", help="bigquery, snowflake, spark or duckdb (BigQuery and Snowflake are not run in CI)."
    ),
    config: Path | None = typer.Option(
        None, "--config", help="The config whose settings fill the SQL (default: personacraft.toml if present)."
    ),
) -> None:
    """Print the SQL that computes the per-customer feature tables, to run where the data lives (docs/sql.md)."""
    from personacraft.config import Config, load_config
    from personacraft.features.warehouse import feature_script

    if config is None and Path("personacraft.toml").is_file():
        config = Path("personacraft.toml")
    cfg = load_config(config) if config is not None else Config()
    print(feature_script(cfg, dialect.lower()), end="")
