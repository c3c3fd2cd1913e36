"""``personacraft forget``: remove people from every table, run and file, and keep them out of later builds."""

from __future__ import annotations

from pathlib import Path

import typer

from personacraft.cli.common import console


def forget(
    keys: list[str] = typer.Argument(None, help="Emails, phones or source ids of the people to forget."),
    file: Path | None = typer.Option(None, "--file", help="A CSV list of keys, one per line (a header is allowed)."),
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    out: Path | None = typer.Option(
        None, "--out", help="The output folder the builds published to, if not out/ beside the config."
    ),
) -> None:
    """Forget people (GDPR article 17, CCPA deletion): their rows in every run, their files, their quotes.

    Exit 0 when at least one key named someone (keys not found are listed); exit 8 when none did."""
    from personacraft.config import load_config
    from personacraft.errors import ConfigError
    from personacraft.forget import forget as run_forget
    from personacraft.forget.people import read_list

    given = list(keys or [])
    if file is not None:
        given += read_list(file)
    if not given:
        raise ConfigError("forget: name at least one email, phone or id, or a list with --file.")
    cfg = load_config(config)
    report = run_forget(cfg, given, out)
    missing = [n for n, ok in enumerate(report.found, start=1) if not ok]
    total = sum(report.rows.values())
    console.print(
        f"Forgot {report.people} customer(s): {total:,} rows from {len(report.rows)} tables, "
        f"{len(report.files)} run folder(s) rewritten; they stay out of later builds (suppression list)."
    )
    if missing:
        console.print(
            f"{len(missing)} of {len(given)} key(s) named nobody (key number {', '.join(map(str, missing))}); "
            "nothing was removed for them."
        )
    console.print(f"Erasure record appended to {cfg.workspace_path.parent / 'erasures.jsonl'} (hashes only).")
